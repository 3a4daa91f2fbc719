"""When things happened: publication dates, years named in a sentence, as-of phrases."""
from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

import pandas as pd

from indicators_pipeline.extraction.literals import word_spans, year_spans

_HEADER_CHARS = 700  # a dateline sits in the first lines; later dates are events in the story
_DMY = re.compile(r"(?<!\d)(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*((?:19|20)\d\d)(?!\d)")
_YMD = re.compile(r"(?<!\d)((?:19|20)\d\d)-(\d{2})-(\d{2})(?!\d)")
_WORDS = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+((?:19|20)\d\d)", re.IGNORECASE)


def as_date(value: object) -> dt.date | None:
    """A publication date as a plain date, or None: the one reading of every stored form.

    A NULL date read back from DuckDB through pandas is NaT, which is a datetime that cannot be
    compared with a date; a timestamp, a datetime and an ISO string become their date.
    """
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return None if pd.isna(value) else value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    try:
        stamp = pd.Timestamp(value)  # numpy datetime64 and the like
    except (TypeError, ValueError):
        return None
    return None if pd.isna(stamp) else stamp.date()


# 'Ngày 23/6/2022, Thủ tướng ban hành ...', 'Sáng 19/5/2020, tại ...': a sentence opening with a date tells an
# event of the story, not when the article appeared.
_EVENT_OPENING = re.compile(r"(?:^|[.!?]\s+|\n\s*)(?:[Nn]gày|[Ss]áng|[Cc]hiều|[Tt]ối|[Tt]rưa|[Đđ]êm)\s*$")


_DATELINE_CHARS = 120  # a date line is short ('10:09 | 19/05/2020', 'Ngày đăng: 08:51, 02/03/2022') ...
_DATELINE_LEAD = 40  # ... or its date comes first on a longer line ('12/03/2024 - (GLO) ...')


def find_publication_date(text: str) -> dt.date | None:
    """The first valid date of the article's header, or None when the article gives none."""
    head = text[:_HEADER_CHARS]
    found: list[tuple[int, dt.date]] = []
    for pattern, order in ((_DMY, "dmy"), (_YMD, "ymd"), (_WORDS, "dmy")):
        for match in pattern.finditer(head):
            if head.startswith(",", match.end()) and _EVENT_OPENING.search(head, max(0, match.start() - 12), match.start()):
                continue
            line_start = head.rfind("\n", 0, match.start()) + 1
            line_end = head.find("\n", match.end())
            if match.start() - line_start > _DATELINE_LEAD and (line_end if line_end >= 0 else len(text)) - line_start > _DATELINE_CHARS:
                continue  # '... Quyết định số 766/QĐ-TTg ngày 15/9/2022 của Thủ tướng ...': a date inside a paragraph
            a, b, c = (int(g) for g in match.groups())
            day, month, year = (a, b, c) if order == "dmy" else (c, b, a)
            try:
                found.append((match.start(), dt.date(year, month, day)))
            except ValueError:
                continue
    return min(found)[1] if found else None


# A date line that gives only a year or a month: '2025', 'Tháng 7/2025', '07/2025', 'tháng 7 năm 2025'.
_PARTIAL_DATE_LINE = re.compile(r"\s*(?:(?:[Tt]háng\s*)?(\d{1,2})\s*(?:/|-|\.|\s+năm\s+)\s*)?((?:19|20)\d\d)\s*$")
_HEADER_LINES = 6


def find_publication_year(text: str) -> int | None:
    """The year of a header date line that gives no day ('2025' under the title, as portals print it)."""
    for line in text[:_HEADER_CHARS].splitlines()[:_HEADER_LINES]:
        match = _PARTIAL_DATE_LINE.fullmatch(line)
        if match and (match.group(1) is None or 1 <= int(match.group(1)) <= 12):
            return int(match.group(2))
    return None


class TimeMarker(NamedTuple):
    """A time phrase in the text: a year (`year` set) or an as-of phrase (`year` None)."""

    start: int
    end: int
    year: int | None
    is_range: bool = False


# Years are found by their digits first (fast), then read in context: the words before say how.
# The lookahead names the first letters of every alternative: the engine finds no letter to skip to in a
# pattern that opens with character classes, and tries all eight alternatives at every position without it.
_YEAR_PREFIX = re.compile(
    r"(?=[NnĐđCcHhQqTt\d])(?:[Nn]ăm|[Đđ]ầu năm|[Cc]uối năm|[Hh]ết năm|[Qq]uý\s+[IV1-4]+\s*(?:năm)?|[Tt]háng\s+\d{1,2}\s*(?:năm)?"
    r"|\d{1,2}/\d{1,2}|\d{1,2})\s*/?\s*$"
)
_PREFIX_LAST = "mM/IV0123456789"  # the last character of every year prefix: 'năm', 'quý IV', '15/3', '3/'
_RANGE_HEAD = re.compile(r"((?:19|20)\d\d)\s*[-–—]\s*$")
_RANGE_TAIL = re.compile(r"\s*[-–—]\s*(?:19|20)\d\d(?!\d)")
_AS_OF = re.compile(
    r"[Đđ]ến nay|[Tt]ới nay|[Hh]iện nay|[Hh]iện tại|[Hh]iện có|[Đđ]ến thời điểm (?:này|hiện tại)|[Tt]ính đến thời điểm|[Cc]ho đến nay"
)
# Plain words, one in every as-of phrase: found fast, then read in context. Not 'hiện' alone: every
# 'thực hiện' would be read.
_AS_OF_ANCHORS = ("nay", "hiện tại", "hiện có", "thời điểm")
_OLD_YEAR = re.compile(r"[Nn]ăm (1\d\d\d)(?!\d|[.,]\d)")
_COUNT_NOUN_AFTER = re.compile(r"\s+(?:thủ tục|TTHC|dịch vụ|DVC|hồ sơ)")
# Document numbers carry years that describe nothing: 'Nghị định 42/2022/NĐ-CP'.
_DOC_TAIL = re.compile(r"/[^\s,;.]")


def find_time_markers(text: str, start: int = 0, end: int | None = None) -> list[TimeMarker]:
    """Years and as-of phrases of text[start:end] in text order; a range counts as its last year."""
    end = len(text) if end is None else end
    markers: list[TimeMarker] = []
    for year_start, year_end in year_spans(text, start, end):  # years are found by their digits first
        previous = text[year_start - 1 : year_start] if year_start else ""
        if previous.isdigit() or previous in ".,:" or (previous == "/" and not text[year_start - 2 : year_start - 1].isalnum()):
            continue  # inside a longer number, '9001:2015', or a stray slash
        if _DOC_TAIL.match(text, year_end) or (text[year_end : year_end + 1].isalpha()):
            continue  # '42/2022/NĐ-CP', '2020s'
        if previous == "/" and _COUNT_NOUN_AFTER.match(text, year_end):
            continue  # '1.155/2020 thủ tục': the base of a fraction, not a year
        if text[year_end : year_end + 1] in ".," and text[year_end + 1 : year_end + 2].isdigit():
            continue
        if _RANGE_TAIL.match(text, year_end):
            continue  # the first year of a range: the range is read at its last year
        before = text[year_start - 24 if year_start > 24 else 0 : year_start]  # not max(): see mentions._not_a_value
        last = before.rstrip()[-1:]  # both patterns below end at the year: their last character decides first
        head = _RANGE_HEAD.search(before) if last and last in "-–—" else None
        if head:
            markers.append(TimeMarker(year_start - len(before) + head.start(), year_end, int(text[year_start:year_end]), is_range=True))
            continue
        prefix = _YEAR_PREFIX.search(before) if last and last in _PREFIX_LAST else None
        if before.endswith("/") and not prefix:
            continue  # '16/2020' without a date shape before it is a document number
        markers.append(TimeMarker(year_start - (len(prefix.group()) if prefix else 0), year_end, int(text[year_start:year_end])))
    # 'Năm 1890': a year before 1900 is a misread or a typo, but it is the figure's year all the same;
    # left unread, the article's year would date the figure (and the quarantine could not see it).
    for anchor_start, _ in word_spans(text, ("ăm 1",), start, end):
        old = _OLD_YEAR.match(text, anchor_start - 1, end)
        if old and int(old.group(1)) < 1900:
            markers.append(TimeMarker(old.start(), old.end(), int(old.group(1))))
    seen: set[int] = set()
    for anchor_start, anchor_end in word_spans(text, _AS_OF_ANCHORS, start, end):
        match = _AS_OF.search(text, max(0, anchor_start - 14), anchor_end + 12)
        if match and match.start() not in seen and match.start() <= anchor_start < match.end():
            seen.add(match.start())
            markers.append(TimeMarker(match.start(), match.end(), None))
    markers.sort(key=lambda m: m.start)
    return markers


_REVIEW_MONTHS = 2


_TITLE_YEAR = re.compile(r"\b[Nn]ăm\s+((?:19|20)\d\d)(?!\d)")


def reference_year(published: dt.date | None, text: str, today: dt.date | None = None,
                   title: str | None = None, address_year: int | None = None) -> tuple[int | None, str]:
    """The year an undated figure describes, and where it came from.

    - A headline naming one year ('kết quả ... năm 2020') that is the publication year or the one
      before: a review of that year, whose undated figures describe it.
    - Else a dated article gives its publication year, or the year before when it appears in
      January or February and names that year (annual reviews; spec/ANNOTATION.md accepts either).
    - An article dated only by a year (a date line '2025', the month its site wrote into the address:
      '/202207/') gives that year.
    - An undated article falls back to the latest single year the text names that is not in the
      future (a report names the year it reports on; ranges are plans, 'giai đoạn 2021-2025', and
      do not count); with no year at all its figures have no year and stay out of the yearly facts.
    """
    line_year = find_publication_year(text) if published is None else None
    if published is None and (header_year := line_year or address_year) is not None:
        published_year = header_year  # a date line with a year alone (or the address's year) is still a publication date
        title_years = {int(y) for y in _TITLE_YEAR.findall(title or "")}
        if len(title_years) == 1 and published_year - 1 <= (year := title_years.pop()) <= published_year:
            return year, "title_year"
        return published_year, "publication_year_line" if line_year else "address_year"
    if published is not None:
        title_years = {int(y) for y in _TITLE_YEAR.findall(title or "")}
        if len(title_years) == 1 and published.year - 1 <= (year := title_years.pop()) <= published.year:
            return year, "title_year"
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
