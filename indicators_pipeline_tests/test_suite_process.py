"""The Great Expectations suite in a process of its own gives what running it in the check gives (issue 22)."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from indicators_pipeline.quality import suite_process, suite_state
from indicators_pipeline.quality.expectations import run_fact_suite
from indicators_pipeline.warehouse import fingerprint, tables
from indicators_pipeline.warehouse.store import read_table, replace_tables


def _fact(province: str, year: int, code: str, value: float, unit: str) -> dict:
    return {"province_code": "01", "province_name": province, "province_2025_code": "01", "year": year,
            "indicator_code": code, "value": value, "unit": unit, "qualifier": "exact", "n_articles": 1,
            "n_mentions": 1, "n_values": 1, "conflict": False, "source_mention_id": f"a{year}:{code}:0-3",
            "is_post_merger": False, "reviewed": False, "review_status": "unreviewed"}


def _warehouse_with(path, facts: list[dict]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    replace_tables(con, {tables.FACTS: pd.DataFrame(facts, columns=tables.FACTS.column_names)})
    return con


@pytest.mark.parametrize("how", ["begun by the facts", "begun by the raw step", "deferred to after the findings",
                                 "deferred, started by the check"])
def test_the_suite_in_its_own_process_finds_what_it_finds_when_run_here(tmp_path, how):
    # a share above 100 % fails the percent range; the same province-year-indicator twice fails uniqueness
    facts = [_fact("Tỉnh A", 2023, "online_services_total", 412, "count"),
             _fact("Tỉnh A", 2023, "online_services_level4_pct", 131.5, "percent"),
             _fact("Tỉnh B", 2022, "online_services_total", 97, "count"),
             _fact("Tỉnh B", 2022, "online_services_total", 98, "count")]
    con = _warehouse_with(tmp_path / "w.duckdb", facts)
    facts_now = fingerprint.table_fingerprint(con, tables.FACTS.name)
    here = run_fact_suite(read_table(con, tables.FACTS), tmp_path / "here")

    away_dir = tmp_path / "away"
    if how == "begun by the raw step":  # importing while the other steps run, then handed the facts
        suite_process.begin(away_dir)
    deferred = how.startswith("deferred")
    suite_process.start(con, tables.FACTS.name, tables.FACTS.column_names, away_dir, facts_now, defer=deferred)
    if deferred:  # exported, and no process yet
        assert list(away_dir.glob(".facts_for_suite.*.parquet"))
        assert away_dir not in suite_process._waiting and (away_dir, facts_now) not in suite_process._started
    if how == "deferred to after the findings":
        suite_process.start_deferred(away_dir)
    finished = suite_process.wait_for(away_dir, facts_now)
    assert finished is not None and finished.returncode == 0, finished
    kept = suite_state.reusable(away_dir, facts_now)
    assert kept is not None, "the process kept no outcome for these facts"
    away = kept["outcome"]
    assert not here.success and away["success"] is False
    assert (away["evaluated"], away["failed"], sorted(away["failed_names"])) == \
           (here.evaluated, here.failed, sorted(here.failed_names))
    assert any("value_percent" in name for name in away["failed_names"])
    assert (away_dir / "data_docs" / "index.html").exists()
    assert not list(away_dir.glob(".facts_for_suite.*")), "the exported facts were left behind"
    assert suite_process.wait_for(away_dir, facts_now) is None  # collected once: nothing left to wait for


def test_a_deferred_start_is_dropped_with_its_export_when_let_go_and_a_begun_process_is_never_deferred(tmp_path):
    con = _warehouse_with(tmp_path / "w.duckdb", [_fact("Tỉnh E", 2023, "online_services_total", 30, "count")])
    facts_now = fingerprint.table_fingerprint(con, tables.FACTS.name)
    deferred_dir, begun_dir = tmp_path / "deferred", tmp_path / "begun"
    suite_process.start(con, tables.FACTS.name, tables.FACTS.column_names, deferred_dir, facts_now, defer=True)
    suite_process.release(deferred_dir)  # what the next refresh's raw step does, or a step that fails
    assert not list(deferred_dir.glob(".facts_for_suite.*")), "the deferred export was left behind"
    suite_process.start_deferred(deferred_dir)
    assert suite_process.wait_for(deferred_dir, facts_now) is None  # nothing started, nothing to wait for

    suite_process.begin(begun_dir)  # a small night: importing already, so it is handed the facts at once
    suite_process.start(con, tables.FACTS.name, tables.FACTS.column_names, begun_dir, facts_now, defer=True)
    assert (begun_dir, facts_now) in suite_process._started
    finished = suite_process.wait_for(begun_dir, facts_now)
    assert finished is not None and finished.returncode == 0 and suite_state.reusable(begun_dir, facts_now)


def test_a_suite_process_that_fails_says_why_and_keeps_no_outcome(tmp_path):
    con = _warehouse_with(tmp_path / "w.duckdb", [_fact("Tỉnh C", 2024, "online_services_total", 51, "count")])
    facts_now = fingerprint.table_fingerprint(con, tables.FACTS.name)
    without_unit = [c for c in tables.FACTS.column_names if c != "unit"]  # the suite cannot range-check these
    suite_process.start(con, tables.FACTS.name, without_unit, tmp_path / "q", facts_now)
    finished = suite_process.wait_for(tmp_path / "q", facts_now)
    assert finished is not None and finished.returncode != 0
    assert "unit" in finished.log_tail and "Error" in finished.log_tail
    assert suite_state.reusable(tmp_path / "q", facts_now) is None
    assert not list((tmp_path / "q").glob(".facts_for_suite.*"))


def test_a_begun_process_let_go_runs_nothing_ends_and_is_collected(tmp_path):
    """A nightly schedule's code server lives for weeks: each night's let-go process must also be collected."""
    suite_process.begin(tmp_path / "q")
    process = suite_process._waiting[tmp_path / "q"]
    suite_process.release(tmp_path / "q")
    assert _ended(process.pid)
    suite_process.release(tmp_path / "q")  # nothing left to let go: no error; the next refresh's steps collect it
    assert not Path(f"/proc/{process.pid}").exists(), "an ended suite process was never collected"
    assert process.returncode == 0
    assert suite_state.reusable(tmp_path / "q", "any") is None and not (tmp_path / "q" / suite_state.STATE_FILE).exists()
    # let go at once, it did not finish importing great_expectations (~2.5 s of CPU) before it ended
    assert (tmp_path / "q" / suite_process.LOG_FILE).read_text().strip() == suite_process.LET_GO_IMPORTING


def test_a_begun_process_ends_with_the_refresh_that_began_it(tmp_path):
    """A refresh that fails before its facts step (or is killed) leaves no suite process behind."""
    refresh = subprocess.run(
        [sys.executable, "-c", "import sys; from pathlib import Path; from indicators_pipeline.quality import "
         "suite_process as s; s.begin(Path(sys.argv[1])); print(s._waiting[Path(sys.argv[1])].pid)", str(tmp_path)],
        capture_output=True, text=True, check=True)
    pid = int(refresh.stdout)
    assert _ended(pid), "the suite process outlived its refresh"
    assert (tmp_path / suite_process.LOG_FILE).read_text().strip() == suite_process.LET_GO_IMPORTING


def _state(pid: int) -> str:
    try:
        return next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("State:"))
    except (OSError, StopIteration):
        return "Z"


def _ended(pid: int) -> bool:
    """Whether the process has ended (gone, or a zombie its parent has not collected yet); waits up to a minute.
    A zombie is ended once its last thread is: a process that exits from another thread than its first shows its
    first as a zombie while the others still exit, and its parent cannot collect it until they have."""
    deadline = time.monotonic() + 60
    while not _gone_or_zombie(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return _gone_or_zombie(pid)


def _gone_or_zombie(pid: int) -> bool:
    try:
        return "Z" in _state(pid) and len(os.listdir(f"/proc/{pid}/task")) <= 1
    except OSError:  # gone
        return True


def test_a_process_no_check_waited_for_is_collected_by_the_next_one(tmp_path):
    """A run whose check did not run (not selected, or the run failed first) leaves its process to the next run."""
    con = _warehouse_with(tmp_path / "w.duckdb", [_fact("Tỉnh D", 2023, "online_services_total", 64, "count")])
    first = fingerprint.table_fingerprint(con, tables.FACTS.name)
    suite_process.start(con, tables.FACTS.name, tables.FACTS.column_names, tmp_path / "q", first)
    pid = suite_process._started[(tmp_path / "q", first)].pid
    replace_tables(con, {tables.FACTS: pd.DataFrame([_fact("Tỉnh D", 2023, "online_services_total", 65, "count")],
                                                    columns=tables.FACTS.column_names)})
    second = fingerprint.table_fingerprint(con, tables.FACTS.name)
    suite_process.start(con, tables.FACTS.name, tables.FACTS.column_names, tmp_path / "q", second)
    finished = suite_process.wait_for(tmp_path / "q", second)
    assert finished is not None and finished.returncode == 0
    assert suite_process.wait_for(tmp_path / "q", first) is None  # the next run's facts are what counts
    assert _ended(pid)
    suite_process.release(tmp_path / "q")  # what the next refresh's steps call
    assert not Path(f"/proc/{pid}").exists(), "the first run's suite process was never collected"


FACTS_STEP_FAILS = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from indicators_pipeline.defs.marts import assets
    from indicators_pipeline.quality import suite_process
    from indicators_pipeline_tests.pipeline_runs import materialize_all

    begun = []
    begin = suite_process.begin
    suite_process.begin = lambda folder: (begin(folder), begun.append(suite_process._waiting[folder]))

    def a_rule_that_raises(*args):
        raise RuntimeError("a rule's bug in the facts step")

    assets._screened_facts = a_rule_that_raises
    result = materialize_all(Path(sys.argv[1]), Path(sys.argv[2]))
    assert not result.success and "great_expectations" not in sys.modules
    assert len(begun) == 1, begun  # the raw step began it: a few files, and no great_expectations loaded here
    deadline = time.monotonic() + 60
    while begun[0].poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    print(begun[0].poll(), sorted(str(folder) for folder in suite_process._waiting))
""")


def test_a_facts_step_that_fails_lets_the_begun_suite_process_go(raw_dir, tmp_path):
    """A code server lives for weeks: a process begun for a run whose facts step failed must end with that run,
    not wait for facts until the server stops."""
    out = subprocess.run([sys.executable, "-c", FACTS_STEP_FAILS, str(raw_dir), str(tmp_path / "wh" / "indicators.duckdb")],
                         capture_output=True, text=True, timeout=300, cwd=Path(__file__).resolve().parents[1])
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.split()[-2:] == ["0", "[]"], out.stdout[-500:]  # it ended (exit 0: ran nothing), none waits


FULL_PASSES = textwrap.dedent("""
    import sys
    from pathlib import Path
    from indicators_pipeline.defs.marts import assets
    from indicators_pipeline.quality import suite_process
    from indicators_pipeline_tests.pipeline_runs import materialize_all

    suite_process.BEGIN_EARLY_UP_TO = 0  # the seeds read as a refresh of thousands of files is: nothing begun early
    order = []
    findings, hand = assets._quality_findings, suite_process._hand

    def findings_step(*args):
        try:
            return findings(*args)
        finally:
            order.append("findings ended")

    def handed(*args):
        order.append("suite process started")
        return hand(*args)

    assets._quality_findings, suite_process._hand = findings_step, handed
    for defer_from in sys.argv[3:]:  # their mentions counted as that many or more: a full pass of each size
        suite_process.DEFER_FROM_MENTIONS = int(defer_from)
        order.clear()
        result = materialize_all(Path(sys.argv[1]), Path(sys.argv[2]) / defer_from / "indicators.duckdb")
        suite = [e for e in result.get_asset_check_evaluations() if e.check_name == "great_expectations_suite"]
        assert result.success and "great_expectations" not in sys.modules
        print(order, [(e.passed, e.metadata["ran_in"].value) for e in suite])
""")


def test_a_large_full_pass_starts_the_suite_process_after_the_findings_step_a_small_one_with_the_facts(raw_dir,
                                                                                                         tmp_path):
    """The findings are a large full refresh's largest step in memory: the suite's process (~280 MB once
    great_expectations is imported) is not started beside them (100,000 articles: 1,040-1,060 MB together, ~940 MB
    without the overlap). A small one starts it with the facts, off the critical path."""
    out = subprocess.run([sys.executable, "-c", FULL_PASSES, str(raw_dir), str(tmp_path / "wh"), "0",
                          str(suite_process.DEFER_FROM_MENTIONS)], capture_output=True, text=True, timeout=300,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.returncode == 0, out.stderr[-3000:]
    ran = "[(True, 'a process of its own, over the facts the facts step exported')]"
    assert out.stdout.strip().splitlines()[-2:] == [f"['findings ended', 'suite process started'] {ran}",
                                                    f"['suite process started', 'findings ended'] {ran}"]
