"""The reference engine: stream batches through ``enrich_batch``, in order.

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
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor

import pyarrow as pa

from chainwatch.access.batch import enrich_batch
from chainwatch.access.context import EnrichContext

_WORKER_CTX: EnrichContext | None = None


def _start_worker(ctx_bytes: bytes) -> None:
    global _WORKER_CTX
    _WORKER_CTX = pickle.loads(ctx_bytes)


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
    payload = pickle.dumps(ctx, protocol=pickle.HIGHEST_PROTOCOL)
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_context(),
        initializer=_start_worker,
        initargs=(payload,),
    ) as pool:
        pending: deque[Future[pa.RecordBatch]] = deque()
        for batch in batches:
            pending.append(pool.submit(_enrich_in_worker, batch))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
