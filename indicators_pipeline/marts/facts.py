"""Mentions to one value per province x year x indicator.

Which value a fact keeps when sources disagree: an exact figure over an approximate one ('hơn',
'khoảng'), then the most recently published article, then the value most articles report, then
the first mention in file order. `conflict` says the sources gave different values.
"""
from __future__ import annotations

import pandas as pd

from indicators_pipeline import merger
from indicators_pipeline.warehouse import tables

_QUALIFIER_ORDER = {"exact": 0, "at_least": 1, "more_than": 1, "about": 2}
# The mention columns facts and quality rules read (not the evidence text): large warehouses stay light.
MENTION_FACT_COLUMNS = ["mention_id", "article_id", "source_path", "indicator_code", "value", "unit", "qualifier",
                        "province_code", "province_name", "province_2025_code", "year", "char_start", "decimals",
                        "published_date"]
_KEY = ["province_code", "province_name", "province_2025_code", "year", "indicator_code"]


def build_facts(mentions: pd.DataFrame) -> pd.DataFrame:
    usable = mentions[mentions["year"].notna() & mentions["province_name"].notna()].copy()
    if usable.empty:
        return pd.DataFrame(columns=tables.FACTS.column_names)
    usable["year"] = usable["year"].astype(int)
    usable["_value_key"] = usable["value"].round(4)
    usable["_qualifier_rank"] = usable["qualifier"].map(_QUALIFIER_ORDER).fillna(3)
    usable["_published"] = pd.to_datetime(usable["published_date"], errors="coerce")
    group = usable.groupby(_KEY, dropna=False)
    usable["_same_value"] = usable.groupby([*_KEY, "_value_key"], dropna=False)["article_id"].transform("nunique")
    usable["n_articles"] = group["article_id"].transform("nunique")
    usable["n_mentions"] = group["mention_id"].transform("size")
    usable["n_values"] = group["_value_key"].transform("nunique")
    ordered = usable.sort_values(
        [*_KEY, "_qualifier_rank", "_published", "_same_value", "source_path", "char_start"],
        ascending=[True] * len(_KEY) + [True, False, False, True, True],
        na_position="last",
        kind="stable",
    )
    chosen = ordered.drop_duplicates(_KEY, keep="first").copy()
    chosen["conflict"] = chosen["n_values"] > 1
    chosen["source_mention_id"] = chosen["mention_id"]
    chosen["is_post_merger"] = [
        merger.is_post_merger(y, p.date() if not pd.isna(p) else None) for y, p in zip(chosen["year"], chosen["_published"])
    ]
    facts = chosen[tables.FACTS.column_names].sort_values(["province_name", "year", "indicator_code"], kind="stable")
    return facts.reset_index(drop=True)
