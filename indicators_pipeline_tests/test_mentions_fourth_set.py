"""Rules the fourth dev set asked for, each tested on sentences of its own (not the dev articles)."""
from __future__ import annotations

from indicators_pipeline.extraction.mentions import ArticleContext, extract_mentions
from indicators_pipeline.extraction.places import article_province
from indicators_pipeline.ingest.article import parse_article

HA_TINH_2024 = ArticleContext(province_code="42", reference_year=2024)  # GSO code of Hà Tĩnh


def facts(text, context=HA_TINH_2024):
    return {(m.indicator_code, m.value, m.province_code) for m in extract_mentions(text, context) if not m.is_target}


def test_a_rank_within_a_region_named_before_it_is_no_national_rank():
    text = ("Chỉ số cải cách hành chính năm 2023 của Hà Tĩnh xếp thứ 12/63. "
            "So với các tỉnh khu vực Bắc Trung Bộ, Hà Tĩnh đứng thứ 2.")
    assert facts(text) == {("par_index_rank", 12.0, "42")}


def test_a_region_before_a_rank_larger_than_any_region_leaves_a_national_rank():
    """No region holds more than 14 provinces: 'trong khu vực, Nghệ An xếp thứ 35' lists a national rank."""
    text = "Chỉ số DTI năm 2023: Hà Tĩnh xếp thứ 9. Trong khu vực, Nghệ An xếp thứ 35, Quảng Bình thứ 41."
    assert facts(text) == {("dti_rank", 9.0, "42"), ("dti_rank", 35.0, "40"), ("dti_rank", 41.0, "44")}


def test_an_economic_ranking_is_no_index_rank():
    text = ("Chỉ số PAR INDEX năm 2023 của tỉnh xếp thứ 20/63. "
            "Tốc độ tăng trưởng GRDP của tỉnh năm 2023 đứng thứ 9 cả nước; thu ngân sách xếp thứ 25.")
    assert facts(text) == {("par_index_rank", 20.0, "42")}


def test_component_scores_listed_after_the_index_are_no_total_score():
    text = ("Theo Bộ chỉ số phục vụ người dân, doanh nghiệp năm 2024, tỉnh đạt 82,3 điểm. "
            "Trong đó, chỉ số tiến độ giải quyết đạt 18,5 điểm, chỉ số số hóa hồ sơ đạt 16,2 điểm.")
    assert facts(text) == {("service_index_score", 82.3, "42")}


def test_a_count_per_day_is_no_count_of_the_year():
    text = ("Bình quân mỗi ngày, Trung tâm Phục vụ hành chính công tỉnh tiếp nhận khoảng 1.200 hồ sơ. "
            "Hệ thống xử lý 350 hồ sơ trực tuyến mỗi ngày. "
            "Năm 2024, toàn tỉnh tiếp nhận 412.560 hồ sơ; mỗi năm các cơ quan trao đổi gần 90.000 văn bản điện tử.")
    assert facts(text) == {("dossiers_received", 412560.0, "42"), ("documents_electronic", 90000.0, "42")}


def test_an_overview_of_the_country_speaks_of_the_country():
    assert article_province("Toàn quốc có 3.688 dịch vụ công trực tuyến toàn trình", "") == "00"
    assert article_province("Hà Tĩnh dẫn đầu cả nước về hồ sơ trực tuyến", "") == "42"  # a province named wins
    article = parse_article("Cả nước đã số hóa 60% hồ sơ\n\n15/05/2024\n\nĐến nay có 3.688 dịch vụ công trực tuyến toàn trình."
                            .encode("utf-8"))
    assert (article.province_code, article.province_name) == ("00", "national")
    context = ArticleContext(article.province_code, article.reference_year)
    assert facts(article.text, context) >= {("online_services_full", 3688.0, "00")}
