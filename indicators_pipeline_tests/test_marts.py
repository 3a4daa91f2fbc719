"""Rollups and the harmonized view against hand-computed values on crafted facts."""
from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from indicators_pipeline.marts import dimensions, views
from indicators_pipeline.marts.rollups import build_rollups
from indicators_pipeline.warehouse import tables
from indicators_pipeline.warehouse.store import empty_frame, replace_tables


def fact(code, name, unit_code, year, indicator, value, unit="count", post=False):
    return dict(province_code=code, province_name=name, province_2025_code=unit_code, year=year, indicator_code=indicator,
                value=float(value), unit=unit, qualifier="exact", n_articles=1, n_mentions=1, n_values=1, conflict=False,
                source_mention_id=f"{name}{year}{indicator}", is_post_merger=post, reviewed=False,
                review_status="unreviewed")


@pytest.fixture
def facts():
    return pd.DataFrame([
        fact("64", "Gia Lai", "52", 2021, "online_services_level4", 349),
        fact("52", "Bình Định", "52", 2021, "online_services_level4", 420),
        fact("66", "Đắk Lắk", "66", 2021, "online_services_level4", 150),
        fact("64", "Gia Lai", "52", 2021, "procedures_total", 1962),
        fact("52", "Bình Định", "52", 2021, "procedures_total", 1700),
        fact("64", "Gia Lai", "52", 2021, "online_services_level4_pct", 17.8, "percent"),
        fact("52", "Bình Định", "52", 2021, "online_services_level4_pct", 24.7, "percent"),
        fact("64", "Gia Lai", "52", 2021, "ict_index_rank", 40, "rank"),
        fact("52", "Bình Định", "52", 2021, "ict_index_rank", 12, "rank"),
        fact("00", "national", None, 2021, "online_services_level4", 9999),
        # 2025: Gia Lai's post-merger unit figure replaces its former provinces' figures of the same year.
        fact("64", "Gia Lai", "52", 2025, "online_services_full", 500),
        fact("52", "Bình Định", "52", 2025, "online_services_full", 600),
        fact(None, "Gia Lai", "52", 2025, "online_services_full", 1300, post=True),
    ])


def _row(rollups, grouping, name, year, indicator):
    found = rollups[(rollups["grouping"] == grouping) & (rollups["group_name"] == name) & (rollups["year"] == year)
                    & (rollups["indicator_code"] == indicator)]
    assert len(found) == 1
    return found.iloc[0]


def test_counts_are_summed_national_figures_left_out(facts):
    rollups = build_rollups(facts)
    row = _row(rollups, "national", "Việt Nam", 2021, "online_services_level4")
    assert row["value_sum"] == 349 + 420 + 150 and row["n_provinces"] == 3 and row["n_group_members"] == 63
    region = _row(rollups, "region", "Tây Nguyên", 2021, "online_services_level4")
    assert region["value_sum"] == 349 + 150 and region["n_group_members"] == 5
    unit = _row(rollups, "province_2025", "Gia Lai", 2021, "online_services_level4")
    assert unit["value_sum"] == 349 + 420 and unit["coverage"] == 1.0


def test_shares_are_averaged_and_weighted_never_summed(facts):
    row = _row(build_rollups(facts), "province_2025", "Gia Lai", 2021, "online_services_level4_pct")
    assert pd.isna(row["value_sum"])
    assert row["value_mean"] == pytest.approx((17.8 + 24.7) / 2)
    assert row["value_weighted"] == pytest.approx(100 * (349 + 420) / (1962 + 1700))


def test_ranks_are_only_bounded(facts):
    row = _row(build_rollups(facts), "national", "Việt Nam", 2021, "ict_index_rank")
    assert pd.isna(row["value_sum"]) and pd.isna(row["value_mean"]) and (row["value_min"], row["value_max"]) == (12, 40)


def test_post_merger_unit_figure_wins_in_its_year(facts):
    row = _row(build_rollups(facts), "province_2025", "Gia Lai", 2025, "online_services_full")
    assert row["value_sum"] == 1300 and row["n_provinces"] == 1 and row["n_group_members"] == 1


def test_harmonized_view_lines_up_level4_and_full_across_2022(facts, tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    replace_tables(con, {tables.FACTS: facts, tables.DIM_INDICATOR: dimensions.dim_indicator(),
                         tables.DIM_PROVINCE: dimensions.dim_province(),
                         # the review queue reads these too
                         **{t: empty_frame(t) for t in (tables.MENTIONS, tables.ARTICLES, tables.QUALITY_FINDINGS)}})
    views.create_views(con)
    trend = con.execute("""SELECT year, sum(value) FROM marts.fact_indicator_harmonized
                           WHERE harmonized_code = 'online_services_full' AND province_name = 'Gia Lai'
                             AND province_code IS NOT NULL GROUP BY year ORDER BY year""").fetchall()
    assert trend == [(2021, 349.0), (2025, 500.0)]
    wide = con.execute("SELECT online_services_level4, procedures_total FROM marts.province_year_wide "
                       "WHERE province_name = 'Bình Định' AND year = 2021").fetchall()[0]
    assert wide == (420.0, 1700.0)
    latest = con.execute("SELECT year FROM marts.latest_indicator_value WHERE province_name = 'Gia Lai' "
                         "AND province_code = '64' AND indicator_code = 'online_services_full'").fetchall()[0]
    assert latest == (2025,)


def test_dimensions_have_the_contract_sizes():
    assert len(dimensions.dim_province()) == 63 and len(dimensions.dim_province_2025()) == 34
    provinces = dimensions.dim_province().set_index("province_code")
    assert provinces.loc["52", "province_2025_name"] == "Gia Lai" and provinces.loc["52", "province_name"] == "Bình Định"
