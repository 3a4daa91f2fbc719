"""Publishing: the working database copied to a fresh file that atomically replaces the published one.

BI tools hold read-only connections to the published file for hours. DuckDB lets one process
write a file at a time, so the pipeline never writes it in place: the assets build a working
database, and publishing writes a new file beside the published one and renames it over it
(`os.replace`, atomic on one file system). A reader keeps the snapshot it opened; a new
connection sees the new one; nobody ever sees half a refresh.

The new file is either a full copy of the working database (COPY FROM DATABASE, ~1.9 s at 10,000
articles) or, when the published file is the one the last publication wrote and nothing of the
catalogue changed, a file-level copy of it into which only the rows that differ are written
(publish_rows.py: ~0.6 s there when ten articles arrived). A record beside the published file
(`.<name>.publication.json`) says what the last publication wrote; anything unexpected means a full copy.

Which rows differ is found by hashing each article's rows on both sides. The working side is hashed once
(Publisher): the same hashes say what the working database holds, which the publish step compares with
the last publication's content before publishing anything. A publication keeps the
hashes of what it published in a side file (`.<name>.row_hashes.duckdb`) whose digest its record holds: the
next one reads them instead of hashing the published file again, but only when the record says that file is
the one it wrote and the side file is the one it kept (else it hashes the file). A publication of rows checked
the rows it wrote; a full copy keeps them only when every table of the copy hashes as the working one does.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from indicators_pipeline.warehouse.fingerprint import combined, file_fingerprint
from indicators_pipeline.warehouse.publish_rows import (HASHES_LAYOUT, RowsChanged, RowsDiffer, WorkingHashes,
                                                        catalogue_fingerprint, copy_differs, differences,
                                                        save_row_hashes, working_hashes, write_differences)

# Readable by DuckDB 1.0 and later, which the BI drivers in use still bundle (spec/WAREHOUSE.md).
STORAGE_VERSION = "v1.0.0"

FULL_COPY = "full copy"
ROWS_CHANGED = "rows changed"
# Rows rewritten in place leave the blocks they replaced free, and a checkpoint writes before it frees: the
# file grows with each publication of rows. Past this share of its size at the last full copy, the next
# publication copies the whole database again (BENCHMARKS.md, seventh session: what twenty publications did).
GROWTH_LIMIT = 1.25
GROWTH_ALLOWANCE = 16 * 2**20  # bytes a small file may grow by whatever its share: 64 blocks of DuckDB's 256 kB
# When more of the working rows than this differ, writing them into the old file is no quicker than a copy
# (unless they are few: a small database is published in tenths of a second either way).
MOST_ROWS_SHARE = 0.3
FEW_ROWS = 20_000
_RECORD_FORMAT = 1


@dataclass(frozen=True)
class Publication:
    path: Path
    published_at: dt.datetime
    byte_size: int
    tables: int
    storage_version: str
    leftovers_removed: tuple[str, ...] = field(default=())
    method: str = FULL_COPY  # FULL_COPY or ROWS_CHANGED
    full_copy_reason: str | None = None  # why the rows could not be written into a copy of the published file
    rows_changed: RowsChanged | None = None  # what was written, for ROWS_CHANGED
    since_full_copy: int = 0  # publications of rows since the last full copy (this one included)
    # ROWS_CHANGED: why the published file's rows were hashed again (None: the last publication's kept hashes were read)
    why_published_rows_hashed: str | None = None
    # FULL_COPY: why the hashes of the copy's rows were not kept (its rows hash otherwise than the working ones)
    why_no_row_hashes: str | None = None


@dataclass(frozen=True)
class PublishedRecord:
    """What the last publication wrote, kept beside the published file: the file's identity (inode, size,
    modification and change times: a file written or replaced since has others), its published_at and storage
    version, the two catalogues' fingerprints, its size at the last full copy (how much it has grown) and the
    digest of the side file of its rows' hashes (None: none kept)."""
    file: tuple[int, int, int, int]
    published_at: float
    storage_version: str
    storage_tag: str
    working_catalogue: str
    published_catalogue: str
    full_copy_bytes: int
    publications_since_full_copy: int
    row_hashes: str | None = None
    format: int = _RECORD_FORMAT


@dataclass(frozen=True)
class _Written:
    """What a publication wrote into its temporary file(s), for the record and the Publication."""
    tables: int
    rows_changed: RowsChanged | None  # None: a full copy
    storage_tag: str
    catalogues: tuple[str, str]  # the working and the written database's
    row_hashes: str | None = None  # digest of the written rows' hashes, saved beside the temporary file
    why_published_rows_hashed: str | None = None
    why_no_row_hashes: str | None = None  # a full copy whose rows' hashes were not kept


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
            memory_limit: str = "128MB", temp_directory: Path | None = None, rows_only: bool = True,
            growth_limit: float = GROWTH_LIMIT, growth_allowance: int = GROWTH_ALLOWANCE) -> Publication:
    """Write working's content into a fresh file renamed over published (Publisher.publish). The caller holds
    the refresh lock."""
    with Publisher(working, published, storage_version, memory_limit, temp_directory, rows_only, growth_limit,
                   growth_allowance) as publisher:
        return publisher.publish()


class Publisher:
    """A publication of the working database, on one connection that has it attached read-only: its rows are
    hashed once (content(), then the rows that differ from the published file's).

    rows_only: start from a copy of the published file and write only the rows that differ, when it is the
    file the last publication wrote and has grown to at most growth_limit times its size at the last full copy
    or by at most growth_allowance bytes (else, or with False, a full copy). A full copy streams table by table:
    DuckDB holds at most memory_limit and spills the rest to temp_directory (default: a folder beside the
    published file, never the current directory)."""

    def __init__(self, working: Path, published: Path, storage_version: str = STORAGE_VERSION,
                 memory_limit: str = "128MB", temp_directory: Path | None = None, rows_only: bool = True,
                 growth_limit: float = GROWTH_LIMIT, growth_allowance: int = GROWTH_ALLOWANCE):
        self.working, self.published, self.storage_version = working, published, storage_version
        spill = temp_directory or published.with_name(f".{published.name}.spill")
        self._config = {"memory_limit": memory_limit, "temp_directory": str(spill)}
        self._growth = (growth_limit, growth_allowance) if rows_only else None
        self._con: duckdb.DuckDBPyConnection | None = None
        self._hashes: WorkingHashes | None = None

    def __enter__(self) -> Publisher:
        self._connect()
        return self

    def __exit__(self, *exc) -> None:
        self._con.close()

    def _connect(self) -> None:
        self._con = duckdb.connect(config=self._config)  # copying streams; it need not hold the file
        try:
            self._con.execute(f"ATTACH '{_sql_path(self.working)}' AS work (READ_ONLY)")
        except BaseException:
            self._con.close()
            raise
        self._hashes = None

    def _start_over(self) -> None:
        """The connection as it was before a publication that failed: its databases detached, its transaction
        and checkpoint threshold undone; the working hashes kept. When it cannot be (DuckDB invalidates a
        database after some errors), a connection of its own, the hashes computed again if asked."""
        try:
            if self._con.execute("SELECT count(*) FROM duckdb_databases() WHERE database_name = 'work'").fetchall() \
                    != [(1,)]:
                raise duckdb.Error("the working database is no longer attached")
            try:
                self._con.execute("ROLLBACK")
            except duckdb.Error:  # no transaction open
                pass
            for database in ("pub", "kept_hashes", "saved_hashes"):
                self._con.execute(f"DETACH DATABASE IF EXISTS {database}")
            self._con.execute("RESET checkpoint_threshold")
        except duckdb.Error:
            self._con.close()
            self._connect()

    def hashes(self) -> WorkingHashes:
        if self._hashes is None:
            self._hashes = working_hashes(self._con)
        return self._hashes

    def content(self) -> str:
        """What the working database holds: fingerprint.database_fingerprint's, from the hashes a publication uses."""
        return self.hashes().content()

    def publish(self) -> Publication:
        """Write the working database's content into a fresh file renamed over the published one."""
        self.published.parent.mkdir(parents=True, exist_ok=True)
        leftovers = tuple(remove_stale_temporaries(self.published))
        try:
            return self._publish(leftovers)
        except (duckdb.Error, OSError) as error:
            if isinstance(error, DiskFull) or not is_disk_full(error):
                raise
            raise DiskFull(self.published.parent, space_needed(self.working, self.published),
                           shutil.disk_usage(self.published.parent).free, str(error)) from error

    def _publish(self, leftovers: tuple[str, ...]) -> Publication:
        published, storage_version = self.published, self.storage_version
        token = uuid.uuid4().hex
        temporary = published.with_name(f".{published.name}.{token}.tmp")
        hashes_temporary = published.with_name(f".{published.name}.{token}.row_hashes.tmp")
        published_at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        try:
            last = last_publication(published)
            why_full = (why_not_rows_only(last, published, storage_version, *self._growth) if self._growth is not None
                        else "asked for a full copy")
            written = None
            if why_full is None:
                working = self.hashes()  # an error reading the working database is not one of writing rows
                try:
                    written = _write_changed_rows(self._con, working, published, temporary, hashes_temporary,
                                                  last, published_at, storage_version)
                except (RowsDiffer, duckdb.Error, OSError) as error:
                    if is_disk_full(error):
                        raise
                    why_full = str(error) if isinstance(error, RowsDiffer) else f"writing the rows failed: {error}"
                    self._start_over()
                    _remove_temporary(temporary)
                    _remove_temporary(hashes_temporary)
            if written is None:
                written = _copy_database(self._con, self.hashes(), temporary, hashes_temporary, published_at,
                                         storage_version)
            with open(temporary, "rb") as handle:
                os.fsync(handle.fileno())
            record_path(published).unlink(missing_ok=True)  # they describe the file about to be replaced
            row_hashes_path(published).unlink(missing_ok=True)
            os.replace(temporary, published)
            if written.row_hashes is not None:
                os.replace(hashes_temporary, row_hashes_path(published))
        except BaseException:
            self._con.close()  # nothing of this publication attached when its files go
            raise
        finally:
            _remove_temporary(temporary)
            _remove_temporary(hashes_temporary)
        full = written.rows_changed is None
        stat = published.stat()
        since_full_copy = 0 if full else last.publications_since_full_copy + 1
        _save_record(published, PublishedRecord(
            file=_identity(stat), published_at=published_at.timestamp(), storage_version=storage_version,
            storage_tag=written.storage_tag, working_catalogue=written.catalogues[0],
            published_catalogue=written.catalogues[1], full_copy_bytes=stat.st_size if full else last.full_copy_bytes,
            publications_since_full_copy=since_full_copy, row_hashes=written.row_hashes))
        return Publication(published, published_at, stat.st_size, written.tables, storage_version, leftovers,
                           FULL_COPY if full else ROWS_CHANGED, why_full if full else None, written.rows_changed,
                           since_full_copy, written.why_published_rows_hashed, written.why_no_row_hashes)


def _copy_database(con: duckdb.DuckDBPyConnection, working: WorkingHashes, temporary: Path, hashes_temporary: Path,
                   published_at: dt.datetime, storage_version: str) -> _Written:
    """The whole working database (attached as work; working: its hashes) into a new file at storage_version (COPY
    FROM DATABASE), with meta.publication; the hashes of its rows saved in hashes_temporary when every table of the
    copy hashes as the working one does (the next publication of rows then need not hash the file)."""
    con.execute(f"ATTACH '{_sql_path(temporary)}' AS pub (STORAGE_VERSION '{storage_version}')")
    con.execute("COPY FROM DATABASE work TO pub")
    con.execute("CREATE SCHEMA IF NOT EXISTS pub.meta")
    con.execute(
        "CREATE OR REPLACE TABLE pub.meta.publication AS SELECT ?::TIMESTAMPTZ AS published_at, ? AS storage_version",
        [published_at, storage_version],
    )
    for target, comment in PUBLICATION_COMMENTS.items():  # README: every table and column has a COMMENT
        con.execute(f"COMMENT ON {target} IS '{comment}'")
    con.execute("DETACH pub")
    written, differing = _what_was_written(con, temporary, working)
    if differing:
        return dataclasses.replace(written, why_no_row_hashes=f"the copy's rows hash otherwise: {', '.join(differing)}")
    return dataclasses.replace(written, row_hashes=_keep_row_hashes(con, working, hashes_temporary))


def _write_changed_rows(con: duckdb.DuckDBPyConnection, working: WorkingHashes, published: Path, temporary: Path,
                        hashes_temporary: Path, last: PublishedRecord, published_at: dt.datetime,
                        storage_version: str) -> _Written:
    """A file-level copy of published, checked to be what the last publication wrote, with the rows that differ
    from the working database (attached as work; working: its hashes) written into it (publish_rows.py) and a new
    published_at; the hashes of its rows saved in hashes_temporary. Raises RowsDiffer when it cannot be."""
    why_hashed = why_row_hashes_not_kept(last, published)
    shutil.copyfile(published, temporary)
    # one transaction whose commit writes the blocks directly (a threshold of 0): no write-ahead log of the rows
    # first, no checkpoint in the middle; the file is fsynced before it is published
    con.execute("SET checkpoint_threshold = '0b'")
    con.execute(f"ATTACH '{_sql_path(temporary)}' AS pub")  # an existing file keeps its storage version
    if _storage_tag(con) != last.storage_tag:
        raise RowsDiffer(f"the published file's storage version is {_storage_tag(con)}, not {last.storage_tag}")
    stamp = con.execute("SELECT epoch(published_at), storage_version FROM pub.meta.publication").fetchall()
    if stamp != [(last.published_at, storage_version)]:
        raise RowsDiffer(f"the published file's meta.publication is not the last publication's: {stamp}")
    if catalogue_fingerprint(con, "work") != last.working_catalogue:
        raise RowsDiffer("the working database's catalogue changed (tables, columns, views, comments, ...)")
    if catalogue_fingerprint(con, "pub") != last.published_catalogue:
        raise RowsDiffer("the published file's catalogue is not the one the last publication wrote")
    if why_hashed is None:
        con.execute(f"ATTACH '{_sql_path(row_hashes_path(published))}' AS kept_hashes (READ_ONLY)")
    found = differences(con, working, MOST_ROWS_SHARE, FEW_ROWS, None if why_hashed else "kept_hashes")
    con.execute("BEGIN TRANSACTION")
    rows_changed = write_differences(con, found)
    con.execute("UPDATE pub.meta.publication SET published_at = ?::TIMESTAMPTZ", [published_at])
    con.execute("COMMIT")
    con.execute("CHECKPOINT pub")
    n_tables = con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'pub'").fetchall()[0][0]
    row_hashes = _keep_row_hashes(con, working, hashes_temporary)
    for database in ("pub", *(("kept_hashes",) if why_hashed is None else ())):
        con.execute(f"DETACH {database}")
    con.execute("RESET checkpoint_threshold")
    # rows only: both catalogues are the ones checked above
    return _Written(n_tables, rows_changed, last.storage_tag, (last.working_catalogue, last.published_catalogue),
                    row_hashes, why_hashed)


def _keep_row_hashes(con: duckdb.DuckDBPyConnection, working: WorkingHashes, hashes_temporary: Path) -> str:
    """The working rows' hashes written to hashes_temporary (for a publication whose file holds those very rows);
    returns the digest its record keeps."""
    con.execute(f"ATTACH '{_sql_path(hashes_temporary)}' AS saved_hashes")
    con.execute("BEGIN TRANSACTION")  # one commit writing the file, not one a table
    save_row_hashes(con, working, "saved_hashes")
    con.execute("COMMIT")
    con.execute("DETACH saved_hashes")
    return _row_hashes_digest(hashes_temporary)


def _what_was_written(con: duckdb.DuckDBPyConnection, temporary: Path,
                      working: WorkingHashes) -> tuple[_Written, list[str]]:
    """Tables, storage version and catalogues of the written file as the next publication will see them: opened
    again (a view's SQL reads differently in the session that copied it); and its tables whose rows hash otherwise
    than the working ones, as readers will read them."""
    con.execute(f"ATTACH '{_sql_path(temporary)}' AS pub (READ_ONLY)")
    try:
        n_tables = con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'pub'").fetchall()[0][0]
        catalogues = catalogue_fingerprint(con, "work"), catalogue_fingerprint(con, "pub")
        return _Written(n_tables, None, _storage_tag(con), catalogues), copy_differs(con, working)
    finally:
        con.execute("DETACH pub")


def why_not_rows_only(last: PublishedRecord | None, published: Path, storage_version: str,
                      growth_limit: float = GROWTH_LIMIT, growth_allowance: int = GROWTH_ALLOWANCE) -> str | None:
    """Why the published file cannot be the start of this publication (None: it can, as far as its record and its
    identity on disk say; the copy's own meta.publication and catalogue are checked next)."""
    if last is None:
        return "no record of the last publication beside the published file"
    if last.storage_version != storage_version:
        return f"storage version {storage_version} asked, the published file has {last.storage_version}"
    try:
        stat = published.stat()
    except FileNotFoundError:
        return "no published file"
    if _identity(stat) != last.file:
        return "the published file was written or replaced since the last publication"
    if published.with_name(published.name + ".wal").exists():
        return "the published file has a write-ahead log: something wrote to it"
    if stat.st_size > max(growth_limit * last.full_copy_bytes, last.full_copy_bytes + growth_allowance):
        return (f"the file grew to {stat.st_size / last.full_copy_bytes:.2f}x its size at the last full copy "
                f"(limit {growth_limit}x, or {_mb(growth_allowance)}): copied whole again, compact")
    return None


def why_row_hashes_not_kept(last: PublishedRecord, published: Path) -> str | None:
    """Why the published file's rows must be hashed again (None: the side file beside it is the one the last
    publication kept, as the digest in its record says, so it holds their hashes)."""
    if last.row_hashes is None:
        return "the last publication kept no hashes of its rows"
    if _row_hashes_digest(row_hashes_path(published)) != last.row_hashes:
        return "the row hashes beside the published file are not the ones the last publication kept"
    return None


def record_path(published: Path) -> Path:
    return published.with_name(f".{published.name}.publication.json")


def row_hashes_path(published: Path) -> Path:
    return published.with_name(f".{published.name}.row_hashes.duckdb")


def _row_hashes_digest(path: Path) -> str:
    """The side file's content, the DuckDB version whose hash() computed the hashes and how the tables are keyed:
    another's are not comparable (a side file of an older layout is not read: the published rows are hashed)."""
    return combined(duckdb.__version__, HASHES_LAYOUT, file_fingerprint(path))


def last_publication(published: Path) -> PublishedRecord | None:
    """The record the last publication left beside the published file; None when missing or unreadable."""
    try:
        fields = json.loads(record_path(published).read_text(encoding="utf-8"))
        record = PublishedRecord(**{**fields, "file": tuple(fields["file"])})
    except (OSError, ValueError, TypeError, KeyError):
        return None
    return record if record.format == _RECORD_FORMAT else None


def _save_record(published: Path, record: PublishedRecord) -> None:
    """Written beside the file, then renamed (a killed run leaves a stale temporary, removed next time)."""
    target = record_path(published)
    temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(dataclasses.asdict(record)), encoding="utf-8")
    os.replace(temporary, target)


def _identity(stat: os.stat_result) -> tuple[int, int, int, int]:
    return stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns


def _storage_tag(con: duckdb.DuckDBPyConnection) -> str:
    """The storage version DuckDB reads in the file's header ('v1.0.0+': DuckDB 1.0 and later open it)."""
    tags = con.execute("SELECT tags FROM duckdb_databases() WHERE database_name = 'pub'").fetchall()[0][0]
    return str((tags or {}).get("storage_version", ""))


def _remove_temporary(temporary: Path) -> None:
    for path in (temporary, temporary.with_name(temporary.name + ".wal")):
        if path.exists() or path.is_symlink():
            path.unlink()


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
