"""From an article's text to indicator mentions (facts and targets), per spec/ANNOTATION.md.

`extract_mentions` walks the numbers of a text; for each it reads the words after it (the head)
and before it (the label) within its sentence, asks the cue rules which indicator it measures,
then settles qualifier, province, year and whether it is a goal rather than a fact.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from indicators_pipeline import reference
from indicators_pipeline.extraction import cues
from indicators_pipeline.extraction.dates import TimeMarker, find_time_markers
from indicators_pipeline.extraction.numbers import NumberToken, find_numbers
from indicators_pipeline.extraction.places import PlaceMention, find_national, find_places
from indicators_pipeline.extraction.segments import Segments

EXTRACTOR_VERSION = "2"  # bump when rules change: the pipeline then re-parses every article

_LABEL_CHARS = 160
_HEAD_CHARS = 140
_CLAUSE_CHARS = 300
_PARENTHESES = re.compile(r"\([^()]*\)")
_POINTS = re.compile(r"^\s*điểm\b(?!\s*cầu)", re.IGNORECASE)
_FOUR_DIGIT_YEAR = re.compile(r"(?:19|20)\d\d")


@dataclass(frozen=True)
class ArticleContext:
    """What the article itself tells about every figure in it."""

    province_code: str | None
    reference_year: int | None  # year of an undated or as-of figure (publication year)
    published: dt.date | None = None


@dataclass(frozen=True)
class Mention:
    indicator_code: str
    value: float
    unit: str
    qualifier: str
    province_code: str | None  # GSO code, '00' for national figures, None when unknown
    year: int | None
    evidence: str
    char_start: int
    char_end: int
    is_target: bool
    decimals: int  # decimals as written, for rounding tolerance in quality rules


@dataclass
class _Candidate:
    token: NumberToken
    indicator: str
    cue_start: int
    cue_end: int


def _blank_parentheses(text: str) -> str:
    """Parenthetical asides hide their words from cue search, keeping offsets."""
    return _PARENTHESES.sub(lambda m: " " * len(m.group()), text)


def _nearest_label_cue(label: str, kind: str, offset: int, sentence: str) -> tuple[str, int, int] | None:
    best: tuple[str, int, int] | None = None
    for cue in cues.LABEL_CUES:
        if kind not in cue.kinds or (cue.sentence and not cue.sentence.search(sentence)):
            continue
        last = None
        for last in cue.label.finditer(label):
            pass
        if last is not None and (best is None or last.end() > best[2] - offset):
            best = (cue.indicator, offset + last.start(), offset + last.end())
    return best


def _head_cue(head: str, kind: str, label: str, offset: int, sentence: str, rules) -> tuple[str, int, int] | None:
    for cue in rules:
        if kind not in cue.kinds or (cue.sentence and not cue.sentence.search(sentence)):
            continue
        match = cue.head.search(head)
        if match and (cue.label is None or cue.label.search(label)):
            return cue.indicator, offset, offset + match.end()
    return None


def _rank_index(sentence: str, position: int) -> str | None:
    """The index a rank belongs to: the index named nearest to it in its sentence."""
    best = None
    for code, pattern in cues.RANK_INDEXES:
        for match in pattern.finditer(sentence):
            distance = position - match.end() if match.end() <= position else (match.start() - position) * 2
            if best is None or distance < best[0]:
                best = (distance, code)
    return best[1] if best else None


def _is_value(text: str, token: NumberToken) -> bool:
    """Drop numbers that name rather than measure: years, levels, decree numbers, durations."""
    if token.kind == "count" and token.digits_end - token.start == 4 and _FOUR_DIGIT_YEAR.fullmatch(text[token.start : token.digits_end]):
        return False
    before = text[max(0, token.start - 24) : token.start]
    if token.kind in ("count", "ratio") and cues.SKIP_BEFORE.search(before):
        return False
    if token.kind == "count" and token.value in (1, 2, 3, 4) and cues.LEVEL_BEFORE.search(before):
        return False
    if token.kind == "count" and cues.SKIP_AFTER.match(text, token.end):
        return False
    if token.kind == "count" and before.endswith("(") and text[token.end : token.end + 1] == ")":
        return False  # list numbering '(1)'
    return True


def _classify(text: str, view: str, token: NumberToken, label_start: int, head_end: int,
              sentence_span: tuple[int, int], previous: Mention | None) -> _Candidate | None:
    sentence = view[sentence_span[0] : sentence_span[1]]
    label = _blank_parentheses(view[label_start : token.start])
    head = view[token.end : head_end]
    kind = token.kind
    if kind == "count" and _POINTS.match(head):
        kind = "points"

    # Ranks: 'xếp thứ 23/63', 'từ thứ hạng 47 ... lên thứ hạng 32'.
    if kind in ("count", "ratio") and (cues.RANK_BEFORE.search(label) or (kind == "ratio" and token.denominator == 63)):
        if not (token.value.is_integer() and 1 <= token.value <= 63) or cues.REGIONAL.search(head):
            return None
        index = _rank_index(sentence, token.start - sentence_span[0])
        if index is None or cues.SUB_INDEX.search(label[-60:]):
            return None
        return _Candidate(token, index, token.start, token.end)

    if kind in ("count", "ratio", "percent") and cues.NOT_A_FIGURE_HEAD.search(head) and kind != "percent":
        return None

    if kind == "percent":
        if previous is not None and previous.indicator_code in cues.SHARE_OF and previous.char_end <= token.start:
            between = view[previous.char_end : token.start]
            if cues.SHARE_LINK.match(between):
                return _Candidate(token, cues.SHARE_OF[previous.indicator_code], token.start, token.end)
        found = _nearest_label_cue(label, kind, label_start, sentence)
        if found is None:
            found = _head_cue(head, kind, label, token.end, sentence, cues.HEAD_PERCENT_CUES)
    elif kind in ("count", "ratio"):
        found = _head_cue(head, kind, label, token.end, sentence, cues.HEAD_CUES)
        if found is None:
            found = _nearest_label_cue(label, "count", label_start, sentence)
    else:
        found = _nearest_label_cue(label, kind, label_start, sentence)
    if found is None:
        return None
    indicator, cue_start, cue_end = found
    return _Candidate(token, indicator, min(cue_start, token.start), max(cue_end, token.end))


def _qualifier(view: str, token: NumberToken) -> str:
    before = view[max(0, token.start - 24) : token.start]
    if cues.AT_LEAST_AFTER.match(view, token.end) or re.search(r"(?:ít nhất|tối thiểu)\s*$", before):
        return "at_least"
    for name, pattern in cues.QUALIFIERS:
        if pattern.search(before):
            return name
    return "exact"


def _nearest_before(items, position: int, floor: int):
    best = None
    for item in items:
        if floor <= item.start < position:
            best = item
        elif item.start >= position:
            break
    return best


def _year(markers: list[TimeMarker], token: NumberToken, head_end: int, sentence_span: tuple[int, int],
          context: ArticleContext) -> int | None:
    for marker in markers:  # 'thứ hạng 32 năm 2020': a year right after the figure is its own
        if token.end <= marker.start < min(head_end, token.end + 15) and marker.year is not None:
            return marker.year
        if marker.start >= head_end:
            break
    marker = _nearest_before(markers, token.start, sentence_span[0])
    if marker is not None and marker.year is not None:
        return marker.year
    return context.reference_year


def _province(places: list[PlaceMention], national: list[tuple[int, int]], token: NumberToken,
              clause_start: int, indicator: str, context: ArticleContext) -> str | None:
    place = _nearest_before(places, token.start, clause_start)
    national_start = max((a for a, _ in national if clause_start <= a < token.start), default=-1)
    is_rank = reference.indicators()[indicator].unit == "rank"
    if national_start >= 0 and not is_rank and (place is None or national_start > place.start):
        return reference.NATIONAL_CODE
    if place is not None:
        return place.province_code
    return context.province_code


def extract_mentions(text: str, context: ArticleContext) -> list[Mention]:
    """Every indicator mention of the text, facts and targets (`is_target`), in text order."""
    view = text.replace("\u00a0", " ").replace("\u202f", " ")  # same length: offsets hold
    tokens = [t for t in find_numbers(text) if _is_value(view, t)]
    if not tokens:
        return []
    segments = Segments(view)
    markers = find_time_markers(view)
    places = find_places(view)
    national = find_national(view)
    catalogue = reference.indicators()

    mentions: list[Mention] = []
    sentence_mentions: list[Mention] = []
    current_sentence = (-1, -1)
    rank_from: dict[int, Mention] = {}
    for index, token in enumerate(tokens):
        sentence_span = segments.sentence(token.start)
        if sentence_span != current_sentence:
            current_sentence, sentence_mentions = sentence_span, []
        clause_start, clause_end = segments.clause(token.start)
        previous_end = tokens[index - 1].end if index else 0
        label_start = max(clause_start, previous_end, token.start - _LABEL_CHARS)
        next_start = tokens[index + 1].start if index + 1 < len(tokens) else len(view)
        head_end = min(next_start, clause_end, token.end + _HEAD_CHARS)
        previous = sentence_mentions[-1] if sentence_mentions else None
        candidate = _classify(text, view, token, label_start, head_end, sentence_span, previous)
        if candidate is None:
            continue
        indicator = catalogue[candidate.indicator]
        clause_before = view[max(clause_start, token.start - _CLAUSE_CHARS) : token.start]
        if indicator.unit != "rank" and not indicator.code.startswith("one_stop"):
            part = None
            for part in cues.PART_OF_GOVERNMENT.finditer(_blank_parentheses(clause_before)):
                pass
            wide = None
            for wide in cues.PROVINCE_WIDE.finditer(clause_before):
                pass
            if part is not None and (wide is None or wide.start() < part.start()):
                continue  # a figure of one department, district or level of government
        if any(m.indicator_code == indicator.code and cues.BREAKDOWN.search(view[m.char_end : token.start])
               for m in sentence_mentions):
            continue  # a breakdown of a total already taken
        year = _year(markers, token, head_end, sentence_span, context)
        target = bool(cues.TARGET.search(clause_before)) and not cues.NOT_TARGET.search(
            clause_before + view[token.end : head_end][:40]
        )
        if year is not None and context.reference_year is not None and year > context.reference_year:
            target = True  # a figure for a year still to come is a goal
        mention = Mention(
            indicator_code=indicator.code,
            value=round(token.value, 6),
            unit=indicator.unit,
            qualifier=_qualifier(view, token),
            province_code=_province(places, national, token, clause_start, indicator.code, context),
            year=year,
            evidence=text[candidate.cue_start : candidate.cue_end],
            char_start=candidate.cue_start,
            char_end=candidate.cue_end,
            is_target=target,
            decimals=token.decimals,
        )
        if indicator.unit == "rank":
            rank_from_label = cues.RANK_FROM.search(view[label_start : token.start])
            earlier = rank_from.get(id(sentence_mentions))
            if rank_from_label:
                rank_from[id(sentence_mentions)] = mention
            elif earlier is not None and earlier.indicator_code == mention.indicator_code and mention.year is not None:
                # 'từ vị trí 49 lên 23' in one year's news: the first rank is the year before.
                if earlier.year == mention.year:
                    fixed = replace(earlier, year=mention.year - 1)
                    mentions[mentions.index(earlier)] = fixed
                    sentence_mentions[sentence_mentions.index(earlier)] = fixed
        mentions.append(mention)
        sentence_mentions.append(mention)
    return _deduplicate(mentions)


def _deduplicate(mentions: list[Mention]) -> list[Mention]:
    """The same figure written twice in one article is one mention."""
    seen: set[tuple] = set()
    unique: list[Mention] = []
    for mention in mentions:
        key = (mention.indicator_code, mention.value, mention.province_code, mention.year, mention.is_target)
        if key not in seen:
            seen.add(key)
            unique.append(mention)
    return unique
