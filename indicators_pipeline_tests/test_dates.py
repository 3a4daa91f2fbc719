"""Publication dates, years in sentences, and the year of undated figures."""
from __future__ import annotations

import datetime as dt

import pytest

from indicators_pipeline.extraction.dates import find_publication_date, find_time_markers, reference_year


@pytest.mark.parametrize("header, expected", [
    ("Tiêu đề bài\n\n30/01/2021\n\nNội dung", dt.date(2021, 1, 30)),
    ("Tiêu đề\nNgày 05-05-2021\nNội dung", dt.date(2021, 5, 5)),
    ("Hội nghị (12/02/2018)\nNội dung", dt.date(2018, 2, 12)),
    ("Cập nhật 2024-03-15 08:00", dt.date(2024, 3, 15)),
    ("Hà Nội, ngày 14 tháng 6 năm 2025", dt.date(2025, 6, 14)),
    ("Không có ngày nào ở đây", None),
    ("Ngày 31/02/2021 không hợp lệ", None),
])
def test_publication_date_from_the_header(header, expected):
    assert find_publication_date(header) == expected


def test_time_markers_ranges_as_last_year_and_decree_years_ignored():
    markers = find_time_markers("Giai đoạn 2016 - 2020 ... Nghị định 42/2022/NĐ-CP ... đến nay ... quý II/2023")
    assert [m.year for m in markers] == [2020, None, 2023]


def test_undated_article_falls_back_to_the_latest_single_year_it_names():
    text = "Năm 2022 tỉnh đạt nhiều kết quả. Kế hoạch giai đoạn 2021-2025. Tết Nguyên đán 2023."
    assert reference_year(None, text, today=dt.date(2026, 1, 1)) == (2023, "latest_year_in_text")


def test_undated_article_without_any_year_has_no_year():
    assert reference_year(None, "Không có năm nào.", today=dt.date(2026, 1, 1)) == (None, "none")


def test_january_review_of_the_past_year_takes_that_year():
    assert reference_year(dt.date(2021, 1, 30), "Tổng kết công tác năm 2020") == (2020, "year_review")
    assert reference_year(dt.date(2021, 5, 5), "Tổng kết công tác năm 2020") == (2021, "published_date")


def test_a_headline_naming_the_reviewed_year_gives_it():
    title = "Hậu Giang: đánh giá kết quả xây dựng Chính quyền điện tử năm 2020"
    assert reference_year(dt.date(2021, 5, 5), "...", title=title) == (2020, "title_year")
    # a headline naming a plan year ahead, or two years, says nothing about undated figures
    assert reference_year(dt.date(2021, 5, 5), "...", title="Kế hoạch năm 2025") == (2021, "published_date")
