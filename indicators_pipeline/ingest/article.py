"""One raw file or feed line to one article record: text, title, publication date, province, and
where each of them came from (the page's metadata, the crawler's feed, the text itself)."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

from indicators_pipeline import reference, versions
from indicators_pipeline.extraction.dates import find_publication_date, reference_year
from indicators_pipeline.extraction.places import article_province_with_source
from indicators_pipeline.ingest.decoding import DecodedText, NotText, decode_bytes
from indicators_pipeline.ingest.page import looks_like_html, read_page
from indicators_pipeline.ingest.source import address_date, source_place

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
    url: str | None = None  # the page's address: the feed's, else the page's canonical one
    site: str | None = None  # the site's name or host
    published_source: str = "none"  # feed, metadata (the page's own), text (a date line), address (the url's), none
    province_source: str = "none"  # site, title, dateline, address, body, national_site, national_body, none
    province_evidence: str | None = None  # the host, slug, or words that gave the province

    def row(self) -> dict:
        """The article's fields as a raw.articles row (without the file's path and size)."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class Provenance:
    """What a crawler's feed says of a page, beside its text: each field as the page showed it."""

    url: str | None = None
    title: str | None = None
    published: dt.date | None = None
    site: str | None = None


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


def parse_article(data: bytes, today: dt.date | None = None, provenance: Provenance | None = None) -> Article:
    """Decode and read one raw file or feed line; raises NotText with the reason it cannot be an article.

    What the feed says (address, title, date, site) comes first, then a page's own metadata, then
    what the text says (a headline line, a date line).
    """
    provenance = provenance or Provenance()
    decoded: DecodedText = decode_bytes(data)
    text, was_html = decoded.text, False
    page = None
    if looks_like_html(text):
        page = read_page(text)
        if page is None:
            raise NotText("HTML page where no article text was found (menus, boxes and footers only)")
        text, was_html = page.text, True
    title = provenance.title or (page.title if page else None) or find_title(text)
    if title and (page is not None or provenance.title) and not text.startswith(title):
        text = f"{title}\n\n{text}"  # the headline leads the text, as in a plain-text article
    url = provenance.url or (page.url if page else None)
    site = provenance.site or (page.site if page else None)
    published, published_source = _published(provenance, page, text, url)
    in_address = address_date(url) if published is None else None  # '/202108/': a month gives the year
    year, source = reference_year(published, text, today, title, in_address[0] if in_address else None)
    province_code, province_source, province_evidence = _province(title or "", text, url, site)
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
        url=url,
        site=site,
        published_source=published_source,
        province_source=province_source,
        province_evidence=province_evidence,
    )


def _published(provenance: Provenance, page, text: str, url: str | None) -> tuple[dt.date | None, str]:
    """The publication date and where it came from: the feed, the page's metadata, a dateline, the address."""
    if provenance.published is not None:
        return provenance.published, "feed"
    if page is not None and page.published is not None:
        return page.published, "metadata"
    if (found := find_publication_date(text)) is not None:
        return found, "text"
    in_address = address_date(url)  # '/2023/04/07/': the site dated its address
    if in_address is not None and in_address[2] is not None:
        try:
            return dt.date(*in_address), "address"
        except ValueError:  # '/2023/02/31/'
            pass
    return None, "none"


def _province(title: str, text: str, url: str | None, site: str | None) -> tuple[str | None, str, str | None]:
    """(code, source, evidence): a provincial site's province (unless the text speaks only of the country);
    else the title or dateline; else a province the address names; else the body's vote (a national site's
    article with none is national)."""
    address = source_place(url, site)
    code, source = article_province_with_source(title, text)
    # A provincial paper's report of a national conference names no province and never says 'the province':
    # it is about the country, whatever the site.
    if address.source == "site" and source != "national_body":
        return address.province_code, "site", address.evidence
    if source in ("title", "dateline"):
        return code, source, None
    if address.source == "address":
        return address.province_code, "address", address.evidence
    if address.source == "national_site" and code is None:
        return reference.NATIONAL_CODE, "national_site", address.evidence
    return code, source, None
