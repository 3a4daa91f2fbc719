"""From an article's text to indicator mentions (facts and targets), per spec/ANNOTATION.md.

`extract_mentions` walks the numbers of a text; each number that passes the value filters
(`_not_a_value`, `_ranges`) becomes a `_Figure`: the one context every step reads (the number, its
label and head, its clause and sentence (`_Sentence`), its paragraph's places and frames (`_Nearby`,
`_ParagraphFrame`), the article (`_Article`)). `_read` takes it through small steps, each a rule of
the registry (extraction/rules.py) and each answering a mention or the id of the rule that drops it:
`_classify` (value kind, ranks, the cue rules), `_framed` (a sentence's topic), `_of_someone_else`
(a part of government, a ministry, a breakdown), `_dated` (the year rules), `_is_a_goal` (the target
rules), `_province` (the place rules), `_qualifier`; `_Article.finish` pairs ranks listed together and
keeps each figure once. The rule that read a mention is in `Mention.rule` (and `Mention.cue`), the one
that dropped a number in the trace: a wrong figure leads to its rule by id in one step.
"""
from __future__ import annotations

import datetime as dt
import bisect
import functools
import itertools
import operator
import re
from collections import Counter
from dataclasses import dataclass
from typing import Callable, NamedTuple

from indicators_pipeline import reference, versions
from indicators_pipeline.extraction import cues
from indicators_pipeline.extraction.dates import TimeMarker, find_time_markers
from indicators_pipeline.extraction.numbers import NumberToken, find_first_places, find_numbers, find_ordinal_ranks
from indicators_pipeline.extraction.places import PlaceMention, find_national, find_places
from indicators_pipeline.extraction.frames import (
    ANNUAL_INDEX_INDICATORS,
    Period,
    Topic,
    edition_at,
    frame_label,
    index_editions,
    names_a_part_of_the_year,
    opening_period,
    sentence_topic,
)
from indicators_pipeline.extraction.respective import RankList, find_rank_lists
from indicators_pipeline.extraction.segments import Location, Segments

# A hash of the rule modules and reference files: changing a rule re-parses every article by itself.
EXTRACTOR_VERSION = versions.extractor_version()

_LABEL_CHARS = 160
_HEAD_CHARS = 140
_CLAUSE_CHARS = 300
_PARENTHESES = re.compile(r"\([^()]*\)")
_POINTS = re.compile(r"^\s*điểm\b(?!\s*cầu)")  # read on the lowercased head
_POINTS_BEFORE = re.compile(r"điểm(?: số)?\s*(?:là|đạt)?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ArticleContext:
    """What the article itself tells about every figure in it."""

    province_code: str | None
    reference_year: int | None  # year of an undated or as-of figure (publication year)
    published: dt.date | None = None
    reference_year_source: str = "none"  # how the article's year was found (dates.reference_year)


class Mention(NamedTuple):  # a named tuple: built for every figure, so cheap to make
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
    year_source: str = "reference"  # "own" (a time phrase of its sentence), "inherited", "edition", "period",
    # "annual_index", "comparison", "reference" (the article's year)
    rule: str = ""  # the rule that read it: rank_after_ranking_verb, label_cue, head_cue, share_of_previous, ...
    province_source: str = "article"  # "own" (named in its clause), "national", "place_frame", "article"
    period: str | None = None  # '2023-Q3' when a paragraph's period frame dated it, else the year
    cue: str = ""  # the named cue (cues.Cue.name) that read it, when the rule reads one: 'dossiers_online_pct.label'


@dataclass
class _Candidate:
    token: NumberToken
    indicator: str
    cue_start: int
    cue_end: int
    parallel_to: Mention | None = None  # the figure whose cue a parallel figure borrows
    edition_year: int | None = None  # a rank's: the year written after its index's name
    rule: str = "label_cue"
    cue: str = ""  # the named cue, when one read it


def _blank_parentheses(text: str) -> str:
    """Parenthetical asides hide their words from cue search, keeping offsets."""
    return _PARENTHESES.sub(lambda m: " " * len(m.group()), text) if "(" in text else text


def _last(pattern: re.Pattern | cues.Hinted | cues.Caseless, text: str, lowered: str | None = None) -> re.Match | None:
    """The last match in a text (`lowered`: the text lowercased, when the caller has it already)."""
    found = None
    for found in (pattern.finditer(text, lowered) if lowered is not None else pattern.finditer(text)):
        pass
    return found


_TAIL_CHARS = 160  # the stretch at the end of a text that `_last_near_end` scans first
_WIDEST_MATCH: dict[tuple[str, int], int | None] = {}  # (pattern, flags) -> the longest a match can be, None: unbounded


def _widest_match(pattern: re.Pattern) -> int | None:
    """The longest a (non-empty) match of the pattern can be, or None when it is unbounded or may be empty.
    Kept by the pattern's text and flags, what the width depends on (an id could be a dead pattern's)."""
    key = (pattern.pattern, pattern.flags)
    if key not in _WIDEST_MATCH:
        try:
            least, most = re._parser.parse(pattern.pattern, pattern.flags).getwidth()
        except Exception:  # the parser is the re module's own: without it, every text is scanned whole
            least, most = 0, None
        _WIDEST_MATCH[key] = most if least >= 1 and most is not None and most <= _TAIL_CHARS else None
    return _WIDEST_MATCH[key]


def _last_near_end(pattern: re.Pattern, text: str) -> re.Match | None:
    """The last match of a pattern in a text, as `_last` gives it, scanning only the text's end when it can.

    A match is at most `width` long, so when none starts in the `width - 1` characters before the tail, none
    that starts earlier reaches into it, and a scan of the whole text finds in the tail what a scan of the
    tail finds: the last of those is the last. The ~800 characters a score's label is looked for in mostly
    end with their cue.
    """
    width = _widest_match(pattern)
    tail_start = len(text) - _TAIL_CHARS
    if width is not None and tail_start > width:
        first = pattern.search(text, tail_start - width + 1)
        if first is not None and first.start() >= tail_start:
            last = first
            for last in pattern.finditer(text, first.end()):
                pass
            return last
    return _last(pattern, text)


# (id of a rule table, kind) -> (the table, its rules of the kind): the entry holds the table, so no other object
# can take its id while the entry lives
_RULES_BY_KIND: dict[tuple[int, str], tuple[tuple[cues.Cue, ...], tuple[cues.Cue, ...]]] = {}


def _applicable(rules: tuple[cues.Cue, ...], kind: str, lowered: str) -> list[cues.Cue]:
    """The rules of a kind whose hints the (lowercased) text holds, in rule order.

    The rules of a kind are kept by the rule table's identity (hashing rules is slow).
    """
    entry = _RULES_BY_KIND.get((id(rules), kind))
    if entry is None or entry[0] is not rules:
        entry = _RULES_BY_KIND[(id(rules), kind)] = rules, tuple(cue for cue in rules if kind in cue.kinds)
    of_kind = entry[1]
    applicable = []
    for cue in of_kind:
        for hint in cue.hints:
            if hint in lowered:
                applicable.append(cue)
                break
    return applicable


CueFound = tuple[str, int, int, str]  # (indicator, cue start, cue end, the cue's name)


def _nearest_label_cue(label: str, lowered: str, kind: str, offset: int, sentence: str) -> CueFound | None:
    """(indicator, cue start, cue end, cue) of the label rule matching nearest the figure (`lowered`: the label lowercased)."""
    best: CueFound | None = None
    for cue in _applicable(cues.LABEL_CUES, kind, lowered):
        if cue.sentence and not cue.sentence.search(sentence):
            continue
        # The label text is lowercased already; a figure's own label (up to _LABEL_CHARS) is short enough to scan whole.
        pattern = cue.label.folded
        last = _last_near_end(pattern, lowered) if len(lowered) > _TAIL_CHARS else _last(pattern, lowered)
        if last is not None and (best is None or last.end() > best[2] - offset):
            best = (cue.indicator, offset + last.start(), offset + last.end(), cue.name)
    if best is not None and kind == "percent":
        blocker = _last(cues.PERCENT_BLOCKERS, label)
        if blocker is not None and blocker.start() + offset > best[2]:
            return None  # the nearest name is an index the catalogue does not keep a score of
    return best


def _head_cue(figure: "_Figure", rules: tuple[cues.Cue, ...]) -> CueFound | None:
    """(indicator, cue start, cue end, cue) of the first head rule in order matching the figure's lowercased head."""
    lowered, kind, label_lowered, sentence = figure.head_lowered, figure.kind, figure.label_lowered, figure.sentence.text
    offset = figure.token.end
    for cue in _applicable(rules, kind, lowered):
        if cue.sentence and not cue.sentence.search(sentence):
            continue
        match = cue.head.folded.search(lowered)
        if match is None:
            continue
        if cue.label is None:
            return (match.lastgroup if cue.named else cue.indicator), offset, offset + match.end(), cue.name
        if cue.label_hints:
            for hint in cue.label_hints:  # a plain loop: no generator to build on every call
                if hint in label_lowered:
                    break
            else:
                continue
        named_by = cue.label.folded.search(label_lowered)
        if named_by:
            return (named_by.lastgroup if cue.named else cue.indicator), offset, offset + match.end(), cue.name
    return None


_INDEX_LOOKBACK = 800


@functools.cache
def _largest_region() -> int:
    """Provinces in the largest region (14): 'Trong khu vực, Lâm Đồng xếp thứ 22' can only be a national
    rank, while 'Trong khu vực ĐBSCL, Cà Mau đứng thứ 3' is the region's."""
    return max(Counter(p.region for p in reference.provinces().values()).values())


IndexNamed = tuple[str | None, int | None]  # (index code, its edition year when written after the name)


def _rank_index(view: str, sentence_span: tuple[int, int], position: int, nearby: "_Nearby") -> IndexNamed | None:
    """The index a rank belongs to: named nearest to it in its sentence, else before it in the text.

    A ranking outside the catalogue (PAPI, PCI, the e-government ranking) that is nearer wins and
    means the rank is no mention.
    """
    before_best = after_best = None  # an index named before the rank wins over one named after it
    for start, end, code, edition in nearby.indexes_named_in(sentence_span):
        if end <= position:
            if before_best is None or end > before_best[0]:
                before_best = (end, (code, edition))
        elif ";" not in view[position:start] and (after_best is None or start < after_best[0]):
            after_best = (start, (code, edition))
    if before_best or after_best:
        return (before_best or after_best)[1]
    return nearby.index_named_before(sentence_span[0])


def _edition_year(view: str, name_end: int) -> int | None:
    """'ICT Index 2016', 'Chỉ số DTI năm 2022', 'PAR INDEX 2023:': the year written right after an index name."""
    match = cues.EDITION_YEAR.match(view, name_end, name_end + 32)
    return int(match.group(1)) if match else None


def _in_parentheses(text: str, position: int) -> bool:
    return text.rfind("(", 0, position) > text.rfind(")", 0, position)


def _indexes_named_in(view: str, start: int, end: int) -> tuple[tuple[int, int, str | None, int | None], ...]:
    """(start, end, index, edition year) of every index a sentence names.

    A ranking outside the catalogue named in parentheses is a component listed there ('(gồm Chỉ số
    SIPAS đạt ...)'), not the ranking the sentence is about.
    """
    sentence = view[start:end]
    return tuple((start + m.start(), start + m.end(), code, _edition_year(view, start + m.end()))
                 for code, pattern in cues.RANK_INDEXES for m in pattern.finditer(sentence)
                 if code is not None or not _in_parentheses(sentence, m.start()))


def _index_named_earlier(view: str, sentence_start: int) -> IndexNamed | None:
    """The index named last before a sentence (or in the headline); one answer per sentence."""
    lookback = max(0, sentence_start - _INDEX_LOOKBACK)
    before = view[lookback:sentence_start]
    nearest = None
    for code, pattern in cues.RANK_INDEXES:
        match = _last(pattern, _blank_parentheses(before) if code is None else before)
        if match is not None and (nearest is None or match.end() > nearest[0]):
            nearest = (match.end(), code)
    if nearest is not None:
        return nearest[1], _edition_year(view, lookback + nearest[0])
    title = view[: view.find("\n")] if "\n" in view else ""
    for code, pattern in cues.RANK_INDEXES:
        if (match := pattern.search(title)) is not None:
            return code, _edition_year(view, match.end())
    return None


_SUB_INDEX_CHARS = 200


def _heading_before(view: str, line_start: int) -> int | None:
    """Where the line before a line starts, when it is a heading ('- Lĩnh vực cải cách thể chế'): short, no full stop."""
    end = view.rfind("\n", 0, line_start)
    while end > 0 and not view[view.rfind("\n", 0, end) + 1 : end].strip():
        end = view.rfind("\n", 0, end)  # blank lines between
    if end <= 0:
        return None
    start = view.rfind("\n", 0, end) + 1
    line = view[start:end].strip()
    return start if 0 < len(line) <= _HEADING_CHARS and not line.endswith((".", "!", "?")) else None


_HEADING_CHARS = 80


def _names_a_part_of_the_index(view: str, token: NumberToken, sentence_span: tuple[int, int]) -> bool:
    """'trụ cột kinh tế số xếp thứ 18': a part of the index is named nearer than the index itself, in the
    sentence or in a heading over it (a list of fields, each under its name)."""
    floor = sentence_span[0]
    line_start = view.rfind("\n", 0, sentence_span[0] + 1) + 1
    if view[line_start : sentence_span[0]].strip() == "" and (heading := _heading_before(view, line_start)) is not None:
        floor = heading
    before = view[max(floor, token.start - _SUB_INDEX_CHARS) : token.start]
    part = _last(cues.SUB_INDEX, before)
    if part is None:
        return False
    whole = max((m.end() for _, pattern in cues.RANK_INDEXES if (m := _last(pattern, before))), default=-1)
    return part.start() > whole


_NOT_A_VALUE_ENDINGS = cues.SKIP_BEFORE.endings + cues.UPPER_BOUND_BEFORE.endings
_LEVEL_VALUES = frozenset((1, 2, 3, 4, 2.3, 3.4))


def _not_a_value(text: str, token: NumberToken) -> str | None:
    """The id of the value filter that drops a number naming rather than measuring (a year, a level, a
    decree's number, a duration, a change), or None for a value."""
    if token.kind == "count" and token.digits_end - token.start == 4 and 1900 <= token.value < 2100:  # four digits, 19xx or 20xx
        return "year_number"
    # Conditional expressions rather than max() and min() on the hottest lines: the builtins parse their
    # keyword arguments on every call (Python 3.11), several times the cost of the comparison.
    before = text[token.start - 40 if token.start > 40 else 0 : token.start]
    near = before[-24:]
    near_lowered = near.lower()
    if near_lowered.rstrip().endswith(_NOT_A_VALUE_ENDINGS):  # most numbers: none of these words before them
        if token.kind in ("count", "ratio") and cues.SKIP_BEFORE.search(near, near_lowered):
            return "document_number"
        if cues.UPPER_BOUND_BEFORE.search(near, near_lowered):
            return "upper_bound"  # 'dưới 10%', 'chưa đạt 50%': a bound, not a figure
    # 'mức độ 3', and 'mức độ 3,4': levels 3 and 4, not 3.4
    if token.kind == "count" and token.value in _LEVEL_VALUES and "mức" in before and cues.LEVEL_BEFORE.search(near, near_lowered):
        return "service_level"
    if token.kind == "percent" and token.value > 100:
        return "percent_over_100"  # every catalogued percent is a share; '205,6% so với quý I' compares two periods
    if token.kind == "count" and cues.SKIP_AFTER.exact.match(text, token.end, token.end + 20):  # anchored: no need to lowercase
        return "duration_or_times"
    if token.kind == "count" and before.endswith("(") and text[token.end : token.end + 1] == ")":
        return "list_numbering"  # list numbering '(1)'
    if ("tăng" in before or "giảm" in before or "hơn" in before or "kém" in before or "chênh" in before) \
            and cues.CHANGE_BEFORE.search(before):
        return "change_not_level"  # 'tăng 3,61 điểm': a change, not a level
    return None


def _ranges(text: str, tokens: list[NumberToken]) -> set[int]:
    """Indexes of tokens that bound a range ('dao động từ 75% đến 90%'): neither end is a figure."""
    skipped: set[int] = set()
    for i in range(len(tokens) - 1):
        first, second = tokens[i], tokens[i + 1]
        link = text[first.end : second.start].strip()  # a set lookup, not a pattern: it runs for every pair
        if len(link) <= 3 and link.lower() in cues.RANGE_LINKS and cues.RANGE_START.search(text[max(0, first.start - 20) : first.start]):
            skipped.update((i, i + 1))
    return skipped


_PARALLEL_SENTENCES = 2


def _parallel_cue(token: NumberToken, label: str, previous: Mention | None,
                  nearby: "_Nearby", label_start: int) -> Mention | None:
    """A figure without words of its own that lines up with the previous one for another place or year.

    'Quảng Ninh dẫn đầu với 90,61%; tỉnh Thái Nguyên đạt 90,29%' : the second share is the same
    indicator as the first. Only when its own words name a place, the country or a year, so that a
    stray '100% xã' after a share is not taken for it.
    """
    if previous is None or previous.char_end > token.start or cues.PERCENT_BLOCKERS.search(label):
        return None
    unit = reference.indicators()[previous.indicator_code].unit
    if token.kind == "percent" and unit != "percent":
        return None
    names_something = (
        any(label_start <= p.start < token.start for p in nearby.places)
        or any(label_start <= m.start < token.start and m.year is not None for m in nearby.markers)
        or bool(find_national(label))
    )
    return previous if names_something else None


# 'năm thứ 3 liên tiếp', 'lần thứ 2', 'tuần thứ 9': which year, time or week, not a place in a ranking.
_PERIOD_ORDINAL = re.compile(r"(?<!\w)(?:năm|lần|tuần|tháng|quý|kỳ|đợt|khóa)\s+thứ\s*$", re.IGNORECASE)


# What may follow 'dẫn đầu' when it is first place in the whole ranking: the end of the clause, the
# country, the table, a score, a span of time.
_COUNTS = "|".join(str(n) for n in reference.unit_counts())  # '63|34': how many provinces a national ranking counts
_LEADS_THE_RANKING = re.compile(r"\s*(?:$|[,.;:)]|cả nước|toàn quốc|(?:trong )?bảng xếp hạng|tuyệt đối|với \d|"
                                rf"(?:trong|của) (?:nhóm )?(?:{_COUNTS})|\d+ năm|năm \d|liên tiếp)", re.IGNORECASE)


_PROVINCES_COUNTED = re.compile(r"\s*(?:địa phương|tỉnh|đơn vị|bộ)")  # read on the lowercased head
_RANKING_WORDS = re.compile(r"xếp|đứng|hạng|thứ|vị trí")
_CHANGE_OF_RANK = re.compile(r"\s*(?:bậc|hạng)\b")  # read on the lowercased head: 'tụt hạng 10 bậc', 'tăng 3 hạng'


class _Figure:
    """One number being read, with everything a rule may ask of it: the token and its words (label before
    it, head after it), its clause and sentence, its paragraph's places, markers and frames (`nearby`,
    `article.frame`), the figures read before it, and the article.

    `kind`, `label`, `label_lowered`, `head`, `head_lowered` are set by `_read_words` when it is classified.
    """

    __slots__ = ("article", "token", "index", "where", "nearby", "sentence", "label_start", "head_end", "previous",
                 "recent", "window", "sentence_mentions", "sentence_counts", "label_text",
                 "kind", "label", "label_lowered", "head", "head_lowered")

    def __init__(self, article: "_Article", sentence: "_Sentence", where: Location, index: int, value_end: int) -> None:
        tokens, view = article.tokens, article.view
        self.article, self.sentence, self.where, self.index = article, sentence, where, index
        self.nearby = article.nearby(where.paragraph)
        self.token = token = tokens[index]
        clause_start, clause_end = where.clause
        # 'Quảng Ninh dẫn đầu với 90,61%': a first place in words does not cut the next label
        label_start = token.start - _LABEL_CHARS  # the latest of the three, as max() (see _not_a_value)
        if label_start < clause_start:
            label_start = clause_start
        self.label_start = value_end if label_start < value_end else label_start
        head_end = tokens[index + 1].start if index + 1 < len(tokens) else len(view)  # the earliest of the three
        if clause_end < head_end:
            head_end = clause_end
        self.head_end = token.end + _HEAD_CHARS if token.end + _HEAD_CHARS < head_end else head_end
        self.previous = sentence.mentions[-1] if sentence.mentions else None
        starts = article.sentence_starts
        self.window = starts[-1 - _PARALLEL_SENTENCES] if len(starts) > _PARALLEL_SENTENCES else 0
        mentions = article.mentions
        self.recent = mentions[-1] if mentions and article.sentence_of[id(mentions[-1])] >= self.window else None
        self.sentence_mentions, self.sentence_counts = sentence.mentions, sentence.counts
        self.label_text: str | None = None

    def with_label(self, label: str) -> "_Figure":
        """The figure read alone with other words as its label (a topic frame): no figure before it, no rate."""
        twin = object.__new__(_Figure)
        for name in ("article", "token", "index", "where", "nearby", "sentence", "head_end", "window"):
            setattr(twin, name, getattr(self, name))
        twin.label_start, twin.label_text = self.token.start - len(label), label
        twin.previous = twin.recent = None
        twin.sentence_mentions, twin.sentence_counts = [], []
        return twin


def _read_words(figure: _Figure) -> None:
    """The figure's label and head (each also lowercased, once for every rule) and its kind ('77,65/100 điểm' is points)."""
    view, token = figure.article.view, figure.token
    label = _blank_parentheses(view[figure.label_start : token.start]) if figure.label_text is None else figure.label_text
    figure.label, figure.label_lowered = label, label.lower()
    figure.head = head = view[token.end : figure.head_end]
    figure.head_lowered = head_lowered = head.lower()
    kind = token.kind
    out_of_100 = kind == "ratio" and token.denominator == 100  # '77,65/100 điểm', 'tổng điểm 77,65/100'
    if (kind == "count" or out_of_100) and (_POINTS.match(head_lowered) or (out_of_100 and _POINTS_BEFORE.search(label[-24:]))):
        kind = "points"
    figure.kind = kind


def _classify(figure: _Figure) -> _Candidate | str:
    """The figure's indicator and cue, or the id of the drop rule that says it is no figure of the catalogue."""
    _read_words(figure)
    reason = _a_count_of_provinces(figure)
    if reason is not None:
        return reason
    if _is_a_rank(figure):
        return _rank(figure)
    reason = _no_figure_of_the_catalogue(figure)
    if reason is not None:
        return reason
    kind = figure.kind
    read = _percent_cue(figure) if kind == "percent" else _count_cue(figure) if kind in ("count", "ratio") else _score_cue(figure)
    if not isinstance(read, tuple):
        return read  # a candidate read by its own rule, or a drop
    found, rule = read
    if found is None and kind == "percent":
        source = _parallel_cue(figure.token, figure.label, figure.recent, figure.nearby, figure.label_start)
        if source is not None:
            return _Candidate(figure.token, source.indicator_code, figure.token.start, figure.token.end, parallel_to=source,
                              rule="parallel_to_previous")
    if found is None:
        return "no_cue"
    indicator, cue_start, cue_end, cue = found
    token = figure.token
    return _Candidate(token, indicator, cue_start if cue_start < token.start else token.start,
                      cue_end if cue_end > token.end else token.end, rule=rule, cue=cue)


def _a_count_of_provinces(figure: _Figure) -> str | None:
    """'12/63 địa phương', 'bảng xếp hạng 63 tỉnh', 'dẫn đầu khu vực': counts of provinces and firsts of a part, no ranks."""
    kind, token, head_lowered = figure.kind, figure.token, figure.head_lowered
    if (kind == "ratio" and token.denominator in reference.unit_counts() and _PROVINCES_COUNTED.match(head_lowered)
            and not _RANKING_WORDS.search(figure.label_lowered[-40:])):
        return "provinces_counted"
    if kind == "count" and token.value in reference.unit_counts() and _PROVINCES_COUNTED.match(head_lowered):
        return "ranking_size"
    if kind == "lead" and not _LEADS_THE_RANKING.match(figure.head):
        return "first_of_a_part"
    return None


def _is_a_rank(figure: _Figure) -> bool:
    """Ranks: 'xếp thứ 23/63', 'từ thứ hạng 47 ... lên thứ hạng 32', 'Đà Nẵng dẫn đầu'."""
    kind = figure.kind
    return kind == "lead" or kind in ("count", "ratio") and bool(
        cues.RANK_BEFORE.search(figure.label[-40:], figure.label_lowered[-40:])
        or (kind == "ratio" and figure.token.denominator in reference.unit_counts()))


def _rank(figure: _Figure) -> _Candidate | str:
    """A rank of a catalogue index, or the id of the rule that says it is another rank."""
    token, view, span = figure.token, figure.article.view, figure.sentence.span
    if not (token.value.is_integer() and 1 <= token.value <= max(reference.unit_counts())):
        return "rank_out_of_range"
    if _CHANGE_OF_RANK.match(figure.head_lowered):
        return "change_of_rank"
    if _PERIOD_ORDINAL.search(figure.label[-24:]):
        return "period_ordinal"
    if cues.REGIONAL.search(figure.head) or (token.value <= _largest_region()
                                            and cues.REGIONAL_BEFORE.search(figure.label, figure.label_lowered)):
        return "regional_rank"
    named = _rank_index(view, span, token.start, figure.nearby)
    if named is None or named[0] is None:
        return "rank_of_no_catalogue_index"
    if not figure.nearby.indexes_named_in(span) and "tỷ lệ" in view[span[0] : token.start].lower():
        return "rank_of_a_rate"
    if _names_a_part_of_the_index(view, token, span):
        return "pillar_rank"
    return _Candidate(token, named[0], token.start, token.end, edition_year=named[1],
                      rule="first_place_in_words" if figure.kind == "lead" else "rank_after_ranking_verb")


def _no_figure_of_the_catalogue(figure: _Figure) -> str | None:
    """Staff, ISO and changes after a count, rates per day, percents of another period or total."""
    kind, head, head_lowered = figure.kind, figure.head, figure.head_lowered
    if kind in ("count", "ratio") and cues.NOT_A_FIGURE_HEAD.search(head, head_lowered):
        return "not_a_figure_head"
    # A topic frame's twin (label_text set) reads no rate; a sentence is asked (and tested) only for a count.
    if kind == "count" and figure.label_text is None and figure.sentence.may_give_a_rate \
            and (cues.PER_PERIOD.search(figure.label, figure.label_lowered)
                 or cues.PER_PERIOD.search(head[:40], head_lowered[:40])):
        return "rate_per_period"  # 'mỗi ngày có khoảng 120 nghìn hồ sơ'
    if kind == "percent" and cues.NOT_A_SHARE_HEAD.search(head, head_lowered):
        return "comparison_percent"  # 'vượt 90% tổng số của cả năm 2021'
    return None


def _percent_cue(figure: _Figure) -> _Candidate | tuple[CueFound | None, str]:
    """A share of the count before it, else the label cue nearest before it, the first head cue, a share by ratio."""
    token, previous, sentence = figure.token, figure.previous, figure.sentence.text
    if previous is not None and previous.indicator_code in cues.SHARE_OF and previous.char_end <= token.start:
        if cues.SHARE_LINK.match(figure.article.view[previous.char_end : token.start]):
            return _Candidate(token, cues.SHARE_OF[previous.indicator_code], token.start, token.end, rule="share_of_previous")
    found = _nearest_label_cue(figure.label, figure.label_lowered, "percent", figure.label_start, sentence)
    if found is not None:
        return found, "label_cue"
    found = _head_cue(figure, cues.HEAD_PERCENT_CUES)
    if found is None and (share := _share_by_ratio(token, figure.sentence_mentions, figure.sentence_counts)) is not None:
        return _Candidate(token, share, token.start, token.end, rule="share_by_ratio")
    return found, "head_cue"


def _count_cue(figure: _Figure) -> tuple[CueFound | None, str]:
    """The first head cue in order, else the label cue nearest before it."""
    found = _head_cue(figure, cues.HEAD_CUES)
    if found is not None:
        return found, "head_cue"
    return _nearest_label_cue(figure.label, figure.label_lowered, "count", figure.label_start, figure.sentence.text), "label_cue"


def _score_cue(figure: _Figure) -> tuple[CueFound | None, str] | str:
    """Scores and sums are rare and named once per paragraph: the label cue nearest in a wider stretch before it,
    unless a component is named after the index."""
    token, view = figure.token, figure.article.view
    wide_start = max(0, token.start - _INDEX_LOOKBACK)
    wide = _blank_parentheses(view[wide_start : token.start])
    wide_lowered = wide.lower()
    found = _nearest_label_cue(wide, wide_lowered, figure.kind, wide_start, figure.sentence.text)
    if found is None:
        return found, "index_score"
    # Only a part or a list that starts after the cue counts, and every match of SUB_INDEX holds one of its
    # hints: with no hint after the cue's start, the ~800 characters need no scan for the last part.
    after_cue = found[1] + 1 - wide_start
    if cues.SUB_INDEX.may_match(wide[after_cue:], wide_lowered[after_cue:]):
        part = _last(cues.SUB_INDEX, wide, wide_lowered)
        if part is not None and wide_start + part.start() > found[1]:
            return "component_score"  # 'các điểm thành phần gồm: công khai, minh bạch 15,4 điểm'
    if figure.kind == "points" and _may_start_from(cues.BREAKDOWN, wide, wide_lowered, found[2] - wide_start):
        listed = _last(cues.BREAKDOWN, wide, wide_lowered)
        if listed is not None and wide_start + listed.start() >= found[2]:
            return "listed_component_score"  # '... xếp thứ 15/34. Trong đó, chỉ số ... 15,42 điểm'
    return found, "index_score"


def _may_start_from(pattern: cues.Caseless, text: str, lowered: str, position: int) -> bool:
    """Whether a match of the pattern in the text may start at or after a position: a search from there finds
    one whenever the text's own matches (finditer from its start) hold one that starts there or later."""
    if len(lowered) != len(text):
        return True  # the slow way (`_last` runs)
    return pattern.folded.search(lowered, max(0, position)) is not None


def _share_by_ratio(token: NumberToken, sentence_mentions: list[Mention], sentence_counts: list[NumberToken]) -> str | None:
    """'115.665 hồ sơ trực tuyến, trên tổng số 168.746 hồ sơ, tương ứng tỷ lệ 68,54%': a percent that
    is a count of its sentence divided by a later total is the share of that count."""
    precision = 10.0 ** -token.decimals  # written precision, rounded or cut
    for mention in reversed(sentence_mentions):
        share = cues.SHARE_OF.get(mention.indicator_code)
        if share is None:
            continue
        for total in sentence_counts:
            if (mention.char_end <= total.start and total.end <= token.start and total.value > mention.value
                    and abs(mention.value / total.value * 100 - token.value) <= precision):
                return share
    return None


_QUALIFIERS_BUT_AT_LEAST = tuple((name, pattern) for name, pattern in cues.QUALIFIERS if pattern is not cues.AT_LEAST)


def _qualifier(view: str, token: NumberToken) -> str:
    before = view[token.start - 24 if token.start > 24 else 0 : token.start]
    if cues.AT_LEAST_AFTER.exact.match(view, token.end, token.end + 12):  # anchored: no need to lowercase
        return "at_least"  # 'từ 90% trở lên'
    lowered = before.lower()
    if not lowered.rstrip().endswith(cues.QUALIFIER_ENDINGS):
        return "exact"  # most figures: no qualifier word right before them
    if cues.AT_LEAST.search(before, lowered):
        return "at_least"
    for name, pattern in _QUALIFIERS_BUT_AT_LEAST:  # at_least was tested just above
        if pattern.search(before, lowered):
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


_HEAD_YEAR_CHARS = 60
_start = operator.attrgetter("start")
_COMPARED_FIGURE_CHARS = 40
# A year in a comparison describes the other figure: 'cao hơn năm 2022', 'so với năm 2021', 'kể từ 2019'.
# Opening with the first letters of every alternative (see dates._YEAR_PREFIX): most positions fail at once.
_COMPARISON = re.compile(r"(?=[cghkst])(?:so với|\bhơn\b|\btăng\b|\bgiảm\b|kể từ|\btừ\b|\bsau\b(?! đó)|\btrước\b(?! đó)|cùng kỳ)", re.IGNORECASE)


def _year(figure: _Figure) -> tuple[int | None, str]:
    """(year, source): a time phrase right after the figure, else the nearest before it in its sentence.

    source is "own", "comparison" (the nearest year is one the figure is compared with, which other
    figures must not inherit), or "reference" (no time phrase: the article's year).
    """
    view, token, markers, context = figure.article.view, figure.token, figure.nearby.markers, figure.article.context
    sentence_start = figure.sentence.span[0]
    after_end = token.end + _HEAD_YEAR_CHARS if token.end + _HEAD_YEAR_CHARS < figure.head_end else figure.head_end
    for marker in markers:  # 'thứ hạng 32 năm 2020', 'xếp thứ 3/63 ... năm 2023'
        if marker.start >= after_end:
            break
        if marker.start >= token.end and marker.year is not None:
            if not _COMPARISON.search(view[token.end : marker.start]):
                return marker.year, "own"
    at = bisect.bisect_left(markers, token.start, key=_start)
    while at > 0 and markers[at - 1].start >= sentence_start:
        at -= 1
        marker = markers[at]
        if marker.year is None:  # 'đến nay', 'hiện nay': as of publication, even in a review of the past year
            return (context.published.year if context.published else context.reference_year), "own"
        words_before = marker.start - 12 if marker.start - 12 > sentence_start else sentence_start
        if not _COMPARISON.search(view[words_before : marker.start]):
            return marker.year, "own"
        gap = view[marker.end : token.start]
        if ";" not in gap and "," not in gap and token.start - marker.end <= _COMPARED_FIGURE_CHARS:
            return marker.year, "comparison"  # 'so với năm 2021 (85%)': the figure of the year compared with
        # 'tăng 5 bậc so với năm 2022, xếp thứ 21/63': a new clause gives the figure of the year reported
        # 'tăng 3 bậc so với năm 2021; Chỉ số CCHC xếp thứ 14/63': the comparison was another figure's
    return context.reference_year, "reference"


_COMPARATIVE_NATIONAL = re.compile(rf"(?:\d+|dẫn đầu|đứng đầu|cao nhất|thấp nhất|nhất|/(?:{_COUNTS}))\s*$")
# 'xếp thứ hai trong 34 tỉnh, thành phố': the provinces a ranking counts are its field, not the figure's place.
_FIELD_OF_PROVINCES = re.compile(r"(?:trong|trên|so với|giữa|của)\s*(?:tổng số\s*)?$")


def _province(figure: _Figure, indicator: str) -> tuple[str | None, str]:
    """(province, source): named right after the figure or nearest before it in its clause ("own"),
    the country ("national"), its paragraph's subject ("place_frame"), else the article's ("article")."""
    view, token, places, national = figure.article.view, figure.token, figure.nearby.places, figure.nearby.national
    clause_start = figure.where.clause[0]
    named_after = cues.PLACE_AFTER.exact.match(view, token.end, figure.head_end)  # anchored: no need to lowercase
    if named_after:
        for place in places:
            if named_after.end() <= place.start <= named_after.end() + 12:
                return place.province_code, "own"
    place = _nearest_before(places, token.start, clause_start)
    # 'xếp thứ 26 cả nước', 'dẫn đầu cả nước' compare with the country; they do not name the figure's place.
    national_start = max((a for a, _ in national if clause_start <= a < token.start
                          and not _COMPARATIVE_NATIONAL.search(view[max(0, a - 12) : a])
                          and not (view[a].isdigit() and _FIELD_OF_PROVINCES.search(view[max(0, a - 16) : a]))),
                         default=-1) if national else -1
    is_rank = reference.indicators()[indicator].unit == "rank"
    if national_start >= 0 and not is_rank and (place is None or national_start > place.start):
        return reference.NATIONAL_CODE, "national"
    if place is not None:
        return place.province_code, "own"
    frame = figure.article.frame(figure.where.paragraph, figure.nearby)
    if token.start >= frame.first_sentence_end and frame.place is not None:
        return frame.place, "place_frame"
    return figure.article.context.province_code, "article"


class _ParagraphFrame(NamedTuple):
    """What a paragraph's opening carries to its later sentences: a period, and a province as subject."""

    first_sentence_end: int
    period: Period | None
    place: str | None


_SUBJECT_CHARS = 60  # the subject of a sentence is named in its first words ('Tại Kon Tum, ...', 'Tỉnh Gia Lai đã ...')


def _paragraph_frame(view: str, segments: Segments, paragraph: tuple[int, int], nearby: "_Nearby") -> _ParagraphFrame:
    start = paragraph[0]
    while start < paragraph[1] and view[start].isspace():
        start += 1
    first = segments.locate(start).sentence if start < paragraph[1] else paragraph
    period = opening_period(view, start, paragraph[1])
    if period is None and (heading := _heading_before(view, paragraph[0])) is not None:
        period = opening_period(view, heading, paragraph[0])  # 'Quý III/2023' as the heading over the paragraph
    subjects = {p.province_code for p in nearby.places if first[0] <= p.start < first[1]}
    opening = [p for p in nearby.places if start <= p.start < start + _SUBJECT_CHARS]
    national = any(first[0] <= a < first[1] for a, _ in nearby.national)
    place = opening[0].province_code if len(subjects) == 1 and opening and not national else None
    return _ParagraphFrame(first[1], period, place)


def _framed_year(indicator: str, position: int, frame: _ParagraphFrame, editions: Callable[[], dict],
                 context: ArticleContext) -> tuple[int, str, str | None] | None:
    """(year, source, period) of a figure whose own words name no time: the edition of its index named
    earlier (or the article's only one); an annual index's year before publication; its paragraph's period."""
    if indicator in ANNUAL_INDEX_INDICATORS:
        edition = edition_at(editions(), indicator, position)
        if edition is not None:
            return edition, "edition", None
        if context.published is not None and context.reference_year_source not in ("title_year", "year_review"):
            return context.published.year - 1, "annual_index", None  # 'DTI' published in 2024 measures 2023
    if frame.period is not None:
        return frame.period.year, "period", frame.period.label
    return None


_REACH = 32  # a name or a dated phrase may start at the end of a paragraph and run past its break


class _Nearby:
    """Places, time markers, national phrases and ranking indexes of one paragraph, found the first
    time a figure asks.

    Everything a figure reads of them lies in its own sentence, so prose without figures is never
    searched for them.
    """

    def __init__(self, view: str, paragraph: tuple[int, int]) -> None:
        self._view, self._start, self._end = view, paragraph[0], min(len(view), paragraph[1] + _REACH)
        self._indexes_in: dict[tuple[int, int], tuple[tuple[int, int, str | None, int | None], ...]] = {}
        self._index_before: dict[int, IndexNamed | None] = {}
        self._places: list[PlaceMention] | None = None
        self._markers: list[TimeMarker] | None = None
        self._national: list[tuple[int, int]] | None = None

    # Properties, not __getattr__: a failed attribute lookup builds an AttributeError before __getattr__ runs,
    # which cost more than these tests on every later read (and no lock, as functools.cached_property has).
    @property
    def places(self) -> list[PlaceMention]:
        if self._places is None:
            self._places = find_places(self._view, self._start, self._end)
        return self._places

    @property
    def markers(self) -> list[TimeMarker]:
        if self._markers is None:
            self._markers = find_time_markers(self._view, self._start, self._end)
        return self._markers

    @property
    def national(self) -> list[tuple[int, int]]:
        if self._national is None:
            self._national = find_national(self._view, self._start, self._end)
        return self._national

    def indexes_named_in(self, sentence: tuple[int, int]) -> tuple[tuple[int, int, str | None, int | None], ...]:
        """The indexes a sentence of the paragraph names, read once for all the ranks in it."""
        found = self._indexes_in.get(sentence)
        if found is None:
            found = self._indexes_in[sentence] = _indexes_named_in(self._view, *sentence)
        return found

    def index_named_before(self, sentence_start: int) -> IndexNamed | None:
        """The index named last before a sentence of the paragraph, one answer per sentence."""
        if sentence_start not in self._index_before:
            self._index_before[sentence_start] = _index_named_earlier(self._view, sentence_start)
        return self._index_before[sentence_start]


class _Sentence:
    """A sentence with figures: what its words allow (hints tested once), its topic, and the figures read in it so far."""

    __slots__ = ("span", "text", "_part_hints", "_lowered", "_may_set_a_goal", "_may_give_a_rate",
                 "topic", "partial_topic", "mentions", "counts", "rank_from")

    def __init__(self, view: str, span: tuple[int, int]) -> None:
        self.span = span
        # The words before a figure lie in its sentence: a sentence without a hint spares every test.
        self.text = text = view[span[0] : span[1]]
        # A part of government, a goal or a rate is asked of a sentence only when one of its figures gets that
        # far: its hints are tested then.
        self._part_hints = self._lowered = self._may_set_a_goal = self._may_give_a_rate = None
        self.topic = topic = sentence_topic(view, *span)
        # 'Riêng quý III, ...', 'Riêng huyện A, ...': the sentence speaks of a part, not the province's year.
        self.partial_topic = topic is not None and (names_a_part_of_the_year(topic)
                                                    or cues.PART_OF_GOVERNMENT.search(topic.text) is not None)
        self.mentions: list[Mention] = []
        self.counts: list[NumberToken] = []  # the counts of the sentence so far, figures or not
        self.rank_from: Mention | None = None  # 'từ vị trí 49 lên 23': the rank a later one moved from

    @property
    def part_hints(self) -> tuple[str, ...]:
        """The PART_OF_GOVERNMENT hints it holds: its clauses hold no other, and are looked for these alone."""
        if self._part_hints is None:
            self._part_hints = cues.PART_OF_GOVERNMENT.hints_in(self.text)
        return self._part_hints

    def _lowercased(self) -> str:
        if self._lowered is None:
            self._lowered = self.text.lower()
        return self._lowered

    @property
    def may_set_a_goal(self) -> bool:
        if self._may_set_a_goal is None:
            self._may_set_a_goal = cues.TARGET.may_match(self.text, self._lowercased())
        return self._may_set_a_goal

    @property
    def may_give_a_rate(self) -> bool:
        if self._may_give_a_rate is None:
            self._may_give_a_rate = cues.PER_PERIOD.may_match(self.text, self._lowercased())
        return self._may_give_a_rate


class _Article:
    """The article being read: its text, its context, the layers a figure looks up (paragraphs' places and
    frames, index editions), the mentions read so far and the trace of drops."""

    def __init__(self, text: str, view: str, tokens: list[NumberToken], context: ArticleContext,
                 trace: list[tuple[int, int, str]] | None) -> None:
        self.text, self.view, self.tokens, self.context, self.trace = text, view, tokens, context, trace
        self.segments = Segments(view)
        self.catalogue = reference.indicators()
        self.mentions: list[Mention] = []
        self.sentence_of: dict[int, int] = {}  # id(mention) -> sentence start
        self.sentence_starts: list[int] = []
        self._nearby: dict[tuple[int, int], _Nearby] = {}
        self._frames: dict[tuple[int, int], _ParagraphFrame] = {}
        self._editions: dict | None = None

    def nearby(self, paragraph: tuple[int, int]) -> "_Nearby":
        found = self._nearby.get(paragraph)
        if found is None:
            found = self._nearby[paragraph] = _Nearby(self.view, paragraph)
        return found

    def frame(self, paragraph: tuple[int, int], nearby: "_Nearby") -> _ParagraphFrame:
        found = self._frames.get(paragraph)
        if found is None:
            found = self._frames[paragraph] = _paragraph_frame(self.view, self.segments, paragraph, nearby)
        return found

    def editions(self) -> dict[str, list[tuple[int, int]]]:
        if self._editions is None:
            self._editions = index_editions(self.view, cues.RANK_INDEXES, _edition_year)
        return self._editions

    def open_sentence(self, span: tuple[int, int]) -> _Sentence:
        self.sentence_starts.append(span[0])
        return _Sentence(self.view, span)

    def drop(self, start: int, end: int, rule: str) -> None:
        if self.trace is not None:
            self.trace.append((start, end, rule))

    def keep(self, figure: _Figure, mention: Mention) -> None:
        sentence = figure.sentence
        if mention.unit == "rank":
            if cues.RANK_FROM.search(self.view[figure.label_start : figure.token.start]):
                sentence.rank_from = mention
            elif (sentence.rank_from is not None and sentence.rank_from.indicator_code == mention.indicator_code
                  and mention.year is not None and sentence.rank_from.year == mention.year):
                # 'từ vị trí 49 lên 23' in one year's news: the first rank is the year before (rule rank_from_year_before).
                rank_from = sentence.rank_from
                fixed = rank_from._replace(year=mention.year - 1)
                self.mentions[self.mentions.index(rank_from)] = fixed
                sentence.mentions[sentence.mentions.index(rank_from)] = fixed
                self.sentence_of[id(fixed)] = sentence.span[0]
                sentence.rank_from = None
        self.mentions.append(mention)
        sentence.mentions.append(mention)
        self.sentence_of[id(mention)] = sentence.span[0]

    def finish(self) -> list[Mention]:
        """The mentions with ranks listed together paired with their provinces, and each figure once."""
        mentions = self.mentions
        ranks = [(m.char_start, m.char_end) for m in mentions if m.unit == "rank"]
        if ranks:
            mentions = _pair_rank_lists(self.text, mentions, find_rank_lists(self.view, ranks),
                                        lambda m, rule: self.drop(m.char_start, m.char_end, rule))
        kept = _deduplicate(mentions)
        if self.trace is not None and len(kept) < len(mentions):
            survivors = {id(m) for m in kept}
            self.trace.extend((m.char_start, m.char_end, "duplicate_figure") for m in mentions if id(m) not in survivors)
        return kept


def _values(text: str, view: str, trace: list[tuple[int, int, str]] | None) -> list[NumberToken]:
    """The numbers of the text that may be figures, in order; the others traced with their value filter."""
    numbers = find_numbers(text)
    ordinals = find_ordinal_ranks(view) + (find_first_places(view) if "đầu" in view else [])
    if ordinals:
        numbers = sorted(numbers + ordinals, key=lambda t: t.start)
    tokens = []
    for number in numbers:
        not_a_value = _not_a_value(view, number)
        if not_a_value is None:
            tokens.append(number)
        elif trace is not None:
            trace.append((number.start, number.end, not_a_value))
    return tokens


def extract_mentions(text: str, context: ArticleContext, trace: list[tuple[int, int, str]] | None = None) -> list[Mention]:
    """Every indicator mention of the text, facts and targets (`is_target`), in text order.

    trace, when given, receives (start, end, rule id) for every number that gives no mention: the id of
    the value filter or drop rule in the registry (extraction/rules.py).
    """
    # Same length: offsets hold. Without 'İ' (Turkish, the one letter whose lowercase is two
    # characters), any slice lowercased keeps its length, and the patterns for lowercased text apply.
    view = text.replace("\u00a0", " ").replace("\u202f", " ").replace("\u0130", "I")
    tokens = _values(text, view, trace)
    if not tokens:
        return []
    article = _Article(text, view, tokens, context, trace)
    skipped = _ranges(view, tokens)
    where: Location | None = None
    sentence: _Sentence | None = None
    value_end = 0  # end of the last token that is a number (not a first place in words)
    for index, token in enumerate(tokens):
        if index and tokens[index - 1].kind != "lead":
            value_end = tokens[index - 1].end
        if index in skipped:
            article.drop(token.start, token.end, "range_end")
            continue
        if where is None or not where.clause[0] <= token.start < where.clause[1]:  # figures share clauses
            where = article.segments.locate(token.start)
        if sentence is None or where.sentence != sentence.span:
            sentence = article.open_sentence(where.sentence)
        figure = _Figure(article, sentence, where, index, value_end)
        read = _read(figure)
        if isinstance(read, str):
            article.drop(token.start, token.end, read)
        else:
            article.keep(figure, read)
    return article.finish()


def _read(figure: _Figure) -> Mention | str:
    """The figure's mention, or the id of the rule that drops it: its cue, whose figure it is, its year, goal and place."""
    candidate = _candidate(figure)
    token = figure.token
    if token.kind == "count":
        figure.sentence.counts.append(token)
    if isinstance(candidate, str):
        return candidate
    article = figure.article
    indicator = article.catalogue[candidate.indicator]
    clause_start = figure.where.clause[0]
    before_start = token.start - _CLAUSE_CHARS if token.start - _CLAUSE_CHARS > clause_start else clause_start
    clause_before = article.view[before_start : token.start]
    reason = _of_someone_else(figure, indicator, clause_before)
    if reason is not None:
        return reason
    year, year_source, period = _dated(figure, candidate, indicator)
    target = _is_a_goal(figure, clause_before, year)
    province_code, province_source = _province(figure, indicator.code)
    return Mention(
        indicator_code=indicator.code,
        value=round(token.value, 6),
        unit=indicator.unit,
        qualifier=_qualifier(article.view, token),
        province_code=province_code,
        year=year,
        evidence=article.text[candidate.cue_start : candidate.cue_end],
        char_start=candidate.cue_start,
        char_end=candidate.cue_end,
        is_target=target,
        decimals=token.decimals,
        year_source=year_source,
        rule=candidate.rule + ("+goal" if target else ""),
        province_source=province_source,
        period=period or (str(year) if year is not None else None),
        cue=candidate.cue,
    )


def _candidate(figure: _Figure) -> _Candidate | str:
    """The figure classified by its own words, else by its sentence's topic; none in a sentence about a part."""
    candidate = _classify(figure)
    sentence = figure.sentence
    # The topic is tested first: most sentences have none, and comparing a _Candidate with a str calls its __eq__.
    if sentence.topic is not None and not sentence.partial_topic and candidate == "no_cue":
        return _framed(figure, sentence.topic)
    if sentence.partial_topic and not isinstance(candidate, str) and figure.token.start > sentence.topic.end:
        return "partial_topic"
    return candidate


def _framed(figure: _Figure, topic: Topic) -> _Candidate | str:
    """The figure read with its sentence's topic as its label, when its own words named nothing."""
    token, tokens, index = figure.token, figure.article.tokens, figure.index
    if token.start < topic.end or (index and tokens[index - 1].start > topic.end):
        return "no_cue"  # inside the topic, or not the first figure after it
    found = _classify(figure.with_label(frame_label(topic)))
    if isinstance(found, str):
        return "no_cue"
    found.cue_start, found.cue_end, found.rule = token.start, max(token.end, found.cue_end), "topic_frame"
    return found


def _of_someone_else(figure: _Figure, indicator: reference.Indicator, clause_before: str) -> str | None:
    """The id of the rule that gives the figure to a part of government, a ministry or a breakdown, if one does."""
    if indicator.unit != "rank" and not indicator.code.startswith("one_stop"):
        if (hints := figure.sentence.part_hints) and _names_a_part_of_government(clause_before, hints):
            return "part_of_government"
        reason = _part_named_around(figure.article.view, figure.token, clause_before, figure.head_end, indicator.code)
        if reason is not None:
            return reason
    if indicator.unit in ("rank", "points") and _of_a_ministry(figure, clause_before):
        return "ministry"
    if indicator.unit == "rank" and figure.sentence.part_hints and _ranks_a_part(figure, clause_before):
        return "part_of_government"  # 'UBND huyện Quảng Điền xếp vị trí thứ nhất': a district's rank
    view, token = figure.article.view, figure.token
    if any(m.indicator_code == indicator.code and cues.BREAKDOWN.search(view[m.char_end : token.start])
           for m in figure.sentence.mentions):
        return "breakdown"
    return None


def _last_part_of_government(clause_before: str, hints: tuple[str, ...]) -> re.Match | None:
    """The ministry, department, district or level of government named last before a figure, if any
    (`hints`: those of PART_OF_GOVERNMENT its sentence holds, `_Sentence.part_hints`)."""
    scan_start = cues.PART_OF_GOVERNMENT.scan_start(clause_before, hints)
    if scan_start < 0:
        return None
    part = None
    for part in cues.PART_OF_GOVERNMENT.pattern.finditer(_blank_parentheses(clause_before), scan_start):
        pass
    return part


def _names_a_part_of_government(clause_before: str, hints: tuple[str, ...]) -> bool:
    """A ministry, department, district or level named last before the figure, with no 'toàn tỉnh' after it."""
    part = _last_part_of_government(clause_before, hints)
    if part is None:
        return False
    wide = _last(cues.PROVINCE_WIDE, clause_before)
    return wide is None or wide.start() < part.start()


def _ranks_a_part(figure: _Figure, clause_before: str) -> bool:
    """A district, commune or department is the subject of a rank: named last before it, no province after it."""
    part = _last_part_of_government(clause_before, figure.sentence.part_hints)
    if part is None or "tỉnh" in part.group().lower():  # 'Chỉ số CCHC cấp tỉnh': the province's own level
        return False
    offset = figure.token.start - len(clause_before)
    return not any(offset + part.start() < p.start < figure.token.start for p in figure.nearby.places)


def _of_a_ministry(figure: _Figure, clause_before: str) -> bool:
    """Ministries are ranked and scored beside the provinces: 'Bộ Tư pháp xếp thứ 5', 'vị trí thứ hai là Bộ Quốc phòng'."""
    view, token = figure.article.view, figure.token
    ministry = _last(cues.MINISTRY, clause_before)
    offset = token.start - len(clause_before)
    named_after = cues.PLACE_AFTER.exact.match(view, token.end, figure.head_end)
    after = cues.MINISTRY.search(view[named_after.end() : named_after.end() + 40]) if named_after else None
    return bool(ministry is not None and not any(offset + ministry.start() < p.start < token.start for p in figure.nearby.places)
                or after is not None and after.start() == 0)


def _dated(figure: _Figure, candidate: _Candidate, indicator: reference.Indicator) -> tuple[int | None, str, str | None]:
    """(year, year rule id, period): its own time, its index's edition, the year of the figure it continues, its
    paragraph's frame, else the article's year."""
    year, year_source = _year(figure)
    if year_source == "reference" and candidate.edition_year is not None:
        return candidate.edition_year, "edition", None  # 'Vietnam ICT Index 2016 ... Hà Nội xếp thứ 2'
    if year_source == "reference":
        source = _continued(figure, candidate, indicator)
        if source is not None:
            return source.year, "inherited", None
        frame = figure.article.frame(figure.where.paragraph, figure.nearby)
        framed = _framed_year(indicator.code, figure.token.start, frame, figure.article.editions, figure.article.context)
        if framed:
            return framed
    return year, year_source, None


def _continued(figure: _Figure, candidate: _Candidate, indicator: reference.Indicator) -> Mention | None:
    """The figure whose year it keeps: consecutive statements on one indicator share their time frame
    ('..., Kon Tum thứ 45'); a ranking article speaks of one edition of its index throughout."""
    article = figure.article
    reach = 0 if indicator.unit == "rank" else figure.window
    if candidate.parallel_to is not None and candidate.parallel_to.year_source == "own":
        return candidate.parallel_to
    for m in reversed(article.mentions):
        if m.indicator_code == indicator.code and article.sentence_of[id(m)] >= reach and m.year_source == "own":
            return m
    return None


def _is_a_goal(figure: _Figure, clause_before: str, year: int | None) -> bool:
    """Goal words before it (rule goal_words) not answered by a result ('vượt kế hoạch', rule goal_met), or a year
    still to come (rule future_year)."""
    article, token = figure.article, figure.token
    target = figure.sentence.may_set_a_goal and bool(cues.TARGET.search(clause_before)) and not cues.NOT_TARGET.search(
        clause_before + article.view[token.end : figure.head_end][:40])
    context = article.context
    now = context.published.year if context.published else context.reference_year
    return target or (year is not None and now is not None and year > now)


# 'thành phố Buôn Ma Thuột', 'TP. Pleiku': a city of the province, unless the name is a province's.
_CITY = re.compile(r"(?:[Tt]hành phố|TP\.?|Tp\.)\s*(\w[^\s,.;:()]*(?:\s\w[^\s,.;:()]*){0,2})")
# '788 dịch vụ công cấp tỉnh, 1.068 dịch vụ công cấp huyện': a count of one level of government.
# ('từ cấp tỉnh đến cấp xã', 'cấp tỉnh và cấp huyện' span the levels: the whole province.)
_LEVEL_AFTER = re.compile(r"[^\d.;,:()]{0,40}?(?<!từ )(?<!các )(?<!đến )(?<!tới )(?<!và )\bcấp (?:tỉnh|huyện|xã)\b(?! (?:đến|và|tới))")
# '14 TTHC ban hành mới; sửa đổi, bổ sung 172 TTHC; bãi bỏ 15 TTHC': changes to the procedures, not those in force
# ('công bố 2.193 thủ tục' publishes the set in force: not a change).
_CHANGE_WORDS = r"(?:ban hành mới|mới|sửa đổi|bổ sung|bãi bỏ|bị bãi bỏ|cắt giảm|được cắt giảm|đơn giản hóa|đơn giản hoá|thay thế)"
_PROCEDURES_CHANGED_BEFORE = re.compile(rf"{_CHANGE_WORDS}\s*(?:,\s*{_CHANGE_WORDS}\s*)?$", re.IGNORECASE)
_PROCEDURES_CHANGED_AFTER = re.compile(rf"\s*(?:TTHC|thủ tục hành chính|thủ tục)\s+(?:được\s+)?{_CHANGE_WORDS}(?!\w)",
                                       re.IGNORECASE)


def _part_named_around(view: str, token: NumberToken, clause_before: str, head_end: int, indicator: str) -> str | None:
    """Why a figure belongs to a part of the province or to a change of its procedures, if it does."""
    near = clause_before[-80:]
    for city in (_CITY.finditer(near) if "hành phố" in near or "TP" in near or "Tp." in near else ()):
        name = " ".join(w for w in itertools.takewhile(lambda w: w[0].isupper(), city.group(1).split()))
        if name and not find_places(city.group(0)) and not find_places(name):
            return "city_of_the_province"
    if view.find("cấp ", token.end, head_end) >= 0 and _LEVEL_AFTER.match(view, token.end, head_end):
        return "level_of_government_after"
    if indicator == "procedures_total" and (_PROCEDURES_CHANGED_BEFORE.search(clause_before[-40:])
                                            or _PROCEDURES_CHANGED_AFTER.match(view, token.end, head_end)):
        return "procedures_changed"
    return None


def _pair_rank_lists(text: str, mentions: list[Mention], rank_lists: list[RankList],
                     drop: Callable[[Mention, str], None]) -> list[Mention]:
    """Ranks listed together take the provinces listed with them, in order, or are dropped (precision first)."""
    for listed in rank_lists:
        def member(m: Mention) -> int | None:
            for number, (start, end, _) in enumerate(listed.ranks):
                if m.unit == "rank" and m.char_start <= start and end <= m.char_end:
                    return number
            return None

        taken = {number: m for m in mentions if (number := member(m)) is not None}
        if not taken:
            continue  # not a ranking of the catalogue ('năm thứ 2 và 3')
        template = taken[min(taken)]
        if listed.places is None:
            for mention in taken.values():
                drop(mention, "unpaired_rank_list")
            mentions = [m for m in mentions if member(m) is None]
            continue
        paired = []
        for number, (start, end, rank) in enumerate(listed.ranks):
            base = taken.get(number, template)
            paired.append(base._replace(value=float(rank), province_code=listed.places[number], evidence=text[start:end],
                                        char_start=start, char_end=end, rule="rank_list_paired"))
        mentions = sorted([m for m in mentions if member(m) is None] + paired, key=lambda m: m.char_start)
    return mentions


def _deduplicate(mentions: list[Mention]) -> list[Mention]:
    """The same figure written twice in one article (a headline and its body) is one mention.

    The copy whose year comes from its own words wins over one that fell back to the article's year.
    """
    chosen: dict[tuple, Mention] = {}
    order: list[tuple] = []
    for mention in mentions:
        key = (mention.indicator_code, mention.value, mention.province_code, mention.is_target)
        kept = chosen.get(key)
        if kept is None:
            chosen[key] = mention
            order.append(key)
        elif kept.year != mention.year and kept.year_source == "reference" and mention.year_source != "reference":
            chosen[key] = mention
        elif kept.year != mention.year and not (mention.year_source == "reference" and kept.year_source != "reference"):
            # Two years for one value: two facts (a value that held in two years).
            chosen[(*key, mention.year)] = mention
            order.append((*key, mention.year))
    kept = [chosen[k] for k in order]
    exact = {}
    for mention in kept:
        if mention.qualifier == "exact":
            exact.setdefault((mention.indicator_code, mention.province_code, mention.year, mention.is_target), []).append(mention.value)
    kept = [m for m in kept if not _rounds_an_exact_figure(m, exact.get((m.indicator_code, m.province_code, m.year, m.is_target), ()))]
    return sorted(kept, key=lambda m: m.char_start)


_ROUNDING_REACH = 0.1  # 'hơn 56 nghìn' stands for 56.039; 'gần 98%' for 97,8%


def _rounds_an_exact_figure(mention: Mention, exact_values) -> bool:
    """A headline's rounded 'hơn 56 nghìn hồ sơ' is the body's '56.039 hồ sơ' told again, not a second figure."""
    if mention.qualifier == "more_than":
        return any(mention.value <= v <= mention.value * (1 + _ROUNDING_REACH) for v in exact_values)
    if mention.qualifier == "about":
        return any(abs(v - mention.value) <= mention.value * _ROUNDING_REACH for v in exact_values)
    return False
