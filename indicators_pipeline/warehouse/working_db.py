"""The working database is a cache of data/raw: when it is damaged, set it aside and start afresh.

A working database DuckDB cannot open (not a DuckDB file, truncated) or whose block checksums fail
made every run fail, after minutes of lock retries, until someone deleted it (issue 13). Everything
in it is rebuilt from the raw folder, so a refresh verifies it once, while it holds the refresh
lock, and renames a damaged one aside with a timestamp (kept for a post-mortem, never read again).

Reading every table costs time on every refresh, so it is done only when the file may have changed behind
our back (issue 22). Publishing copies every block of the working database, and DuckDB checks each
block's checksum as it reads it: right after a publication the file is known good. `mark_verified`
then writes its identity (size, modification and change times, inode) beside it; the next refresh
that finds the same identity and no WAL opens it and reads its catalog (milliseconds), and any other
(a crash mid-refresh, a person's DuckDB shell, a copy, damage: a write changes the change time,
which no one can set back) reads every row, as before.

Lock errors are not corruption: with the refresh lock held only a process outside the pipeline (a
person's DuckDB shell on the working file) can hold DuckDB's own lock; we wait briefly, then name it.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path
from typing import Optional

import duckdb

# Messages of DuckDB 2.0 for a file it cannot trust (each seen on a damaged file; see test_recovery).
_DAMAGE = (
    "not a valid duckdb database file",
    "could not read enough bytes",
    "corrupt database file",
    "checksum",
    "database file with version number",  # a file of another DuckDB release: a cache, rebuilt
    "failed to read database header",
    "invalid block",
    "serialization error",
    "failed to deserialize",
    "internal error",
)
_LOCKED = "could not set lock on file"
LOCK_WAIT_SECONDS = 10.0  # a foreign lock (a person's DuckDB shell on the cache) is waited on this long, then named


class WorkingDatabaseLocked(RuntimeError):
    """Another process outside the pipeline holds DuckDB's lock on the working database."""


def is_damage(error: BaseException) -> bool:
    text = str(error).lower()
    return _LOCKED not in text and any(marker in text for marker in _DAMAGE)


def is_locked(error: BaseException) -> bool:
    return _LOCKED in str(error).lower()


def connect(path: Path, config: Optional[dict] = None, lock_wait: Optional[float] = None) -> duckdb.DuckDBPyConnection:
    """A read-write connection; a foreign DuckDB lock is waited on briefly (lock_wait, default LOCK_WAIT_SECONDS read
    when called), damage is raised at once."""
    deadline = time.monotonic() + (LOCK_WAIT_SECONDS if lock_wait is None else lock_wait)
    while True:
        try:
            return duckdb.connect(str(path), config=dict(config or {}))
        except duckdb.Error as error:
            if not is_locked(error):
                raise
            if time.monotonic() >= deadline:
                raise WorkingDatabaseLocked(
                    f"the working database {path} is open in another program ({error}); close it and run again. "
                    "It is the pipeline's cache: open the published file instead.") from error
            time.sleep(0.2)


def verify(path: Path, config: Optional[dict] = None) -> None:
    """Open the file and read every row of every table: block checksums are checked as blocks are read."""
    con = connect(path, config)
    try:
        tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables() "
                             "WHERE database_name = current_database()").fetchall()
        for schema, table in tables:
            # hash of the whole row: every column's blocks are read (0.2 s for 10,000 articles)
            con.execute(f'SELECT bit_xor(hash(t)) FROM "{schema}"."{table}" AS t').fetchall()
    finally:
        con.close()


def _identity(path: Path) -> dict:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "ctime_ns": st.st_ctime_ns, "inode": st.st_ino}


def marker_path(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def mark_verified(path: Path) -> None:
    """Record the file as known good now (every block was just read, by a publication)."""
    if path.exists() and not path.with_name(path.name + ".wal").exists():
        marker = marker_path(path)
        temporary = marker.with_name(marker.name + ".tmp")
        temporary.write_text(json.dumps(_identity(path)), encoding="utf-8")
        os.replace(temporary, marker)
    else:
        forget_verified(path)


def forget_verified(path: Path) -> None:
    marker_path(path).unlink(missing_ok=True)


def unchanged_since_verified(path: Path) -> bool:
    """The file is byte for byte as it was when marked: same identity, and no WAL since."""
    try:
        recorded = json.loads(marker_path(path).read_text(encoding="utf-8"))
        return recorded == _identity(path) and not path.with_name(path.name + ".wal").exists()
    except (OSError, ValueError):
        return False


def check_catalog(path: Path, config: Optional[dict] = None) -> None:
    """Open the file (its headers and catalog are read and checksummed) and list its tables: milliseconds."""
    con = connect(path, config)
    try:
        con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()").fetchall()
    finally:
        con.close()


def set_aside(path: Path, now: Optional[dt.datetime] = None) -> Path:
    """Rename the file (and its WAL) to <name>.corrupt-<timestamp>; returns the new name of the file."""
    stamp = (now or dt.datetime.now()).strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    path.rename(target)
    wal = path.with_name(path.name + ".wal")
    if wal.exists():
        wal.rename(target.with_name(target.name + ".wal"))
    return target


def heal(path: Path, config: Optional[dict] = None) -> tuple[Optional[Path], Optional[str]]:
    """Verify the working database; a damaged one is set aside. Returns (where it went, why) or (None, None)."""
    if not path.exists() and not path.with_name(path.name + ".wal").exists():
        return None, None
    try:
        if unchanged_since_verified(path):
            check_catalog(path, config)  # as the last publication read it: its catalog is enough
        else:
            forget_verified(path)
            verify(path, config)
        return None, None
    except duckdb.Error as error:
        if not is_damage(error):
            raise
        reason = f"{type(error).__name__}: {error}"
    forget_verified(path)
    if not path.exists():  # a WAL without its database: DuckDB refuses it; it is damage too
        path.touch()
    return set_aside(path), reason
