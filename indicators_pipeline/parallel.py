"""Work spread over the machine's cores when there is enough of it to pay for starting processes.

Reading and parsing articles is pure Python and CPU-bound: a full refresh of thousands of articles
is cut by the number of cores; a night with ten new articles stays in one process.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Iterable, Iterator, TypeVar

from indicators_pipeline import progress

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS_FOR_PROCESSES = 400  # below this, starting worker processes costs more than it saves


def workers() -> int:
    configured = os.environ.get("INDICATORS_WORKERS")
    return max(1, int(configured)) if configured else (os.cpu_count() or 1)


def map_ordered(function: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """function over items, in order; in worker processes when the batch is large enough.

    Each item done counts in the stage of work the caller opened (progress.tracking), if any.
    """
    items = list(items)
    stage = progress.current()
    if stage is not None:
        stage.queue(len(items))
    count = workers()
    if count == 1 or len(items) < MIN_ITEMS_FOR_PROCESSES:
        return list(_counted((function(item) for item in items), stage))
    # spawn, not fork: the calling process may hold threads (Dagster) and open database handles.
    context = multiprocessing.get_context("spawn")
    chunk = max(1, len(items) // (count * 8))
    with ProcessPoolExecutor(max_workers=count, mp_context=context,
                             initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
        return list(_counted(pool.map(function, items, chunksize=chunk), stage))


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
