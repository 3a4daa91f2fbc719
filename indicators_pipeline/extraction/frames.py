"""Topic frames: a sentence that opens with its topic lends it to the figure of its next clause.

Real prose names what it measures first and the figure later, across a comma: 'Về mức độ 3, tỉnh
có 214 dịch vụ', 'Riêng DVC mức 3 và mức 4, tỉnh đã cung cấp 1.155 thủ tục', 'Đối với dịch vụ toàn
trình, hiện có 812 dịch vụ'. The figure's own words come first; only a figure they leave without an
indicator reads the topic, and only the first figure after it (a later one has a nearer cue or none).
"""
from __future__ import annotations

import re
from typing import NamedTuple

# 'Về', 'Riêng', 'Đối với', 'Còn', 'Với', 'Trong số', 'Riêng đối với' opening a sentence, then the topic up to a comma.
_OPENING = re.compile(r"\W*(?:[Rr]iêng(?: đối với| về)?|[Vv]ề|[Đđ]ối với|[Cc]òn|[Vv]ới|[Tt]rong số)\s+(?P<topic>[^,;:.]{3,80}?)\s*,")


class Topic(NamedTuple):
    start: int
    end: int
    text: str


def sentence_topic(view: str, sentence_start: int, sentence_end: int) -> Topic | None:
    """The topic a sentence opens with, if it opens with one."""
    match = _OPENING.match(view, sentence_start, sentence_end)
    if match is None:
        return None
    return Topic(match.start("topic"), match.end("topic"), match.group("topic"))


# A topic that is a part of the year: 'Riêng quý III, ...', 'Trong tháng 9, ...': its figures are not the year's.
_PART_OF_THE_YEAR = re.compile(r"(?<!\w)(?:quý|tháng|tuần|đợt)(?!\w)", re.IGNORECASE)


def names_a_part_of_the_year(topic: Topic) -> bool:
    return bool(_PART_OF_THE_YEAR.search(topic.text))


def frame_label(topic: Topic) -> str:
    """The topic written as the label of the figure it frames ('mức độ 3' -> 'mức độ 3 là ')."""
    return f"{topic.text} là "


# --- Frames across sentences: what a reader carries forward from an earlier sentence, a heading or the title.

# Annual indexes are published the year after the one they measure; each has an edition year ('DTI 2023',
# 'PAR INDEX năm 2021', 'SIPAS 2019'). The service index of Decision 766 is real-time: it has none.
ANNUAL_INDEX_INDICATORS = frozenset({"ict_index_rank", "dti_rank", "par_index_rank", "sipas_pct"})
_SIPAS = re.compile(r"\bSIPAS\b|[Cc]hỉ số hài lòng")


def index_editions(view: str, rank_indexes, edition_year) -> dict[str, list[tuple[int, int]]]:
    """Every edition an article names, per indicator: [(where the name ends, year)] in text order.

    rank_indexes: (indicator, pattern) of the catalogued indexes; edition_year(view, name_end) reads
    the year written right after a name.
    """
    named: dict[str, list[tuple[int, int]]] = {}
    patterns = [(code, pattern) for code, pattern in rank_indexes if code in ANNUAL_INDEX_INDICATORS]
    for code, pattern in (*patterns, ("sipas_pct", _SIPAS)):
        for match in pattern.finditer(view):
            year = edition_year(view, match.end())
            if year is not None:
                named.setdefault(code, []).append((match.end(), year))
    for found in named.values():
        found.sort()
    return named


def edition_at(editions: dict[str, list[tuple[int, int]]], indicator: str, position: int) -> int | None:
    """The edition in force at a figure: the last one named before it, else the article's only one."""
    found = editions.get(indicator)
    if not found:
        return None
    before = [year for end, year in found if end <= position]
    if before:
        return before[-1]
    years = {year for _, year in found}
    return years.pop() if len(years) == 1 else None


class Period(NamedTuple):
    year: int
    label: str  # '2023', '2023-H1' (first half), '2023-9M' (first nine months), '2023-Q3', '2025-08'


_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}
# A period opening a paragraph or heading: 'Trong quý 3/2023,', 'Quý III năm 2023', 'Tháng 8/2025,',
# '6 tháng đầu năm 2025,', 'Năm 2024,', 'Tính đến hết tháng 9/2025,'.
_PERIOD_OPENING = re.compile(
    r"\W*(?:(?:[Tt]rong|[Tt]ính đến|[Tt]ính từ đầu năm đến|[Đđ]ến|[Ll]ũy kế|[Ll]uỹ kế|[Kk]ết quả)\s+(?:hết\s+)?)?"
    r"(?:(?P<q>[Qq]uý\s+(?P<qn>I{1,3}|IV|[1-4]))\s*(?:/|năm)\s*(?P<qy>(?:19|20)\d\d)"
    r"|(?P<m>[Tt]háng\s+(?P<mn>\d{1,2}))\s*(?:/|năm)\s*(?P<my>(?:19|20)\d\d)"
    r"|(?P<h>(?P<hn>6|9)\s+tháng\s+(?:đầu\s+)?năm)\s+(?P<hy>(?:19|20)\d\d)"
    r"|[Nn]ăm\s+(?P<y>(?:19|20)\d\d))(?![\d/])")


def opening_period(view: str, start: int, end: int) -> Period | None:
    """The period a paragraph (or heading) opens with, if its first words are one."""
    match = _PERIOD_OPENING.match(view, start, min(end, start + 80))
    if match is None:
        return None
    if match.group("qy"):
        number = match.group("qn")
        quarter = _ROMAN.get(number.upper()) if not number.isdigit() else int(number)
        return Period(int(match.group("qy")), f"{match.group('qy')}-Q{quarter}")
    if match.group("my"):
        month = int(match.group("mn"))
        return Period(int(match.group("my")), f"{match.group('my')}-{month:02d}") if 1 <= month <= 12 else None
    if match.group("hy"):
        return Period(int(match.group("hy")), f"{match.group('hy')}-{'H1' if match.group('hn') == '6' else '9M'}")
    return Period(int(match.group("y")), match.group("y"))
