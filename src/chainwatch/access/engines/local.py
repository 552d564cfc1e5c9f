"""The reference engine: stream batches through ``enrich_batch``, in order.

``run_blocks`` does the same from raw bytes: each worker parses a block of whole log lines
(``parse_block``, columnar for the combined layouts) and enriches it, so parsing also runs on
every core; the parent only reads, stores and commits.

With ``workers > 1`` batches go to a process pool (access-logs §5.3: Arrow batches and numpy
kernels, one process per core). The context is pickled once in the parent and unpickled once
per worker by the pool initializer, so a registry snapshot and an ``IpIntel`` (which pickles
by path and re-opens its memory-mapped tables) are not re-sent with every batch. At most
``2 × workers`` batches are in flight, so memory stays bounded however long the input is.
Workers start with ``forkserver`` (``spawn`` where unavailable): forking a process that already
runs Arrow or DuckDB threads can deadlock. As with any such pool, a script calling
``run_local(..., workers=2)`` needs the ``if __name__ == "__main__":`` guard, or each worker
re-runs the script's top level.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pyarrow as pa

from chainwatch.access.batch import enrich_batch
from chainwatch.access.context import EnrichContext
from chainwatch.access.formats.base import ParseReport
from chainwatch.rejects import Reject

_WORKER_CTX: EnrichContext | None = None
_WORKER_FORMAT: Any = None
T = TypeVar("T")
Sink = Callable[[int, pa.Table], Any]


def _start_worker(ctx_bytes: bytes, fmt: tuple[str, dict[str, Any]] | None = None) -> None:
    global _WORKER_CTX, _WORKER_FORMAT
    _WORKER_CTX = pickle.loads(ctx_bytes)
    if fmt is not None:
        from chainwatch.access.formats.registry import get_format

        _WORKER_FORMAT = get_format(fmt[0], **fmt[1])


def _enrich_in_worker(batch: pa.RecordBatch) -> pa.RecordBatch:
    assert _WORKER_CTX is not None, "worker started without its context"
    return enrich_batch(batch, _WORKER_CTX)


def _context() -> multiprocessing.context.BaseContext:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def run_local(
    batches: Iterable[pa.RecordBatch],
    ctx: EnrichContext,
    *,
    workers: int | None = os.cpu_count(),
) -> Iterator[pa.RecordBatch]:
    """Enriched batches in input order; ``workers`` ≤ 1 (or None) runs in this process."""
    if not workers or workers <= 1:
        for batch in batches:
            yield enrich_batch(batch, ctx)
        return
    yield from _pooled(_enrich_in_worker, batches, workers, (_pickled(ctx),))


@dataclass
class BlockResult:
    """One block of log lines, parsed and enriched: what the ingest stores and commits."""

    first_line: int
    last_line: int
    batch: pa.RecordBatch | None  # ENRICHED_SCHEMA; None when a sink stored it in the worker
    rows: int = 0
    rejects: list[Reject] = field(default_factory=list)
    stored: list[Any] = field(default_factory=list)  # what the sink returned (pending files)
    warnings: list[str] = field(default_factory=list)
    replaced_bytes: int = 0
    cpu_s: float = 0.0  # CPU time the block took in its process (pool workers included)


def parse_enrich_block(
    parser: Any,
    ctx: EnrichContext,
    source_id: str,
    first_line: int,
    block: bytes,
    index: int = 0,
    sink: Sink | None = None,
) -> BlockResult:
    """Parse a block of whole lines with ``parser.parse_block``, then ``enrich_batch`` it.

    With a ``sink`` the enriched batch is handed to ``sink(index, table)`` here, in the worker
    (the ingest writes its Parquet chunk there), and only counts go back to the parent.
    """
    started = time.process_time()
    report = ParseReport(file=source_id, format=parser.name)
    events = parser.parse_block(block, first_line, source_id, report)
    enriched = enrich_batch(events, ctx)
    stored = sink(index, pa.Table.from_batches([enriched])) if sink is not None else None
    return BlockResult(
        first_line,
        first_line + count_lines(block) - 1,
        None if sink is not None else enriched,
        enriched.num_rows,
        report.rejects,
        list(stored or []),
        report.warnings,
        report.replaced_bytes,
        time.process_time() - started,
    )


def _block_in_worker(job: tuple[str, int, bytes, int, Sink | None]) -> BlockResult:
    assert _WORKER_CTX is not None, "worker started without its context"
    return parse_enrich_block(_WORKER_FORMAT, _WORKER_CTX, *job)


def run_blocks(
    blocks: Iterable[tuple[int, bytes]],
    fmt: tuple[str, dict[str, Any]],
    source_id: str,
    ctx: EnrichContext,
    *,
    workers: int | None = os.cpu_count(),
    sink: Sink | None = None,
) -> Iterator[BlockResult]:
    """Parse and enrich blocks of log lines (``iter_line_blocks``), results in input order.

    ``fmt`` is the format's registry name and options: each worker builds its own parser.
    ``sink`` (picklable, called as ``sink(block index, table)``) stores each enriched block
    in the worker that made it, so the batches never travel back through the pool's pipes.
    """
    jobs = ((source_id, first, block, k, sink) for k, (first, block) in enumerate(blocks))
    if not workers or workers <= 1:
        from chainwatch.access.formats.registry import get_format

        parser = get_format(fmt[0], **fmt[1])
        for job in jobs:
            yield parse_enrich_block(parser, ctx, *job)
        return
    yield from _pooled(_block_in_worker, jobs, workers, (_pickled(ctx), fmt))


def count_lines(block: bytes) -> int:
    from chainwatch.access.formats.columnar import count_newlines

    return count_newlines(block) + (0 if not block or block.endswith(b"\n") else 1)


def _pickled(ctx: EnrichContext) -> bytes:
    return pickle.dumps(ctx, protocol=pickle.HIGHEST_PROTOCOL)


def _pooled(
    fn: Callable[[Any], T], jobs: Iterable[Any], workers: int, initargs: tuple[Any, ...]
) -> Iterator[T]:
    """``fn`` over ``jobs`` in a process pool, results in order, at most 2 per worker queued."""
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_context(),
        initializer=_start_worker,
        initargs=initargs,
    ) as pool:
        pending: deque[Future[T]] = deque()
        for job in jobs:
            pending.append(pool.submit(fn, job))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
