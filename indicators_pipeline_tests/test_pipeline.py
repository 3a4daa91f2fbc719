"""The whole graph, materialized for real over the seed articles into a temporary warehouse."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import duckdb
import dagster as dg
import pandas as pd
import pytest

from indicators_pipeline.warehouse import tables
from indicators_pipeline_tests.conftest import GOLD
from indicators_pipeline_tests.pipeline_runs import failures, materialization_metadata, materialize_all, query

SPEC_COLUMNS = {  # spec/WAREHOUSE.md: names BI relies on
    "raw.articles": ["article_id", "source_path", "content_sha256", "title", "published_date", "province_code", "province_name", "text"],
    "raw.rejected_files": ["source_path", "reason", "byte_size"],
    "staging.indicator_mentions": ["mention_id", "article_id", "source_path", "indicator_code", "value", "unit", "qualifier",
                                   "province_code", "province_name", "year", "evidence", "char_start", "char_end"],
    "staging.indicator_targets": ["mention_id", "article_id", "source_path", "indicator_code", "value", "unit", "qualifier",
                                  "province_code", "province_name", "year", "evidence", "char_start", "char_end"],
    "marts.dim_province": ["province_code", "province_name", "region", "province_2025_name"],
    "marts.dim_province_2025": ["province_2025_code", "province_2025_name", "kind", "former_province_codes"],
    "marts.dim_indicator": ["indicator_code", "family", "unit", "name_vi", "name_en"],
    "marts.fact_indicator_yearly": ["province_code", "province_name", "province_2025_code", "year", "indicator_code", "value",
                                    "unit", "n_articles", "conflict"],
    "marts.rollup_indicator_yearly": ["year", "indicator_code", "grouping", "group_name", "n_provinces", "value_sum",
                                      "value_mean", "value_min", "value_max"],
    "marts.quality_findings": ["province_code", "year", "rule", "severity", "expected", "observed", "detail"],
}


@pytest.fixture
def seeded_run(seeded):
    """The session's one refresh over the seeds (conftest.seeded): these tests only read it."""
    return seeded.result, seeded.warehouse


def test_every_contract_table_and_column_is_published(seeded_run):
    result, warehouse = seeded_run
    assert result.success
    columns = query(warehouse, "SELECT table_schema || '.' || table_name AS t, column_name FROM information_schema.columns")
    for table, expected in SPEC_COLUMNS.items():
        present = set(columns.loc[columns["t"] == table, "column_name"])
        assert set(expected) <= present, f"{table} lacks {set(expected) - present}"
    types = query(warehouse, "SELECT table_schema || '.' || table_name AS t, column_name, data_type FROM information_schema.columns")
    typed = {(r.t, r.column_name): r.data_type for r in types.itertuples()}
    assert typed[("raw.articles", "published_date")] == "DATE"
    assert typed[("staging.indicator_mentions", "value")] == "DOUBLE"
    assert typed[("staging.indicator_mentions", "year")] == "INTEGER"
    assert typed[("marts.fact_indicator_yearly", "conflict")] == "BOOLEAN"


def test_known_seed_figures_reach_the_yearly_facts(seeded_run):
    _, warehouse = seeded_run
    facts = query(warehouse, "SELECT province_name, year, indicator_code, value FROM marts.fact_indicator_yearly")
    got = {(r.province_name, r.year, r.indicator_code): r.value for r in facts.itertuples()}
    # Hậu Giang's review of 2020, published in May 2021 under a headline naming 2020.
    assert got[("Hậu Giang", 2020, "online_services_level2")] == 1535
    assert got[("Hậu Giang", 2020, "online_services_level3")] == 236
    assert got[("Hậu Giang", 2020, "online_services_level4")] == 166
    assert got[("Gia Lai", 2020, "dossiers_ontime_pct")] == pytest.approx(98.92)
    assert got[("Hậu Giang", 2019, "ict_index_rank")] == 47
    assert got[("Đắk Lắk", 2016, "ict_index_rank")] == 49


def test_dimensions_and_rollups_are_filled(seeded_run):
    _, warehouse = seeded_run
    assert query(warehouse, "SELECT count(*) n FROM marts.dim_province")["n"][0] == 63
    assert query(warehouse, "SELECT count(*) n FROM marts.dim_province_2025")["n"][0] == 34
    groupings = set(query(warehouse, "SELECT DISTINCT grouping FROM marts.rollup_indicator_yearly")["grouping"])
    assert groupings == {"national", "region", "province_2025"}


def test_evidence_is_exactly_the_text_span(seeded_run):
    _, warehouse = seeded_run
    rows = query(warehouse, """SELECT m.evidence, a.text, m.char_start, m.char_end
                               FROM staging.indicator_mentions m JOIN raw.articles a USING (article_id)""")
    assert len(rows) > 40
    for row in rows.itertuples():
        assert row.text[row.char_start:row.char_end] == row.evidence


def test_seed_inconsistency_is_a_finding_and_truncation_is_not(seeded_run):
    result, warehouse = seeded_run
    findings = query(warehouse, "SELECT province_name, rule, severity, detail FROM marts.quality_findings")
    dak_lak = findings[(findings["province_name"] == "Đắk Lắk") & (findings["rule"] == "levels_within_procedures")]
    assert len(dak_lak) == 1 and "1,565" in dak_lak["detail"].iloc[0] and "1,543" in dak_lak["detail"].iloc[0]
    assert findings[findings["province_name"] == "Hậu Giang"].empty  # 166/1937 = 8.57 written 8,5%: truncation
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert not evaluations["levels_within_procedures"].passed
    assert evaluations["levels_within_procedures"].severity == dg.AssetCheckSeverity.WARN  # the article's own sum
    table = evaluations["levels_within_procedures"].metadata["findings_table"].value
    assert [(r.data["province"], r.data["year"]) for r in table.records] == [("Đắk Lắk", "2017")]
    assert evaluations["level4_share_matches"].passed
    assert evaluations["fact_indicator_yearly_schema"].passed


def test_great_expectations_suite_runs_and_writes_data_docs(seeded):
    result, quality_dir = seeded.result, seeded.quality
    evaluation = next(e for e in result.get_asset_check_evaluations() if e.check_name == "great_expectations_suite")
    assert evaluation.passed
    assert evaluation.metadata["evaluated"].value >= 10
    docs = Path(evaluation.metadata["data_docs"].value)
    assert docs.exists() and docs.is_relative_to(quality_dir)


def test_adding_one_article_parses_only_that_article_and_equals_a_full_rebuild(seeded, raw_dir, seeded_warehouse, tmp_path):
    warehouse_file = seeded_warehouse
    assert materialization_metadata(seeded.result, ["staging", "indicator_mentions"])["articles_parsed"].value == 5
    (raw_dir / "nested").mkdir()
    (raw_dir / "nested" / "new.txt").write_text("Tỉnh Lạng Sơn: tỷ lệ hồ sơ giải quyết đúng hạn năm 2022 đạt 99,1%\n\n15/01/2023\n\n"
                     "Năm 2022, tỷ lệ hồ sơ giải quyết đúng hạn của tỉnh Lạng Sơn đạt 99,1%.\n", encoding="utf-8")
    second = materialize_all(raw_dir, warehouse_file)
    meta = materialization_metadata(second, ["staging", "indicator_mentions"])
    assert meta["articles_parsed"].value == 1 and meta["articles_reused"].value == 5
    assert materialization_metadata(second, ["raw", "articles"])["new_files"].value == 1

    rebuilt = tmp_path / "rebuilt" / "indicators.duckdb"
    assert materialize_all(raw_dir, rebuilt).success
    for table in ("raw.articles", "staging.indicator_mentions", "marts.fact_indicator_yearly", "marts.rollup_indicator_yearly",
                  "marts.quality_findings"):
        incremental = query(warehouse_file, f"SELECT * FROM {table} ORDER BY ALL")
        full = query(rebuilt, f"SELECT * FROM {table} ORDER BY ALL")
        assert incremental.equals(full), table


def test_a_run_that_changes_nothing_says_so_and_removed_files_leave(raw_dir, seeded_warehouse):
    warehouse_file = seeded_warehouse
    again = materialize_all(raw_dir, warehouse_file)
    raw_meta = materialization_metadata(again, ["raw", "articles"])
    assert raw_meta["summary"].value == "nothing changed" and raw_meta["files_read"].value == 0
    (raw_dir / "001_b8f766158b53a69d.txt").unlink()
    third = materialize_all(raw_dir, warehouse_file)
    assert materialization_metadata(third, ["raw", "articles"])["removed_articles"].value == 1
    provinces = set(query(warehouse_file, "SELECT DISTINCT province_name FROM staging.indicator_mentions")["province_name"])
    assert "Hậu Giang" not in provinces


def test_a_broken_link_is_refused_once_then_changes_nothing_and_once_mended_is_read(raw_dir, seeded_warehouse):
    """A link whose target is missing has no size or time: the nights after it is refused read nothing (before, its
    empty row turned the inventory's times into floats and every file was read again every night), and the night
    its target appears reads the two (before, comparing with its empty row failed the raw step)."""
    instance = dg.DagsterInstance.ephemeral()
    (raw_dir / "link.txt").symlink_to(raw_dir / "target.txt")
    refused = materialize_all(raw_dir, seeded_warehouse, instance=instance)
    assert materialization_metadata(refused, ["raw", "articles"])["files_read"].value == 1
    assert query(seeded_warehouse, "SELECT reason FROM raw.rejected_files")["reason"].tolist() == ["broken symbolic link"]
    quiet = materialize_all(raw_dir, seeded_warehouse, instance=instance)
    meta = materialization_metadata(quiet, ["raw", "articles"])
    assert meta["summary"].value == "nothing changed" and meta["files_read"].value == 0
    (raw_dir / "target.txt").write_text("Tỉnh Kon Tum năm 2023 có 150 dịch vụ công trực tuyến toàn trình.",
                                        encoding="utf-8")
    mended = materialize_all(raw_dir, seeded_warehouse, instance=instance)
    assert mended.success, failures(mended)
    meta = materialization_metadata(mended, ["raw", "articles"])
    assert meta["files_read"].value == 2 and meta["new_articles"].value == 1 and meta["duplicates"].value == 1


def test_two_runs_over_the_same_files_give_identical_tables(seeded, raw_dir, tmp_path):
    other = tmp_path / "other" / "indicators.duckdb"
    assert materialize_all(raw_dir, other).success
    for table in tables.ALL_TABLES:
        assert query(seeded.warehouse, f"SELECT * FROM {table.name} ORDER BY ALL").equals(
            query(other, f"SELECT * FROM {table.name} ORDER BY ALL")), table.name


def test_assets_show_row_counts_schema_and_coverage(seeded_run):
    result, warehouse = seeded_run
    meta = materialization_metadata(result, ["marts", "fact_indicator_yearly"])
    assert meta["dagster/row_count"].value == query(warehouse, "SELECT count(*) AS n FROM marts.fact_indicator_yearly")["n"][0]
    assert [c.name for c in meta["dagster/column_schema"].schema.columns][:3] == ["province_code", "province_name", "province_2025_code"]
    assert meta["provinces"].value == 3
    assert re.fullmatch(r"\d{4}–\d{4}", meta["years"].value)
    mentions = materialization_metadata(result, ["staging", "indicator_mentions"])
    assert mentions["provinces"].value == 3 and mentions["years"].value == meta["years"].value
    stored = query(warehouse, "SELECT count(*) AS n FROM staging.indicator_mentions")["n"][0]
    assert mentions["dagster/row_count"].value == stored


def test_the_seed_mentions_are_the_gold_figures_every_owed_one_and_no_other(seeded):
    """Expectations from the hand-checked gold (48 owed figures, 6 optional), not from the code's own output."""
    gold = pd.read_csv(GOLD / "seed_mentions.csv")
    key = lambda file, indicator, value: (file, indicator, round(float(value), 4))
    owed = Counter(key(r.file, r.indicator, r.value) for r in gold.itertuples() if not r.optional)
    allowed = Counter(key(r.file, r.indicator, r.value) for r in gold.itertuples())
    assert sum(owed.values()) == 48 and sum(allowed.values()) == 54
    stored = query(seeded.warehouse, "SELECT source_path, indicator_code, value FROM staging.indicator_mentions")
    read = Counter(key(*r) for r in stored.itertuples(index=False))
    assert owed - read == Counter(), "owed figures missing"
    assert read - allowed == Counter(), "figures the gold does not have"


def test_a_warehouse_of_an_older_release_is_upgraded_not_broken(raw_dir, seeded_warehouse):
    warehouse_file = seeded_warehouse
    working = warehouse_file.with_name("indicators.work.duckdb")
    con = duckdb.connect(str(working))
    con.execute('ALTER TABLE raw.file_inventory DROP COLUMN ingest_version')  # as an older release left it
    con.execute('ALTER TABLE staging.parsed_articles DROP COLUMN input_signature')
    # Columns a release added in the middle of a table come back at its end: rows must land by name, not position.
    con.execute('ALTER TABLE staging.indicator_mentions DROP COLUMN period')
    con.execute('ALTER TABLE staging.indicator_mentions DROP COLUMN year_source')
    con.execute('ALTER TABLE raw.articles DROP COLUMN title')
    con.close()
    result = materialize_all(raw_dir, warehouse_file)
    assert result.success
    mentions = query(warehouse_file, "SELECT year, period, year_source, province_source, confidence, rule, review_status "
                                     "FROM staging.indicator_mentions")
    assert (mentions["period"] == mentions["year"].astype(str)).all()  # the seeds frame no period: the year
    assert set(mentions["year_source"]) <= {"own", "inherited", "edition", "title_year", "published_date", "year_review"}
    assert mentions["confidence"].between(0, 1).all() and set(mentions["review_status"]) == {"unreviewed"}
    titles = query(warehouse_file, "SELECT title, province_name FROM raw.articles")
    assert titles["title"].str.len().gt(20).all() and set(titles["province_name"]) == {"Gia Lai", "Hậu Giang", "Đắk Lắk"}
    assert materialization_metadata(result, ["staging", "indicator_mentions"])["articles_parsed"].value == 5
    assert query(warehouse_file, "SELECT count(*) n FROM raw.articles")["n"][0] == 5
