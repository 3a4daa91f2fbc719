"""The cue table's machinery: caseless matching, hints, and the parts-of-government pattern."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from indicators_pipeline.extraction import cues
from indicators_pipeline.extraction.cues import Caseless, Cue

HERE = Path(__file__).parent
TEXTS = [p.read_text(encoding="utf-8") for p in sorted((HERE / "devset").glob("articles*/*.txt"))]


def _all_rules():
    """Each rule with the pattern its hints guard: the head for head rules, else the label."""
    for cue in (*cues.HEAD_CUES, *cues.LABEL_CUES, *cues.HEAD_PERCENT_CUES):
        yield cue, cue.head if cue.head is not None else cue.label


@pytest.mark.parametrize("text", ["Tỷ lệ HỒ SƠ trực tuyến", "DỊCH VỤ CÔNG TRỰC TUYẾN mức độ 4", "Đúng Hạn", "dvcTT"])
def test_caseless_patterns_match_as_case_insensitive_ones(text):
    for _, pattern in _all_rules():
        exact = re.compile(pattern.pattern, re.IGNORECASE)
        assert [m.span() for m in pattern.finditer(text)] == [m.span() for m in exact.finditer(text)]


def test_caseless_patterns_agree_with_case_insensitive_ones_on_the_dev_articles():
    for text in TEXTS:
        for _, pattern in _all_rules():
            exact = re.compile(pattern.pattern, re.IGNORECASE)
            assert [m.span() for m in pattern.finditer(text)] == [m.span() for m in exact.finditer(text)]


def test_a_text_whose_lowercase_changes_length_is_matched_the_slow_way():
    pattern = Caseless(r"hồ sơ")
    text = "İ HỒ SƠ"  # 'İ'.lower() is two characters: offsets of the lowercased text would shift
    assert pattern.search(text).span() == (2, 7)


def test_every_match_of_a_rule_holds_one_of_its_hints():
    """Hints are a first test before the pattern: a match without one would be silently lost."""
    for text in TEXTS:
        for cue, pattern in _all_rules():
            unanchored = re.compile(pattern.pattern.lstrip("^").replace(r"\s*$", r"\s*"), re.IGNORECASE)
            for match in unanchored.finditer(text):
                assert any(h in match.group().lower() for h in cue.hints), (cue.indicator, match.group())


def test_a_rule_without_hints_is_refused():
    with pytest.raises(ValueError):
        Cue("dossiers_online.head", "dossiers_online", cues.COUNT, head=Caseless(r"^\W*hồ sơ"))


PART_PHRASES = [
    "Riêng Sở Tư pháp", "Bộ Tài chính", "khối bộ, ngành", "UBND huyện Chư Sê", "Ủy ban nhân dân thị xã An Khê",
    "huyện Gia Bình", "thị xã Ba Đồn", "quận Hải Châu", "cấp huyện", "Bộ phận một cửa của Sở Xây dựng",
    "Trung tâm Phục vụ hành chính công huyện", "Các sở, ban, ngành tiếp nhận", "khối huyện, thị xã đạt",
    "Công an tỉnh", "Bảo hiểm xã hội tỉnh", "Cục Thuế", "Kho bạc", "Ban Quản lý các khu công nghiệp",
]


@pytest.mark.parametrize("phrase", PART_PHRASES)
def test_every_kind_of_part_of_the_government_is_found(phrase):
    """The pattern opens with a lookahead over its first letters; each alternative must still be reachable."""
    assert cues.PART_OF_GOVERNMENT.search(phrase + " ") is not None


@pytest.mark.parametrize("phrase", ["toàn tỉnh tiếp nhận", "Sở Thông tin và Truyền thông cho biết", "các cấp chính quyền"])
def test_province_wide_wording_is_no_part_of_the_government(phrase):
    assert cues.PART_OF_GOVERNMENT.search(phrase) is None


def _module_patterns(kind):
    """The cue module's patterns of one kind, by name."""
    return [(name, value) for name in dir(cues) if isinstance(value := getattr(cues, name), kind)]


def _end_anchored():
    return _module_patterns(cues.AtEnd) + list(cues.QUALIFIERS)


def test_every_match_of_an_end_anchored_pattern_ends_with_one_of_its_endings():
    """The endings are a first test before the pattern: a match ending otherwise would be silently lost."""
    patterns = list(_end_anchored())
    assert len(patterns) >= 8
    for text in TEXTS + ["Nghị định số 42", "xếp thứ hạng 5", "ước đạt 90%", "hơn là 3", "mức độ 3, 4", "dao động từ 5"]:
        for name, pattern in patterns:
            assert pattern.pattern.endswith("$"), name
            unanchored = re.compile(pattern.pattern[:-1], re.IGNORECASE)
            for match in unanchored.finditer(text):
                if match.group().strip():
                    assert match.group().lower().rstrip().endswith(pattern.endings), (name, match.group())


def _hinted():
    return _module_patterns(cues.Hinted) + [(f"rank index {code}", pattern) for code, pattern in cues.RANK_INDEXES]


def test_every_match_of_a_hinted_pattern_holds_one_of_its_hints():
    patterns = list(_hinted())
    assert len(patterns) >= 8
    for text in TEXTS:
        for name, hinted in patterns:
            fold = bool(hinted.pattern.flags & re.IGNORECASE)
            exact = re.compile(hinted.pattern.pattern, re.IGNORECASE if fold else 0)
            for match in exact.finditer(text):
                found = match.group().lower() if fold else match.group()
                assert any(h in found for h in hinted.hints), (name, match.group())


def test_a_hinted_scan_can_start_where_its_reach_says():
    """A match starts at most `reach` characters before a hint of its own, so a scan that starts
    there loses nothing."""
    reaching = [(name, hinted) for name, hinted in _hinted() if hinted.reach is not None]
    assert reaching
    phrases = " ".join(PART_PHRASES)
    checked = set()
    for text in TEXTS + [phrases]:
        for name, hinted in reaching:
            for match in hinted.pattern.finditer(text):
                checked.add(name)
                first_hint = min(at for h in hinted.hints if (at := match.group().find(h)) >= 0)
                assert first_hint <= hinted.reach, (name, match.group())
                assert 0 <= hinted.scan_start(text) <= match.start()
    assert checked, "no rule with a reach matched any text: the property checked nothing"
