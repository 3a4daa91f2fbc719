"""One raw file to one article record: text, title, publication date, province."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

from indicators_pipeline import reference, versions
from indicators_pipeline.extraction.dates import find_publication_date, reference_year
from indicators_pipeline.extraction.places import article_province
from indicators_pipeline.ingest.decoding import DecodedText, NotText, decode_bytes
from indicators_pipeline.ingest.html_text import html_to_text, looks_like_html

# A hash of the reading rules (titles, dates, provinces) and reference files: a change reads every file again.
INGEST_VERSION = versions.ingest_version()
_TITLE_MIN_WORDS = 4
_TITLE_MAX_CHARS = 300
_BOILERPLATE_LINE = re.compile(r"^(?:chi tiet tin|chi tiết tin|trang chủ|home|tin tức\s*$)", re.IGNORECASE)
# A scraper's English error banner glued before the headline: plain-ASCII sentences, four words or more.
_ASCII_BANNER = re.compile(r"^(?:[\x20-\x7e]*?\w[\x20-\x7e]*?[.!]\s+){1,3}(?=\S)")
_DATE_ONLY = re.compile(r"^[\W\d]*(?:ngày)?[\W\d]*$", re.IGNORECASE)


@dataclass(frozen=True)
class Article:
    article_id: str
    content_sha256: str
    title: str | None
    published_date: dt.date | None
    province_code: str | None
    province_name: str | None
    reference_year: int | None
    reference_year_source: str
    text: str
    encoding: str
    was_html: bool
    note: str


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def find_title(text: str) -> str | None:
    """The headline: the first line that reads like one (not a breadcrumb, a date or an error)."""
    for line in text.splitlines()[:15]:
        line = line.strip()
        if len(line.split()) < _TITLE_MIN_WORDS or _DATE_ONLY.match(line):
            continue
        banner = _ASCII_BANNER.match(line)
        if banner and len(banner.group().split()) >= 4 and line[banner.end():].strip():
            line = line[banner.end():]
        if _BOILERPLATE_LINE.match(line) or len(line) > _TITLE_MAX_CHARS:
            continue
        return line
    return None


def parse_article(data: bytes, today: dt.date | None = None) -> Article:
    """Decode and read one raw file; raises NotText with the reason it cannot be an article."""
    decoded: DecodedText = decode_bytes(data)
    text, title, was_html = decoded.text, None, False
    if looks_like_html(text):
        text, title = html_to_text(text)
        was_html = True
        if not text.strip():
            raise NotText("HTML page without visible text")
    if title is None:
        title = find_title(text)
    elif not text.startswith(title):
        text = f"{title}\n\n{text}"  # the headline leads the text, as in a plain-text article
    published = find_publication_date(text)
    year, source = reference_year(published, text, today, title)
    province_code = article_province(title or "", text)
    province_name = (reference.NATIONAL_NAME if province_code == reference.NATIONAL_CODE
                     else reference.provinces()[province_code].name if province_code else None)
    digest = content_hash(text.encode("utf-8"))
    return Article(
        article_id=digest[:16],
        content_sha256=digest,
        title=title,
        published_date=published,
        province_code=province_code,
        province_name=province_name,
        reference_year=year,
        reference_year_source=source,
        text=text,
        encoding=decoded.encoding,
        was_html=was_html,
        note=decoded.note,
    )
