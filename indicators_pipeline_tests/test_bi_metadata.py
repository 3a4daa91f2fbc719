"""What BI tools and the Dagster UI show besides the rows: comments, the publication record, freshness,
column lineage and code versions (README: "The warehouse", "Quality checks in the UI"); and the rules'
versions following the rule modules."""
from __future__ import annotations

import datetime as dt
import shutil

import dagster as dg
import pytest

from indicators_pipeline import versions
from indicators_pipeline.definitions import defs
from indicators_pipeline_tests.pipeline_runs import materialization_metadata, query


def test_every_published_table_and_column_carries_a_comment(seeded):
    missing = query(seeded.warehouse, """
        SELECT t.schema_name || '.' || t.table_name AS name, NULL AS column_name FROM duckdb_tables() t
        WHERE coalesce(t.comment, '') = ''
        UNION ALL
        SELECT c.schema_name || '.' || c.table_name, c.column_name FROM duckdb_columns() c
        JOIN duckdb_tables() t USING (database_name, schema_name, table_name) WHERE coalesce(c.comment, '') = ''
        UNION ALL
        SELECT v.schema_name || '.' || v.view_name, NULL FROM duckdb_views() v
        WHERE NOT v.internal AND coalesce(v.comment, '') = ''""")
    assert missing.empty, missing.to_dict("records")
    tables = set(query(seeded.warehouse, "SELECT schema_name || '.' || table_name AS t FROM duckdb_tables()")["t"])
    assert {"raw.articles", "staging.indicator_mentions", "marts.fact_indicator_yearly", "meta.publication"} <= tables


def test_meta_publication_says_when_and_in_which_storage_version(seeded):
    [row] = query(seeded.warehouse, "SELECT published_at, storage_version FROM meta.publication").to_dict("records")
    assert row["storage_version"] == "v1.0.0"
    published = row["published_at"].to_pydatetime()
    assert dt.timedelta(0) <= dt.datetime.now(dt.timezone.utc) - published < dt.timedelta(hours=6)


def test_marts_and_the_publication_have_a_26_hour_freshness_policy():
    graph = defs().resolve_asset_graph()
    for path in (["publish", "indicators_duckdb"], ["marts", "fact_indicator_yearly"], ["marts", "rollup_indicator_yearly"]):
        policy = graph.get(dg.AssetKey(path)).freshness_policy
        assert policy is not None and policy.fail_window.to_timedelta() == dt.timedelta(hours=26), path


def test_facts_and_rollups_carry_column_lineage_back_to_the_mentions(seeded):
    facts = materialization_metadata(seeded.result, ["marts", "fact_indicator_yearly"])["dagster/column_lineage"].value
    assert [(d.asset_key.to_user_string(), d.column_name) for d in facts.deps_by_column["value"]] == [
        ("staging/indicator_mentions", "value")]
    rollups = materialization_metadata(seeded.result, ["marts", "rollup_indicator_yearly"])["dagster/column_lineage"].value
    assert [(d.asset_key.to_user_string(), d.column_name) for d in rollups.deps_by_column["value_sum"]] == [
        ("marts/fact_indicator_yearly", "value")]


def test_raw_and_staging_assets_show_the_rules_versions_as_code_versions():
    graph = defs().resolve_asset_graph()
    assert graph.get(dg.AssetKey(["raw", "articles"])).code_version == versions.ingest_version()
    assert graph.get(dg.AssetKey(["staging", "indicator_mentions"])).code_version == versions.extractor_version()


@pytest.fixture
def package_copy(tmp_path, monkeypatch):
    """The package's rule modules and reference files in a folder the test may edit."""
    copy = tmp_path / "indicators_pipeline"
    shutil.copytree(versions.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(versions, "PACKAGE", copy)
    versions.rules_version.cache_clear()
    yield copy
    versions.rules_version.cache_clear()


def test_a_changed_rule_module_changes_the_extractor_version_and_nothing_else_does(package_copy):
    extractor, ingest = versions.extractor_version(), versions.ingest_version()
    versions.rules_version.cache_clear()
    assert (versions.extractor_version(), versions.ingest_version()) == (extractor, ingest)  # a hash of the files, stable
    (package_copy / "review.py").write_text("# not a rule\n", encoding="utf-8")
    versions.rules_version.cache_clear()
    assert versions.extractor_version() == extractor  # a module outside the rules changes nothing
    rule = next(p for p in sorted((package_copy / "extraction").glob("*.py")) if p.name != "__init__.py")
    rule.write_text(rule.read_text(encoding="utf-8") + "\n# a rule changed\n", encoding="utf-8")
    versions.rules_version.cache_clear()
    assert versions.extractor_version() != extractor
    catalogue = package_copy / "reference" / "indicators.csv"
    catalogue.write_text(catalogue.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    versions.rules_version.cache_clear()
    assert versions.ingest_version() != ingest  # the reference files are read by both
