"""Writing and reading warehouse tables: each write is one transaction, so a failure leaves the old table."""
from __future__ import annotations

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


def replace_tables(con: duckdb.DuckDBPyConnection, frames: dict[Table, pd.DataFrame]) -> None:
    """Replace whole tables with frames in one transaction, typed and commented as the contract says."""
    con.execute("BEGIN TRANSACTION")
    try:
        for table, frame in frames.items():
            missing = [c for c in table.column_names if c not in frame.columns]
            if missing:
                raise ValueError(f"{table.name}: frame lacks columns {missing}")
            schema = table.name.split(".")[0]
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            staged = frame[table.column_names]
            con.register("_staged_frame", staged)
            select = ", ".join(f'CAST("{c.name}" AS {c.type}) AS "{c.name}"' for c in table.columns)
            con.execute(f"CREATE OR REPLACE TABLE {_quote(table.name)} AS SELECT {select} FROM _staged_frame")
            con.unregister("_staged_frame")
            con.execute(f"COMMENT ON TABLE {_quote(table.name)} IS {sql_literal(table.description)}")
            for column in table.columns:
                con.execute(f'COMMENT ON COLUMN {_quote(table.name)}."{column.name}" IS {sql_literal(column.description)}')
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def read_table(con: duckdb.DuckDBPyConnection, table: Table) -> pd.DataFrame:
    """The table as a frame, or an empty frame of its columns when it does not exist yet."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        table.name.split("."),
    ).fetchone()[0]
    if not exists:
        return empty_frame(table)
    return con.execute(f"SELECT * FROM {_quote(table.name)}").df()
