"""The per-article findings computed again only for the articles whose figures changed (issue 22).

A per-article rule reads one article's figures for one province and year, so its findings are a
function of that article's rows alone. The step keeps, per article, an order-free hash of the
columns those rules read (`staging.findings_state`, written with the findings in one transaction);
on the next night the articles whose hash differs, and those new or gone, are checked again and the
other articles' findings are kept as they are. The cross-article findings (sources that disagree),
the set-aside and correction findings, the titles and the acknowledgements are computed whole: they
are cheap. No state, or findings that are not what the last computation left, is a full pass.
"""
from __future__ import annotations

import duckdb
import pandas as pd

from indicators_pipeline.quality import rules
from indicators_pipeline.warehouse import tables
from indicators_pipeline.warehouse.store import read_table, table_exists

# What the per-article rules read of a row, and the columns that order an article's figures (first wins).
_READ = (*rules._ROW_COLUMNS, "char_start", "char_end", "mention_id")
_GROUP = ["article_id", "source_path", "province_code", "province_name", "year"]
_NOW, _CHANGED = "_findings_state_now", "_findings_articles_changed"


def _current_state(con: duckdb.DuckDBPyConnection, mentions_table: str) -> pd.DataFrame:
    con.execute(f"CREATE OR REPLACE TEMP TABLE {_NOW} AS SELECT article_id, bit_xor(hash({', '.join(_READ)})) AS "
                f"fingerprint FROM {mentions_table} WHERE year IS NOT NULL AND province_name IS NOT NULL GROUP BY ALL")
    return con.execute(f"SELECT article_id, fingerprint FROM {_NOW} ORDER BY article_id").df()


def _in_group_order(findings: pd.DataFrame) -> pd.DataFrame:
    """Findings in the order a full pass gives them: by article, file, place and year; a group's own order kept."""
    if findings.empty:
        return findings
    key = findings[_GROUP].assign(province_code=findings["province_code"].fillna(""))
    order = key.sort_values(_GROUP, kind="stable").index
    return findings.loc[order].reset_index(drop=True)


def per_article_findings(con: duckdb.DuckDBPyConnection, mentions_table: str,
                         incremental: bool) -> tuple[pd.DataFrame, pd.DataFrame, int | None]:
    """(the per-article findings, the state to store with them, the articles checked again: None for all).

    incremental: the caller knows marts.quality_findings holds what the last computation by this code left.
    """
    state = _current_state(con, mentions_table)
    if not (incremental and table_exists(con, tables.FINDINGS_STATE) and table_exists(con, tables.QUALITY_FINDINGS)):
        return _in_group_order(rules.frame_of(rules.article_findings_in(con, mentions_table))), state, None
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {_CHANGED} AS SELECT DISTINCT article_id FROM (
        (SELECT article_id, fingerprint FROM {_NOW} EXCEPT SELECT article_id, fingerprint FROM {tables.FINDINGS_STATE.name})
        UNION ALL
        (SELECT article_id, fingerprint FROM {tables.FINDINGS_STATE.name} EXCEPT SELECT article_id, fingerprint FROM {_NOW}))""")
    changed = con.execute(f"SELECT count(*) FROM {_CHANGED}").fetchall()[0][0]
    names = ", ".join(f"'{name}'" for name in rules.ARTICLE_RULE_NAMES)
    kept = read_table(con, tables.QUALITY_FINDINGS, where=f"rule IN ({names}) AND article_id NOT IN "
                                                        f"(SELECT article_id FROM {_CHANGED})")
    # titles and acknowledgements are applied to every finding afterwards, as on a full pass
    kept = kept.assign(acknowledged=False, acknowledgement=None, source_titles=None)
    fresh = rules.frame_of(rules.article_findings_in(con, mentions_table, only_articles=_CHANGED))
    parts = [frame for frame in (kept, fresh) if len(frame)]
    together = pd.concat([p.astype(object) for p in parts], ignore_index=True).infer_objects() if parts else fresh
    return _in_group_order(together), state, int(changed)
