"""The raw folder to article rows: every file at any depth, read only when new or changed.

Files whose size and modification time match the previous inventory are not read again; their
article rows are carried over. Content decides identity: two files with one text are one article.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from indicators_pipeline.ingest.article import Article, content_hash, parse_article
from indicators_pipeline.ingest.decoding import NotText
from indicators_pipeline.warehouse import tables

MAX_ARTICLE_BYTES = 5 * 1024 * 1024  # the longest real article is far below; larger files are dumps


@dataclass
class FileEntry:
    source_path: str  # relative to the raw folder, with '/'
    absolute: Path
    byte_size: int | None
    mtime_ns: int | None
    problem: str | None = None  # a reason known before reading (broken link, folder link)


@dataclass
class IngestResult:
    articles: pd.DataFrame
    rejected: pd.DataFrame
    inventory: pd.DataFrame
    stats: dict[str, int] = field(default_factory=dict)


def scan(raw_dir: Path) -> list[FileEntry]:
    """Every file under raw_dir, sorted; hidden files and folders (dot names) are not articles."""
    entries: list[FileEntry] = []
    if not raw_dir.is_dir():
        return entries
    for folder, subfolders, files in os.walk(raw_dir, followlinks=False):
        base = Path(folder)
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        for name in [d for d in os.listdir(base) if (base / d).is_symlink() and (base / d).is_dir()]:
            if not name.startswith("."):
                entries.append(FileEntry(_relative(base / name, raw_dir), base / name, None, None,
                                         "symbolic link to a folder: not followed (it could loop)"))
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = base / name
            try:
                stat = path.stat()
            except FileNotFoundError:
                problem = "broken symbolic link" if path.is_symlink() else "file vanished during the run"
                entries.append(FileEntry(_relative(path, raw_dir), path, None, None, problem))
                continue
            except OSError as error:
                entries.append(FileEntry(_relative(path, raw_dir), path, None, None, f"cannot stat the file: {error.strerror}"))
                continue
            entries.append(FileEntry(_relative(path, raw_dir), path, stat.st_size, stat.st_mtime_ns))
    entries.sort(key=lambda e: e.source_path)
    return entries


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _read(entry: FileEntry, today: dt.date | None) -> tuple[Article | None, str | None, str | None]:
    """(article, file sha256, rejection reason) for one file."""
    if entry.problem:
        return None, None, entry.problem
    if entry.byte_size is not None and entry.byte_size > MAX_ARTICLE_BYTES:
        return None, None, f"too large for an article: {entry.byte_size / 1e6:.1f} MB (limit {MAX_ARTICLE_BYTES / 1e6:.0f} MB)"
    try:
        data = entry.absolute.read_bytes()
    except FileNotFoundError:
        return None, None, "file vanished during the run"
    except PermissionError:
        return None, None, "cannot read the file: permission denied"
    except IsADirectoryError:
        return None, None, "a folder, not a file"
    except OSError as error:
        return None, None, f"cannot read the file: {error.strerror or error}"
    digest = content_hash(data)
    try:
        return parse_article(data, today), digest, None
    except NotText as reason:
        return None, digest, str(reason)
    except Exception as error:  # a parser bug must not stop the run: the file says why it is out
        return None, digest, f"could not be parsed: {type(error).__name__}: {error}"


def ingest(raw_dir: Path, previous_inventory: pd.DataFrame, previous_articles: pd.DataFrame,
           today: dt.date | None = None) -> IngestResult:
    """Read the folder against the previous state; return the new state and what changed."""
    entries = scan(raw_dir)
    before = {row.source_path: row for row in previous_inventory.itertuples(index=False)}
    old_articles = {row["article_id"]: row for row in previous_articles.to_dict("records")}

    stats = dict(files=len(entries), new=0, changed=0, unchanged=0, read=0)
    per_file: list[dict] = []
    articles: dict[str, dict] = {}
    for entry in entries:
        old = before.get(entry.source_path)
        same = old is not None and entry.problem is None and old.byte_size == entry.byte_size and old.mtime_ns == entry.mtime_ns
        if same and (old.status != "ingested" or old.article_id in old_articles):
            stats["unchanged"] += 1
            record = dict(source_path=entry.source_path, byte_size=entry.byte_size, mtime_ns=entry.mtime_ns,
                          file_sha256=old.file_sha256, article_id=old.article_id, status=old.status, reason=old.reason)
            if old.status in ("ingested", "duplicate") and old.article_id in old_articles:
                articles.setdefault(old.article_id, dict(old_articles[old.article_id]))
                record["status"], record["reason"] = "ingested", None
            per_file.append(record)
            continue
        stats["changed" if old is not None else "new"] += 1
        stats["read"] += 1
        article, digest, reason = _read(entry, today)
        record = dict(source_path=entry.source_path, byte_size=entry.byte_size, mtime_ns=entry.mtime_ns,
                      file_sha256=digest, article_id=article.article_id if article else None,
                      status="ingested" if article else "rejected", reason=reason)
        if article is not None:
            row = asdict(article)
            row.update(source_path=entry.source_path, byte_size=entry.byte_size)
            articles.setdefault(article.article_id, row)
        per_file.append(record)

    # One article per content: the first path (in sorted order) holds it, later ones are duplicates.
    holder: dict[str, str] = {}
    for record in per_file:
        if record["status"] == "ingested":
            first = holder.setdefault(record["article_id"], record["source_path"])
            if first != record["source_path"]:
                record["status"], record["reason"] = "duplicate", f"duplicate of {first} (same text)"
    duplicates: dict[str, list[str]] = {}
    for record in per_file:
        if record["status"] == "duplicate":
            duplicates.setdefault(record["article_id"], []).append(record["source_path"])
    article_rows = []
    for article_id, first in sorted(holder.items(), key=lambda item: item[1]):
        row = dict(articles[article_id])
        row.update(source_path=first, duplicate_paths="|".join(duplicates.get(article_id, [])) or None,
                   byte_size=next(r["byte_size"] for r in per_file if r["source_path"] == first))
        article_rows.append(row)

    current = {e.source_path for e in entries}
    stats["removed"] = sum(1 for path in before if path not in current)
    stats["rejected"] = sum(1 for r in per_file if r["status"] == "rejected")
    stats["duplicates"] = sum(1 for r in per_file if r["status"] == "duplicate")
    stats["articles"] = len(article_rows)
    previous_ids = set(old_articles)
    stats["new_articles"] = sum(1 for r in article_rows if r["article_id"] not in previous_ids)
    stats["removed_articles"] = len(previous_ids - {r["article_id"] for r in article_rows})

    article_frame = pd.DataFrame(article_rows, columns=tables.ARTICLES.column_names) if article_rows else _empty(tables.ARTICLES)
    rejected_frame = pd.DataFrame(
        [dict(source_path=r["source_path"], reason=r["reason"], byte_size=r["byte_size"])
         for r in per_file if r["status"] != "ingested"],
        columns=tables.REJECTED_FILES.column_names,
    )
    inventory_frame = pd.DataFrame(per_file, columns=tables.FILE_INVENTORY.column_names)
    return IngestResult(article_frame, rejected_frame, inventory_frame, stats)


def _empty(table: tables.Table) -> pd.DataFrame:
    return pd.DataFrame(columns=table.column_names)
