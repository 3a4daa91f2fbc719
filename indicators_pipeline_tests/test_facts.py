"""Facts and their rollups from small crafted mention frames, through marts.facts.build_facts and
marts.rollups.build_rollups; every expectation worked by hand from the frame (README, "How values are chosen" and
"Rollups")."""
from __future__ import annotations

import random

import pandas as pd
import pytest

from indicators_pipeline.marts.facts import build_facts
from indicators_pipeline.marts.rollups import build_rollups

UNITS = {"online_services_full": "count", "online_services_level4": "count", "procedures_total": "count",
         "online_services_level4_pct": "percent", "dossiers_online": "count", "dossiers_received": "count",
         "dossiers_online_pct": "percent"}
# (GSO code, 2025 unit code) of the provinces used below: Gia Lai and Bình Định make the 2025 unit Gia Lai (52),
# Kon Tum is in Quảng Ngãi (51); Gia Lai, Kon Tum and Đắk Lắk are Tây Nguyên, Bình Định is not.
PROVINCES = {"Gia Lai": ("64", "52"), "Bình Định": ("52", "52"), "Kon Tum": ("62", "51"), "Đắk Lắk": ("66", "66"),
             "national": ("00", None)}


def mention(article: str, indicator: str, value: float, *, province: str = "Kon Tum", year: int = 2023,
            published: str | None = "2024-01-15", qualifier: str = "exact", start: int = 100) -> dict:
    code, unit_code = PROVINCES[province]
    end = start + 20
    return dict(mention_id=f"{article}:{indicator}:{start}-{end}", article_id=article, source_path=f"{article}.txt",
                indicator_code=indicator, value=float(value), unit=UNITS[indicator], qualifier=qualifier,
                province_code=code, province_name=province, province_2025_code=unit_code, year=year, evidence="x",
                char_start=start, char_end=end, decimals=0, published_date=published, extractor_version="v", rule="r",
                review_status="unreviewed")


def the_fact(mentions: list[dict]) -> dict:
    """The one fact of mentions of one province x year x indicator, the same whatever order they are stored in."""
    seen = set()
    for seed in range(6):
        rows = list(mentions)
        random.Random(seed).shuffle(rows)
        facts = build_facts(pd.DataFrame(rows))
        assert len(facts) == 1
        seen.add(tuple(facts.iloc[0][["value", "source_mention_id", "n_articles", "n_mentions", "n_values", "conflict"]]))
    assert len(seen) == 1
    value, source, n_articles, n_mentions, n_values, conflict = seen.pop()
    return dict(value=value, source=source, n_articles=n_articles, n_mentions=n_mentions, n_values=n_values,
                conflict=conflict)


# -- "then the value most articles report" ------------------------------------------------------------------------


def test_the_value_most_articles_report_wins_when_exactness_and_date_tie():
    """Four articles of the same day, all exact: 'a' says 130 three times, 'b' and 'c' say 120, 'd' says 125.
    By articles 120 has two and 130 one, so 120 wins; by mentions 130 would (three), and by the file order after
    the count, 'a.txt' would. The fact's mention is the first 120 by file: b's."""
    fact = the_fact([mention("a", "online_services_full", 130, start=10), mention("a", "online_services_full", 130, start=200),
                     mention("a", "online_services_full", 130, start=400), mention("b", "online_services_full", 120),
                     mention("c", "online_services_full", 120), mention("d", "online_services_full", 125)])
    assert fact == dict(value=120.0, source="b:online_services_full:100-120", n_articles=4, n_mentions=6, n_values=3,
                        conflict=True)


def test_exactness_comes_before_the_number_of_articles():
    """Three articles say 'khoảng 200' (about), one says exactly 190, all on the same day: the exact 190."""
    fact = the_fact([mention(a, "online_services_full", 200, qualifier="about") for a in ("a", "b", "c")]
                    + [mention("d", "online_services_full", 190)])
    assert (fact["value"], fact["source"], fact["n_values"]) == (190.0, "d:online_services_full:100-120", 2)


def test_the_latest_article_comes_before_the_number_of_articles():
    """Two December articles say 300, a February one says 310: the later one's 310, however many said 300."""
    fact = the_fact([mention("a", "online_services_full", 300, published="2023-12-20"),
                     mention("b", "online_services_full", 300, published="2023-12-28"),
                     mention("c", "online_services_full", 310, published="2024-02-02")])
    assert (fact["value"], fact["source"], fact["n_articles"]) == (310.0, "c:online_services_full:100-120", 3)


def test_with_as_many_articles_each_the_first_mention_by_file_wins():
    """Two articles say 410, two say 400, same day, all exact: a tie of counts, so the first by file ('a.txt': 410)."""
    fact = the_fact([mention("c", "online_services_full", 400), mention("a", "online_services_full", 410),
                     mention("b", "online_services_full", 410), mention("d", "online_services_full", 400)])
    assert (fact["value"], fact["source"]) == (410.0, "a:online_services_full:100-120")


# -- value_weighted: the group's share from summed numerators and denominators ------------------------------------


@pytest.fixture(scope="module")
def rollups() -> pd.DataFrame:
    mentions = [
        # Gia Lai: an older article (g1) gives 300 of 1,500 procedures at level 4, 20%; a later one (g2) 1,200
        # procedures and 25%. The facts: 300, 1,200 (later) and 25% (later).
        mention("g1", "online_services_level4", 300, province="Gia Lai", published="2024-01-10", start=10),
        mention("g1", "procedures_total", 1500, province="Gia Lai", published="2024-01-10", start=40),
        mention("g1", "online_services_level4_pct", 20, province="Gia Lai", published="2024-01-10", start=70),
        mention("g2", "procedures_total", 1200, province="Gia Lai", published="2024-03-01", start=10),
        mention("g2", "online_services_level4_pct", 25, province="Gia Lai", published="2024-03-01", start=40),
        # Bình Định: 100 of 2,000, 5%.
        mention("b1", "online_services_level4", 100, province="Bình Định", start=10),
        mention("b1", "procedures_total", 2000, province="Bình Định", start=40),
        mention("b1", "online_services_level4_pct", 5, province="Bình Định", start=70),
        # Kon Tum: a share of 90% and 50 services at level 4, but no number of procedures: no pair.
        mention("k1", "online_services_level4_pct", 90, province="Kon Tum", start=10),
        mention("k1", "online_services_level4", 50, province="Kon Tum", start=40),
        # Dossiers: Gia Lai 10,000 of 20,000 online (50%), Đắk Lắk 40,000 of 50,000 (80%).
        mention("g3", "dossiers_online", 10000, province="Gia Lai", start=10),
        mention("g3", "dossiers_received", 20000, province="Gia Lai", start=40),
        mention("g3", "dossiers_online_pct", 50, province="Gia Lai", start=70),
        mention("d1", "dossiers_online", 40000, province="Đắk Lắk", start=10),
        mention("d1", "dossiers_received", 50000, province="Đắk Lắk", start=40),
        mention("d1", "dossiers_online_pct", 80, province="Đắk Lắk", start=70),
        # A national figure is no member of any group.
        mention("n1", "online_services_level4", 9000, province="national", start=10),
        mention("n1", "procedures_total", 10000, province="national", start=40),
        mention("n1", "online_services_level4_pct", 90, province="national", start=70),
    ]
    return build_rollups(build_facts(pd.DataFrame(mentions)))


def _row(rollups: pd.DataFrame, grouping: str, name: str, indicator: str) -> dict:
    found = rollups[(rollups["grouping"] == grouping) & (rollups["group_name"] == name) & (rollups["year"] == 2023)
                    & (rollups["indicator_code"] == indicator)]
    assert len(found) == 1, (grouping, name, indicator)
    return found.iloc[0].to_dict()


@pytest.mark.parametrize("grouping, name, n_provinces, mean, weighted", [
    # Gia Lai 25%, Bình Định 5%, Kon Tum 90% (no pair): mean 120/3; weighted (300 + 100) / (1,200 + 2,000) = 12.5%.
    ("national", "Việt Nam", 3, 40.0, 12.5),
    # Gia Lai and Kon Tum: mean 57.5; weighted Gia Lai's pair alone, 300 / 1,200 = 25%.
    ("region", "Tây Nguyên", 2, 57.5, 25.0),
    # The 2025 unit Gia Lai (Gia Lai and Bình Định): mean 15; weighted 400 / 3,200 = 12.5%.
    ("province_2025", "Gia Lai", 2, 15.0, 12.5),
    ("region", "Bắc Trung Bộ và duyên hải miền Trung", 1, 5.0, 5.0),
    # Kon Tum alone in Quảng Ngãi: no pair, no weighted share.
    ("province_2025", "Quảng Ngãi", 1, 90.0, None),
])
def test_value_weighted_is_the_share_of_summed_numerators_and_denominators(rollups, grouping, name, n_provinces,
                                                                         mean, weighted):
    row = _row(rollups, grouping, name, "online_services_level4_pct")
    assert row["n_provinces"] == n_provinces
    assert row["value_mean"] == pytest.approx(mean)
    assert pd.isna(row["value_sum"])  # a share is never summed
    if weighted is None:
        assert pd.isna(row["value_weighted"])
    else:
        assert row["value_weighted"] == pytest.approx(weighted)


def test_value_weighted_of_online_dossiers_uses_dossiers_received(rollups):
    """Gia Lai 50% and Đắk Lắk 80%: mean 65; weighted (10,000 + 40,000) / (20,000 + 50,000) = 71.43%."""
    for grouping, name in (("national", "Việt Nam"), ("region", "Tây Nguyên")):
        row = _row(rollups, grouping, name, "dossiers_online_pct")
        assert row["value_mean"] == pytest.approx(65.0)
        assert row["value_weighted"] == pytest.approx(100 * 50_000 / 70_000)
    assert _row(rollups, "province_2025", "Đắk Lắk", "dossiers_online_pct")["value_weighted"] == pytest.approx(80.0)


def test_counts_have_no_weighted_share(rollups):
    """Level-4 services of Gia Lai, Bình Định and Kon Tum summed (the national 9,000 left out); no weighted value."""
    row = _row(rollups, "national", "Việt Nam", "online_services_level4")
    assert row["value_sum"] == 300 + 100 + 50 and pd.isna(row["value_weighted"])
