"""Vietnamese number writing, parsed and formatted."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from indicators_pipeline.extraction.numbers import find_numbers, format_number, parse_number


@pytest.mark.parametrize("text, value, kind", [
    ("1.937 dịch vụ", 1937, "count"),
    ("98,92%", 98.92, "percent"),
    ("37,9 tỷ đồng", 37.9, "money"),
    ("500 triệu đồng", 0.5, "money"),
    ("17/17 huyện", 17, "ratio"),
    ("hơn 1,2 nghìn hồ sơ", 1200, "count"),
    ("1,2 triệu hồ sơ", 1_200_000, "count"),
    ("1\u00a0937 hồ sơ", 1937, "count"),
    ("98,5\u00a0%", 98.5, "percent"),
    ("98.5%", 98.5, "percent"),
    ("1.234.567 văn bản", 1_234_567, "count"),
    ("80 phần trăm", 80, "percent"),
])
def test_numbers_as_written(text, value, kind):
    token = find_numbers(text)[0]
    assert token.value == pytest.approx(value)
    assert token.kind == kind


@pytest.mark.parametrize("text", ["ngày 07/9/2020", "tháng 5/2021", "Thông báo 16/TB-VPCP", "ISO 9001:2015",
                                  "Quyết định 766/QĐ-TTg", "Ngày 29-1, tại"])
def test_dates_and_document_numbers_are_not_figures(text):
    assert find_numbers(text) == []


def test_ratio_keeps_its_denominator():
    token = find_numbers("vị trí 49/63 tỉnh")[0]
    assert (token.value, token.denominator) == (49, 63)


def test_written_decimals_are_kept_for_rounding_tolerance():
    assert [t.decimals for t in find_numbers("28,9% và 36% và 98,92%")] == [1, 0, 2]


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=3))
def test_a_formatted_number_parses_back(whole, decimals):
    value = whole / (10 ** decimals)
    assert parse_number(format_number(value, decimals)) == pytest.approx(value)


def test_any_text_gives_tokens_inside_it():
    checked = []

    @settings(max_examples=300)
    @given(st.text())
    def tokens_inside(text):
        for token in find_numbers(text):
            checked.append(token)
            assert 0 <= token.start < token.end <= len(text)

    tokens_inside()
    assert checked, "no generated text held a number: the property checked nothing"  # about 1 text in 12 does


def test_the_ty_of_a_rate_is_no_scale():
    """'năm 2025 tỷ lệ hồ sơ': 'tỷ lệ' is a rate; the year is 2025, not 2,025 trillion."""
    tokens = find_numbers("Mục tiêu đến năm 2025 tỷ lệ hồ sơ trực tuyến đạt 50%, kinh phí 37,9 tỷ đồng và 2 tỷ.")
    assert [(t.value, t.kind) for t in tokens] == [(2025.0, "count"), (50.0, "percent"), (pytest.approx(37.9), "money"),
                                                  (2e9, "count")]
