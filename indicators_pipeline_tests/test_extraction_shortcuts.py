"""Shortcuts of the extractor that skip work: each gives what the full work gives, on every text tried.

The dev articles and the seed articles are cut into windows and clauses as the extractor cuts them; a
shortcut that ever answered otherwise than the work it skips would change a mention.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from indicators_pipeline.extraction import cues, dates, mentions
from indicators_pipeline.extraction.segments import Segments

HERE = Path(__file__).parent
TEXTS = [p.read_text(encoding="utf-8") for p in sorted((HERE / "devset").glob("articles*/*.txt"))]
TEXTS += [p.read_text(encoding="utf-8") for p in sorted((HERE.parent / "data" / "raw").glob("*.txt"))]
# Made-up sentences that put the patterns' words where the shortcuts look (no sentence of a real page).
TEXTS += [
    "Các chỉ số thành phần gồm: công khai, minh bạch đạt 15,4 điểm; tiến độ giải quyết 17,2 điểm.",
    "Trong đó, chỉ số phục vụ người dân, doanh nghiệp đạt 80,5 điểm, bao gồm điểm thành phần 12 điểm.",
    "Bộ chỉ số phục vụ người dân, doanh nghiệp của tỉnh (gồm trụ cột chính quyền số) đạt 81 điểm.",
    "Sở Tư pháp, UBND huyện Chư Sê và các sở, ban, ngành tiếp nhận 2.300 hồ sơ; toàn tỉnh đạt 98%.",
    "Khối đơn vị cấp huyện tiếp nhận 1.200 hồ sơ, Ủy ban nhân dân thị xã An Khê giải quyết 900 hồ sơ.",
]


def _windows(text: str, size: int = 800, step: int = 37):
    """Stretches of a text as the score rule reads them: up to `size` characters before a position."""
    for end in range(1, len(text) + 1, step):
        yield text[max(0, end - size) : end]


def _with_last(pattern):
    """Each stretch of the texts, lowercased too, with the pattern's last match in it (None: none)."""
    for text in TEXTS:
        for wide in _windows(text):
            lowered = wide.lower()
            yield wide, lowered, mentions._last(pattern, wide, lowered)


def test_no_part_is_named_after_a_position_that_holds_no_hint_after_it():
    """`_score_cue` looks for the last part (SUB_INDEX) only when a hint stands after the cue's start."""
    checked = 0
    for wide, lowered, last in _with_last(cues.SUB_INDEX):
        if last is None:
            continue
        checked += 1
        for position in range(0, last.start() + 1, 5):
            assert cues.SUB_INDEX.may_match(wide[position:], lowered[position:]), (wide, position)
    assert checked


def test_a_list_after_a_position_is_found_by_a_search_from_there():
    """`_score_cue` reads the last BREAKDOWN match only when a search from the cue's end finds one."""
    checked = 0
    for wide, lowered, last in _with_last(cues.BREAKDOWN):
        for position in range(0, len(wide) + 1, 7):
            may = mentions._may_start_from(cues.BREAKDOWN, wide, lowered, position)
            if last is not None and last.start() >= position:
                checked += 1
                assert may, (wide, position)
    assert checked


@pytest.mark.parametrize("text", TEXTS[-2:])
def test_a_clause_holds_no_part_of_government_hint_its_sentence_does_not(text):
    """The hints a sentence holds give a clause's scan the same start as all the hints do."""
    _check_scan_starts([text])


def test_scans_for_parts_of_government_start_where_they_did_on_every_article():
    _check_scan_starts(TEXTS)


def _check_scan_starts(texts: list[str]) -> None:
    checked = 0
    for text in texts:
        segments = Segments(text)
        for position in range(0, len(text), 11):
            where = segments.locate(position)
            sentence_hints = cues.PART_OF_GOVERNMENT.hints_in(text[where.sentence[0] : where.sentence[1]])
            clause_before = text[max(where.clause[0], position - mentions._CLAUSE_CHARS) : position]
            full = cues.PART_OF_GOVERNMENT.scan_start(clause_before)
            assert cues.PART_OF_GOVERNMENT.scan_start(clause_before, sentence_hints) == full
            checked += full >= 0
    assert checked


def _without_opening_lookahead(pattern) -> "re.Pattern":
    """The pattern as it was before a lookahead of its alternatives' first letters was put in front of it."""
    import re

    source = pattern.pattern
    assert source.startswith("(?=[")
    return re.compile(source[source.index("]") + 2 :], pattern.flags)


def _opened_by_a_lookahead():
    """Every pattern that opens with a lookahead of its alternatives' first letters, as the extractor runs it:
    both forms of a caseless one (lowercased text, and case-insensitive)."""
    import re

    named = [("year_prefix", dates._YEAR_PREFIX), ("comparison", mentions._COMPARISON)]
    for name, value in [*vars(cues).items(), *((f"rank index {code}", p) for code, p in cues.RANK_INDEXES)]:
        pattern = value.pattern if isinstance(value, cues.Hinted) else value
        if isinstance(pattern, cues.Caseless):
            named += [(name + ".folded", pattern.folded), (name + ".exact", pattern.exact)]
        elif isinstance(pattern, re.Pattern):
            named.append((name, pattern))
    for cue in cues.all_cues():
        for where in (cue.head, cue.label):
            if where is not None:
                named += [(cue.name + ".folded", where.folded), (cue.name + ".exact", where.exact)]
    return [(name, pattern) for name, pattern in named if pattern.pattern.startswith("(?=[")]


LOOKAHEAD_PATTERNS = _opened_by_a_lookahead()


def test_the_lookahead_patterns_are_all_checked():
    assert len(LOOKAHEAD_PATTERNS) >= 19


@pytest.mark.parametrize("name,pattern", LOOKAHEAD_PATTERNS, ids=[name for name, _ in LOOKAHEAD_PATTERNS])
def test_a_lookahead_of_first_letters_changes_no_match(name, pattern):
    """A lookahead of the first letters of every alternative lets a position without one fail at once; searched
    in stretches of every article (lowercased too), and scanned through whole ones, the pattern finds what it found."""
    plain = _without_opening_lookahead(pattern)
    probes = TEXTS + ["Tháng 12 năm ", "Quý IV năm ", "15/3/", "cao hơn năm ", "ſau năm", "KỂ TỪ NĂM", "so với cùng kỳ",
                      "Vietnam ICT Index", "XẾP HẠNG CHUYỂN ĐỔI SỐ", "đứng thứ", "xếp   hạng số ", "đã được giải quyết "]
    for text in probes + [t.lower() for t in probes]:
        assert [m.span() for m in pattern.finditer(text)] == [m.span() for m in plain.finditer(text)], name
        for start in range(0, len(text), 5):
            for size in (24, 60):
                window = text[start : start + size]
                found, expected = pattern.search(window), plain.search(window)
                assert (found and found.span()) == (expected and expected.span()), (name, window)


@pytest.mark.parametrize("pattern", [dates._YEAR_PREFIX, mentions._COMPARISON], ids=["year_prefix", "comparison"])
def test_every_character_that_can_open_a_match_passes_the_lookahead(pattern):
    """Over the whole of Unicode: a character the alternatives accept first is one the lookahead lets through."""
    import re

    plain = _without_opening_lookahead(pattern)
    lookahead = re.compile(pattern.pattern[: pattern.pattern.index("]") + 2], pattern.flags)
    alternatives = plain.pattern[3:-1] if plain.pattern.startswith("(?:") and plain.pattern.endswith(")") else plain.pattern
    firsts = re.compile(f"(?:{alternatives})", pattern.flags)
    for code in range(0x3000):  # every script the articles are written in, and the case-folding oddities (ſ, K)
        char = chr(code)
        if any(firsts.match(char + tail) for tail in ("ăm", "ầu năm", "uối năm", "ết năm", "uý I", "háng 1", "1/1", "",
                                                       "o với", "ơn", "ăng", "iảm", "ể từ", "ừ", "au", "rước", "ùng kỳ")):
            assert lookahead.match(char), (pattern.pattern, char)
    assert lookahead.match("\u212a") or not firsts.match("\u212aể từ")  # the Kelvin sign, 'K' to IGNORECASE


def test_the_last_match_near_the_end_is_the_last_match():
    """`_last_near_end` scans a long text's tail first: for every label pattern whose matches are bounded, it gives
    `_last`'s answer on stretches of every article (lowercased, as the label rules read them)."""
    bounded = [cue.label.folded for cue in cues.all_cues() if cue.label is not None
               and mentions._widest_match(cue.label.folded) is not None]
    assert len(bounded) >= 10
    checked = 0
    for text in TEXTS:
        lowered = text.lower()
        for wide in _windows(lowered, step=53):
            for pattern in bounded:
                expected = mentions._last(pattern, wide)
                found = mentions._last_near_end(pattern, wide)
                assert (found and found.span()) == (expected and expected.span()), (pattern.pattern, wide)
                checked += expected is not None
    assert checked


def test_a_pattern_that_may_match_nothing_or_without_bound_is_scanned_whole():
    import re

    assert mentions._widest_match(re.compile(r"a?")) is None  # may be empty
    assert mentions._widest_match(re.compile(r"a\s*b")) is None  # unbounded
    assert mentions._widest_match(re.compile(r"kinh phí|vốn")) == 8


def test_a_pattern_built_and_dropped_leaves_no_width_to_the_next_one(monkeypatch):
    """A pattern freed lets the next one take its address: the width kept must be the new pattern's own. Every
    object is given one address here, as a worst case of reuse."""
    import re

    monkeypatch.setattr(mentions, "id", lambda _: 0, raising=False)
    widths = [mentions._widest_match(re.compile("x" * length)) for length in range(2, 30)]
    assert widths == list(range(2, 30))


def test_a_rule_table_built_and_dropped_leaves_no_rules_to_the_next_one(monkeypatch):
    monkeypatch.setattr(mentions, "id", lambda _: 0, raising=False)
    label = cues.LABEL_CUES
    kind = next(iter(label[0].kinds))
    hint = label[0].hints[0]
    first = mentions._applicable(tuple(label[:1]), kind, hint)
    second = mentions._applicable(tuple(label[1:]), kind, hint)
    assert first == [label[0]] and label[0] not in second
