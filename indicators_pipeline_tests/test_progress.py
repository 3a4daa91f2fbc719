"""Progress of reading and parsing (issue 22): a bar only on a terminal, a line in the run's log every few seconds."""
from __future__ import annotations

import io

import dagster as dg
import pytest

from indicators_pipeline import parallel
from indicators_pipeline.progress import Progress, current, tracking
from indicators_pipeline_tests.pipeline_runs import failures, materialize_all


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_line_every_few_seconds_says_done_of_total_rate_and_time_left():
    clock, lines = Clock(), []
    progress = Progress("parsing articles", unit="articles", on_log=lines.append, log_every=5, stream=io.StringIO(),
                        clock=clock)
    progress.expect(1000)
    for _ in range(100):  # 100 articles in 4 s: no line yet
        clock.now += 0.04
        progress.advance()
    assert lines == []
    clock.now += 1.0  # 5 s in
    progress.advance(150)
    assert lines == ["parsing articles: 250 of 1,000 articles (25%), 50 articles/s, about 15 s left"]
    clock.now += 1.0
    progress.advance()
    assert len(lines) == 1  # the next one 5 s later
    progress.close()
    assert lines[-1] == "parsing articles: 251 of 1,000 articles done in 6 s (42 articles/s)"


def test_a_total_grows_with_each_batch_queued_when_nobody_gave_it():
    clock, lines = Clock(), []
    progress = Progress("reading files", unit="files", on_log=lines.append, log_every=0, stream=io.StringIO(), clock=clock)
    progress.queue(2000)
    clock.now += 10
    progress.advance(1000)
    progress.queue(2000)
    assert lines == ["reading files: 1,000 of 2,000 files (50%), 100 files/s, about 10 s left"]
    assert progress.line(clock.now) == "reading files: 1,000 of 4,000 files (25%), 100 files/s, about 30 s left"


def test_no_bar_when_the_stream_is_not_a_terminal_and_a_bar_when_it_is():
    quiet, terminal = io.StringIO(), Terminal()
    for stream in (quiet, terminal):
        progress = Progress("parsing articles", unit="articles", total=200, stream=stream)
        progress.advance(100)
        progress.close()
    assert quiet.getvalue() == ""
    assert "parsing articles" in terminal.getvalue() and "100/200" in terminal.getvalue()


@pytest.mark.parametrize("workers", [1, 2])
def test_map_ordered_counts_every_item_in_the_open_stage(monkeypatch, workers):
    monkeypatch.setenv("INDICATORS_WORKERS", str(workers))
    monkeypatch.setattr(parallel, "MIN_ITEMS_FOR_PROCESSES", 1)
    lines = []
    with tracking(Progress("squaring", unit="numbers", on_log=lines.append, log_every=3600, stream=io.StringIO())) as stage:
        assert current() is stage
        assert parallel.map_ordered(abs, [-1, -2, -3]) == [1, 2, 3]
        assert parallel.map_ordered(abs, [-4, -5]) == [4, 5]
        assert (stage.done, stage.total) == (5, 5)
    assert current() is None
    assert lines[-1].startswith("squaring: 5 of 5 numbers done in")
    assert parallel.map_ordered(abs, [-1]) == [1]  # outside a stage: nothing counts, nothing breaks


def test_a_runs_log_has_progress_lines_for_reading_and_parsing(raw_dir, warehouse_file, monkeypatch):
    monkeypatch.setenv("INDICATORS_PROGRESS_SECONDS", "0")  # a line for every article: five seeds take no seconds
    instance = dg.DagsterInstance.ephemeral()
    result = materialize_all(raw_dir, warehouse_file, instance=instance)
    assert result.success, failures(result)
    messages = [entry.user_message for entry in instance.all_logs(result.run_id)]
    reading = [m for m in messages if m.startswith("reading files: ")]
    parsing = [m for m in messages if m.startswith("parsing articles: ")]
    assert reading[0].startswith("reading files: 1 of 5 files (20%)") and "files/s" in reading[0]
    assert parsing[0].startswith("parsing articles: 1 of 5 articles (20%)") and "left" in parsing[0]
    assert reading[-1].startswith("reading files: 5 of 5 files done in")
    assert parsing[-1].startswith("parsing articles: 5 of 5 articles done in")

    again = materialize_all(raw_dir, warehouse_file, instance=instance)  # nothing new: nothing to report
    assert again.success
    assert not [e for e in instance.all_logs(again.run_id) if e.user_message.startswith(("reading files", "parsing"))]
