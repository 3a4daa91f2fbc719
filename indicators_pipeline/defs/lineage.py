"""Column lineage from mentions to facts to rollups, as Dagster shows it on the Lineage tab of a column.

Written by hand from marts/facts.py and marts/rollups.py: which upstream columns each column is made of.
"""

import dagster as dg

from indicators_pipeline.defs.specs import key
from indicators_pipeline.warehouse import tables


def _deps(table: tables.Table, *columns: str) -> list[dg.TableColumnDep]:
    return [dg.TableColumnDep(asset_key=key(table), column_name=c) for c in columns]


_SAME_AS_MENTION = ("province_code", "province_name", "province_2025_code", "year", "indicator_code", "value", "unit",
                    "qualifier")

FACTS_LINEAGE = dg.TableColumnLineage(deps_by_column={
    **{c: _deps(tables.MENTIONS, c) for c in _SAME_AS_MENTION},
    "n_articles": _deps(tables.MENTIONS, "article_id"),
    "n_mentions": _deps(tables.MENTIONS, "mention_id"),
    "n_values": _deps(tables.MENTIONS, "value"),
    "conflict": _deps(tables.MENTIONS, "value"),
    "source_mention_id": _deps(tables.MENTIONS, "mention_id", "qualifier", "published_date"),
    "is_post_merger": _deps(tables.MENTIONS, "year", "published_date"),
})

_VALUE = _deps(tables.FACTS, "value")
ROLLUPS_LINEAGE = dg.TableColumnLineage(deps_by_column={
    "year": _deps(tables.FACTS, "year"),
    "indicator_code": _deps(tables.FACTS, "indicator_code"),
    "group_name": [*_deps(tables.FACTS, "province_code", "province_2025_code"),
                   *_deps(tables.DIM_PROVINCE, "region"), *_deps(tables.DIM_PROVINCE_2025, "province_2025_name")],
    "n_provinces": _deps(tables.FACTS, "province_code", "province_2025_code"),
    "coverage": _deps(tables.FACTS, "province_code", "province_2025_code"),
    **{c: _VALUE for c in ("value_sum", "value_mean", "value_min", "value_max", "value_weighted")},
})
