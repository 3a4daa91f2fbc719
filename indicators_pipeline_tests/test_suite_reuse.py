"""The Great Expectations suite runs only when the facts (or the suite) changed (issue 22: a no-change refresh is cheap)."""
from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg

from indicators_pipeline_tests.pipeline_runs import failures, materialize_all

NGHE_AN = ("Nghệ An: kết quả cải cách hành chính năm 2022\n\n10/01/2023\n\n"
           "Năm 2022, tỉnh Nghệ An cung cấp 1.683 dịch vụ công trực tuyến, trong đó có 612 dịch vụ công trực tuyến "
           "toàn trình và 423 dịch vụ công trực tuyến một phần.\n")


def _suite(result: dg.ExecuteInProcessResult) -> tuple[bool, dict]:
    evaluation = next(e for e in result.get_asset_check_evaluations() if e.check_name == "great_expectations_suite")
    return evaluation.passed, {k: getattr(v, "value", v) for k, v in evaluation.metadata.items()}


def test_the_suite_runs_again_only_when_the_facts_changed(raw_dir, warehouse_file, quality_dir):
    with dg.DagsterInstance.ephemeral() as instance:  # one instance for the four refreshes, as `make run`'s home is
        _refreshes(raw_dir, warehouse_file, quality_dir, instance)


def _refreshes(raw_dir, warehouse_file, quality_dir, instance):
    first = materialize_all(raw_dir, warehouse_file, quality_dir, instance=instance)
    assert first.success, failures(first)
    passed, ran = _suite(first)
    assert ran["suite"] == "run" and ran["evaluated"] > 0
    # this test process has great_expectations loaded (conftest): the check runs the suite itself; `make run`'s
    # process has not, and gets it from a process of its own (test_make_run)
    assert ran["ran_in"] == "this step"

    unchanged = materialize_all(raw_dir, warehouse_file, quality_dir, instance=instance)
    passed_again, kept = _suite(unchanged)
    assert kept["suite"].startswith("not run: the facts are unchanged since")
    assert passed_again == passed
    assert {k: kept[k] for k in ("evaluated", "successful", "failed", "failed_expectations", "data_docs",
                                 "facts_fingerprint")} == \
           {k: ran[k] for k in ("evaluated", "successful", "failed", "failed_expectations", "data_docs",
                                "facts_fingerprint")}

    (raw_dir / "nghe_an.txt").write_text(NGHE_AN, encoding="utf-8")  # new facts: the suite runs
    changed = materialize_all(raw_dir, warehouse_file, quality_dir, instance=instance)
    assert _suite(changed)[1]["suite"] == "run"
    assert _suite(changed)[1]["facts_fingerprint"] != ran["facts_fingerprint"]

    shutil.rmtree(quality_dir / "data_docs")  # the Data Docs were deleted: the suite writes them again
    rebuilt = materialize_all(raw_dir, warehouse_file, quality_dir, instance=instance)
    assert _suite(rebuilt)[1]["suite"] == "run"
    assert Path(_suite(rebuilt)[1]["data_docs"]).exists()
