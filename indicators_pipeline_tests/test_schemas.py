"""pandera models reject what cannot be a fact and list every bad row."""
from __future__ import annotations

import pandas as pd

from indicators_pipeline.quality.schemas import FactModel, MentionModel, validate


def _fact(**overrides):
    row = dict(province_code="64", province_name="Gia Lai", province_2025_code="52", year=2021,
               indicator_code="dossiers_ontime_pct", value=98.9, unit="percent", n_articles=1, conflict=False,
               is_post_merger=False)
    row.update(overrides)
    return row


def test_valid_facts_pass():
    assert validate(FactModel, pd.DataFrame([_fact(), _fact(indicator_code="ict_index_rank", value=23, unit="rank")])).empty


def test_every_bad_row_is_listed():
    frame = pd.DataFrame([
        _fact(),
        _fact(indicator_code="ict_index_rank", value=70, unit="rank"),           # rank beyond 63
        _fact(indicator_code="online_services_total", value=12.0, unit="percent"),  # wrong unit
        _fact(indicator_code="not_in_catalogue"),
        _fact(province_name="Atlantis"),
        _fact(year=1890),
        _fact(),                                                                  # duplicate of row 0
    ])
    failures = validate(FactModel, frame)
    failed_rows = set(failures["index"].dropna().astype(int))
    assert {1, 2, 3, 4, 5} <= failed_rows
    assert "multiple_fields_uniqueness" in set(failures["check"].astype(str))


def test_mentions_need_an_ordered_evidence_span():
    row = dict(mention_id="a:x:1", article_id="a", indicator_code="dossiers_ontime_pct", value=98.0, unit="percent",
               qualifier="exact", province_code="64", province_name="Gia Lai", year=2021, char_start=10, char_end=5)
    failures = validate(MentionModel, pd.DataFrame([row]))
    assert "evidence span is empty or reversed" in set(failures["check"].astype(str))
