"""Publishing: the working database copied to a fresh file that atomically replaces the published one.

BI tools hold read-only connections to the published file for hours. DuckDB lets one process
write a file at a time, so the pipeline never writes it in place: the assets build a working
database, and publishing writes a new file beside the published one and renames it over it
(`os.replace`, atomic on one file system). A reader keeps the snapshot it opened; a new
connection sees the new one; nobody ever sees half a refresh.
"""
from __future__ import annotations

import datetime as dt
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

# Readable by DuckDB 1.0 and later, which the BI drivers in use still bundle (spec/WAREHOUSE.md).
STORAGE_VERSION = "v1.0.0"


@dataclass(frozen=True)
class Publication:
    path: Path
    published_at: dt.datetime
    byte_size: int
    tables: int
    storage_version: str


def publish(working: Path, published: Path, storage_version: str = STORAGE_VERSION,
            memory_limit: str = "768MB") -> Publication:
    published.parent.mkdir(parents=True, exist_ok=True)
    temporary = published.with_name(f".{published.name}.{uuid.uuid4().hex}.tmp")
    published_at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    try:
        con = duckdb.connect(config={"memory_limit": memory_limit})  # copying streams; it need not hold the file
        try:
            con.execute(f"ATTACH '{_sql_path(working)}' AS work (READ_ONLY)")
            con.execute(f"ATTACH '{_sql_path(temporary)}' AS pub (STORAGE_VERSION '{storage_version}')")
            con.execute("COPY FROM DATABASE work TO pub")
            con.execute("CREATE SCHEMA IF NOT EXISTS pub.meta")
            con.execute(
                "CREATE OR REPLACE TABLE pub.meta.publication AS SELECT ?::TIMESTAMPTZ AS published_at, ? AS storage_version",
                [published_at, storage_version],
            )
            n_tables = con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'pub'").fetchall()[0][0]
            con.execute("DETACH pub")
            con.execute("DETACH work")
        finally:
            con.close()
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, published)
    finally:
        if temporary.exists():
            temporary.unlink()
        wal = temporary.with_name(temporary.name + ".wal")
        if wal.exists():
            wal.unlink()
    return Publication(published, published_at, published.stat().st_size, n_tables, storage_version)


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
