"""Writing and reading warehouse tables: each write is one transaction, so a failure leaves the old table."""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Iterator

import duckdb
import pandas as pd

from indicators_pipeline.warehouse.tables import Table


def _quote(name: str) -> str:
    return ".".join(f'"{part}"' for part in name.split("."))


def sql_literal(text: str) -> str:
    """A SQL string literal (COMMENT ON takes no parameters)."""
    return "'" + text.replace("'", "''") + "'"


def empty_frame(table: Table) -> pd.DataFrame:
    return pd.DataFrame({c.name: pd.Series(dtype="object") for c in table.columns})


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """All or nothing: a failure inside leaves every table as it was."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _typed_select(table: Table, source: str) -> str:
    columns = ", ".join(f'CAST("{c.name}" AS {c.type}) AS "{c.name}"' for c in table.columns)
    return f"SELECT {columns} FROM {source}"


def _insert(table: Table, source: str) -> str:
    """Rows of `source` into `table` by column name: a table upgraded in place has its new columns at the
    end, where the contract may list them elsewhere, and a positional insert would shift values across."""
    return f"INSERT INTO {_quote(table.name)} BY NAME {_typed_select(table, source)}"


def _comment(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    con.execute(f"COMMENT ON TABLE {_quote(table.name)} IS {sql_literal(table.description)}")
    for column in table.columns:
        con.execute(f'COMMENT ON COLUMN {_quote(table.name)}."{column.name}" IS {sql_literal(column.description)}')


def _staged(con: duckdb.DuckDBPyConnection, table: Table, frame: pd.DataFrame, name: str) -> str:
    missing = [c for c in table.column_names if c not in frame.columns]
    if missing:
        raise ValueError(f"{table.name}: frame lacks columns {missing}")
    con.register(name, frame[table.column_names])
    return name


def _replace(con: duckdb.DuckDBPyConnection, table: Table, frame: pd.DataFrame) -> None:
    con.execute(f'CREATE SCHEMA IF NOT EXISTS "{table.name.split(".")[0]}"')
    source = _staged(con, table, frame, "_staged_frame")
    con.execute(f"CREATE OR REPLACE TABLE {_quote(table.name)} AS {_typed_select(table, source)}")
    con.unregister(source)
    _comment(con, table)


def _ensure(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    if not table_exists(con, table):
        _replace(con, table, empty_frame(table))


def replace_tables(con: duckdb.DuckDBPyConnection, frames: dict[Table, pd.DataFrame],
                   quarantine: tuple[Table, Table, pd.DataFrame] | None = None) -> None:
    """Replace whole tables with frames in one transaction, typed and commented as the contract says.

    quarantine (quarantine table, source table, rows): the rows set aside from the source table
    replace the ones set aside from it before, in the same transaction.
    """
    with transaction(con):
        for table, frame in frames.items():
            _replace(con, table, frame)
        if quarantine is not None:
            quarantine_table, source, rows = quarantine
            _ensure(con, quarantine_table)
            con.execute(f"DELETE FROM {_quote(quarantine_table.name)} WHERE source_table = ?", [source.name])
            replace_rows(con, quarantine_table, "row_id", [], rows)


@dataclass
class RowChanges:
    """Keyed changes to a large table: rows whose key is not kept go, new rows come, some columns refresh."""

    table: Table
    key: str
    keep: pd.Series  # keys that stay (new rows' keys included)
    insert: pd.DataFrame  # rows to add
    replaced_keys: pd.Series | None = None  # keys whose old rows go before the insert (default: the insert's keys)
    refresh: pd.DataFrame | None = None  # key plus columns to set on kept rows


def replace_rows(con: duckdb.DuckDBPyConnection, table: Table, key: str, keys: list[str], rows: pd.DataFrame) -> None:
    """Rows with these keys go, the given rows come; inside the caller's transaction (streaming batches)."""
    _ensure(con, table)
    if keys:
        con.register("_replaced", pd.DataFrame({"k": pd.Series(keys, dtype="object").astype(str).unique()}))
        con.execute(f'DELETE FROM {_quote(table.name)} WHERE "{key}" IN (SELECT k FROM _replaced)')
        con.unregister("_replaced")
    if len(rows):
        source = _staged(con, table, rows, "_insert")
        con.execute(_insert(table, source))
        con.unregister(source)


def apply_changes(con: duckdb.DuckDBPyConnection, changes: list[RowChanges],
                  replaced: dict[Table, pd.DataFrame] | None = None) -> None:
    """Keyed changes and whole-table replacements, inside the caller's transaction.

    Large tables (article texts, mentions) change by a few rows a night; rewriting them whole would
    make a night with ten new articles cost as much as a full rebuild.
    """
    for change in changes:
        _ensure(con, change.table)
        name, key = _quote(change.table.name), f'"{change.key}"'
        con.register("_keep", pd.DataFrame({"k": change.keep.astype(str).unique()}))
        con.execute(f"DELETE FROM {name} WHERE {key} NOT IN (SELECT k FROM _keep)")
        con.unregister("_keep")
        replaced_keys = change.replaced_keys if change.replaced_keys is not None else change.insert[change.key]
        if len(replaced_keys):
            con.register("_replaced", pd.DataFrame({"k": pd.Series(replaced_keys).astype(str).unique()}))
            con.execute(f"DELETE FROM {name} WHERE {key} IN (SELECT k FROM _replaced)")
            con.unregister("_replaced")
        if len(change.insert):
            source = _staged(con, change.table, change.insert, "_insert")
            con.execute(_insert(change.table, source))
            con.unregister(source)
        if change.refresh is not None and len(change.refresh):
            types = {c.name: c.type for c in change.table.columns}
            columns = [c for c in change.refresh.columns if c != change.key]
            con.register("_refresh", change.refresh)
            assignments = ", ".join(f'"{c}" = CAST(r."{c}" AS {types[c]})' for c in columns)
            differs = " OR ".join(f't."{c}" IS DISTINCT FROM CAST(r."{c}" AS {types[c]})' for c in columns)
            con.execute(f"UPDATE {name} AS t SET {assignments} FROM _refresh AS r "
                        f"WHERE t.{key} = r.{key} AND ({differs})")
            con.unregister("_refresh")
    for table, frame in (replaced or {}).items():
        _replace(con, table, frame)


def table_exists(con: duckdb.DuckDBPyConnection, table: Table) -> bool:
    """Whether the connection's database has the table (duckdb_tables(): information_schema.tables, a view over
    every catalogue entry of every attached database, took 4-13 ms a call, ~70 calls a refresh)."""
    return bool(con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = ? "
        "AND table_name = ?", table.name.split("."),
    ).fetchall()[0][0])


def same_rows(left: pd.DataFrame, right: pd.DataFrame) -> bool:
    """Whether two frames hold the same rows in any order (NULL and NaN alike): what a write would change."""
    if list(left.columns) != list(right.columns) or len(left) != len(right):
        return False
    def rows(frame: pd.DataFrame) -> list[str]:
        return sorted(repr(tuple(None if pd.isna(v) else v for v in row))
                      for row in frame.astype(object).itertuples(index=False, name=None))
    return rows(left) == rows(right)


def read_table(con: duckdb.DuckDBPyConnection, table: Table, columns: list[str] | None = None,
               where: str | None = None) -> pd.DataFrame:
    """The table (or some columns, some rows) as a frame; an empty frame when it does not exist yet."""
    wanted = columns or table.column_names
    if not table_exists(con, table):
        return empty_frame(table)[wanted]
    listed = ", ".join(f'"{c}"' for c in wanted)
    return con.execute(f"SELECT {listed} FROM {_quote(table.name)}" + (f" WHERE {where}" if where else "")).df()


def read_rows(con: duckdb.DuckDBPyConnection, table: Table, key: str, keys: list[str],
              batch_rows: int = 2048) -> Iterator[pd.DataFrame]:
    """The rows of a table whose key is among keys, in batches of batch_rows, in the table's order.

    Each batch is a query of its own, finished before the batch is yielded, so the caller may write on `con`
    between batches and DuckDB can checkpoint what it wrote. One query streaming over the table held a transaction
    open until its last row, and no checkpoint could run: a full refresh of 100,000 articles kept the mentions it
    wrote in memory (~200 MB) and in a 360 MB write-ahead log until the parsing step ended. The wanted rows'
    positions are listed first; each batch reads the range of positions its rows occupy (the key is unique in the
    table, as article_id is in raw.articles)."""
    if not len(keys):
        return
    name, listed = _quote(table.name), ", ".join(f't."{c}"' for c in table.column_names)
    reader = con.cursor()
    try:
        reader.register("_wanted", pd.DataFrame({"k": pd.Series(keys, dtype="object").astype(str)}))
        wanted = reader.execute(f'SELECT t.rowid AS position, t."{key}" AS k FROM {name} AS t SEMI JOIN _wanted AS w '
                                f'ON t."{key}" = w.k ORDER BY t.rowid').df()
        reader.unregister("_wanted")
        by_key = f'SELECT {listed} FROM {name} AS t SEMI JOIN _batch AS b ON t."{key}" = b.k'
        for start in range(0, len(wanted), batch_rows):
            part = wanted.iloc[start:start + batch_rows]
            reader.register("_batch", part[["k"]])
            batch = reader.execute(f"{by_key} WHERE t.rowid BETWEEN ? AND ? ORDER BY t.rowid",
                                   [int(part["position"].iloc[0]), int(part["position"].iloc[-1])]).df()
            if len(batch) != len(part):  # rows moved since they were listed (rewritten, or a checkpoint compacted them)
                batch = reader.execute(f"{by_key} ORDER BY t.rowid").df()
            reader.unregister("_batch")
            yield batch
    finally:
        reader.close()


def row_count(con: duckdb.DuckDBPyConnection, table: Table) -> int:
    return con.execute(f"SELECT count(*) FROM {_quote(table.name)}").fetchall()[0][0] if table_exists(con, table) else 0


def upgrade_tables(con: duckdb.DuckDBPyConnection, contract: tuple[Table, ...]) -> list[str]:
    """Add the columns a newer version of the contract has to tables an older version created.

    A warehouse built by an earlier release keeps its rows: new columns arrive empty (NULL), and the
    incremental state that lacks them simply causes the affected rows to be read or parsed again.
    """
    existing: dict[str, set[str]] = {}
    for schema, name, column in con.execute(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns").fetchall():
        existing.setdefault(f"{schema}.{name}", set()).add(column)
    added = []
    for table in contract:
        if table.name not in existing:
            continue
        for column in table.columns:
            if column.name not in existing[table.name]:
                con.execute(f'ALTER TABLE {_quote(table.name)} ADD COLUMN "{column.name}" {column.type}')
                added.append(f"{table.name}.{column.name}")
    return added
