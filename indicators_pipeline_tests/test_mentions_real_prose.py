"""Rules the fourth session's first reading of real articles asked for (readings.csv, session 4-first).

Each test is a sentence of our own with the structure of a failure seen in real prose, with other
provinces, numbers and words; none is a sentence of the pages read.
"""
from __future__ import annotations

from indicators_pipeline.explain import readings
from indicators_pipeline.extraction.mentions import ArticleContext, extract_mentions
from indicators_pipeline.extraction.numbers import find_numbers

BEN_TRE_2024 = ArticleContext(province_code="83", reference_year=2024)  # GSO code of Bến Tre


def facts(text, context=BEN_TRE_2024):
    return {(m.indicator_code, m.value, m.province_code, m.year)
            for m in extract_mentions(text, context) if not m.is_target}


def test_ranks_listed_together_pair_with_provinces_listed_together():
    text = "Chỉ số DTI năm 2023: Bình Dương và Đồng Nai lần lượt xếp thứ 5 và 9 cả nước."
    assert facts(text) == {("dti_rank", 5.0, "74", 2023), ("dti_rank", 9.0, "75", 2023)}


def test_ranks_in_words_with_their_provinces_after_them():
    text = "Bảng xếp hạng Chỉ số DTI năm 2022 có Đà Nẵng đứng đầu. Các vị trí thứ sáu và thứ bảy là Nghệ An và Thanh Hóa."
    assert facts(text) == {("dti_rank", 1.0, "48", 2022), ("dti_rank", 6.0, "40", 2022), ("dti_rank", 7.0, "38", 2022)}


def test_ranks_listed_with_more_provinces_than_ranks_are_dropped_not_guessed():
    text = "Chỉ số DTI năm 2023: ba tỉnh Lai Châu, Điện Biên và Sơn La xếp thứ 60 và 61."
    assert facts(text) == set()
    dropped = [r.detail for r in readings(text, BEN_TRE_2024) if r.outcome == "dropped"]
    assert any("cannot be paired" in reason for reason in dropped)


def test_an_ordinal_of_a_period_is_not_a_rank():
    text = "Chỉ số DTI năm 2023, Bình Dương có năm thứ 4 liên tiếp giữ vị trí cao nhất; Bến Tre xếp thứ 18/63."
    assert facts(text) == {("dti_rank", 18.0, "83", 2023)}


def test_a_compared_year_before_a_new_clause_does_not_date_the_figure():
    text = "Chỉ số DTI năm 2023 của tỉnh Bến Tre tăng 7 bậc so với năm 2022, xếp thứ 18/63 tỉnh, thành phố."
    assert facts(text) == {("dti_rank", 18.0, "83", 2023)}
    assert facts("Tỷ lệ hồ sơ trực tuyến năm 2023 đạt 61,2%, cao hơn năm 2022 (48,5%).") == {
        ("dossiers_online_pct", 61.2, "83", 2023), ("dossiers_online_pct", 48.5, "83", 2022)}


def test_index_names_capitalized_either_way():
    text = "Chỉ số Cải cách hành chính năm 2021 (PAR index 2021) của tỉnh Sóc Trăng đạt 82,1 điểm, hạng 33/63."
    assert facts(text) == {("par_index_rank", 33.0, "94", 2021)}


def test_a_ranking_outside_the_catalogue_named_in_parentheses_is_a_component():
    text = ("Chỉ số CCHC năm 2022 của tỉnh Bến Tre đạt 85,3 điểm (gồm Chỉ số SIPAS đạt 8,1/10 điểm). "
            "Xếp hạng thứ 19/63 tỉnh, thành phố.")
    assert facts(text) == {("par_index_rank", 19.0, "83", 2022)}


def test_a_field_named_in_a_heading_makes_the_ranks_under_it_a_part_of_the_index():
    text = ("Chỉ số CCHC năm 2022 của tỉnh Bình Phước xếp thứ 40/63.\n\n- Lĩnh vực Cải cách tài chính công\n\n"
            "Đạt 8,2/10 điểm, xếp thứ 15/63.\n")
    assert facts(text) == {("par_index_rank", 40.0, "70", 2022)}


def test_the_province_a_rank_belongs_to_can_follow_it():
    text = ("Chỉ số DTI năm 2021: Vị trí thứ 2 trong bảng xếp hạng thuộc về Tp.Hải Phòng; "
            "vị trí thứ ba của Cần Thơ.")
    assert facts(text) == {("dti_rank", 2.0, "31", 2021), ("dti_rank", 3.0, "92", 2021)}


def test_every_mention_names_the_rule_that_read_it_and_every_number_is_accounted_for():
    text = ("Năm 2023, tỉnh Bến Tre có 812 dịch vụ công trực tuyến toàn trình; phấn đấu đến năm 2025 có 1.000 dịch vụ "
            "công trực tuyến toàn trình. Ngày 3/5 họp.")
    found = readings(text, BEN_TRE_2024)
    facts_read = [r for r in found if r.outcome == "fact"]
    assert [r.written for r in facts_read][0].startswith("812") and "rule head_cue" in facts_read[0].detail
    assert {r.outcome for r in found} >= {"fact", "target", "dropped"}
    assert all(m.rule for m in extract_mentions(text, BEN_TRE_2024))
    # Every number of the text has exactly one outcome: its own reading, or the figure whose evidence holds it.
    numbers = find_numbers(text)
    assert [text[t.start:t.end] for t in numbers] == ["2023", "812", "2025", "1.000", "3/5"]
    for token in numbers:
        covering = [r for r in found if r.start <= token.start and token.end <= r.end]
        assert len(covering) == 1, (text[token.start:token.end], covering)
    assert len(found) == len(numbers)  # and no reading without a number


def test_a_rank_of_a_rate_is_not_the_rank_of_the_index_named_before():
    text = ("Chỉ số DTI năm 2024 của tỉnh Bến Tre xếp thứ 12/63. "
            "Tỷ lệ thanh toán trực tuyến của tỉnh đạt 45,6%, xếp thứ 8/63 cả nước.")
    assert facts(text) == {("dti_rank", 12.0, "83", 2024), ("online_payment_pct", 45.6, "83", 2024)}


def test_a_gap_or_a_small_rise_in_points_is_not_a_score():
    text = ("Bộ chỉ số phục vụ người dân, doanh nghiệp năm 2023: Bến Tre đạt 88,4 điểm, tăng nhẹ 0,15 điểm; "
            "Vĩnh Long đạt 88,1 điểm (kém 0,3 điểm).")
    assert facts(text) == {("service_index_score", 88.4, "83", 2023), ("service_index_score", 88.1, "86", 2023)}


def test_a_pillar_of_the_dti_named_in_the_sentence_makes_its_rank_a_pillar_rank():
    text = "Chỉ số DTI năm 2023 của Bến Tre xếp thứ 14/63; riêng chỉ số thể chế số, tỉnh đứng thứ hai cả nước."
    assert facts(text) == {("dti_rank", 14.0, "83", 2023)}


def test_first_place_in_words_is_rank_one_of_the_whole_ranking_only():
    text = ("Chỉ số DTI năm 2023: Bình Dương tiếp tục dẫn đầu cả nước; Bến Tre dẫn đầu khu vực đồng bằng sông Cửu Long "
            "và đứng đầu về hạ tầng số. Tỉnh Long An dẫn đầu với 0,61 điểm về kinh tế số.")
    found = facts(text)
    assert ("dti_rank", 1.0, "74", 2023) in found
    assert not any(code == "dti_rank" and province in ("83", "80") for code, _, province, _ in found)


def test_first_place_of_a_ranking_outside_the_catalogue_leaves_its_figure_readable():
    text = "Chỉ số SIPAS năm 2023: Hậu Giang dẫn đầu với 91,2%; tỉnh Bến Tre đạt 88,7%."
    assert facts(text) == {("sipas_pct", 91.2, "93", 2023), ("sipas_pct", 88.7, "83", 2023)}


def test_the_level_named_before_the_figure_with_the_service_noun_after_it():
    text = ("Số dịch vụ công trực tuyến mức độ 4 là 640 dịch vụ. Mức độ 3 có 212 thủ tục. "
            "Tổng số dịch vụ công trực tuyến toàn trình là 377 dịch vụ.")
    assert facts(text, LONG_AN_2021) == {("online_services_level4", 640.0, "80", 2021),
                                         ("online_services_level3", 212.0, "80", 2021),
                                         ("online_services_full", 377.0, "80", 2021)}


def test_a_fraction_whose_base_looks_like_a_year_gives_its_numerator_and_its_share():
    text = "Số dịch vụ công trực tuyến mức 4 là 812/2021 thủ tục, đạt 40,2%."
    assert facts(text, LONG_AN_2021) == {("online_services_level4", 812.0, "80", 2021),
                                         ("online_services_level4_pct", 40.2, "80", 2021)}
    assert facts("Ngày 15/3, tháng 5/2021 thủ tục được rà soát.", LONG_AN_2021) == set()


def test_a_topic_opening_the_sentence_frames_the_first_figure_after_it():
    text = ("Riêng dịch vụ công mức độ 3 và 4, tỉnh đã đưa lên cổng 964/1.870 thủ tục (đạt 51,6%). "
            "Về mức độ 4, hiện mới có 28 dịch vụ.")
    assert facts(text, LONG_AN_2021) == {("online_services_level34", 964.0, "80", 2021),
                                         ("online_services_level34_pct", 51.6, "80", 2021),
                                         ("online_services_level4", 28.0, "80", 2021)}
    rules = {m.value: m.rule for m in extract_mentions(text, LONG_AN_2021)}
    assert rules[964.0] == "topic_frame"


def test_a_sentence_opening_with_a_part_of_the_year_or_of_government_gives_no_figure_of_the_province():
    text = ("Năm 2021, toàn tỉnh tiếp nhận 88.400 hồ sơ. Riêng quý IV, trung tâm tiếp nhận 21.300 hồ sơ. "
            "Riêng huyện Đức Hòa, đã tiếp nhận 7.900 hồ sơ.")
    assert facts(text, LONG_AN_2021) == {("dossiers_received", 88400.0, "80", 2021)}


LONG_AN_2021 = ArticleContext(province_code="80", reference_year=2021)  # GSO code of Long An


# Rules from the held-out reading (24 more real articles, read after the rules above were written).
GIA_LAI_2023 = ArticleContext(province_code="64", reference_year=2023)


def test_levels_three_and_four_written_with_a_comma_are_two_levels_not_a_decimal():
    text = "Năm 2023, tỉnh đã cung cấp 864 dịch vụ công trực tuyến mức độ 3,4 trên Cổng dịch vụ công của tỉnh."
    assert facts(text, GIA_LAI_2023) == {("online_services_level34", 864.0, "64", 2023)}


def test_a_city_of_the_province_is_a_part_of_it_but_a_city_that_is_a_province_is_not():
    assert facts("Năm 2023, thành phố Pleiku đã tiếp nhận 21.400 hồ sơ.", GIA_LAI_2023) == set()
    assert facts("Năm 2023, thành phố Cần Thơ đã tiếp nhận 21.400 hồ sơ.", GIA_LAI_2023) == {
        ("dossiers_received", 21400.0, "92", 2023)}


def test_counts_of_one_level_of_government_named_after_the_noun_are_no_province_figures():
    text = "Năm 2023, toàn tỉnh đã đưa vào vận hành 512 dịch vụ công cấp tỉnh, 930 dịch vụ công cấp huyện."
    assert facts(text, GIA_LAI_2023) == set()
    spanning = "Năm 2023, có 1.620 thủ tục hành chính từ cấp tỉnh đến cấp xã đã cập nhật trên hệ thống."
    assert facts(spanning, GIA_LAI_2023) == {("procedures_total", 1620.0, "64", 2023)}


def test_procedures_added_amended_or_abolished_are_not_the_procedures_in_force():
    text = ("Năm 2023, UBND tỉnh công bố danh mục 187 TTHC, gồm: 12 TTHC ban hành mới; sửa đổi, bổ sung 160 TTHC; "
            "bãi bỏ 15 TTHC.")
    assert not {v for code, v, _, _ in facts(text, GIA_LAI_2023) if code == "procedures_total"} & {12.0, 160.0, 15.0}


def test_procedures_listed_on_the_national_portal_are_not_services_integrated_there():
    text = ("Hiện toàn tỉnh đang thực hiện 1.950 thủ tục hành chính, được công khai trên Cổng Dịch vụ công quốc gia. "
            "Tỉnh đã tích hợp 640 dịch vụ công trực tuyến lên Cổng Dịch vụ công quốc gia.")
    assert facts(text, GIA_LAI_2023) == {("procedures_total", 1950.0, "64", 2023),
                                         ("national_portal_services", 640.0, "64", 2023)}


def test_dossiers_broken_down_by_channel_with_the_channel_first():
    text = ("Năm 2023, tổng số hồ sơ đã tiếp nhận là 95.210 hồ sơ, trong đó: trực tuyến 70.118 hồ sơ; "
            "trực tiếp và qua dịch vụ bưu chính công ích 25.092 hồ sơ. Số lượng hồ sơ đã giải quyết là 90.004.")
    assert facts(text, GIA_LAI_2023) == {("dossiers_received", 95210.0, "64", 2023), ("dossiers_online", 70118.0, "64", 2023),
                                         ("dossiers_offline", 25092.0, "64", 2023), ("dossiers_resolved", 90004.0, "64", 2023)}


def test_the_total_of_services_with_the_province_named_between_label_and_figure():
    text = "Năm 2023, tổng số dịch vụ công trực tuyến (DVCTT) của tỉnh là 1.310/1.650 thủ tục."
    assert facts(text, GIA_LAI_2023) == {("online_services_total", 1310.0, "64", 2023)}


def test_dossiers_by_channel_inside_parentheses_and_resolved_with_the_verb_after_the_noun():
    text = ("Năm 2023, toàn tỉnh tiếp nhận 64.210 hồ sơ (trực tuyến 51.004 hồ sơ, trực tiếp 13.206 hồ sơ). "
            "Trong đó: 60.118 hồ sơ đã được giải quyết, 2.300 hồ sơ giải quyết quá hạn.")
    assert facts(text, GIA_LAI_2023) == {("dossiers_received", 64210.0, "64", 2023), ("dossiers_online", 51004.0, "64", 2023),
                                         ("dossiers_offline", 13206.0, "64", 2023), ("dossiers_resolved", 60118.0, "64", 2023)}


def test_mailboxes_are_no_households():
    text = "Năm 2023, tỉnh đã cấp 6.140 hộp thư điện tử công vụ cho cán bộ."
    assert facts(text, GIA_LAI_2023) == {("email_accounts", 6140.0, "64", 2023)}


def test_early_alone_is_a_part_of_on_time_but_on_time_and_early_together_is_the_share():
    text = ("Năm 2023, có 58,2% hồ sơ giải quyết trước hạn. Tỷ lệ trả kết quả đúng, trước hạn là 96,1%; "
            "tỷ lệ hồ sơ giải quyết trước hạn và đúng hạn đạt 97%.")
    assert facts(text, GIA_LAI_2023) == {("dossiers_ontime_pct", 96.1, "64", 2023), ("dossiers_ontime_pct", 97.0, "64", 2023)}


def test_the_city_that_is_the_province_speaks_of_the_province():
    can_tho = ArticleContext(province_code="92", reference_year=2025)
    assert facts("Năm 2025, trên địa bàn thành phố đang thực hiện 2.106 thủ tục hành chính.", can_tho) == {
        ("procedures_total", 2106.0, "92", 2025)}
