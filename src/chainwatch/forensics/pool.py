"""The scan's process pool: one long-lived worker per core, each with a memory limit, and a
per-file wall-clock limit enforced from outside by killing the worker.

``concurrent.futures`` cannot kill one stuck task without breaking the whole pool, so this
is a small pool of our own: the parent hands one file at a time to each worker over a pipe
and waits with a timeout. A worker that passes ``timeout_s`` is killed and replaced, and its
file becomes a reject ("timeout: …"); a worker that dies (a C library crash, the kernel's
OOM killer) becomes a reject ("worker died: …"). Either way the scan carries on with the
next file. Workers set ``RLIMIT_AS`` so a runaway allocation raises ``MemoryError`` inside
the worker (a reject "memory limit: …") instead of swapping the machine.

Workers come from a ``forkserver`` that preloads the forensics modules: forks are cheap and
never inherit the parent's threads (Rich's progress refresher, database pools).
"""

from __future__ import annotations

import multiprocessing as mp
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING

from chainwatch.rejects import Reject

if TYPE_CHECKING:  # imported where used: start_forkserver runs before the extractors load
    from chainwatch.forensics.inspect import Inspection, InspectOptions

PRELOAD = ["chainwatch.forensics.preload"]


@dataclass(frozen=True)
class Task:
    path: str  # where to read it
    display: str  # how the report names it


def _set_memory_limit(limit: int) -> None:
    try:
        import resource

        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        soft = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    except (ImportError, ValueError, OSError):
        pass  # not on this platform: the timeout still bounds the worker


def _worker(conn: Connection, opts: InspectOptions) -> None:
    from chainwatch.forensics.inspect import Inspection, inspect_file

    _set_memory_limit(opts.limits.memory_bytes)
    # Ctrl-C is the parent's to handle: it stops the workers (no traceback from each one).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            item = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if item is None:
            return
        index, task = item
        try:
            result = inspect_file(Path(task.path), task.display, opts)
        except MemoryError:
            result = Inspection()
            result.reject(task.display, f"memory limit: over {opts.limits.memory_bytes} bytes")
        except Exception as exc:  # noqa: BLE001 - a bug on one file must not stop the scan
            result = Inspection()
            result.reject(task.display, f"internal error: {exc.__class__.__name__}: {exc}")
        try:
            conn.send((index, result))
        except Exception as exc:  # noqa: BLE001 - e.g. a result that does not pickle
            fallback = Inspection()
            fallback.reject(task.display, f"internal error: result not sendable: {exc}")
            conn.send((index, fallback))


@contextmanager
def _main_not_reimported() -> Iterator[None]:
    """Start workers without re-running the parent's main script in them.

    multiprocessing re-imports ``__main__`` by path in every child; for the ``chainwatch``
    console script that is the whole CLI (1.5 s per worker). Workers need nothing from it
    (their target lives in this module), so the path is hidden while they start.
    """
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if path is not None:
        del main.__file__
    try:
        yield
    finally:
        if path is not None:
            main.__file__ = path


def _preload(text_rules: bool) -> list[str]:
    # (a forkserver keeps the preload it started with; only benchmarks turn text rules off)
    return PRELOAD if text_rules else ["chainwatch.forensics.inspect"]


def start_forkserver(text_rules: bool = True) -> None:
    """Start the forkserver (and its preload: extractors, text analyzers) now, in the
    background, so that it warms up while this process does other work (the CLI imports
    the scan service and lists the files meanwhile). ``run_pool`` later finds it running."""
    from multiprocessing import forkserver

    mp.get_context("forkserver").set_forkserver_preload(_preload(text_rules))
    with _main_not_reimported():
        forkserver.ensure_running()


class _Slot:
    def __init__(self, ctx, opts: InspectOptions):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker, args=(child, opts), daemon=True)
        with _main_not_reimported():
            self.proc.start()
        child.close()
        self.task: tuple[int, Task] | None = None
        self.started = 0.0

    def give(self, index: int, task: Task) -> None:
        self.task = (index, task)
        self.started = time.monotonic()
        self.conn.send((index, task))

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.proc.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                self.proc.kill()
        self.proc.join(timeout=5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(timeout=5)
        self.conn.close()


def _rejected(task: Task, reason: str) -> Inspection:
    from chainwatch.forensics.inspect import Inspection

    out = Inspection()
    out.rejects.append(Reject(task.display, None, reason))
    return out


def run_pool(
    tasks: Sequence[Task],
    opts: InspectOptions,
    *,
    workers: int,
    on_done: Callable[[int, Inspection], None] | None = None,
) -> list[Inspection]:
    """Inspect every task; results in task order. ``workers=0`` runs in this process (no
    memory limit, no hard timeout: for tests and debugging)."""
    results: list[Inspection | None] = [None] * len(tasks)
    for index, inspection in _results(tasks, opts, workers):
        results[index] = inspection
        if on_done is not None:
            on_done(index, inspection)
    return [
        r if r is not None else _rejected(tasks[i], "internal error: lost")
        for i, r in enumerate(results)
    ]


def _results(
    tasks: Sequence[Task], opts: InspectOptions, workers: int
) -> Iterator[tuple[int, Inspection]]:
    if workers <= 0 or not tasks:
        from chainwatch.forensics.inspect import inspect_file

        for i, task in enumerate(tasks):
            yield i, inspect_file(Path(task.path), task.display, opts)
        return
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(_preload(opts.text_rules))
    pending = deque(enumerate(tasks))
    slots = [_Slot(ctx, opts) for _ in range(min(workers, len(tasks)))]
    timeout = opts.limits.timeout_s
    try:
        while pending or any(s.task for s in slots):
            for i, slot in enumerate(slots):
                if slot.task is None and pending:
                    item = pending.popleft()
                    try:
                        slot.give(*item)
                    except OSError:  # the idle worker died (e.g. the OOM killer): replace it
                        slot.stop(kill=True)
                        slots[i] = _Slot(ctx, opts)
                        slots[i].give(*item)
            busy = [s for s in slots if s.task is not None]
            now = time.monotonic()
            wait_s = max(0.0, min(s.started + timeout for s in busy) - now) if busy else 0
            ready = set(wait([s.conn for s in busy], timeout=wait_s + 0.01))
            for i, slot in enumerate(slots):
                if slot.task is None:
                    continue
                index, task = slot.task
                if slot.conn in ready:
                    try:
                        got_index, inspection = slot.conn.recv()
                    except (EOFError, OSError):
                        slot.proc.join(timeout=1)
                        code = slot.proc.exitcode
                        slot.stop(kill=True)
                        slots[i] = _Slot(ctx, opts)
                        yield (
                            index,
                            _rejected(
                                task,
                                f"worker died: exit code {code} "
                                "(crash or memory limit) on this file",
                            ),
                        )
                        continue
                    slot.task = None
                    yield got_index, inspection
                elif time.monotonic() - slot.started > timeout:
                    slot.stop(kill=True)
                    slots[i] = _Slot(ctx, opts)
                    yield index, _rejected(task, f"timeout: over {timeout:g}s, worker killed")
    finally:
        for slot in slots:
            slot.stop(kill=slot.task is not None)
