"""Articles as documents (issue 19): saved pages, crawler feeds, where an article comes from, and the
frames that date and place its figures across sentences. Every text here is our own."""
from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from indicators_pipeline.extraction.mentions import ArticleContext, extract_mentions
from indicators_pipeline.extraction.records import article_rows
from indicators_pipeline.ingest.article import Provenance, parse_article
from indicators_pipeline.ingest.decoding import NotText
from indicators_pipeline.ingest.feed import article_from_record
from indicators_pipeline.ingest.folder import ingest
from indicators_pipeline.ingest.source import source_place
from indicators_pipeline.warehouse import tables
from indicators_pipeline_tests.pipeline_runs import failures, materialize_all, query

SAVED_PAGE = """<!doctype html><html><head>
<title>Kon Tum: 412 dịch vụ công toàn trình | Báo Kon Tum</title>
<meta property="og:url" content="https://baokontum.com.vn/kon-tum-412-dich-vu-cong-toan-trinh-12345.html">
<meta property="og:site_name" content="Báo Kon Tum điện tử">
<meta property="og:title" content="Kon Tum: 412 dịch vụ công toàn trình">
<meta property="article:published_time" content="2024-04-10T07:30:00+07:00">
</head><body>
<nav><ul><li><a href="/">Trang chủ</a></li><li><a href="/thoi-su">Thời sự</a></li><li><a href="/kinh-te">Kinh tế</a></li></ul></nav>
<article><h1>Kon Tum: 412 dịch vụ công toàn trình</h1>
<p>Đến nay, tỉnh đã cung cấp 412 dịch vụ công trực tuyến toàn trình trên Cổng dịch vụ công của tỉnh.</p>
<p>Trong quý I, tỷ lệ hồ sơ được giải quyết đúng hạn của tỉnh đạt 97,35%, cao hơn cùng kỳ năm trước.</p>
<p>Lãnh đạo Sở cho biết thời gian tới sẽ tiếp tục rà soát quy trình nội bộ để giảm thời gian xử lý.</p></article>
<aside><h3>Tin liên quan</h3><ul>
<li><a href="/a">Quảng Ngãi: 88,5% hồ sơ được giải quyết đúng hạn</a></li>
<li><a href="/b">Bình Định cung cấp 1.234 dịch vụ công trực tuyến mức độ 4</a></li></ul></aside>
<footer><p>Báo Kon Tum điện tử. Giấy phép số 12/GP-BTTTT. Điện thoại 0260 3862 000.</p></footer>
</body></html>"""


def _context(province: str | None, published: dt.date, year: int | None = None, source: str = "published_date"):
    return ArticleContext(province_code=province, reference_year=year or published.year, published=published,
                          reference_year_source=source)


def _read(text: str, context: ArticleContext) -> list[tuple[str, float, str | None, int | None, str, str]]:
    return [(m.indicator_code, m.value, m.province_code, m.year, m.year_source, m.province_source)
            for m in extract_mentions(text, context) if not m.is_target]


# --- Saved pages -------------------------------------------------------------------------------------------

def test_a_saved_page_is_its_article_with_the_pages_own_address_site_and_date():
    article = parse_article(SAVED_PAGE.encode("utf-8"))
    assert article.was_html
    assert article.url == "https://baokontum.com.vn/kon-tum-412-dich-vu-cong-toan-trinh-12345.html"
    assert article.site == "Báo Kon Tum điện tử"
    assert (article.published_date, article.published_source) == (dt.date(2024, 4, 10), "metadata")
    assert article.title == "Kon Tum: 412 dịch vụ công toàn trình"
    assert "412 dịch vụ công trực tuyến toàn trình" in article.text
    for outside in ("Tin liên quan", "1.234", "88,5%", "Giấy phép", "Trang chủ"):
        assert outside not in article.text  # menus, the related box and the footer are not the article


def test_a_page_without_an_article_is_refused_with_that_reason():
    menu_only = ('<html><head><title>Lỗi 404</title></head><body><nav><ul><li><a href="/">Trang chủ</a></li>'
                 '<li><a href="/a">Thời sự</a></li></ul></nav><footer><p>Bản quyền thuộc Báo điện tử.</p></footer></body></html>')
    with pytest.raises(NotText, match="no article text"):
        parse_article(menu_only.encode("utf-8"))


# --- Crawler feeds ------------------------------------------------------------------------------------------

def _feed_line(url: str, text: str, **fields) -> str:
    return json.dumps({"url": url, "text": text, **fields}, ensure_ascii=False)


LAM_DONG = ("Năm 2023, tỉnh tiếp nhận 215.400 hồ sơ thủ tục hành chính, tỷ lệ hồ sơ trực tuyến đạt 61,2%.")
PORTAL_URL = "https://stttt.lamdong.gov.vn/tin-tuc/ket-qua-cai-cach-hanh-chinh-2023"


def test_a_feed_record_gives_its_address_title_date_and_site_first():
    article = article_from_record({"url": PORTAL_URL, "title": "Kết quả cải cách hành chính năm 2023",
                                   "date": "2024-01-12T08:00:00", "sitename": "Sở TT&TT Lâm Đồng",
                                   "text": LAM_DONG})
    assert article.url == PORTAL_URL and article.site == "Sở TT&TT Lâm Đồng"
    assert (article.published_date, article.published_source) == (dt.date(2024, 1, 12), "feed")
    assert article.text.startswith("Kết quả cải cách hành chính năm 2023\n\n")
    # The text says only 'tỉnh': the department's portal of Lâm Đồng says which province.
    assert (article.province_name, article.province_source, article.province_evidence) == ("Lâm Đồng", "site", "lamdong.gov.vn")
    again = article_from_record({"source": PORTAL_URL, "raw_text": LAM_DONG + " Sửa.", "published": "2024-01-12"})
    assert again.article_id == article.article_id  # known by its address: a corrected page keeps its identity


def test_a_feed_record_without_text_is_refused():
    with pytest.raises(NotText, match="without text"):
        article_from_record({"url": PORTAL_URL, "title": "Chỉ có tiêu đề"})


def _empty(table: tables.Table) -> pd.DataFrame:
    return pd.DataFrame(columns=table.column_names)


def test_a_feed_is_read_line_by_line_bad_lines_rejected_and_a_changed_line_alone_is_new(tmp_path: Path):
    raw = tmp_path / "raw"
    (raw / "crawl").mkdir(parents=True)
    feed = raw / "crawl" / "pages.jsonl"
    lines = [_feed_line(PORTAL_URL, LAM_DONG, title="Kết quả năm 2023", date="2024-01-12"),
             "{ not json",
             json.dumps({"url": "https://example.vn/empty", "title": "Không có bài"}),
             _feed_line("https://baolamdong.vn/so-hoa-123.html", "Tỷ lệ số hóa hồ sơ của tỉnh đạt 72,4%.",
                        date="2024-02-01")]
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    first = ingest(raw, _empty(tables.FILE_INVENTORY), {})
    reasons = dict(zip(first.rejected["source_path"], first.rejected["reason"]))
    assert set(first.article_index["source_path"]) == {"crawl/pages.jsonl:1", "crawl/pages.jsonl:4"}
    assert reasons["crawl/pages.jsonl:2"].startswith("feed line is not JSON")
    assert "without text" in reasons["crawl/pages.jsonl:3"]
    assert first.stats["new_articles"] == 2

    known = dict(zip(first.new_articles["article_id"], first.new_articles["content_sha256"]))
    unchanged = ingest(raw, first.inventory, known)
    assert unchanged.stats["read"] == 0 and unchanged.stats["new_articles"] == 0

    lines[3] = _feed_line("https://baolamdong.vn/so-hoa-123.html", "Tỷ lệ số hóa hồ sơ của tỉnh đạt 74,1%.",
                          date="2024-02-01")
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.utime(feed, ns=(feed.stat().st_atime_ns, feed.stat().st_mtime_ns + 10**9))
    changed = ingest(raw, first.inventory, known)
    assert changed.stats["new_articles"] == 1  # the one line whose text changed; the other is not new
    assert list(changed.new_articles["source_path"]) == ["crawl/pages.jsonl:4"]
    assert "74,1%" in changed.new_articles["text"].iloc[0]


def test_a_link_to_a_file_outside_the_raw_folder_is_never_opened(tmp_path: Path):
    raw, outside = tmp_path / "raw", tmp_path / "secrets"
    raw.mkdir()
    outside.mkdir()
    (outside / "config.txt").write_text("Mật khẩu cơ sở dữ liệu: hunter2. Tỉnh Gia Lai có 500 dịch vụ công.", encoding="utf-8")
    (raw / "inside.txt").write_text("Tỉnh Gia Lai có 321 dịch vụ công trực tuyến toàn trình.", encoding="utf-8")
    (raw / "leak.txt").symlink_to(outside / "config.txt")
    (raw / "alias.txt").symlink_to(raw / "inside.txt")  # inside the folder: followed (a duplicate)
    result = ingest(raw, _empty(tables.FILE_INVENTORY), {})
    reasons = dict(zip(result.rejected["source_path"], result.rejected["reason"]))
    assert reasons["leak.txt"].startswith("symbolic link to a file outside the raw folder: not opened")
    assert "hunter2" not in " ".join(result.new_articles["text"])
    assert reasons["inside.txt"] == "duplicate of alias.txt (same text)"  # a link inside the folder is read
    allowed = ingest(raw, _empty(tables.FILE_INVENTORY), {}, link_targets=(outside,))
    assert "leak.txt" in set(allowed.article_index["source_path"])  # a folder the setting names may be linked to


# --- Where an article comes from ----------------------------------------------------------------------------

@pytest.mark.parametrize("url, site, expected", [
    ("https://sotuphap.binhdinh.gov.vn/tin/123", None, ("52", "site")),  # a department's portal: its province's
    ("https://www.baocamau.vn/xa-hoi/a1.html", None, ("96", "site")),
    ("http://vnexpress.net/thoi-su/ha-giang-dan-dau-ve-so-hoa-456.html", None, ("02", "address")),  # the slug names it
    ("https://tuoitre.vn/chuyen-doi-so-ca-nuoc-789.htm", None, ("00", "national_site")),
    ("https://unknown-blog.example/bai-viet", None, (None, "")),
    (None, "baoquangninh.vn", ("22", "site")),  # a feed's host name alone
    ("https://tintuc.example/bai-ve-quang-nam-va-quang-ngai.html", None, (None, "")),  # two provinces: no evidence
])
def test_the_address_and_site_say_which_province_an_article_speaks_for(url, site, expected):
    place = source_place(url, site)
    assert (place.province_code, place.source) == expected


def test_a_national_outlet_article_takes_the_province_its_title_names_else_the_country():
    titled = parse_article("Số hóa hồ sơ tăng mạnh\n\nTỷ lệ số hóa hồ sơ đạt 55,5%.".encode(),
                           provenance=Provenance(url="https://tuoitre.vn/so-hoa-ho-so-tang-manh-1.htm",
                                                 title="TP. HCM: số hóa hồ sơ tăng mạnh"))
    assert (titled.province_code, titled.province_source) == ("79", "title")
    national = parse_article("Tỷ lệ số hóa hồ sơ đạt 55,5%.".encode(),
                             provenance=Provenance(url="https://tuoitre.vn/so-hoa-ho-so-1.htm", title="Số hóa hồ sơ"))
    assert (national.province_code, national.province_source) == ("00", "national_site")


@pytest.mark.parametrize("spelling", ["TP. HCM", "TP.HCM", "Sài Gòn", "HCM"])
def test_the_usual_short_names_of_a_city_are_its_name(spelling):
    article = parse_article(f"{spelling} công bố số liệu tháng 9\n\n{spelling} có 1.100 dịch vụ công.".encode())
    assert article.province_name == "Hồ Chí Minh"


# --- Frames across sentences --------------------------------------------------------------------------------

def test_an_index_edition_named_in_one_sentence_dates_the_ranks_of_the_next():
    text = ("Bộ Nội vụ vừa công bố kết quả Chỉ số cải cách hành chính năm 2022 của các tỉnh. "
            "Xếp thứ nhất là tỉnh Quảng Ninh. Tỉnh Sóc Trăng đứng ở vị trí thứ 17/63.")
    found = _read(text, _context("94", dt.date(2023, 5, 20)))
    assert ("par_index_rank", 17.0, "94", 2022, "edition", "own") in found
    assert all(year == 2022 for _, _, _, year, _, _ in found)


def test_an_edition_in_the_title_alone_dates_the_rank_in_the_body():
    text = "Tuyên Quang tăng 9 bậc về PAR INDEX 2020\n\nNăm nay tỉnh xếp hạng 21 trong cả nước."
    found = _read(text, _context("08", dt.date(2021, 6, 2)))
    assert found == [("par_index_rank", 21.0, "08", 2020, "edition", "article")]


def test_an_annual_index_with_no_edition_named_measures_the_year_before_publication():
    text = "Theo bảng xếp hạng Chỉ số chuyển đổi số vừa công bố, tỉnh Bắc Giang xếp thứ 9/63."
    assert _read(text, _context("24", dt.date(2024, 9, 3))) == [("dti_rank", 9.0, "24", 2023, "annual_index", "own")]
    # The service index of Decision 766 is real-time: its ranks are the publication year's.
    realtime = "Theo Bộ chỉ số phục vụ người dân, doanh nghiệp, tỉnh Bắc Giang xếp thứ 9/63."
    assert _read(realtime, _context("24", dt.date(2024, 9, 3)))[0][3] == 2024


def test_a_period_opening_a_paragraph_dates_its_later_figures():
    text = ("Trong quý 3/2024, toàn tỉnh tiếp nhận nhiều hồ sơ hơn cùng kỳ. "
            "Tỷ lệ hồ sơ trực tuyến đạt 48,6%.\n\nTỷ lệ số hóa hồ sơ đạt 70,2%.")
    rows = article_rows(dict(article_id="a", source_path="a.txt", text=text, province_code="68", reference_year=2025,
                             published_date=dt.date(2025, 1, 8), reference_year_source="published_date",
                             province_source="site"))
    by_indicator = {r["indicator_code"]: r for r in rows}
    online = by_indicator["dossiers_online_pct"]
    assert (online["year"], online["period"], online["year_source"]) == (2024, "2024-Q3", "period")
    digitized = by_indicator["dossiers_digitized_pct"]  # the next paragraph is outside the frame
    assert (digitized["year"], digitized["year_source"], digitized["province_source"]) == (2025, "published_date", "site")


def test_a_province_that_opens_a_paragraph_places_its_later_sentences_but_a_list_does_not():
    framed = ("Tại tỉnh Hà Nam, chuyển đổi số được triển khai đồng bộ. Tỷ lệ hồ sơ trực tuyến toàn trình đạt 58,3%.")
    other = _read(framed, _context("36", dt.date(2024, 3, 1)))  # an article about Nam Định
    assert other[0][2] == "35" and other[0][5] == "place_frame"
    listed = ("Các tỉnh Hà Nam, Nam Định và Ninh Bình đã họp bàn. Tỷ lệ hồ sơ trực tuyến toàn trình đạt 58,3%.")
    assert _read(listed, _context("36", dt.date(2024, 3, 1)))[0][2:4] == ("36", 2024)


def test_a_rank_out_of_34_after_the_merger_is_a_national_rank():
    text = "Theo kết quả Chỉ số chuyển đổi số năm 2025, tỉnh Lâm Đồng xếp thứ 11/34 tỉnh, thành phố."
    assert _read(text, _context("68", dt.date(2026, 3, 9))) == [("dti_rank", 11.0, "68", 2025, "own", "own")]


# --- Through a whole refresh --------------------------------------------------------------------------------

def test_a_saved_page_and_a_feed_publish_only_their_articles_figures_with_their_provenance(tmp_path: Path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "trang-kon-tum.html").write_text(SAVED_PAGE, encoding="utf-8")
    (raw / "crawl.jsonl").write_text(_feed_line(PORTAL_URL, LAM_DONG, title="Kết quả năm 2023", date="2024-01-12",
                                                sitename="stttt.lamdong.gov.vn") + "\n{broken\n", encoding="utf-8")
    warehouse = tmp_path / "w" / "indicators.duckdb"
    result = materialize_all(raw, warehouse)
    assert result.success, failures(result)
    articles = query(warehouse, "SELECT source_path, url, site, published_date, published_source, province_name, "
                                "province_source FROM raw.articles ORDER BY source_path").to_dict("records")
    assert [(a["source_path"], a["province_name"], a["province_source"], a["published_source"]) for a in articles] == [
        ("crawl.jsonl:1", "Lâm Đồng", "site", "feed"), ("trang-kon-tum.html", "Kon Tum", "site", "metadata")]
    assert articles[1]["url"].startswith("https://baokontum.com.vn/") and str(articles[1]["published_date"])[:10] == "2024-04-10"
    rejected = query(warehouse, "SELECT source_path, reason FROM raw.rejected_files")
    assert list(rejected["source_path"]) == ["crawl.jsonl:2"]
    facts = query(warehouse, "SELECT province_name, indicator_code, value FROM marts.fact_indicator_yearly")
    assert set(facts["province_name"]) == {"Kon Tum", "Lâm Đồng"}  # not Quảng Ngãi or Bình Định of the related box
    assert 1234.0 not in set(facts["value"]) and 88.5 not in set(facts["value"])
    sources = query(warehouse, "SELECT DISTINCT year_source, province_source FROM staging.indicator_mentions")
    assert not sources.isna().any().any()


# --- Rules from this session's first reading (sentences of our own with the failures' structure) -----------

def test_the_service_index_named_with_va_between_people_and_businesses_labels_its_scores():
    text = ("Về chỉ số phục vụ người dân và doanh nghiệp năm 2023, tỉnh Yên Bái đạt 84,12 điểm. "
            "Xếp sau là tỉnh Lào Cai với 81,7 điểm.")
    found = {(code, value, province) for code, value, province, *_ in _read(text, _context("15", dt.date(2024, 2, 1)))}
    assert {("service_index_score", 84.12, "15"), ("service_index_score", 81.7, "10")} <= found


def test_a_rank_or_score_of_a_ministry_or_central_agency_named_after_it_is_no_provinces():
    text = ("Về Bộ chỉ số phục vụ người dân, doanh nghiệp, đứng đầu các bộ là Bộ Tư pháp với 86,2 điểm; "
            "vị trí thứ hai là Ngân hàng Nhà nước với 84,9 điểm.")
    assert _read(text, _context("01", dt.date(2024, 4, 2))) == []


def test_a_count_of_provinces_out_of_63_is_no_rank():
    text = "Theo Chỉ số chuyển đổi số năm 2023, có 12/63 địa phương tăng hạng, trong đó tỉnh Hòa Bình xếp thứ 20/63."
    assert [(c, v) for c, v, *_ in _read(text, _context("17", dt.date(2024, 6, 1)))] == [("dti_rank", 20.0)]


def test_a_province_written_with_a_lowercase_tail_after_tinh_is_that_province():
    text = "Chỉ số cải cách hành chính năm 2022: tỉnh Quảng nam xếp thứ 9/63, Gia lai ở phía sau."
    assert [(v, p) for _, v, p, *_ in _read(text, _context("64", dt.date(2023, 4, 1)))] == [(9.0, "49")]


def test_the_provinces_a_ranking_counts_are_its_field_not_the_scores_place():
    text = ("Tính đến ngày 10/9, tỉnh Phú Thọ đứng thứ năm trong 34 tỉnh, thành phố về Bộ chỉ số phục vụ người dân, "
            "doanh nghiệp, với tổng điểm 80,15/100.")
    found = {(c, v, p) for c, v, p, *_ in _read(text, _context("25", dt.date(2025, 9, 12)))}
    assert ("service_index_score", 80.15, "25") in found


@pytest.mark.parametrize("text, expected", [
    # The ICT Index's parts ranked after the whole: only the whole is the province's rank.
    ("Theo Vietnam ICT Index 2021, tỉnh Long An đứng thứ 12 cả nước. Về hạ tầng kỹ thuật, tỉnh đứng thứ 20; "
     "hạ tầng nhân lực đứng thứ 31.", [12.0]),
    # A part named in quotes.
    ("Theo Vietnam ICT Index 2021, tỉnh Long An đứng thứ 12. Ở chỉ số “ứng dụng CNTT”, Long An xếp thứ 5.", [12.0]),
    # The DTI pillars by their initials.
    ("Chỉ số DTI năm 2022 của tỉnh Long An xếp thứ 15/63. Trong đó, CQS xếp thứ 21/63; KTS xếp thứ 9/63.", [15.0]),
    # The size of the ranking, and a change of rank, are no ranks.
    ("Theo bảng xếp hạng 63 tỉnh, thành phố về Chỉ số DTI năm 2022, Long An đứng thứ 15.", [15.0]),
    ("PAR INDEX 2022: tỉnh Long An tụt hạng 10 bậc, xếp thứ 30/63.", [30.0]),
])
def test_parts_of_an_index_the_size_of_a_ranking_and_a_change_of_rank_are_no_ranks(text, expected):
    assert [v for _, v, *_ in _read(text, _context("80", dt.date(2023, 3, 3)))] == expected


def test_a_province_name_after_a_surname_is_a_persons_name():
    text = "Phó Thủ tướng Lê Thái Bình chủ trì hội nghị công bố kết quả. Chỉ số SIPAS 2022 đạt 80,1%."
    found = _read(text, _context("00", dt.date(2023, 5, 1)))
    assert [(code, province) for code, _, province, *_ in found] == [("sipas_pct", "00")]  # not Thái Bình's


def test_the_digital_transformation_ranking_by_its_descriptive_names_is_the_dti():
    text = ("Theo kết quả xếp hạng chuyển đổi số cấp bộ, cấp tỉnh năm 2021 vừa công bố, tỉnh Hưng Yên xếp thứ 18. "
            "Tỉnh đứng trên một số địa phương như Hà Nam (thứ 40).")
    assert {(c, v, p, y) for c, v, p, y, *_ in _read(text, _context("33", dt.date(2022, 5, 1)))} == {
        ("dti_rank", 18.0, "33", 2021), ("dti_rank", 40.0, "35", 2021)}


@pytest.mark.parametrize("text, expected", [
    # A dateline: a short line, or a date first on its line.
    ("Tin cải cách hành chính\n\n08:15 | 14/03/2024\n\nNgày 2/1/2024, tỉnh họp.", dt.date(2024, 3, 14)),
    ("Tin cải cách hành chính\n\n14/03/2024 - Theo Sở Nội vụ, tỉnh có nhiều chuyển biến trong công tác cải cách hành "
     "chính trong quý I vừa qua.", dt.date(2024, 3, 14)),
    # A sentence opening with a date tells an event; a date inside a paragraph cites a document.
    ("Tin cải cách hành chính\n\nNgày 20/5/2021, Chính phủ ban hành Nghị quyết về cải cách. Năm 2024, tỉnh đạt 90%.", None),
    ("Tin cải cách hành chính\n\nThực hiện bộ chỉ số phục vụ người dân, doanh nghiệp theo Quyết định số 766/QĐ-TTg ngày "
     "23/6/2022 của Thủ tướng Chính phủ, trong năm 2024 tỉnh đã đạt nhiều kết quả.", None),
])
def test_a_publication_date_is_a_dateline_not_an_event_or_a_cited_document(text, expected):
    from indicators_pipeline.extraction.dates import find_publication_date
    assert find_publication_date(text) == expected


def test_explain_reads_a_feed_line_by_line_and_says_where_each_year_and_place_came_from(tmp_path: Path):
    from indicators_pipeline.explain import explain_file

    feed = tmp_path / "crawl.jsonl"
    feed.write_text(_feed_line("https://sonoivu.hatinh.gov.vn/tin/par-2022.html",
                               "Bộ Nội vụ công bố Chỉ số cải cách hành chính năm 2022. Tỉnh xếp thứ 11/63.",
                               date="2023-05-02", title="Kết quả cải cách hành chính") + "\n{oops\n", encoding="utf-8")
    report = explain_file(feed)
    assert "crawl.jsonl:1" in report and "address: https://sonoivu.hatinh.gov.vn/tin/par-2022.html" in report
    assert "province: Hà Tĩnh (article: site hatinh.gov.vn)" in report and "published: 2023-05-02 (feed)" in report
    assert "par_index_rank = 11 (exact), Hà Tĩnh [article: site hatinh.gov.vn], year 2022 [edition]" in report
    assert "crawl.jsonl:2: not an article (feed line is not JSON" in report


def test_a_rank_of_a_district_or_department_is_no_provinces_rank():
    text = ("Theo Bộ chỉ số phục vụ người dân, doanh nghiệp năm 2024, tỉnh Yên Bái xếp thứ 9/63. "
            "Năm 2024, UBND huyện Lục Yên xếp vị trí thứ nhất với 71,2 điểm.")
    found = [(c, v, p) for c, v, p, *_ in _read(text, _context("15", dt.date(2025, 1, 20)))]
    assert found == [("service_index_rank", 9.0, "15")]


def test_a_provincial_papers_report_on_the_country_is_national_but_its_report_on_the_province_is_the_provinces():
    national = ("Tại hội nghị trực tuyến của Chính phủ, Văn phòng Chính phủ cho biết cả nước đã có 58 trung tâm phục vụ "
                "hành chính công; tỷ lệ hồ sơ giải quyết đúng hạn đạt 96,2%.")
    article = parse_article(national.encode(), provenance=Provenance(url="https://baoninhbinh.org.vn/hoi-nghi-123.htm",
                                                                     published=dt.date(2021, 1, 9)))
    assert (article.province_code, article.province_source) == ("00", "national_body")
    provincial = "Năm 2020, toàn tỉnh có 98,1% hồ sơ được giải quyết đúng hạn."
    article = parse_article(provincial.encode(), provenance=Provenance(url="https://baoninhbinh.org.vn/cchc-456.htm",
                                                                       published=dt.date(2021, 1, 9)))
    assert (article.province_name, article.province_source) == ("Ninh Bình", "site")


@pytest.mark.parametrize("url, expected", [
    ("https://baoyenbai.com.vn/tin/202108/tinh-day-manh-cai-cach-123.html", (2021, 8, None)),
    ("https://sotttt.angiang.gov.vn/portal/pages/2024-03-15/ket-qua.aspx", (2024, 3, 15)),
    ("https://news.example.vn/2022/11/05/so-hoa-ho-so.html", (2022, 11, 5)),
    ("https://news.example.vn/tin-tuc/20221105-so-hoa.html", None),  # a number in a slug is no date
    ("https://news.example.vn/202213/bai.html", None),  # no thirteenth month
])
def test_a_date_the_site_wrote_into_the_address_is_read(url, expected):
    from indicators_pipeline.ingest.source import address_date
    assert address_date(url) == expected


def test_an_undated_page_takes_the_year_or_the_date_its_address_carries():
    text = "Toàn tỉnh có 1.205 dịch vụ công trực tuyến toàn trình. Năm 2019 tỉnh mới có 300 dịch vụ."
    month_only = parse_article(text.encode(), provenance=Provenance(url="https://baoyenbai.com.vn/tin/202108/dvc-1.html"))
    assert (month_only.published_date, month_only.reference_year, month_only.reference_year_source) == (None, 2021, "address_year")
    dated = parse_article(text.encode(), provenance=Provenance(url="https://news.example.vn/2022/11/05/dvc.html"))
    assert (dated.published_date, dated.published_source, dated.reference_year) == (dt.date(2022, 11, 5), "address", 2022)
    shown = parse_article(("Tin\n\n12/01/2023\n\n" + text).encode(),
                          provenance=Provenance(url="https://news.example.vn/2022/11/05/dvc.html"))
    assert (shown.published_date, shown.published_source) == (dt.date(2023, 1, 12), "text")  # the page's own date first
