"""Work spread over the machine's cores when there is enough of it to pay for starting processes.

Reading and parsing articles is pure Python and CPU-bound: a full refresh of thousands of articles
is cut by the number of cores; a night with ten new articles stays in one process.
"""
from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Iterable, Iterator, TypeVar

from indicators_pipeline import progress

B = TypeVar("B")
T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS_FOR_PROCESSES = 400  # below this, starting worker processes costs more than it saves


def workers() -> int:
    configured = os.environ.get("INDICATORS_WORKERS")
    return max(1, int(configured)) if configured else (os.cpu_count() or 1)


_kept = threading.local()  # the pool a `batches_share_workers` block keeps for its batches


@contextlib.contextmanager
def batches_share_workers() -> Iterator[None]:
    """Every map_ordered and map_batches call inside uses one set of worker processes, started at the
    first batch large enough to need them and ended here. A worker's start imports the package (~0.5 s
    a worker, on both cores): a pool per 2,000-article batch paid that five times a step at 10,000 articles."""
    if getattr(_kept, "slot", None) is not None:  # already inside one: its pool serves
        yield
        return
    _kept.slot = {}
    try:
        yield
    finally:
        pool = _kept.slot.pop("pool", None)
        _kept.slot = None
        if pool is not None:  # a caller that failed: batches handed ahead are cancelled (running chunks end first)
            pool.shutdown(cancel_futures=True)


def map_ordered(function: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """function over items, in order; in worker processes when the batch is large enough.

    Each item done counts in the stage of work the caller opened (progress.tracking), if any.
    """
    with batches_share_workers():  # outside a block: workers of its own, ended on return
        return list(_results(function, list(items)))


def map_batches(function: Callable[[T], R], batches: Iterable[B],
                items: Callable[[B], list[T]] = list) -> Iterator[tuple[B, list[T], list[R]]]:
    """Each batch with its items and function over each, in order. In worker processes the next batch is
    handed to the workers before the caller gets this one's results: they parse it while the caller stores
    this one, instead of waiting for it (the caller's work between batches left both cores idle)."""
    with batches_share_workers():
        ahead, source = None, iter(batches)
        while True:
            try:
                batch = next(source)
                listed = items(batch)
            except StopIteration:
                break
            except Exception:  # the next batch could not be had: this one is still the caller's to store
                if ahead is not None:
                    yield ahead[0], ahead[1], list(ahead[2])
                raise
            pending = _results(function, listed)  # in worker processes: submitted now
            if ahead is not None:
                yield ahead[0], ahead[1], list(ahead[2])
            ahead = (batch, listed, pending)
        if ahead is not None:
            yield ahead[0], ahead[1], list(ahead[2])


def _results(function: Callable[[T], R], items: list[T]) -> Iterator[R]:
    """function over items, as an iterator; large batches go to the block's workers at once."""
    stage = progress.current()
    if stage is not None:
        stage.queue(len(items))
    count = workers()
    if count == 1 or len(items) < MIN_ITEMS_FOR_PROCESSES:
        return _counted((function(item) for item in items), stage)
    slot = _kept.slot
    if slot.get("count") != count:  # INDICATORS_WORKERS changed within the block: workers of the new count
        if (old := slot.pop("pool", None)) is not None:
            old.shutdown()
        slot.update(pool=_pool(count), count=count)
    return _counted(slot["pool"].map(function, items, chunksize=max(1, len(items) // (count * 8))), stage)


def _pool(count: int) -> ProcessPoolExecutor:
    # spawn, not fork: the calling process may hold threads (Dagster) and open database handles.
    return ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context("spawn"),
                               initializer=die_with_parent, initargs=(os.getpid(),))


def _counted(results: Iterable[R], stage: progress.Progress | None) -> Iterator[R]:
    for result in results:
        if stage is not None:
            stage.advance()
        yield result


_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """In a worker: end when the refresh that started it ends, even by `kill -9` (issue 13: workers
    of a killed run lived on for half an hour). Linux delivers SIGKILL on the parent's death; elsewhere,
    and as a backstop, a thread watches the parent's pid."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True, name="watch-parent").start()


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(1.0)
    os._exit(1)
