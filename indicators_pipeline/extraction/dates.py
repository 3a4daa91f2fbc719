"""When things happened: publication dates, years named in a sentence, as-of phrases."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_HEADER_CHARS = 700  # a dateline sits in the first lines; later dates are events in the story
_DMY = re.compile(r"(?<!\d)(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*((?:19|20)\d\d)(?!\d)")
_YMD = re.compile(r"(?<!\d)((?:19|20)\d\d)-(\d{2})-(\d{2})(?!\d)")
_WORDS = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+((?:19|20)\d\d)", re.IGNORECASE)


def find_publication_date(text: str) -> dt.date | None:
    """The first valid date of the article's header, or None when the article gives none."""
    head = text[:_HEADER_CHARS]
    found: list[tuple[int, dt.date]] = []
    for pattern, order in ((_DMY, "dmy"), (_YMD, "ymd"), (_WORDS, "dmy")):
        for match in pattern.finditer(head):
            a, b, c = (int(g) for g in match.groups())
            day, month, year = (a, b, c) if order == "dmy" else (c, b, a)
            try:
                found.append((match.start(), dt.date(year, month, day)))
            except ValueError:
                continue
    return min(found)[1] if found else None


@dataclass(frozen=True)
class TimeMarker:
    """A time phrase in the text: a year (`year` set) or an as-of phrase (`year` None)."""

    start: int
    end: int
    year: int | None
    is_range: bool = False


_YEAR = r"((?:19|20)\d\d)"
_RANGE = re.compile(rf"{_YEAR}\s*[-–—]\s*{_YEAR}|từ năm {_YEAR} đến(?: năm)? {_YEAR}", re.IGNORECASE)
_SINGLE = re.compile(
    rf"(?:năm|đầu năm|cuối năm|hết năm|quý\s+[IV1-4]+\s*(?:năm)?|tháng\s+\d{{1,2}}\s*(?:năm)?)\s*/?\s*{_YEAR}(?!\d)"
    rf"|(?<![\d/.,])\d{{1,2}}/{_YEAR}(?!\d)|(?<![\d,.])\d{{1,2}}/\d{{1,2}}/{_YEAR}(?!\d)|(?<![\w/.,:-]){_YEAR}(?![\w/-]|[.,]\d|\s*[-–—]\s*\d)",
    re.IGNORECASE,
)
_AS_OF = re.compile(
    r"đến nay|tới nay|hiện nay|hiện tại|hiện có|đến thời điểm (?:này|hiện tại)|tính đến thời điểm|cho đến nay",
    re.IGNORECASE,
)
# Document numbers carry years that describe nothing: 'Nghị định 42/2022/NĐ-CP', '766/QĐ-TTg'.
_DOC_NUMBER = re.compile(r"\d+/(?:19|20)\d\d/[^\s,;.]+|\d+/[A-ZĐ]{1,4}-[^\s,;.]+")


def find_time_markers(text: str) -> list[TimeMarker]:
    """Years and as-of phrases in text order; a range counts as its last year."""
    blocked = [m.span() for m in _DOC_NUMBER.finditer(text)]

    def free(start: int) -> bool:
        return not any(a <= start < b for a, b in blocked)

    markers: list[TimeMarker] = []
    taken: list[tuple[int, int]] = []
    for match in _RANGE.finditer(text):
        if free(match.start()):
            years = [int(g) for g in match.groups() if g]
            markers.append(TimeMarker(match.start(), match.end(), max(years), is_range=True))
            taken.append(match.span())
    for match in _SINGLE.finditer(text):
        if free(match.start()) and not any(a <= match.start() < b for a, b in taken):
            year = next(int(g) for g in match.groups() if g)
            markers.append(TimeMarker(match.start(), match.end(), year))
    for match in _AS_OF.finditer(text):
        markers.append(TimeMarker(match.start(), match.end(), None))
    markers.sort(key=lambda m: m.start)
    return markers


_REVIEW_MONTHS = 2


def reference_year(published: dt.date | None, text: str, today: dt.date | None = None) -> tuple[int | None, str]:
    """The year an undated figure describes, and where it came from.

    A dated article gives its publication year, or the year before when it appears in January or
    February and names that year (annual reviews; spec/ANNOTATION.md accepts either). An undated one falls back to the latest single
    year the text names that is not in the future (a report names the year it reports on; ranges
    are plans, 'giai đoạn 2021-2025', and do not count); with no year at all the figure has no
    year and stays out of the yearly facts.
    """
    if published is not None:
        if published.month <= _REVIEW_MONTHS and any(
            m.year == published.year - 1 and not m.is_range for m in find_time_markers(text)
        ):
            # Published in January or February and naming the past year: a review of that year.
            return published.year - 1, "year_review"
        return published.year, "published_date"
    limit = (today or dt.date.today()).year
    years = [m.year for m in find_time_markers(text) if m.year and not m.is_range and m.year <= limit]
    if years:
        return max(years), "latest_year_in_text"
    return None, "none"
