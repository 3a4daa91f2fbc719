"""Measured confidence and the gate before the facts (issue 21): reliabilities learned from first readings,
figures below INDICATORS_MIN_CONFIDENCE held for review, an analyst's decision letting one through."""
from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from indicators_pipeline import cli, confidence, review
from indicators_pipeline_tests.pipeline_runs import failures, materialize_all, query
from indicators_pipeline_tests.conftest import CORRECTIONS_HEADER as HEADER
from indicators_pipeline_tests.test_curation_pipeline import GIA_LAI

READINGS = Path(__file__).parent / "realtext" / "readings.csv"


def _row(outcome: str, rule: str = "label_cue", indicator: str = "dossiers_online_pct", year: str = "2023",
         extractor_year: str = "2023", province: str = "Gia Lai", extractor_province: str = "Gia Lai",
         year_source: str = "own", province_source: str = "site") -> dict:
    answered = outcome != "missed"
    return dict(session="9-first", outcome=outcome, indicator=indicator if outcome != "false_positive" else "",
                year=year if outcome != "false_positive" else "", province=province if outcome != "false_positive" else "",
                extractor_indicator=indicator if answered else "", extractor_rule=rule if answered else "",
                extractor_year=extractor_year if answered else "", extractor_province=extractor_province if answered else "",
                year_source=year_source if answered else "", province_source=province_source if answered else "")


def test_reliabilities_count_each_rule_and_source_over_the_answers_it_gave():
    rows = ([_row("right")] * 4 + [_row("false_positive")]
            + [_row("wrong_place_or_year", extractor_year="2022")]
            + [_row("right", rule="topic_frame")] * 2  # two observations: too few for a figure of its own
            + [_row("missed")] * 3)  # a missed figure says nothing of any rule
    found = {(r.stage, r.id): (r.correct, r.observations) for r in confidence.calibrate(rows)}
    assert found[("reading", "label_cue")] == (5, 6)  # a right value with a wrong year is still a right reading
    assert ("reading", "topic_frame") not in found
    assert found[("reading", confidence.POOLED)] == (7, 8)
    assert found[("year", "own")] == (6, 7)  # over right values only: the false positive has no year to judge
    assert found[("place", "site")] == (7, 7)


def test_a_figure_is_as_sure_as_its_stages_and_an_unmeasured_rule_takes_its_stages_pooled_figure():
    table = {("reading", "label_cue"): 0.9, ("reading", "*"): 0.5, ("indicator", "dti_rank"): 0.4,
             ("indicator", "*"): 0.9, ("year", "own"): 1.0, ("year", "*"): 0.8, ("place", "site"): 1.0,
             ("place", "*"): 0.5}
    assert confidence.confidence("label_cue", "dossiers_online_pct", "own", "site", table) == pytest.approx(0.9)
    assert confidence.confidence("label_cue+goal", "dossiers_online_pct", "own", "site", table) == pytest.approx(0.9)
    assert confidence.confidence("new_rule", "dti_rank", "edition", "body", table) == pytest.approx(
        (0.5 * 0.4) ** 0.5 * 0.8 * 0.5, abs=1e-4)  # rounded to 4 decimals


def test_only_unreviewed_figures_below_the_minimum_are_held():
    mentions = pd.DataFrame({"confidence": [0.3, 0.3, 0.9, None],
                             "review_status": ["unreviewed", "accepted", "unreviewed", "added"]})
    assert confidence.held(mentions, 0.5).tolist() == [True, False, False, False]


def test_the_shipped_reliabilities_are_what_make_calibrate_computes_from_the_first_readings():
    with open(confidence.RELIABILITY_FILE, encoding="utf-8", newline="") as handle:
        shipped = [(r["stage"], r["id"], int(r["observations"]), int(r["correct"])) for r in csv.DictReader(handle)]
    computed = [(r.stage, r.id, r.observations, r.correct)
                for r in confidence.calibrate(confidence.first_reading_rows(READINGS))]
    assert shipped == computed and shipped


def _gia_lai_level4(warehouse: Path) -> dict:
    return query(warehouse, "SELECT mention_id, article_id, value, year, evidence, confidence FROM staging.indicator_mentions "
                            f"WHERE source_path = '{GIA_LAI}' AND indicator_code = 'online_services_level4'").iloc[0].to_dict()


def _decide(corrections: Path, read: dict, action: str, reason: str) -> None:
    corrections.write_text(HEADER + f'{read["article_id"]},,,online_services_level4,{read["value"]:g},"{read["evidence"]}",'
                                    f'{action},,,,,{reason},an,2026-12-05\n', encoding="utf-8")


def test_held_figures_stay_out_of_the_facts_until_an_analyst_accepts_one(raw_dir, seeded_warehouse, tmp_path, monkeypatch,
                                                                        capsys):
    corrections = tmp_path / "corrections.csv"
    corrections.write_text(HEADER, encoding="utf-8")
    monkeypatch.setenv("INDICATORS_CORRECTIONS", str(corrections))
    monkeypatch.setenv("INDICATORS_MIN_CONFIDENCE", "1.01")  # above every figure: all wait for review
    result = materialize_all(raw_dir, seeded_warehouse)
    assert result.success, failures(result)
    assert query(seeded_warehouse, "SELECT count(*) AS n FROM marts.fact_indicator_yearly")["n"][0] == 0
    mentions = query(seeded_warehouse, "SELECT held, confidence FROM marts.mention_confidence")
    assert len(mentions) == 51 and mentions["held"].all() and mentions["confidence"].between(0, 1).all()
    queue = query(seeded_warehouse, "SELECT held FROM marts.review_queue")
    assert queue["held"].all()
    assert "figures waiting for review (confidence below INDICATORS_MIN_CONFIDENCE): 51" in cli.summary(str(seeded_warehouse))
    monkeypatch.setenv("INDICATORS_WAREHOUSE", str(seeded_warehouse))
    assert review.main(["--top", "2"]) == 0  # make review shows them held, with their measured confidence
    printed = capsys.readouterr().out
    assert printed.count("[held, ") == 2 and printed.count(", confidence 0.") == 2

    level4 = _gia_lai_level4(seeded_warehouse)
    _decide(corrections, level4, "accept", "read against the article")
    result = materialize_all(raw_dir, seeded_warehouse)
    assert result.success, failures(result)
    facts = query(seeded_warehouse, "SELECT province_name, indicator_code, value, review_status "
                                    "FROM marts.fact_indicator_yearly")
    assert facts.to_dict("records") == [dict(province_name="Gia Lai", indicator_code="online_services_level4",
                                             value=level4["value"], review_status="accepted")]
    assert not query(seeded_warehouse, "SELECT held FROM staging.indicator_mentions "
                                       f"WHERE mention_id = '{level4['mention_id']}'")["held"][0]

    monkeypatch.setenv("INDICATORS_MIN_CONFIDENCE", "0")  # the gate open: a rejected figure still stays out
    _decide(corrections, level4, "reject", "one office only")
    result = materialize_all(raw_dir, seeded_warehouse)
    assert result.success, failures(result)
    facts = query(seeded_warehouse, "SELECT indicator_code, province_name, year, value FROM marts.fact_indicator_yearly")
    assert len(facts) > 40
    assert not ((facts["indicator_code"] == "online_services_level4") & (facts["province_name"] == "Gia Lai")
                & (facts["year"] == level4["year"]) & (facts["value"] == level4["value"])).any()
