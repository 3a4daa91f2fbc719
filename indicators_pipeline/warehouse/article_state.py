"""Per-article fingerprints a step keeps, so that it redoes only the articles whose rows changed (issue 22).

A step whose work is a function of each article's rows alone (the per-article consistency rules, the
mentions' row checks) keeps, per article, an order-free hash of the columns it reads, in
`staging.article_state` under its own name. Next time, the articles whose hash differs, and those
new or gone, are the ones to redo. Whether the stored state belongs to the step's last outcome is the
caller's to know (the outcome records a fingerprint of it, or of what it wrote with it).
"""
from __future__ import annotations

from dataclasses import dataclass

import duckdb

from indicators_pipeline.warehouse import fingerprint, tables
from indicators_pipeline.warehouse.store import empty_frame, replace_tables, sql_literal, table_exists, transaction

STATE = tables.ARTICLE_STATE


@dataclass(frozen=True)
class Changes:
    now: str  # temp table (article_id, fingerprint): every article's rows as they are
    changed: str  # temp table (article_id): articles new, changed or gone since the state was stored
    count: int  # rows of `changed`


def _temp(step: str, what: str) -> str:
    return "_state_" + "".join(c if c.isalnum() else "_" for c in step) + "_" + what


def current(con: duckdb.DuckDBPyConnection, step: str, source: str, columns: tuple[str, ...], where: str = "",
            unit: str = "article_id") -> str:
    """A temp table of each article's fingerprint over columns of the rows of source (matching where).

    The last of columns must tell the rows apart (a mention id): DuckDB's hash of several columns mixes the last in
    linearly, so a value the last column has in an even number of an article's rows cancels out of the bit_xor.

    unit: what a fingerprint is of, when a step's unit of work is not the article (an expression; the facts
    step's is a fact's key): stored in the same column."""
    now = _temp(step, "now")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {now} AS SELECT {unit} AS article_id, bit_xor(hash({', '.join(columns)})) "
                f"AS fingerprint FROM {source} {'WHERE ' + where if where else ''} GROUP BY ALL")
    return now


def changes(con: duckdb.DuckDBPyConnection, step: str, now: str) -> Changes | None:
    """The articles whose fingerprint differs from the step's stored state; None when it has none."""
    if not table_exists(con, STATE) or not con.execute(
            f"SELECT count(*) FROM {STATE.name} WHERE step = ?", [step]).fetchall()[0][0]:
        return None
    stored = f"(SELECT article_id, fingerprint FROM {STATE.name} WHERE step = {sql_literal(step)})"
    changed = _temp(step, "changed")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {changed} AS SELECT DISTINCT article_id FROM (
        (SELECT article_id, fingerprint FROM {now} EXCEPT SELECT * FROM {stored})
        UNION ALL (SELECT * FROM {stored} EXCEPT SELECT article_id, fingerprint FROM {now}))""")
    return Changes(now, changed, con.execute(f"SELECT count(*) FROM {changed}").fetchall()[0][0])


def store(con: duckdb.DuckDBPyConnection, step: str, now: str) -> str:
    """Keep now as the step's state (one transaction); returns the state's fingerprint."""
    if not table_exists(con, STATE):
        replace_tables(con, {STATE: empty_frame(STATE)})  # typed and commented as the contract says
    with transaction(con):
        con.execute(f"DELETE FROM {STATE.name} WHERE step = ?", [step])
        con.execute(f"INSERT INTO {STATE.name} SELECT ?, article_id, fingerprint FROM {now}", [step])
    return stored_fingerprint(con, step)


def stored_fingerprint(con: duckdb.DuckDBPyConnection, step: str) -> str:
    return fingerprint.table_fingerprint(con, STATE.name, where=f"step = {sql_literal(step)}")
