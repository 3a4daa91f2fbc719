"""Mentions to one value per province x year x indicator, computed inside DuckDB.

Which value a fact keeps when sources disagree: an exact figure over an approximate one ('hơn',
'khoảng'), then the most recently published article, then the value most articles report, then
the first mention in its file (by path and offset), then, for two mentions of one article that start
at the same character, the shorter span, the smaller value and the mention id. That order is total:
the same mentions give the same facts whatever order they are stored in, whatever DuckDB's threads
(issue 22). `conflict` says the sources gave different values.

The query runs where the mentions are (a warehouse table, or a frame in an in-memory database for
tests), so a warehouse of millions of mentions never passes through pandas. Held mentions (below
INDICATORS_MIN_CONFIDENCE and unreviewed) wait in the review queue and make no fact.

A fact is a function of the usable mentions of its key alone, so a night with a few new articles
computes again only the facts of the keys whose mentions changed (`key_state`, `merged_facts`) and
keeps the others' rows: the same table, in the same order, as computing every fact.
"""
from __future__ import annotations

import duckdb
import pandas as pd

from indicators_pipeline.merger import MERGER_DATE
from indicators_pipeline.warehouse import article_state, tables

_KEY = "province_code, province_name, province_2025_code, year, indicator_code"
# Which mention a fact keeps: the documented preferences, then ties broken down to the mention id (a total order).
CHOICE_ORDER = ("qualifier_rank, published_date DESC NULLS LAST, same_value DESC, source_path, char_start, char_end, "
                "value, mention_id, qualifier, unit, review_status, article_id")

_USABLE = "year IS NOT NULL AND province_name IS NOT NULL AND NOT coalesce(held, false)"
# A fact's key written out, NULLs told apart from text: the unit of the facts step's incremental state.
KEY_ID = "to_json([province_code, province_name, province_2025_code, CAST(year AS VARCHAR), indicator_code])"
STEP = tables.FACTS.name
# Every column of a mention the query reads; the unique mention id last: DuckDB's hash of several columns mixes the
# last one in linearly, so a last column shared by an even number of a key's rows would cancel out of its bit_xor.
_READ = (*_KEY.split(", "), "value", "unit", "qualifier", "published_date", "source_path", "char_start", "char_end",
         "review_status", "article_id", "mention_id")
_FACT_ORDER = "province_name, year, indicator_code, is_post_merger, province_code, province_2025_code"

_SAME_KEY = " AND ".join(f"u.{c} IS NOT DISTINCT FROM k.{c}" for c in _KEY.split(", "))

# Counts per key and per key and value are grouped once and joined back: the same numbers as count(DISTINCT)
# over windows, which DuckDB computes row by row (0.8 s -> 0.5 s for 106,000 mentions).
FACTS_SQL = f"""
WITH usable AS (
    SELECT *, round(value, 4) AS value_key,
           CASE qualifier WHEN 'exact' THEN 0 WHEN 'at_least' THEN 1 WHEN 'more_than' THEN 1
                          WHEN 'about' THEN 2 ELSE 3 END AS qualifier_rank
    FROM {{mentions}}
    WHERE {_USABLE}
), per_key AS (
    SELECT {_KEY}, count(DISTINCT article_id) AS n_articles, count(*) AS n_mentions,
           count(DISTINCT value_key) AS n_values,
           bool_and(coalesce(review_status, 'unreviewed') <> 'unreviewed') AS reviewed
    FROM usable GROUP BY {_KEY}
), per_value AS (
    SELECT {_KEY}, value_key, count(DISTINCT article_id) AS same_value FROM usable GROUP BY {_KEY}, value_key
), ranked AS (
    SELECT u.*, k.same_value, row_number() OVER (
        PARTITION BY {", ".join(f"u.{c}" for c in _KEY.split(", "))}
        ORDER BY {CHOICE_ORDER}) AS rank
    FROM usable AS u JOIN per_value AS k ON {_SAME_KEY} AND u.value_key IS NOT DISTINCT FROM k.value_key
)
SELECT u.province_code, u.province_name, u.province_2025_code, CAST(u.year AS INTEGER) AS year, u.indicator_code,
       value, unit, qualifier, n_articles, n_mentions, n_values, n_values > 1 AS conflict, mention_id AS source_mention_id,
       -- false, not NULL, for a 2025 mention without a date: NULL would sort after true here and before it in a
       -- merge of stored facts (typed false), and the incremental table would differ from a full pass
       coalesce(u.year > {MERGER_DATE.year}
                OR (u.year = {MERGER_DATE.year} AND published_date >= DATE '{MERGER_DATE.isoformat()}'), false)
           AS is_post_merger,
       reviewed, coalesce(review_status, 'unreviewed') AS review_status
FROM ranked AS u JOIN per_key AS k ON {_SAME_KEY}
WHERE rank = 1
ORDER BY {_FACT_ORDER}
"""


def facts_from(con: duckdb.DuckDBPyConnection, mentions_table: str, only_keys: str | None = None) -> pd.DataFrame:
    """The yearly facts of the mentions in a table of `con` (of the keys listed in the one-column table
    only_keys, when given)."""
    mentions = (f"(SELECT * FROM {mentions_table} WHERE {KEY_ID} IN (SELECT * FROM {only_keys})) AS m" if only_keys
                else mentions_table)
    return _typed(con.execute(FACTS_SQL.format(mentions=mentions)).df())


def _typed(facts: pd.DataFrame) -> pd.DataFrame:
    facts["is_post_merger"] = facts["is_post_merger"].fillna(False).astype(bool)
    facts["reviewed"] = facts["reviewed"].fillna(False).astype(bool)
    return facts[tables.FACTS.column_names]


def key_state(con: duckdb.DuckDBPyConnection, mentions_table: str) -> str:
    """A temp table of each fact key's fingerprint over its usable mentions (article_state.current's form)."""
    return article_state.current(con, STEP, mentions_table, _READ, _USABLE, unit=KEY_ID)


def merged_facts(con: duckdb.DuckDBPyConnection, facts_table: str, fresh: pd.DataFrame, changed: str) -> pd.DataFrame:
    """The facts of a full pass from the stored facts of the keys not in `changed` and `fresh`, the facts computed
    again for those keys: one sort in the query's order, which is total (a key has one fact)."""
    columns = ", ".join(f'"{c}"' for c in tables.FACTS.column_names)
    con.register("_fresh_facts", fresh[tables.FACTS.column_names])
    try:
        return _typed(con.execute(f"""
            SELECT {columns} FROM (
                SELECT {columns} FROM {facts_table} WHERE {KEY_ID} NOT IN (SELECT * FROM {changed})
                UNION ALL SELECT {columns} FROM _fresh_facts)
            ORDER BY {_FACT_ORDER}""").df())
    finally:
        con.unregister("_fresh_facts")


def build_facts(mentions: pd.DataFrame) -> pd.DataFrame:
    """The yearly facts of mentions given as a frame (same query, in an in-memory database)."""
    con = duckdb.connect()
    try:
        frame = mentions.copy()
        frame["published_date"] = pd.to_datetime(frame["published_date"], errors="coerce")
        if "review_status" not in frame.columns:
            frame["review_status"] = "unreviewed"  # mentions as the extractor read them
        if "held" not in frame.columns:
            frame["held"] = False
        con.register("mentions_frame", frame)
        return facts_from(con, "mentions_frame")
    finally:
        con.close()
