"""A saved web page to its article: the main text and the page's own metadata, read by trafilatura.

Menus, related-article boxes (`Tỉnh B cung cấp 1.100 dịch vụ ...` under `Tin liên quan`), comments
and footers are not the article: their figures belong to other articles and other provinces.
trafilatura keeps the main content and reads the title, canonical address (`og:url`, `<link
rel=canonical>`), site name (`og:site_name`) and publication date (`article:published_time`, else
htmldate) from the page itself. It is imported on first use: plain-text corpora never pay for it.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_HTML_SIGNS = re.compile(r"<(?:!doctype html|html|head|body|div|p|br|span|article|table|script|meta)\b", re.IGNORECASE)


def looks_like_html(text: str) -> bool:
    return len(_HTML_SIGNS.findall(text[:5000])) >= 2


@dataclass(frozen=True)
class Page:
    text: str  # the article's paragraphs, one a line
    title: str | None
    url: str | None  # canonical address, as the page states it
    site: str | None  # og:site_name, else the host name
    published: dt.date | None


def read_page(html: str) -> Page | None:
    """The article of a page and its metadata; None when the page holds no article text."""
    import trafilatura  # lxml, htmldate, courlan: only for pages

    document = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=True, include_images=False, favor_precision=True,
        deduplicate=False, date_extraction_params={"extensive_search": False, "original_date": True},
    )
    if document is None or not (document.text or "").strip():
        return None
    lines = (" ".join(line.split()) for line in document.text.splitlines())
    return Page(
        text="\n".join(line for line in lines if line),
        title=" ".join((document.title or "").split()) or None,
        url=document.url or None,
        site=document.sitename or document.hostname or None,
        published=_date(document.date),
    )


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None
