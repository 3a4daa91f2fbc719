"""Fingerprints of tables: how a step knows, in milliseconds, that what it would read is what it read last time.

A fingerprint is the row count and two order-free sums of a hash of every row (all columns), so it
does not depend on the order DuckDB returns rows in; equal fingerprints mean equal tables up to hash
collisions. A missing table has a fingerprint of its own, never equal to an empty table's.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterable

import duckdb

MISSING = "missing"
EMPTY = "0:0:0"


def hash_sums(row: str = "hash(f)") -> str:
    """The SQL of a fingerprint's three numbers over rows aliased f (row: the hash of one row): rows, the sum and
    the xor of the row hashes (n, total, mixed). Grouped, the same numbers per group (publish_rows.py)."""
    return f"count(*) AS n, coalesce(sum({row}::HUGEINT), 0) AS total, coalesce(bit_xor({row}), 0) AS mixed"


def table_fingerprint(con: duckdb.DuckDBPyConnection, table: str, where: str | None = None,
                      columns: tuple[str, ...] = (), if_missing: str = MISSING) -> str:
    """'rows:sum:xor' of the table's rows (those matching where, when given; only columns, when named).

    if_missing=EMPTY where no table and no rows mean the same (the quarantine before anything was set aside)."""
    row = f"hash({', '.join(f'f.{c}' for c in columns)})" if columns else "hash(f)"
    try:
        rows, total, mixed = con.execute(f"SELECT {hash_sums(row)} FROM {table} AS f"
                                         + (f" WHERE {where}" if where else "")).fetchall()[0]
    except duckdb.CatalogException:
        return if_missing
    return sums_fingerprint(rows, total, mixed)


def sums_fingerprint(rows: int, total: int, mixed: int) -> str:
    """A table's fingerprint from hash_sums()' three numbers (summed per article elsewhere: publish_rows.py)."""
    return f"{rows}:{total}:{mixed}"


def combined(*parts: str) -> str:
    """One short fingerprint of several (tables, file contents, code versions), in the order given."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8") + b"\0")
    return digest.hexdigest()[:20]


def tables_fingerprint(con: duckdb.DuckDBPyConnection, names: list[str]) -> str:
    return of_tables((name, table_fingerprint(con, name)) for name in names)


def of_tables(fingerprints: Iterable[tuple[str, str]]) -> str:
    """One fingerprint of several tables' own, (name, fingerprint) in the order given."""
    return combined(*(f"{name}={table}" for name, table in fingerprints))


def database_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """Every table of the connection's database, by name: what a publication of it would contain."""
    names = [f"{schema}.{table}" for schema, table in con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "ORDER BY 1, 2").fetchall()]
    return tables_fingerprint(con, names)


def file_fingerprint(path: Path) -> str:
    """A file's contents (MISSING: no file), for inputs that live beside the warehouse (acknowledgements)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:20]
    except FileNotFoundError:
        return MISSING
