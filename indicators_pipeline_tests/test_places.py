"""Province names, aliases and the article's own province."""
from __future__ import annotations

import pytest

from indicators_pipeline.extraction.places import article_province, find_places


@pytest.mark.parametrize("text, code", [
    ("UBND tỉnh Đắk Lắk", "66"), ("tỉnh Đăk Lăk", "66"), ("TP.HCM", "79"), ("Thừa Thiên Huế", "46"),
    ("tỉnh Bà Rịa - Vũng Tàu", "77"), ("Ha Noi", "01"), ("tỉnh Hoà Bình", "17"),
])
def test_names_and_aliases(text, code):
    assert [p.province_code for p in find_places(text)] == [code]


def test_lowercase_words_are_not_provinces():
    assert find_places("60 năm chiến thắng điện biên phủ, hòa bình") == []


def test_article_province_prefers_title_and_titled_mentions():
    text = "Sở TT&TT tỉnh Hậu Giang họp.\nỞ Hà Nội có hội thảo. Tỉnh Hậu Giang đạt kết quả tốt."
    assert article_province("Hậu Giang: chuyển đổi số năm 2020", text) == "93"
    assert article_province("Tin tức", "Không nói tỉnh nào.") is None


def test_the_longest_spelling_wins_and_names_start_words():
    found = find_places("Tỉnh Thừa Thiên Huế, TP. Huế và xHà Nội; Bà Rịa - Vũng Tàu")
    assert [(p.province_code, p.titled) for p in found] == [("46", True), ("46", False), ("77", False)]


def test_places_are_found_within_bounds_only():
    text = "Hà Nội và Hải Phòng"
    assert [p.province_code for p in find_places(text, 7)] == ["31"]


def test_an_overview_naming_provinces_alike_is_about_none_of_them():
    text = ("Đến nay, 57 địa phương đã ứng dụng chữ ký số. Sáu địa phương chưa ứng dụng là Bình Phước, "
            "Đắk Lắk, Hải Dương, Lai Châu, Nam Định và Phú Yên.")
    assert article_province("Tình hình ứng dụng chữ ký số tại các địa phương", text) is None
    assert article_province("Lai Châu đẩy mạnh ứng dụng chữ ký số", text) == "12"
