"""Memory a step freed goes back to the system before the next step starts (issue 22: 100,000 articles under 1 GB).

A step builds frames of hundreds of thousands of rows and DuckDB fills its buffer pool; both are freed when
the step ends (its frames die, the run's database evicts its cached blocks: defs/resources.py), but glibc's
malloc keeps freed pages of its arenas (DuckDB's threads each have one) mapped, so the process's resident size
only grew from step to step: at 100,000 articles a refresh kept ~700 MB resident between steps that held nothing. `malloc_trim(0)` hands every free page
back (madvise); elsewhere than glibc it is a no-op, and costs ~2 ms. Python's collection of cycles is left to
its own thresholds: frames are freed by reference counting, and a gc.collect() at every connection walked
every live object (0.1-0.2 s each with Dagster loaded, ~40 times a run: seconds of a refresh that changes nothing).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools


@functools.cache
def _malloc_trim():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to trim
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def give_back() -> None:
    """Return the allocator's free pages to the system."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
