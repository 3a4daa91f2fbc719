"""Work over many items goes to worker processes and comes back in order."""
from __future__ import annotations

import os
import time

from indicators_pipeline import parallel
from indicators_pipeline.extraction.numbers import parse_number


def test_large_batches_keep_their_order_across_processes(monkeypatch):
    monkeypatch.setenv("INDICATORS_WORKERS", "2")
    items = [f"{i}.{i % 1000:03d}" for i in range(1, parallel.MIN_ITEMS_FOR_PROCESSES + 50)]
    assert parallel.map_ordered(parse_number, items) == [float(i) * 1000 + i % 1000 for i in range(1, len(items) + 1)]
    pids = set(parallel.map_ordered(_pid_after_a_pause, range(parallel.MIN_ITEMS_FOR_PROCESSES)))
    assert os.getpid() not in pids and len(pids) == 2  # both workers took a share (each item takes 5 ms)


def test_batches_of_one_step_share_their_workers_which_end_with_it(monkeypatch):
    monkeypatch.setenv("INDICATORS_WORKERS", "2")
    batch = range(parallel.MIN_ITEMS_FOR_PROCESSES)
    with parallel.batches_share_workers():
        first = set(parallel.map_ordered(_pid_after_a_pause, batch))
        second = set(parallel.map_ordered(_pid_after_a_pause, batch))
    assert len(first) == 2 and second == first  # not started again for the second batch
    for pid in first:  # and not left running after the block
        assert not _alive(pid), f"worker {pid} outlived its step"
    apart = set(parallel.map_ordered(_pid_after_a_pause, batch))
    assert apart.isdisjoint(first)  # outside a block each call has workers of its own, as before


def test_the_next_batch_is_worked_on_while_the_caller_holds_this_one(monkeypatch, tmp_path):
    monkeypatch.setenv("INDICATORS_WORKERS", "2")
    size = parallel.MIN_ITEMS_FOR_PROCESSES
    batches = [[(tmp_path, n) for n in range(start, start + size)] for start in (0, size, 2 * size)]
    seen = []
    for batch, items, results in parallel.map_batches(_touch, batches):
        assert items == batch and results == [n * 2 for _, n in batch]  # in order, each with its own results
        if not seen:  # holding the first batch: the workers are already on the second
            assert _appears(tmp_path / str(size), within=30.0), "the second batch was not handed ahead"
        seen.append(batch[0][1])
    assert seen == [0, size, 2 * size]


def test_a_batch_already_done_reaches_the_caller_when_the_next_cannot_be_read(monkeypatch):
    monkeypatch.setenv("INDICATORS_WORKERS", "2")
    first = list(range(parallel.MIN_ITEMS_FOR_PROCESSES))

    def batches():
        yield first
        raise OSError("the next batch could not be read")

    stored = []
    try:
        for batch, _, results in parallel.map_batches(_double, batches()):
            stored.append(results)
    except OSError:
        pass
    else:
        raise AssertionError("the failure to read the next batch was swallowed")
    assert stored == [[n * 2 for n in first]]  # stored before the error goes on: a resumed refresh need not redo it


def _double(n: int) -> int:
    return n * 2


def _touch(item) -> int:
    folder, n = item
    (folder / str(n)).touch()
    return n * 2


def _appears(path, within: float) -> bool:
    deadline = time.monotonic() + within  # a bound for a failure, not a speed: it passes as soon as the file is there
    while time.monotonic() < deadline:
        if path.exists():
            return True
        time.sleep(0.01)
    return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_small_batches_stay_in_process(monkeypatch):
    monkeypatch.setenv("INDICATORS_WORKERS", "2")
    pids = parallel.map_ordered(_pid, [1, 2])
    assert pids == [os.getpid(), os.getpid()]


def _pid(_item) -> int:
    return os.getpid()


def _pid_after_a_pause(_item) -> int:
    time.sleep(0.005)
    return os.getpid()
