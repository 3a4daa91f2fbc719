"""Where a figure belongs: province names and aliases, national phrases, the article's province."""
from __future__ import annotations

import functools
import re
from collections import Counter
from typing import NamedTuple

from indicators_pipeline import reference
from indicators_pipeline.extraction.literals import word_spans


class PlaceMention(NamedTuple):
    start: int
    end: int
    province_code: str
    titled: bool  # written 'tỉnh X', 'UBND tỉnh X', 'TP. X': surely the province, not a street or a person


@functools.cache
def _lowercase_tails() -> dict[str, str]:
    """Names with their later words lowercased ('tỉnh Bình định', 'tỉnh Gia lai'): a province only after 'tỉnh'."""
    variants = {}
    for province in reference.provinces().values():
        first, _, rest = province.name.partition(" ")
        if rest and rest.lower() != rest:
            variants[f"{first} {rest.lower()}"] = province.code
    return variants


@functools.cache
def _province_pattern() -> tuple[re.Pattern, dict[str, str]]:
    by_spelling: dict[str, str] = {}
    for province in reference.provinces().values():
        for spelling in (province.name, *province.aliases):
            by_spelling.setdefault(spelling, province.code)
            if spelling.startswith("TP. "):  # 'TP. Huế' is written 'TP.Huế', 'Tp. Huế', 'Tp.Huế' too
                for prefix in ("TP.", "Tp. ", "Tp."):
                    by_spelling.setdefault(prefix + spelling[4:], province.code)
    for variant, code in _lowercase_tails().items():
        by_spelling.setdefault(variant, code)
    # The pattern starts with the names' first letters, so the engine skips to them without trying
    # anything elsewhere; that a name starts a word is checked by `find_places`.
    pattern = re.compile(rf"(?P<name>{_trie(by_spelling)})(?!\w)")
    return pattern, by_spelling


def _trie(words) -> str:
    """One pattern for many words, sharing their prefixes: each letter of the text is read once.

    Longer words are tried before their prefixes ('Thừa Thiên Huế' before 'Thừa Thiên'), so the
    longest spelling that ends at a word boundary wins, as a longest-first alternation would.
    """
    root: dict = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict) -> str:
        branches = [re.escape(char) + pattern(child) for char, child in node.items() if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return pattern(root)


# Vietnamese surnames: a province's name right after one is a person's given name ('Trương Hòa Bình', 'Lê Hà Nam').
_PERSON_BEFORE = re.compile(r"(?<!\w)(?:Nguyễn|Trần|Lê|Phạm|Hoàng|Huỳnh|Phan|Vũ|Võ|Đặng|Bùi|Đỗ|Hồ|Ngô|Dương|Lý|Trương"
                            r"|Đinh|Mai|Tô|Tạ|Lương|Đoàn|Vương|Trịnh|Phùng|Chu|Lưu|Quách|Kiều|Đào|Triệu|Văn|Thị) $")
_TITLE_BEFORE = re.compile(r"(?:tỉnh|Tỉnh|TỈNH|thành phố|Thành phố|TP\.?)\s+$")


def find_places(text: str, start: int = 0, end: int | None = None) -> list[PlaceMention]:
    """Every province named in text[start:end], case-sensitively (names are capitalized in Vietnamese)."""
    pattern, by_spelling = _province_pattern()
    end = len(text) if end is None else end
    found: list[PlaceMention] = []
    position = start
    while (match := pattern.search(text, position, end)) is not None:
        at = match.start()
        if at and (text[at - 1].isalnum() or text[at - 1] == "_"):
            position = at + 1  # inside a word: a name may still start at a later letter
            continue
        titled = bool(_TITLE_BEFORE.search(text, max(0, at - 12), at))
        name = match.group("name")
        if _PERSON_BEFORE.search(text, max(0, at - 8), at):
            position = match.end()  # 'Phó Thủ tướng Trương Hòa Bình': a person's name, not the province
            continue
        if titled or name not in _lowercase_tails():
            found.append(PlaceMention(at, match.end(), by_spelling[name], titled))
        position = match.end()
    return found


_UNIT_COUNTS = reference.unit_counts()  # 63 provinces before 1 July 2025, 34 units since
_NATIONAL = re.compile(r"[Cc]ả nước|[Tt]oàn quốc|(?:" + "|".join(map(str, _UNIT_COUNTS)) + r") tỉnh, thành phố")


_NATIONAL_ANCHORS = ("nước", "quốc", *(f"{n} tỉnh" for n in _UNIT_COUNTS))  # plain words: found fast, then read in context


def find_national(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans of 'cả nước', 'toàn quốc', '63 tỉnh, thành phố' (or 34, since July 2025) in text[start:end]."""
    spans = []
    for anchor_start, anchor_end in word_spans(text, _NATIONAL_ANCHORS, start, end):
        match = _NATIONAL.search(text, max(0, anchor_start - 5), anchor_end + 20)
        if match and match.start() <= anchor_start < match.end() and (not spans or spans[-1] != match.span()):
            spans.append(match.span())
    return spans


_HEADER_CHARS = 600


# A provincial newspaper's initials opening the body: '(GLO)- ', 'BDK - '.
_DATELINE_INITIALS = re.compile(r"(?m)^\s*\(?([A-ZĐ]{2,5})\)?\s*[-–—]")
# The country's own systems and the bodies that report on them.
_NATIONAL_SOURCE = re.compile(r"Cổng Dịch vụ công quốc gia|Văn phòng Chính phủ|Bộ Thông tin và Truyền thông|Bộ TT&TT"
                              r"|[Cc]ả nước|[Tt]oàn quốc|[Tt]rục liên thông văn bản quốc gia", re.IGNORECASE)
# An article about one province that never names it still speaks of it: 'toàn tỉnh', 'trên địa bàn tỉnh'.
_PROVINCE_ITSELF = re.compile(r"(?<!\w)(?:toàn tỉnh|địa bàn tỉnh|của tỉnh|tỉnh đã|tỉnh ta|UBND tỉnh|Tỉnh ủy|toàn thành phố"
                              r"|địa bàn thành phố|thành phố đã)(?!\w)", re.IGNORECASE)


def article_province(title: str, text: str) -> str | None:
    """The province an article is about, from its own words (see `article_province_with_source`)."""
    return article_province_with_source(title, text)[0]


def article_province_with_source(title: str, text: str) -> tuple[str | None, str]:
    """(GSO code, source) of the province an article is about: named in the title, the header and
    'tỉnh X' in the body; source is "title", "dateline", "body", "national_body" or "none".

    A title counts most, a titled mention ('tỉnh Gia Lai', 'UBND tỉnh Hậu Giang') more than a bare
    one; the sidebar of a news site names many provinces once each, and loses.
    """
    scores: Counter[str] = Counter()
    titled: set[str] = set()
    for place in find_places(title):
        scores[place.province_code] += 6
        titled.add(place.province_code)
    dateline = None
    if (initials := _DATELINE_INITIALS.search(text[:_HEADER_CHARS])) is not None:
        dateline = reference.newspaper_provinces().get(initials.group(1))
        if dateline is not None:  # '(GLO)- Ngày 29-1, ...': the province's own newspaper speaks of the province
            scores[dateline] += 6
    for place in find_places(text):
        weight = 2 if place.titled else 1
        if place.start < _HEADER_CHARS:
            weight += 2
        scores[place.province_code] += weight
    if not scores:
        # 'Cả nước cung cấp 4.510 dịch vụ công trực tuyến': an overview of the country names no province.
        # So does a ministry's report on the national systems, which never speaks of 'the province'.
        national_body = bool(find_national(title)) or (_NATIONAL_SOURCE.search(text) is not None
                                                       and _PROVINCE_ITSELF.search(text) is None)
        return (reference.NATIONAL_CODE, "national_body") if national_body else (None, "none")
    (best, best_score), (_, runner_up) = (scores.most_common(2) + [(None, 0)])[:2]
    if best_score == runner_up:
        return None, "none"  # an overview naming several provinces alike ('Bình Phước, Đắk Lắk, ...') is about none of them
    return best, "title" if best in titled else "dateline" if best == dateline else "body"
