"""Work spread over the machine's cores when there is enough of it to pay for starting processes.

Reading and parsing articles is pure Python and CPU-bound: a full refresh of thousands of articles
is cut by the number of cores; a night with ten new articles stays in one process.
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Iterable, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS_FOR_PROCESSES = 400  # below this, starting worker processes costs more than it saves


def workers() -> int:
    configured = os.environ.get("INDICATORS_WORKERS")
    return max(1, int(configured)) if configured else (os.cpu_count() or 1)


def map_ordered(function: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """function over items, in order; in worker processes when the batch is large enough."""
    items = list(items)
    count = workers()
    if count == 1 or len(items) < MIN_ITEMS_FOR_PROCESSES:
        return [function(item) for item in items]
    # spawn, not fork: the calling process may hold threads (Dagster) and open database handles.
    context = multiprocessing.get_context("spawn")
    chunk = max(1, len(items) // (count * 8))
    with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
        return list(pool.map(function, items, chunksize=chunk))
