"""Figures before and after the 1 July 2025 merger."""
from __future__ import annotations

import datetime as dt

from indicators_pipeline.merger import attribute


def test_before_the_merger_the_old_province_with_its_future_unit():
    place = attribute("64", 2024, dt.date(2025, 1, 10))
    assert (place.province_code, place.province_name, place.province_2025_code, place.is_post_merger) == ("64", "Gia Lai", "52", False)


def test_after_the_merger_gia_lai_means_the_merged_unit():
    place = attribute("64", 2025, dt.date(2025, 9, 1))
    assert (place.province_code, place.province_name, place.province_2025_code, place.is_post_merger) == (None, "Gia Lai", "52", True)


def test_an_unmerged_province_keeps_its_code_after_the_merger():
    place = attribute("04", 2026, dt.date(2026, 3, 1))
    assert (place.province_code, place.province_name, place.province_2025_code) == ("04", "Cao Bằng", "04")


def test_binh_dinh_code_52_before_is_not_gia_lai_52_after():
    before = attribute("52", 2024, dt.date(2024, 12, 1))
    after = attribute("52", 2025, dt.date(2025, 12, 1))
    assert before.province_name == "Bình Định" and before.province_2025_code == "52"
    assert after.province_name == "Gia Lai" and after.province_code is None


def test_national_figures():
    assert attribute("00", 2022, None).province_name == "national"
