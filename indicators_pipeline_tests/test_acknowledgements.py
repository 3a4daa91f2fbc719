"""Acknowledged findings stop alarming but stay visible; an acknowledgement matching nothing is reported."""
from __future__ import annotations

import dagster as dg
import pandas as pd
import pytest

from indicators_pipeline.quality.acknowledgements import STALE, acknowledge, matches, read_acknowledgements
from indicators_pipeline.quality.rules import finding_row
from indicators_pipeline_tests.pipeline_runs import materialize_all, query

HEADER = "rule,province,year,indicator,reason,who\n"
CONTRADICTION = ("Lạng Sơn: kết quả cải cách hành chính năm 2021\n\n15/01/2022\n\n"
                 "Năm 2021, tỉnh Lạng Sơn có 200 dịch vụ công trực tuyến mức độ 3, 300 dịch vụ công trực tuyến mức độ 4. "
                 "Tổng số dịch vụ công trực tuyến mức độ 3 và 4 là 520.\n")
LEVELS_RULE = "level3_plus_level4_equals_level34"


def _finding(**values) -> dict:
    return finding_row(rule=LEVELS_RULE, severity="warn", province_code="20", province_name="Lạng Sơn", year=2021,
                       indicator_codes="online_services_level3|online_services_level4|online_services_level34", **values)


def _acks(tmp_path, *rows: str):
    path = tmp_path / "acknowledged.csv"
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return read_acknowledgements(path)


def test_an_acknowledgement_matches_by_rule_province_year_and_indicator(tmp_path):
    exact, by_code, any_year, other_year, other_indicator = _acks(
        tmp_path,
        f"{LEVELS_RULE},lạng sơn,2021,online_services_level34,reviewed,analyst",
        f"{LEVELS_RULE},20,,,reviewed,analyst",
        f"{LEVELS_RULE},Lạng Sơn,,,reviewed,analyst",
        f"{LEVELS_RULE},Lạng Sơn,2020,,reviewed,analyst",
        f"{LEVELS_RULE},Lạng Sơn,2021,dossiers_online,reviewed,analyst")
    finding = _finding()
    assert matches(exact, finding) and matches(by_code, finding) and matches(any_year, finding)
    assert not matches(other_year, finding) and not matches(other_indicator, finding)
    assert not matches(exact, {**finding, "rule": "sources_agree"})


def test_unusable_rows_carry_their_problem_and_match_nothing(tmp_path):
    unknown, unsigned, bad_year = _acks(tmp_path, "no_such_rule,Lạng Sơn,2021,,x,y", f"{LEVELS_RULE},Lạng Sơn,2021,,,",
                                        f"{LEVELS_RULE},Lạng Sơn,năm 2021,,x,y")
    assert "unknown rule" in unknown.problem and "required" in unsigned.problem and "not a year" in bad_year.problem
    assert not any(matches(a, _finding()) for a in (unknown, unsigned, bad_year))


def test_a_missing_file_acknowledges_nothing_and_a_bad_header_is_an_error(tmp_path):
    assert read_acknowledgements(tmp_path / "absent.csv") == []
    (tmp_path / "bad.csv").write_text("rule,province\n", encoding="utf-8")
    with pytest.raises(ValueError, match="lacks year"):
        read_acknowledgements(tmp_path / "bad.csv")


def test_acknowledge_marks_the_finding_and_reports_the_stale_row(tmp_path):
    acks = _acks(tmp_path, f"{LEVELS_RULE},Lạng Sơn,2021,,the article's own sum,analyst A",
                 f"{LEVELS_RULE},Cà Mau,2021,,fixed since,analyst B")
    findings = pd.DataFrame([_finding()])
    out = acknowledge(findings, acks)
    assert list(out["rule"]) == [LEVELS_RULE, STALE]
    assert out["acknowledged"].tolist() == [True, False]
    assert out["acknowledgement"].iloc[0] == "the article's own sum (analyst A)"
    assert "line 3" in out["detail"].iloc[1] and out["province_name"].iloc[1] == "Cà Mau"


def _evaluations(result) -> dict:
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def test_an_acknowledged_finding_passes_its_check_stays_in_the_table_and_a_stale_one_is_reported(raw_dir, tmp_path):
    (raw_dir / "contradiction.txt").write_text(CONTRADICTION, encoding="utf-8")
    warehouse = tmp_path / "wh" / "indicators.duckdb"

    alarmed = _evaluations(materialize_all(raw_dir, warehouse))[LEVELS_RULE]
    assert not alarmed.passed and alarmed.severity == dg.AssetCheckSeverity.WARN  # the source's own fault: a warning

    acknowledged = tmp_path / "acknowledged.csv"
    acknowledged.write_text(HEADER + f"{LEVELS_RULE},Lạng Sơn,2021,online_services_level34,200 + 300 is not 520: "
                                     "the article's own sum,analyst A\n"
                            + f"{LEVELS_RULE},Cà Mau,2019,,an article removed since,analyst B\n", encoding="utf-8")
    result = materialize_all(raw_dir, warehouse, acknowledged=acknowledged)
    assert result.success
    evaluations = _evaluations(result)
    assert evaluations[LEVELS_RULE].passed
    assert evaluations[LEVELS_RULE].metadata["acknowledged"].value == 1
    rows = query(warehouse, f"SELECT province_name, year, acknowledged, acknowledgement, source_path, source_titles "
                            f"FROM marts.quality_findings WHERE rule = '{LEVELS_RULE}'")
    assert rows.to_dict("records") == [dict(province_name="Lạng Sơn", year=2021, acknowledged=True,
                                            acknowledgement="200 + 300 is not 520: the article's own sum (analyst A)",
                                            source_path="contradiction.txt",
                                            source_titles="Lạng Sơn: kết quả cải cách hành chính năm 2021")]
    stale = evaluations[STALE]
    assert not stale.passed and stale.severity == dg.AssetCheckSeverity.WARN
    table = stale.metadata["findings_table"].value
    assert [r.data["province"] for r in table.records] == ["Cà Mau"] and "line 3" in table.records[0].data["detail"]
    assert query(warehouse, f"SELECT count(*) AS n FROM marts.quality_findings WHERE rule = '{STALE}'")["n"][0] == 1
