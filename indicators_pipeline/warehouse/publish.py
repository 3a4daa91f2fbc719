"""Publishing: the working database copied to a fresh file that atomically replaces the published one.

BI tools hold read-only connections to the published file for hours. DuckDB lets one process
write a file at a time, so the pipeline never writes it in place: the assets build a working
database, and publishing writes a new file beside the published one and renames it over it
(`os.replace`, atomic on one file system). A reader keeps the snapshot it opened; a new
connection sees the new one; nobody ever sees half a refresh.
"""
from __future__ import annotations

import datetime as dt
import errno
import os
import shutil
import uuid
from dataclasses import dataclass, field
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
    leftovers_removed: tuple[str, ...] = field(default=())


class DiskFull(OSError):
    """Publishing ran out of space: says how much it needs, which DuckDB's own message does not."""

    def __init__(self, folder: Path, needed: int, free: int, detail: str):
        self.folder, self.needed, self.free = folder, needed, free
        super().__init__(errno.ENOSPC, f"disk full on {folder}: publishing needs about {_mb(needed)} free "
                                       f"(a full copy beside the warehouse, about twice its size); {_mb(free)} free now. "
                                       f"Free space there, then run again. ({detail})")


PUBLICATION_COMMENTS = {
    "TABLE pub.meta.publication": "When this file was published and the DuckDB storage version it was written with.",
    "COLUMN pub.meta.publication.published_at": "When the refresh that wrote this file published it (UTC).",
    "COLUMN pub.meta.publication.storage_version": "STORAGE_VERSION of the file: DuckDB releases from this one on open it.",
}

def is_disk_full(error: BaseException) -> bool:
    return getattr(error, "errno", None) == errno.ENOSPC or "no space left on device" in str(error).lower()


def space_needed(working: Path, published: Path) -> int:
    """Bytes a publication needs free: the new copy, and the old file until readers let it go (~2x)."""
    sizes = [p.stat().st_size for p in (working, published) if p.exists()]
    return 2 * max(sizes, default=0)


def stale_temporaries(published: Path) -> list[Path]:
    """Temp files of a publication that was killed (`.<name>.<uuid>.tmp` and its `.wal`)."""
    return sorted(published.parent.glob(f".{published.name}.*.tmp")) + \
        sorted(published.parent.glob(f".{published.name}.*.tmp.wal"))


def remove_stale_temporaries(published: Path) -> list[str]:
    """Delete a killed publication's temp files. Only while holding the refresh lock: no publication runs."""
    removed = []
    for path in stale_temporaries(published):
        try:
            path.unlink()
            removed.append(path.name)
        except FileNotFoundError:
            pass
    return removed


def publish(working: Path, published: Path, storage_version: str = STORAGE_VERSION,
            memory_limit: str = "128MB", temp_directory: Path | None = None) -> Publication:
    """Copy working into a fresh file renamed over published. The caller holds the refresh lock.

    The copy streams table by table: DuckDB holds at most memory_limit and spills the rest to
    temp_directory (default: a folder beside the published file, never the current directory)."""
    published.parent.mkdir(parents=True, exist_ok=True)
    leftovers = remove_stale_temporaries(published)
    spill = temp_directory or published.with_name(f".{published.name}.spill")
    try:
        return _publish(working, published, storage_version, memory_limit, tuple(leftovers), spill)
    except (duckdb.Error, OSError) as error:
        if isinstance(error, DiskFull) or not is_disk_full(error):
            raise
        raise DiskFull(published.parent, space_needed(working, published),
                       shutil.disk_usage(published.parent).free, str(error)) from error


def _publish(working: Path, published: Path, storage_version: str, memory_limit: str,
             leftovers: tuple[str, ...], spill: Path) -> Publication:
    temporary = published.with_name(f".{published.name}.{uuid.uuid4().hex}.tmp")
    published_at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    try:
        # copying streams; it need not hold the file
        con = duckdb.connect(config={"memory_limit": memory_limit, "temp_directory": str(spill)})
        try:
            con.execute(f"ATTACH '{_sql_path(working)}' AS work (READ_ONLY)")
            con.execute(f"ATTACH '{_sql_path(temporary)}' AS pub (STORAGE_VERSION '{storage_version}')")
            con.execute("COPY FROM DATABASE work TO pub")
            con.execute("CREATE SCHEMA IF NOT EXISTS pub.meta")
            con.execute(
                "CREATE OR REPLACE TABLE pub.meta.publication AS SELECT ?::TIMESTAMPTZ AS published_at, ? AS storage_version",
                [published_at, storage_version],
            )
            for target, comment in PUBLICATION_COMMENTS.items():  # README: every table and column has a COMMENT
                con.execute(f"COMMENT ON {target} IS '{comment}'")
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
    return Publication(published, published_at, published.stat().st_size, n_tables, storage_version, leftovers)


def publication_time(published: Path) -> float | None:
    """When the published file says it was published (seconds since the epoch); None when it cannot say."""
    try:
        con = duckdb.connect(str(published), read_only=True)
    except (duckdb.Error, OSError):
        return None
    try:
        return con.execute("SELECT epoch(published_at) FROM meta.publication").fetchall()[0][0]
    except (duckdb.Error, IndexError):
        return None
    finally:
        con.close()


def _mb(n: int) -> str:
    return f"{n / 1e6:,.0f} MB" if n >= 1e6 else f"{n / 1e3:,.0f} kB"


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
