"""The raw folder to article rows: every file at any depth, read only when new or changed.

Files whose size and modification time match the previous inventory are not read again; their
article rows are carried over. Content decides a file's identity: two files with one text are one
article. A JSON Lines feed (`*.jsonl`) holds one article a line, each known by its address; a feed
that changed is read again, and only its lines whose text changed are new articles.
A symbolic link is followed only where it stays inside the raw folder (or a folder
INDICATORS_LINK_TARGETS names): a link to /etc/passwd must not put that file in raw.articles.
"""
from __future__ import annotations

import datetime as dt
import functools
import os
import stat
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, NamedTuple

import pandas as pd

from indicators_pipeline import progress
from indicators_pipeline.ingest.article import INGEST_VERSION, Article, content_hash, parse_article
from indicators_pipeline.ingest.decoding import NotText
from indicators_pipeline.ingest.feed import feed_lines, feed_of, is_feed, line_path, read_line
from indicators_pipeline.parallel import map_batches
from indicators_pipeline.warehouse import tables

PARSER_FAILURE = "could not be parsed"  # the reason's opening when reading a file raised: an extraction error too
MAX_ARTICLE_BYTES = 5 * 1024 * 1024  # the longest real article is far below; larger files are dumps
MAX_FEED_BYTES = 256 * 1024 * 1024  # a feed is read whole, its articles held at once: split larger crawls


@dataclass
class FileEntry:
    source_path: str  # relative to the raw folder, with '/'
    absolute: Path
    byte_size: int | None
    mtime_ns: int | None
    problem: str | None = None  # a reason known before reading (broken link, folder link)


@dataclass
class IngestResult:
    new_articles: pd.DataFrame  # full rows of articles not in the warehouse yet
    article_index: pd.DataFrame  # every current article: article_id, source_path, duplicate_paths, byte_size
    rejected: pd.DataFrame
    inventory: pd.DataFrame
    stats: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.stats["read"] or self.stats["removed"])


def _same_integer(kept, now: int | None) -> bool:
    """An inventory's size or time against the listing's: a row kept without one (a file refused by the listing,
    read back as NA) matches no file that has one."""
    return now is not None and not pd.isna(kept) and int(kept) == now


def _outside(path: Path, allowed: tuple[Path, ...]) -> bool:
    """Whether a symbolic link resolves outside every allowed folder."""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return False  # broken or looping: stat says so below
    return not any(target == folder or folder in target.parents for folder in allowed)


def scan(raw_dir: Path, link_targets: tuple[Path, ...] = ()) -> list[FileEntry]:
    """Every file under raw_dir, sorted; hidden files and folders (dot names) are not articles.

    A symbolic link that resolves outside raw_dir and `link_targets` is listed, never opened.
    """
    entries: list[FileEntry] = []
    if not raw_dir.is_dir():
        return entries
    allowed = tuple(p.resolve() for p in (raw_dir, *link_targets))
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
            if path.is_symlink() and _outside(path, allowed):
                entries.append(FileEntry(_relative(path, raw_dir), path, None, None,
                                         "symbolic link to a file outside the raw folder: not opened "
                                         "(INDICATORS_LINK_TARGETS names folders links may point into)"))
                continue
            try:
                info = path.stat()
            except FileNotFoundError:
                problem = "broken symbolic link" if path.is_symlink() else "file vanished during the run"
                entries.append(FileEntry(_relative(path, raw_dir), path, None, None, problem))
                continue
            except OSError as error:
                entries.append(FileEntry(_relative(path, raw_dir), path, None, None, f"cannot stat the file: {error.strerror}"))
                continue
            if not stat.S_ISREG(info.st_mode):  # opening a FIFO would wait forever; a device could be endless
                entries.append(FileEntry(_relative(path, raw_dir), path, None, None,
                                         f"not a regular file ({_special_kind(info.st_mode)}): skipped, never opened"))
                continue
            entries.append(FileEntry(_relative(path, raw_dir), path, info.st_size, info.st_mtime_ns))
    entries.sort(key=lambda e: e.source_path)
    return entries


def _relative(path: Path, root: Path) -> str:
    """The path as stored: a name that is not UTF-8 (a Windows-1258 name from a zip) keeps its bytes as \\xNN."""
    relative = path.relative_to(root).as_posix()
    return relative.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _special_kind(mode: int) -> str:
    for test, kind in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device")):
        if test(mode):
            return kind
    return "a special file"


class Outcome(NamedTuple):
    """What reading gave for one file, or for one line of a feed."""

    source_path: str
    article: Article | None
    digest: str | None  # sha256 of the file's (or the line's) bytes
    reason: str | None  # why it is no article


def _read(entry: FileEntry, today: dt.date | None) -> list[Outcome]:
    """The article of one file (one outcome), or of each line of a feed, or the reason there is none."""
    def refused(reason: str, digest: str | None = None) -> list[Outcome]:
        return [Outcome(entry.source_path, None, digest, reason)]

    if entry.problem:
        return refused(entry.problem)
    feed = is_feed(entry.source_path)
    limit = MAX_FEED_BYTES if feed else MAX_ARTICLE_BYTES
    if entry.byte_size is not None and entry.byte_size > limit:
        return refused(f"too large for {'a feed' if feed else 'an article'}: {entry.byte_size / 1e6:.1f} MB "
                       f"(limit {limit / 1e6:.0f} MB)")
    try:
        data = entry.absolute.read_bytes()
    except FileNotFoundError:
        return refused("file vanished during the run")
    except PermissionError:
        return refused("cannot read the file: permission denied")
    except IsADirectoryError:
        return refused("a folder, not a file")
    except OSError as error:
        return refused(f"cannot read the file: {error.strerror or error}")
    if feed:
        outcomes = [_outcome(line_path(entry.source_path, line.number), content_hash(line.data),
                             lambda line=line: read_line(line, today))
                    for line in feed_lines(data)]
        return outcomes or refused("empty feed: no line holds an article", content_hash(data))
    return [_outcome(entry.source_path, content_hash(data), lambda: parse_article(data, today))]


def _outcome(source_path: str, digest: str, read: Callable[[], Article]) -> Outcome:
    try:
        return Outcome(source_path, read(), digest, None)
    except NotText as reason:
        return Outcome(source_path, None, digest, str(reason))
    except Exception as error:  # a parser bug must not stop the run: the file says why it is out
        return Outcome(source_path, None, digest, f"{PARSER_FAILURE}: {type(error).__name__}: {error}")


def _same_what(source_path: str) -> str:
    return "same address, or same text without one" if feed_of(source_path) else "same text"


BATCH_SIZE = 2000  # articles held in memory at once: a 100,000-file folder streams through


def _batches(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def ingest(raw_dir: Path, previous_inventory: pd.DataFrame, known_articles: dict[str, str | None] | set[str],
           today: dt.date | None = None, on_new_articles: Callable[[pd.DataFrame], None] | None = None,
           batch_size: int = BATCH_SIZE, link_targets: tuple[Path, ...] = (),
           on_files_to_read: Callable[[int], None] | None = None) -> IngestResult:
    """Read the folder against the previous state; return the new state and what changed.

    `known_articles` maps the articles the warehouse holds to their content_sha256: their rows stay
    where they are, and a file whose size and modification time did not change is not read again.
    New articles (and a feed's articles whose text changed) go to `on_new_articles` batch by batch
    (their paths are settled in `article_index` at the end); without it they are collected in
    `new_articles`. `on_files_to_read` hears how many files are new or changed once the folder is listed,
    before any is read.
    """
    if not isinstance(known_articles, dict):  # ids alone: any text they hold counts as known
        known_articles = dict.fromkeys(known_articles)
    entries = scan(raw_dir, link_targets)
    before = {row.source_path: row for row in previous_inventory.itertuples(index=False)}
    if any(getattr(row, "ingest_version", None) != INGEST_VERSION for row in before.values()):
        known_articles = {}  # new reading rules: every file is read again, every row rewritten
    lines_of: dict[str, list] = {}  # a feed's path -> its lines' rows of the previous inventory
    line_paths: set[str] = set()
    for row in before.values():
        if (feed_path := feed_of(row.source_path)) is not None:
            lines_of.setdefault(feed_path, []).append(row)
            line_paths.add(row.source_path)

    stats = dict(files=len(entries), new=0, changed=0, unchanged=0, read=0, new_articles=0)
    collected: list[pd.DataFrame] = []
    emit = on_new_articles or collected.append
    emitted: set[str] = set()
    unchanged: dict[str, list] = {}  # path -> its previous inventory rows, carried over
    # path -> what the inventory needs of each outcome (source_path, article_id, digest, reason): never the
    # article itself, whose text went to on_new_articles (100,000 texts held here were ~1 GB)
    read: dict[str, list[tuple[str, str | None, str | None, str | None]]] = {}
    to_read = []
    for entry in entries:
        old_rows = lines_of.get(entry.source_path) or ([before[entry.source_path]] if entry.source_path in before else [])
        # a file the listing already refused (a link not followed, a broken one) is unchanged when it was refused
        # for the same reason: nothing is read, and a folder with one is not changed every night
        same = bool(old_rows) and all(
            (old.status == "rejected" and old.reason == entry.problem) if entry.problem is not None else
            (_same_integer(old.byte_size, entry.byte_size) and _same_integer(old.mtime_ns, entry.mtime_ns)
             and (old.status != "ingested" or old.article_id in known_articles)) for old in old_rows)
        if same:
            unchanged[entry.source_path] = old_rows
        else:
            to_read.append(entry)
    if (stage := progress.current()) is not None:
        stage.expect(len(to_read))  # the files to read are known now: the progress shows their whole count
    if on_files_to_read is not None:
        on_files_to_read(len(to_read))
    for batch, _, results in map_batches(functools.partial(_read, today=today), _batches(to_read, batch_size)):
        new_rows = []
        for entry, outcomes in zip(batch, results):
            read[entry.source_path] = [(o.source_path, o.article.article_id if o.article else None, o.digest, o.reason)
                                       for o in outcomes]
            for outcome in outcomes:
                article = outcome.article
                if article is not None and article.article_id not in emitted and (
                        article.article_id not in known_articles
                        or known_articles[article.article_id] not in (None, article.content_sha256)):
                    emitted.add(article.article_id)
                    new_rows.append({**asdict(article), "source_path": outcome.source_path,
                                     "byte_size": entry.byte_size,
                                     "duplicate_paths": None})
        if new_rows:
            stats["new_articles"] += len(new_rows)
            emit(pd.DataFrame(new_rows, columns=tables.ARTICLES.column_names))

    per_file: list[dict] = []
    for entry in entries:
        if entry.source_path in unchanged:
            stats["unchanged"] += 1
            for old in unchanged[entry.source_path]:
                per_file.append(dict(source_path=old.source_path, byte_size=entry.byte_size, mtime_ns=entry.mtime_ns,
                                     file_sha256=old.file_sha256, article_id=old.article_id,
                                     status="rejected" if old.status == "rejected" else "ingested",
                                     reason=old.reason if old.status == "rejected" else None,
                                     ingest_version=INGEST_VERSION))
            continue
        stats["changed" if entry.source_path in before or entry.source_path in lines_of else "new"] += 1
        stats["read"] += 1
        for source_path, article_id, digest, reason in read.pop(entry.source_path):
            per_file.append(dict(source_path=source_path, byte_size=entry.byte_size, mtime_ns=entry.mtime_ns,
                                 file_sha256=digest, article_id=article_id,
                                 status="ingested" if article_id else "rejected", reason=reason,
                                 ingest_version=INGEST_VERSION))

    # One article per content: the first path (in sorted order) holds it, later ones are duplicates.
    holder: dict[str, dict] = {}
    duplicates: dict[str, list[str]] = {}
    for record in per_file:
        if record["status"] != "ingested":
            continue
        first = holder.setdefault(record["article_id"], record)
        if first is not record:
            record["status"], record["reason"] = "duplicate", f"duplicate of {first['source_path']} ({_same_what(record['source_path'])})"
            duplicates.setdefault(record["article_id"], []).append(record["source_path"])
    article_index = pd.DataFrame(
        [dict(article_id=article_id, source_path=first["source_path"], byte_size=first["byte_size"],
              duplicate_paths="|".join(duplicates.get(article_id, [])) or None)
         for article_id, first in holder.items()],
        columns=["article_id", "source_path", "duplicate_paths", "byte_size"],
    )

    current = {e.source_path for e in entries}
    previous_files = {path for path in before if path not in line_paths} | set(lines_of)
    stats["removed"] = len(previous_files - current)
    stats["rejected"] = sum(1 for r in per_file if r["status"] == "rejected")
    stats["duplicates"] = sum(1 for r in per_file if r["status"] == "duplicate")
    stats["articles"] = len(holder)
    stats["removed_articles"] = len(set(known_articles) - set(holder))

    new_articles = pd.DataFrame(columns=tables.ARTICLES.column_names)
    if collected:
        settled = article_index.set_index("article_id")
        new_articles = pd.concat(collected, ignore_index=True)
        for column in ("source_path", "duplicate_paths", "byte_size"):
            new_articles[column] = new_articles["article_id"].map(settled[column])
    rejected_frame = pd.DataFrame(
        [dict(source_path=r["source_path"], reason=r["reason"], byte_size=r["byte_size"])
         for r in per_file if r["status"] != "ingested"],
        columns=tables.REJECTED_FILES.column_names,
    )
    inventory = pd.DataFrame(per_file, columns=tables.FILE_INVENTORY.column_names)
    for column in ("byte_size", "mtime_ns"):
        # exact integers beside a file with none (a link not followed, a broken one): a float column of ~1.8e18
        # nanoseconds rounds to 256 ns, and then no file matched its inventory row and every refresh read every file
        inventory[column] = pd.array([r[column] for r in per_file], dtype="Int64")
    return IngestResult(new_articles=new_articles, article_index=article_index, rejected=rejected_frame,
                        inventory=inventory, stats=stats)
