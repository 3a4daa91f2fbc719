"""The str.find scans find exactly what the regexes they replace found."""
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from indicators_pipeline.extraction.literals import word_spans, year_spans

# Texts made of the pieces that matter: digits, the anchor words, spaces and Vietnamese letters.
_PIECES = st.sampled_from(["19", "20", "2", "0", "1", "9", "7", " ", ".", "/", "nay", "hiện", "thời điểm", "nước",
                           "quốc", "63 tỉnh", "Hiện", "n", "h", "ớ", "đến ", "năm "])
_TEXTS = st.lists(_PIECES, max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(_TEXTS, st.integers(0, 10), st.integers(0, 10))
def test_year_spans_are_the_regex_matches(text, cut_start, cut_end):
    start, end = min(cut_start, len(text)), max(min(cut_start, len(text)), len(text) - cut_end)
    expected = [m.span() for m in re.compile(r"(?:19|20)\d\d(?!\d)").finditer(text, start, end)]
    assert year_spans(text, start, end) == expected


@settings(max_examples=300, deadline=None)
@given(_TEXTS, st.integers(0, 10))
def test_word_spans_are_the_regex_matches(text, cut_start):
    start = min(cut_start, len(text))
    for words in (("nay", "hiện", "thời điểm"), ("nước", "quốc", "63 tỉnh")):
        expected = [m.span() for m in re.compile("|".join(words)).finditer(text, start)]
        assert word_spans(text, words, start) == expected


def test_years_inside_longer_numbers_and_at_the_edge():
    text = "năm 2020, 12019 hồ sơ, 20215 và 1999"  # '20215' holds no year: a digit follows '2021'
    assert [text[a:b] for a, b in year_spans(text)] == ["2020", "2019", "1999"]
    assert [text[a:b] for a, b in year_spans(text, 0, len(text) - 1)] == ["2020", "2019"]  # '199' is no year
