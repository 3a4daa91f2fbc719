"""Ranks listed together for provinces listed together: 'A và B lần lượt xếp thứ 2 và 3'.

The nearest province before a rank is the wrong answer for every rank of such a list but one. When
the list of places next to the list of ranks has as many names as there are ranks, they pair in
order ('A và B ... thứ 7 và 8'; 'các vị trí thứ 4 và thứ 5 là A và B'); when the counts differ, no
pairing can be trusted and the ranks are dropped: a missing rank is better than a wrong one.
"""
from __future__ import annotations

import re
from typing import NamedTuple

from indicators_pipeline.extraction.numbers import _ORDINALS
from indicators_pipeline.extraction.places import PlaceMention, find_places

_ONE = rf"(?:\d{{1,2}}|{'|'.join(_ORDINALS)})(?!\w)(?!\s*/\s*\d)"
# 'thứ 2 và 3', 'thứ 2, thứ 3', 'thứ tư và thứ năm', 'vị trí thứ 7 và 8' (not 'thứ 2/63', a rank out of 63)
RANK_LIST = re.compile(rf"(?<!\w)(?:thứ hạng|thứ|hạng|vị trí)\s*(?P<first>{_ONE})(?P<rest>(?:\s*(?:,|và|,\s*và)\s*(?:thứ\s*)?{_ONE})+)",
                       re.IGNORECASE)
_MEMBER = re.compile(rf"(?:^|,|và)\s*(?:thứ\s*)?(?P<rank>{_ONE})", re.IGNORECASE)
_PLACE_GAP = re.compile(r"^\s*(?:,\s*(?:và\s*)?|và\s*)(?:(?:tỉnh|thành phố|TP\.?)\s*)?$", re.IGNORECASE)
_PLACES_AFTER = re.compile(r"\s*(?:lần lượt\s+)?(?:là|thuộc về)\s+", re.IGNORECASE)
_CLAUSE_BREAK = re.compile(r"[;:!?\n]|\.(?=\s)")  # not the dot of "TP.HCM"
_REACH = 160
_LIST_REACH = 40  # how far before a rank its list may open ('các vị trí thứ tư và thứ năm')


class RankList(NamedTuple):
    ranks: tuple[tuple[int, int, int], ...]  # (start, end, rank) of each listed rank, in order
    places: tuple[str, ...] | None  # the province codes paired in order; None when no pairing holds


def _rank_value(word: str) -> int:
    return int(word) if word.isdigit() else _ORDINALS[word.lower()]


def _run_of_places(view: str, places: list[PlaceMention], backwards: bool) -> list[PlaceMention]:
    """The places joined only by ',' or 'và', from the end (backwards) or the start of a stretch."""
    ordered = list(reversed(places)) if backwards else places
    run: list[PlaceMention] = []
    for place in ordered:
        if run:
            left, right = (place, run[-1]) if backwards else (run[-1], place)
            if not _PLACE_GAP.match(view[left.end : right.start]):
                break
        run.append(place)
    return list(reversed(run)) if backwards else run


def find_rank_lists(view: str, around: list[tuple[int, int]]) -> list[RankList]:
    """Every list of two or more ranks that holds one of the spans `around` (the ranks read), with the
    provinces they pair with (or None). Only the text near a rank is searched: lists are rare, text is long."""
    found = []
    seen: set[int] = set()
    matches = []
    for start, end in around:
        for match in RANK_LIST.finditer(view, max(0, start - _LIST_REACH), min(len(view), end + _LIST_REACH)):
            if match.start() not in seen and match.start() <= start < match.end():
                seen.add(match.start())
                matches.append(match)
    for match in sorted(matches, key=lambda m: m.start()):
        ranks = [(match.start("first"), match.end("first"), _rank_value(match.group("first")))]
        offset = match.start("rest")
        for member in _MEMBER.finditer(match.group("rest")):
            ranks.append((offset + member.start("rank"), offset + member.end("rank"), _rank_value(member.group("rank"))))
        after = _PLACES_AFTER.match(view, match.end())
        if after:
            stop = _CLAUSE_BREAK.search(view, after.end(), after.end() + _REACH)
            run = _run_of_places(view, find_places(view, after.end(), stop.start() if stop else after.end() + _REACH), False)
            run = run if run and run[0].start - after.end() <= 12 else []
        else:
            breaks = list(_CLAUSE_BREAK.finditer(view, max(0, match.start() - _REACH), match.start()))
            start = breaks[-1].end() if breaks else max(0, match.start() - _REACH)
            run = _run_of_places(view, find_places(view, start, match.start()), True)
        codes = tuple(p.province_code for p in run)
        found.append(RankList(tuple(ranks), codes if len(codes) == len(ranks) else None))
    return found
