"""The per-article findings computed again only for the articles whose figures changed (issue 22).

A per-article rule reads one article's figures for one province and year, so its findings are a
function of that article's rows alone. The findings step keeps, per article, a hash of the columns
those rules read (`staging.article_state`, step `marts.quality_findings`); next time the articles
whose hash differs, and those new or gone, are checked again and the other articles' findings are
kept as they are. The cross-article findings (sources that disagree), the set-aside and correction
findings, the titles and the acknowledgements are computed whole: they are cheap. No state, or
findings that are not what the last computation left, is a full pass.
"""
from __future__ import annotations

import duckdb
import pandas as pd

from indicators_pipeline.quality import rules
from indicators_pipeline.warehouse import article_state, tables
from indicators_pipeline.warehouse.store import read_table, table_exists

STEP = tables.QUALITY_FINDINGS.name
# What the per-article rules read of a row, and the columns that order an article's figures (first wins).
_READ = (*rules.RULE_ROW_COLUMNS, "char_start", "char_end", "mention_id")
_GROUP = ["article_id", "source_path", "province_code", "province_name", "year"]


def _in_group_order(findings: pd.DataFrame) -> pd.DataFrame:
    """Findings in the order a full pass gives them: by article, file, place and year; a group's own order kept."""
    if findings.empty:
        return findings
    key = findings[_GROUP].assign(province_code=findings["province_code"].fillna(""))
    return findings.loc[key.sort_values(_GROUP, kind="stable").index].reset_index(drop=True)


def per_article_findings(con: duckdb.DuckDBPyConnection, mentions_table: str,
                         incremental: bool) -> tuple[pd.DataFrame, str, int | None]:
    """(the per-article findings, the temp table of the state to store with them, the articles checked
    again: None for all). incremental: marts.quality_findings holds what the last computation by this code left."""
    now = article_state.current(con, STEP, mentions_table, _READ, "year IS NOT NULL AND province_name IS NOT NULL")
    changes = article_state.changes(con, STEP, now) if incremental and table_exists(con, tables.QUALITY_FINDINGS) \
        else None
    if changes is None:
        return _in_group_order(rules.frame_of(rules.article_findings_in(con, mentions_table))), now, None
    names = ", ".join(f"'{name}'" for name in rules.ARTICLE_RULE_NAMES)
    kept = read_table(con, tables.QUALITY_FINDINGS, where=f"rule IN ({names}) AND article_id NOT IN "
                                                        f"(SELECT article_id FROM {changes.changed})")
    # titles and acknowledgements are applied to every finding afterwards, as on a full pass
    kept = kept.assign(acknowledged=False, acknowledgement=None, source_titles=None)
    fresh = rules.frame_of(rules.article_findings_in(con, mentions_table, only_articles=changes.changed))
    return _in_group_order(rules.rows_of(kept, fresh)), now, changes.count
