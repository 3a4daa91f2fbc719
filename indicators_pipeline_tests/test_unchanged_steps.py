"""A refresh that finds nothing new does not compute the marts, their checks or the publication again (issue 22),
nor run the Great Expectations suite (it runs only when the facts or the suite changed), and anything that did
change — an article, the working database's rows, the acknowledgements, the published file — is computed again.
Real refreshes through one Dagster instance, as `make run` and the schedule share one."""
from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from indicators_pipeline.defs.unchanged import COMPUTED_IN, UNCHANGED_SINCE
from indicators_pipeline.warehouse import fingerprint
from indicators_pipeline_tests.pipeline_runs import failures, materialization_metadata, materialize_all, query

MARTS = (["marts", "fact_indicator_yearly"], ["marts", "rollup_indicator_yearly"], ["marts", "quality_findings"])
PUBLISH = ["publish", "indicators_duckdb"]
DIMENSIONS = (["marts", "dim_province"], ["marts", "dim_province_2025"], ["marts", "dim_indicator"], ["marts", "bi_views"])
# Another province's year, in words of our own: one new fact on top of the seeds.
NEW_ARTICLE = ("Kon Tum: dịch vụ công năm 2021\n\n12/01/2022\n\nNăm 2021, tỉnh Kon Tum cung cấp 1.204 dịch vụ công "
               "trực tuyến, trong đó 288 dịch vụ mức độ 3 và 201 dịch vụ mức độ 4.\n")
NGHE_AN = ("Nghệ An: kết quả cải cách hành chính năm 2022\n\n10/01/2023\n\n"
           "Năm 2022, tỉnh Nghệ An cung cấp 1.683 dịch vụ công trực tuyến, trong đó có 612 dịch vụ công trực tuyến "
           "toàn trình và 423 dịch vụ công trực tuyến một phần.\n")


def _metadata(result: dg.ExecuteInProcessResult, asset: list[str]) -> dict:
    return {k: getattr(v, "value", v) for k, v in materialization_metadata(result, asset).items()}


def _suite(result: dg.ExecuteInProcessResult) -> tuple[bool, dict]:
    evaluation = next(e for e in result.get_asset_check_evaluations() if e.check_name == "great_expectations_suite")
    return evaluation.passed, {k: getattr(v, "value", v) for k, v in evaluation.metadata.items()}


def _checks(result: dg.ExecuteInProcessResult) -> dict[str, tuple[bool, dict]]:
    return {f"{e.asset_key.to_user_string()}:{e.check_name}": (e.passed, {k: getattr(v, "value", v)
                                                                            for k, v in e.metadata.items()})
            for e in result.get_asset_check_evaluations()}


def _refresh(raw_dir, warehouse_file, quality_dir, instance, acknowledged=None) -> dg.ExecuteInProcessResult:
    result = materialize_all(raw_dir, warehouse_file, quality_dir, instance=instance, acknowledged=acknowledged)
    assert result.success, failures(result)
    return result


@pytest.fixture
def instance():
    with dg.DagsterInstance.ephemeral() as shared:
        yield shared


def test_nothing_new_reports_the_last_outcomes_without_computing_them_and_the_suite_runs_again_only_when_the_facts_changed(
        raw_dir, warehouse_file, quality_dir, instance):
    """Four refreshes through one instance, as `make run`'s home is: a first, one that finds nothing new (every step
    reports its last outcome, BI's file is not copied again, the Great Expectations suite is not run but said again:
    it keeps its own record), one with new facts (the suite runs), one after the Data Docs were deleted (it runs).
    (The no-change refresh was made twice, here and in test_suite_reuse, on the same inputs: one test now.)"""
    first = _refresh(raw_dir, warehouse_file, quality_dir, instance)
    passed, ran = _suite(first)
    assert ran["suite"] == "run" and ran["evaluated"] > 0
    # this test process has great_expectations loaded (conftest): the check runs the suite itself; `make run`'s
    # process has not, and gets it from a process of its own (test_make_run)
    assert ran["ran_in"] == "this step"
    published = warehouse_file.stat()
    published_at = query(warehouse_file, "SELECT published_at FROM meta.publication").iloc[0, 0]

    again = _refresh(raw_dir, warehouse_file, quality_dir, instance)

    for asset in (*MARTS, *DIMENSIONS, PUBLISH):  # materialized (the UI shows the run, freshness holds), from the first run
        before, after = _metadata(first, asset), _metadata(again, asset)
        assert after[COMPUTED_IN] == first.run_id and UNCHANGED_SINCE not in before, asset
        assert {k: v for k, v in after.items() if k not in (COMPUTED_IN, UNCHANGED_SINCE)} == before, asset
    first_checks, kept_checks = _checks(first), _checks(again)
    assert kept_checks.keys() == first_checks.keys()
    reused = {name for name, (_, meta) in kept_checks.items() if meta.get(COMPUTED_IN) == first.run_id}
    # every schema check and every consistency rule said again (the GE suite keeps its own record: asserted below)
    assert {name for name in kept_checks if name.endswith("_schema") or name.startswith("marts/quality_findings:")} \
        == reused
    assert all(kept_checks[name][0] == first_checks[name][0] for name in kept_checks)
    # BI's file was not copied again: same file, same publication time
    assert (warehouse_file.stat().st_ino, warehouse_file.stat().st_mtime_ns) == (published.st_ino, published.st_mtime_ns)
    assert query(warehouse_file, "SELECT published_at FROM meta.publication").iloc[0, 0] == published_at

    # the suite: not run on unchanged facts, its last outcome said again
    passed_again, kept = _suite(again)
    assert kept["suite"].startswith("not run: the facts are unchanged since")
    assert passed_again == passed
    assert {k: kept[k] for k in ("evaluated", "successful", "failed", "failed_expectations", "data_docs",
                                 "facts_fingerprint")} == \
           {k: ran[k] for k in ("evaluated", "successful", "failed", "failed_expectations", "data_docs",
                                "facts_fingerprint")}

    (raw_dir / "nghe_an.txt").write_text(NGHE_AN, encoding="utf-8")  # new facts: the suite runs
    changed = _refresh(raw_dir, warehouse_file, quality_dir, instance)
    assert _suite(changed)[1]["suite"] == "run"
    assert _suite(changed)[1]["facts_fingerprint"] != ran["facts_fingerprint"]

    shutil.rmtree(quality_dir / "data_docs")  # the Data Docs were deleted: the suite writes them again
    rebuilt = _refresh(raw_dir, warehouse_file, quality_dir, instance)
    assert _suite(rebuilt)[1]["suite"] == "run"
    assert Path(_suite(rebuilt)[1]["data_docs"]).exists()


def test_rows_changed_behind_the_pipeline_are_computed_again(raw_dir, warehouse_file, quality_dir, instance):
    _refresh(raw_dir, warehouse_file, quality_dir, instance)
    working = warehouse_file.with_name(f"{warehouse_file.stem}.work{warehouse_file.suffix}")
    con = duckdb.connect(str(working))
    expected = con.execute("SELECT count(*) FROM marts.fact_indicator_yearly").fetchall()[0][0]
    con.execute("DELETE FROM marts.fact_indicator_yearly WHERE rowid = (SELECT min(rowid) FROM marts.fact_indicator_yearly)")
    con.close()
    warehouse_file.unlink()  # and the published file is gone

    mended = _refresh(raw_dir, warehouse_file, quality_dir, instance)

    assert COMPUTED_IN not in _metadata(mended, MARTS[0])
    assert query(warehouse_file, "SELECT count(*) AS n FROM marts.fact_indicator_yearly")["n"][0] == expected
    assert COMPUTED_IN not in _metadata(mended, PUBLISH)


def test_a_changed_acknowledgement_file_computes_the_findings_again(raw_dir, warehouse_file, quality_dir, instance,
                                                                    tmp_path):
    acknowledged = tmp_path / "acknowledged.csv"
    first = _refresh(raw_dir, warehouse_file, quality_dir, instance, acknowledged)
    finding = query(warehouse_file, "SELECT rule, province_name, year FROM marts.quality_findings "
                                    "WHERE province_name IS NOT NULL ORDER BY rule, province_name, year LIMIT 1")
    assert len(finding), "the seeds have a finding to acknowledge"
    rule, province, year = finding.iloc[0]
    acknowledged.write_text("rule,province,year,indicator,reason,who\n"
                            f"{rule},{province},{int(year)},,read and fine,analyst\n", encoding="utf-8")

    changed = _refresh(raw_dir, warehouse_file, quality_dir, instance, acknowledged)

    assert COMPUTED_IN not in _metadata(changed, MARTS[2])
    assert _metadata(changed, MARTS[2])["acknowledged"] > _metadata(first, MARTS[2])["acknowledged"]
    assert _metadata(changed, MARTS[0])[COMPUTED_IN] == first.run_id  # the facts did not change


def test_fingerprints_ignore_row_order_and_see_every_cell():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA s; CREATE TABLE s.a (k INTEGER, v VARCHAR, n DOUBLE); CREATE TABLE s.b AS FROM s.a")
    rows = [(1, "x", 0.5), (2, None, 1.0), (3, "z", None)]
    con.executemany("INSERT INTO s.a VALUES (?, ?, ?)", rows)
    con.executemany("INSERT INTO s.b VALUES (?, ?, ?)", list(reversed(rows)))
    assert fingerprint.table_fingerprint(con, "s.a") == fingerprint.table_fingerprint(con, "s.b")
    whole = fingerprint.database_fingerprint(con)

    con.execute("UPDATE s.b SET n = 2.0 WHERE k = 3")
    assert fingerprint.table_fingerprint(con, "s.a") != fingerprint.table_fingerprint(con, "s.b")
    assert fingerprint.table_fingerprint(con, "s.a", columns=("k", "v")) == \
        fingerprint.table_fingerprint(con, "s.b", columns=("k", "v"))
    assert fingerprint.database_fingerprint(con) != whole

    con.execute("CREATE TABLE s.empty (k INTEGER)")
    assert fingerprint.table_fingerprint(con, "s.empty") != fingerprint.table_fingerprint(con, "s.missing") \
        == fingerprint.MISSING
    assert fingerprint.table_fingerprint(con, "s.empty") == fingerprint.EMPTY == \
        fingerprint.table_fingerprint(con, "s.missing", if_missing=fingerprint.EMPTY)
    assert fingerprint.table_fingerprint(con, "s.a", where="k > 1") != fingerprint.table_fingerprint(con, "s.a")


# Level 3 and level 4 that do not add up to the reported level-3+4 total: a per-article finding, in words of our own.
DISAGREEING_ARTICLE = ("Lai Châu: kết quả năm 2021\n\n15/01/2022\n\nNăm 2021, tỉnh Lai Châu cung cấp 1.180 dịch vụ công "
                       "trực tuyến, trong đó có 310 dịch vụ công trực tuyến mức độ 3 và 205 dịch vụ công trực tuyến mức "
                       "độ 4; tổng số dịch vụ công trực tuyến mức độ 3, 4 là 600 dịch vụ.\n")


def _rows(warehouse_file, table: str) -> list[tuple]:
    return [tuple(row) for row in query(warehouse_file, f"SELECT * FROM {table}").itertuples(index=False)]


def test_findings_of_changed_articles_only_equal_a_full_pass(raw_dir, warehouse_file, quality_dir, instance, tmp_path):
    _refresh(raw_dir, warehouse_file, quality_dir, instance)
    (raw_dir / "lai_chau_2021.txt").write_text(DISAGREEING_ARTICLE, encoding="utf-8")  # new, with a finding
    removed = sorted(raw_dir.glob("*.txt"))[0]
    removed.unlink()  # an article gone: its findings go with it

    changed = _refresh(raw_dir, warehouse_file, quality_dir, instance)

    checked_again = _metadata(changed, MARTS[2])["articles_checked_again"]
    assert checked_again != "all" and 1 <= checked_again <= 2  # the new article, and the removed one if it had figures
    fresh_raw = tmp_path / "fresh_raw"
    fresh_raw.mkdir()
    for path in raw_dir.iterdir():
        (fresh_raw / path.name).write_bytes(path.read_bytes())
    fresh = tmp_path / "fresh" / "indicators.duckdb"
    full = _refresh(fresh_raw, fresh, tmp_path / "fresh_quality", None)  # another instance: a full pass
    assert _metadata(full, MARTS[2])["articles_checked_again"] == "all"
    findings = _rows(warehouse_file, "marts.quality_findings")
    # the same rows (in an order of their own: the rows kept stay where they were, the new ones are appended)
    assert sorted(findings, key=repr) == sorted(_rows(fresh, "marts.quality_findings"), key=repr)
    assert any(row[0] == "Lai Châu" or "Lai Châu" in map(str, row) for row in findings)
    assert not any(removed.name in str(cell) for row in findings for cell in row)


def _mentions_check(result: dg.ExecuteInProcessResult) -> dict:
    return _checks(result)["staging/indicator_mentions:indicator_mentions_schema"][1]


def test_a_new_article_computes_and_publishes_again_and_the_mentions_check_validates_only_the_changed_articles(
        raw_dir, warehouse_file, quality_dir, instance):
    """(Two tests made these same two refreshes, a first and one with a new article: one test now.)"""
    first = _refresh(raw_dir, warehouse_file, quality_dir, instance)
    assert _mentions_check(first)["rows_validated"] == _mentions_check(first)["rows_checked"] > 0  # all, the first time
    facts_before = query(warehouse_file, "SELECT count(*) AS n FROM marts.fact_indicator_yearly")["n"][0]
    (raw_dir / "kon_tum_2021.txt").write_text(NEW_ARTICLE, encoding="utf-8")

    added = _refresh(raw_dir, warehouse_file, quality_dir, instance)

    for asset in (*MARTS, PUBLISH):
        assert COMPUTED_IN not in _metadata(added, asset), asset
    kon_tum = query(warehouse_file, "SELECT value FROM marts.fact_indicator_yearly WHERE province_name = 'Kon Tum' "
                                    "AND year = 2021 AND indicator_code = 'online_services_total'")
    assert kon_tum["value"].tolist() == [1204]
    assert query(warehouse_file, "SELECT count(*) AS n FROM marts.fact_indicator_yearly")["n"][0] > facts_before

    new_rows = query(warehouse_file, "SELECT count(*) AS n FROM staging.indicator_mentions m JOIN raw.articles a "
                                     "USING (article_id) WHERE a.source_path = 'kon_tum_2021.txt'")["n"][0]
    assert 0 < _mentions_check(added)["rows_validated"] == new_rows < _mentions_check(added)["rows_checked"]

    # A row made wrong behind the pipeline's back (a share of 250 %): its article is validated again, the fault found.
    working = warehouse_file.with_name(f"{warehouse_file.stem}.work{warehouse_file.suffix}")
    con = duckdb.connect(str(working))
    article, = con.execute("SELECT article_id FROM staging.indicator_mentions WHERE unit = 'percent' "
                           "ORDER BY mention_id LIMIT 1").fetchall()[0]
    con.execute("UPDATE staging.indicator_mentions SET value = 250 WHERE mention_id = (SELECT min(mention_id) FROM "
                "staging.indicator_mentions WHERE article_id = ? AND unit = 'percent')", [article])
    article_rows = con.execute("SELECT count(*) FROM staging.indicator_mentions WHERE article_id = ?", [article]).fetchall()[0][0]
    con.close()

    damaged = materialize_all(raw_dir, warehouse_file, quality_dir, instance=instance)

    checked = _mentions_check(damaged)
    assert checked["rows_validated"] == article_rows and checked["failure_cases"] >= 1
