"""Crawler feeds: a JSON Lines file (`*.jsonl`) under the raw folder holds one article a line.

The shape crawlers write (trafilatura's `--json`, Scrapy feed exports): `text` (or `raw_text`, or a
page's `html`), and any of `url` (or `source`), `title`, `date` (or `published`: an ISO date or
datetime), `sitename` (or `source-hostname`, `hostname`). A line's article is known by its address,
so a corrected page keeps its identity; a line without one is known by its text, as a file is.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import replace
from typing import Iterator, NamedTuple

from indicators_pipeline.ingest.article import Article, Provenance, parse_article
from indicators_pipeline.ingest.decoding import NotText

FEED_SUFFIX = ".jsonl"
_TEXT_KEYS = ("text", "raw_text", "html")
_URL_KEYS = ("url", "source")
_DATE_KEYS = ("date", "published")
_SITE_KEYS = ("sitename", "source-hostname", "hostname")


def is_feed(path: str) -> bool:
    return path.lower().endswith(FEED_SUFFIX)


def line_path(feed_path: str, number: int) -> str:
    """How a feed line is named in raw.articles and raw.rejected_files: 'feeds/crawl.jsonl:12'."""
    return f"{feed_path}:{number}"


def feed_of(source_path: str) -> str | None:
    """The feed a line's name belongs to ('feeds/crawl.jsonl:12' -> 'feeds/crawl.jsonl'), None for a file's."""
    feed_path, colon, number = source_path.rpartition(":")
    return feed_path if colon and number.isdigit() and is_feed(feed_path) else None


class FeedLine(NamedTuple):
    number: int  # 1-based
    data: bytes


def feed_lines(data: bytes) -> Iterator[FeedLine]:
    """The non-blank lines of a feed with their numbers."""
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.strip():
            yield FeedLine(number, line)


def _first(record: dict, keys: tuple[str, ...]) -> str | None:
    for name in keys:
        value = record.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def article_from_record(record: dict, today: dt.date | None = None) -> Article:
    """One feed record to its article; NotText says why a record is none."""
    if not isinstance(record, dict):
        raise NotText(f"feed line is JSON but not an object ({type(record).__name__})")
    body = _first(record, _TEXT_KEYS)
    if body is None:
        raise NotText("feed line without text (no 'text', 'raw_text' or 'html')")
    provenance = Provenance(url=_first(record, _URL_KEYS), title=_first(record, ("title",)),
                            published=_date(_first(record, _DATE_KEYS)), site=_first(record, _SITE_KEYS))
    article = parse_article(body.encode("utf-8"), today, provenance)
    if provenance.url:
        return replace(article, article_id=hashlib.sha256(provenance.url.encode("utf-8")).hexdigest()[:16])
    return article


def read_line(line: FeedLine, today: dt.date | None = None) -> Article:
    """A feed line to its article; NotText names what is wrong with the line."""
    try:
        record = json.loads(line.data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise NotText(f"feed line is not JSON: {error}") from None
    return article_from_record(record, today)
