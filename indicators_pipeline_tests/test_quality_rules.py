"""Consistency rules: real inconsistencies are caught, rounding and truncation are not alarms."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from indicators_pipeline.extraction.records import article_rows
from indicators_pipeline.marts.facts import build_facts
from indicators_pipeline.quality.acknowledgements import STALE, STALE_DOC
from indicators_pipeline.quality.rules import (
    RULE_DOCS,
    RULE_NAMES,
    RULES,
    Figure,
    check_figures,
    finding_row,
    quality_findings,
    titles_of,
)
from indicators_pipeline.quality.tolerance import share_agrees


@pytest.mark.parametrize("computed, reported, decimals, agrees", [
    (8.57, 8.5, 1, True),     # 166 / 1937 written 8,5%: truncated
    (28.94, 28.9, 1, True),   # rounded
    (28.96, 28.9, 1, True),   # truncated at one decimal
    (29.06, 28.9, 1, False),
    (36.4, 36, 0, True),
    (35.6, 36, 0, True),
    (37.2, 36, 0, False),
    (98.92, 98.92, 2, True),
    (98.95, 98.92, 2, False),
])
def test_share_tolerance_follows_the_written_precision(computed, reported, decimals, agrees):
    assert share_agrees(computed, reported, decimals) is agrees


def test_qualified_shares_are_bounds_or_approximations():
    assert share_agrees(82.0, 80, 0, "more_than") and not share_agrees(70.0, 80, 0, "more_than")
    assert share_agrees(96.0, 98, 0, "about") and not share_agrees(80.0, 98, 0, "about")


def _figures(**values):
    return {code: Figure(float(v), "exact", len(str(v).split(".")[1]) if "." in str(v) else 0) for code, v in values.items()}


def _rules(findings):
    return {f.rule for f in findings}


def test_levels_that_add_up_pass_and_those_that_do_not_fail():
    ok = _figures(online_services_level3=196, online_services_level4=331, online_services_level34=527)
    bad = _figures(online_services_level3=196, online_services_level4=331, online_services_level34=537)
    assert check_figures(ok) == []
    finding = check_figures(bad)[0]
    assert finding.rule == "level3_plus_level4_equals_level34" and finding.severity == "warn"  # the source's own fault
    assert finding.observed == "527" and "537" in finding.detail


def test_level4_share_over_services_truncated_is_not_an_alarm_but_a_wrong_share_is():
    ok = _figures(online_services_total=1937, online_services_level4=166, online_services_level4_pct=8.5)
    assert check_figures(ok) == []
    bad = _figures(online_services_total=1937, online_services_level4=166, online_services_level4_pct=12.5)
    assert _rules(check_figures(bad)) == {"level4_share_matches"}


def test_share_of_procedures_or_of_services_as_the_article_states():
    over_procedures = _figures(procedures_total=1820, online_services_total=600, online_services_level34=527,
                               online_services_level34_pct=28.9)
    assert check_figures(over_procedures) == []


def test_levels_exceeding_procedures_in_force():
    figures = _figures(procedures_total=1543, online_services_level2=1099, online_services_level3=434, online_services_level4=32)
    assert _rules(check_figures(figures)) == {"levels_within_procedures"}


def test_post_2022_taxonomy_rules():
    ok = _figures(procedures_total=1700, online_services_full=612, online_services_partial=423,
                  online_services_full_pct=36.0)
    assert check_figures(ok) == []
    bad = _figures(procedures_total=900, online_services_full=612, online_services_partial=423, online_services_full_pct=50.0)
    assert _rules(check_figures(bad)) == {"full_partial_within_procedures", "full_share_matches"}


def test_dossier_rules_and_percent_range():
    bad = _figures(dossiers_received=1000, dossiers_online=1200, dossiers_resolved=1100, dossiers_ontime_pct=101.0)
    assert _rules(check_figures(bad)) == {"dossiers_online_within_received", "dossiers_resolved_within_received",
                                          "percent_in_range"}


def _mentions(*articles):
    rows = []
    for article_id, text, published in articles:
        rows += article_rows(dict(article_id=article_id, source_path=f"{article_id}.txt", text=text, province_code="40",
                                  reference_year=int(published[:4]), published_date=published))
    return pd.DataFrame(rows)


def test_conflicting_sources_keep_exact_then_latest_and_are_flagged():
    mentions = _mentions(
        ("a", "Năm 2022, tỷ lệ hồ sơ giải quyết đúng hạn đạt khoảng 98%.", "2022-12-20"),
        ("b", "Năm 2022, tỷ lệ hồ sơ giải quyết đúng hạn đạt 97,2%.", "2023-01-05"),
        ("c", "Năm 2022, tỷ lệ hồ sơ giải quyết đúng hạn đạt 97,6%.", "2023-03-01"),
    )
    facts = build_facts(mentions)
    fact = facts[facts["indicator_code"] == "dossiers_ontime_pct"].iloc[0]
    assert fact["value"] == 97.6 and fact["conflict"] and fact["n_articles"] == 3 and fact["province_name"] == "Nghệ An"
    findings = quality_findings(mentions, facts)
    assert list(findings["rule"]) == ["sources_agree"] and findings["observed"].iloc[0] == "97.2, 97.6, 98"
    row = findings.iloc[0]  # every value with the article that reports it, no separator a table splits on
    assert row["source_path"] == "b.txt; c.txt; a.txt" and row["indicator_codes"] == "dossiers_ontime_pct"
    assert row["detail"] == "dossiers_ontime_pct: 97.2 in b.txt; 97.6 in c.txt; 98 in a.txt; kept 97.6"


def test_findings_name_province_year_and_article():
    mentions = _mentions(("d", "Năm 2021, tỉnh có 200 dịch vụ công trực tuyến mức độ 3, 300 dịch vụ công trực tuyến "
                               "mức độ 4. Tổng số dịch vụ công trực tuyến mức độ 3 và 4 là 520.", "2021-12-01"))
    findings = quality_findings(mentions, build_facts(mentions))
    row = findings.iloc[0]
    assert (row["province_name"], row["year"], row["rule"], row["source_path"]) == ("Nghệ An", 2021,
                                                                                  "level3_plus_level4_equals_level34", "d.txt")


def test_every_rule_states_formula_tolerance_and_severity_and_only_a_wrong_published_number_is_an_error():
    assert set(RULE_NAMES) == {r.__name__ for r in RULES} | {"sources_agree", "article_not_read", "row_quarantined",
                                                             "correction_not_applied"}
    for name, doc in RULE_DOCS.items():
        assert doc.formula and doc.tolerance and doc.severity in ("warn", "error"), name
        assert f"Severity: {doc.severity}" in doc.describe() and "Formula:" in doc.describe(), name
    assert {n for n, d in RULE_DOCS.items() if d.severity == "error"} == {"percent_in_range"}


def test_a_share_finding_states_the_tolerance_of_its_written_precision():
    finding = check_figures(_figures(online_services_total=1937, online_services_level4=166, online_services_level4_pct=12.5))[0]
    assert finding.tolerance == "written with 1 decimals: rounds (±0.05) or truncates to it"


def test_titles_follow_the_articles_of_a_finding():
    con = duckdb.connect()
    con.execute("CREATE TABLE articles (article_id VARCHAR, title VARCHAR)")
    con.executemany("INSERT INTO articles VALUES (?, ?)", [("a", "Title | A, with commas"), ("b", "B"), ("c", ""),
                                                          ("d", None)])
    findings = pd.DataFrame([finding_row(rule="sources_agree", article_id="a; b"), finding_row(rule="x", article_id=None),
                             finding_row(rule="sources_agree", article_id="b; gone; a; c"),
                             finding_row(rule="x", article_id="d"), finding_row(rule="x", article_id="")])
    assert titles_of(con, findings["article_id"], "articles") == [
        "Title | A, with commas; B", None, "B; Title | A, with commas", None, None]


def test_the_readme_table_of_rules_names_every_rule_with_its_severity():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for name, doc in {**RULE_DOCS, STALE: STALE_DOC}.items():
        line = next((l for l in readme.splitlines() if l.startswith(f"| `{name}`")), None)
        assert line is not None and f"| {doc.severity} |" in line, name
