"""The findings computed again only where what they are made of changed (issue 22).

A per-article rule reads one article's figures for one province and year, and its findings name that
article's headline: they are a function of the article's rows and title. The findings step keeps, per
article, a hash of what those rules read and of the title (`staging.article_state`, step
`marts.quality_findings`); next time the articles whose hash differs, and those new or gone, are the
changed ones, and only their per-article findings are computed again.

A sources_agree finding is a function of its fact (the columns `rules.of_fact` names), of every report of
the fact's key (value, file and article of each mention: the hash above covers them) and of the headlines
of the articles it names. Its row in the last table still holds when a conflicting fact now has the same
columns, and no changed article reports its key now (a new or changed report) or is named in it (an old
report, gone now: the finding names every article that reported the key). Acknowledgements are matched
again over every row (findings_table.py), titles only of the rows computed. The set-aside and correction
findings are computed whole: they are few. No state, or findings that are not what the last computation
left, is a full pass.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import duckdb
import pandas as pd

from indicators_pipeline.quality import rules
from indicators_pipeline.quality.acknowledgements import Acknowledgement
from indicators_pipeline.quality.findings_table import (FINDINGS, NOT_APPLIED, PER_ARTICLE, SET_ASIDE, SOURCES_AGREE,
                                                        placed, records, typed, write_findings)
from indicators_pipeline.warehouse import article_state, tables
from indicators_pipeline.warehouse.store import table_exists

STEP = tables.QUALITY_FINDINGS.name
# The title, what the per-article rules read of a row and the columns that order an article's figures (first wins).
# The title first: DuckDB's hash of several columns xors the last one's in, and over an even number of rows
# bit_xor would cancel a title they share.
_READ = ("title", *rules.RULE_ROW_COLUMNS, "char_start", "char_end", "mention_id")
_FIGURES = "year IS NOT NULL AND province_name IS NOT NULL"  # the mentions any rule reads
_IDENTITY = ("province_code", "province_name", "year", "indicator_codes", "expected")  # of_fact's columns
_KEPT = "_findings_kept"  # temp table: rows of the last table that hold (old_rowid, section, position in it)


@dataclass(frozen=True)
class Computed:
    state: str  # temp table of the per-article state to store with the findings
    articles: int | None  # articles checked again; None: all (a full pass)
    conflicts: int  # sources_agree findings computed


def write_quality_findings(con: duckdb.DuckDBPyConnection, mentions_table: str, facts: pd.DataFrame,
                           set_aside: pd.DataFrame, not_applied: pd.DataFrame, acks: list[Acknowledgement],
                           incremental: bool) -> Computed:
    """marts.quality_findings with the rows a full pass makes, from the mentions in a table, the facts, the
    set-aside and correction findings and the acknowledgements. incremental: the table holds what the last
    computation by this code left, so its rows still true are kept where they are (findings_table.py); the state
    returned is to be stored once the step has recorded it."""
    titled = f"(SELECT m.*, a.title FROM {mentions_table} AS m LEFT JOIN {tables.ARTICLES.name} AS a USING (article_id))"
    now = article_state.current(con, STEP, titled, _READ, _FIGURES)
    changes = article_state.changes(con, STEP, now) if incremental and table_exists(con, tables.QUALITY_FINDINGS) \
        else None
    conflicting = facts[facts["conflict"].astype(bool)].reset_index(drop=True)
    if changes is None:
        per_article = rules.article_findings_in(con, mentions_table)
        again, kept = list(range(len(conflicting))), None
    else:
        per_article = rules.article_findings_in(con, mentions_table, only_articles=changes.changed)
        again, kept = _kept(con, mentions_table, conflicting, changes.changed), _KEPT
    conflicts = rules.iter_conflict_findings(con, mentions_table, conflicting.iloc[again])
    write_findings(con, itertools.chain(placed(PER_ARTICLE, per_article),
                                        ((SOURCES_AGREE, position, finding) for position, finding in zip(again, conflicts)),
                                        placed(SET_ASIDE, records(set_aside)), placed(NOT_APPLIED, records(not_applied))),
                   acks, kept)
    return Computed(now, None if changes is None else changes.count, len(again))


def _kept(con: duckdb.DuckDBPyConnection, mentions_table: str, conflicting: pd.DataFrame, changed: str) -> list[int]:
    """Fill _KEPT with the rows of the last table that still hold; the positions of the conflicting facts whose
    finding is to be computed. Facts alike in of_fact's columns have one finding each, alike: they are paired
    with the old rows alike in order."""
    identities = pd.DataFrame([rules.of_fact(fact) for fact in conflicting.itertuples(index=False)],
                              columns=list(_IDENTITY), dtype=object)
    con.register("_conflicting_frame", identities.assign(position=range(len(identities))))
    alike = ", ".join(_IDENTITY)
    same = " AND ".join(f"n.{c} IS NOT DISTINCT FROM o.{c}" for c in (*_IDENTITY, "nth"))
    try:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE {_KEPT} AS
            WITH facts_now AS (SELECT *, row_number() OVER (PARTITION BY {alike} ORDER BY position) AS nth
                               FROM (SELECT {", ".join(typed(c) for c in _IDENTITY)}, position
                                     FROM _conflicting_frame)),
                 findings_before AS (SELECT rowid AS old_rowid, article_id, {alike},
                                            row_number() OVER (PARTITION BY {alike} ORDER BY rowid) AS nth
                                     FROM {FINDINGS} WHERE rule = '{rules.SOURCES_AGREE}'),
                 reported AS (SELECT DISTINCT coalesce(province_code, '') AS code, province_name,
                                     CAST(year AS INTEGER) AS year, indicator_code
                              FROM {mentions_table} WHERE {_FIGURES} AND article_id IN (SELECT article_id FROM {changed})),
                 naming AS (SELECT DISTINCT old_rowid
                            FROM (SELECT old_rowid, unnest(string_split(article_id, '{rules.LIST_SEPARATOR}')) AS article_id
                                  FROM findings_before) SEMI JOIN {changed} USING (article_id))
            SELECT f.rowid AS old_rowid, {PER_ARTICLE} AS section, f.rowid AS position
            FROM {FINDINGS} AS f ANTI JOIN {changed} AS c ON f.article_id = c.article_id
            WHERE f.rule IN ({", ".join(f"'{name}'" for name in rules.ARTICLE_RULE_NAMES)})
            UNION ALL
            SELECT o.old_rowid, {SOURCES_AGREE}, n.position FROM facts_now AS n JOIN findings_before AS o ON {same}
            WHERE o.old_rowid NOT IN (SELECT old_rowid FROM naming) AND NOT EXISTS (
                SELECT 1 FROM reported AS r WHERE r.code = coalesce(n.province_code, '')
                AND r.province_name = n.province_name AND r.year = n.year AND r.indicator_code = n.indicator_codes)""")
    finally:
        con.unregister("_conflicting_frame")
    kept = {p for (p,) in con.execute(f"SELECT position FROM {_KEPT} WHERE section = {SOURCES_AGREE}").fetchall()}
    return [p for p in range(len(conflicting)) if p not in kept]
