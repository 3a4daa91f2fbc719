"""Bad input is expected: every file is ingested correctly or rejected with a reason a person reads."""
from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from indicators_pipeline.ingest.article import find_title, parse_article
from indicators_pipeline.ingest.decoding import NotText, decode_bytes
from indicators_pipeline.ingest.folder import ingest
from indicators_pipeline.warehouse import tables
from indicators_pipeline_tests.encodings import to_windows_1258

ARTICLE = ("Quảng Trị: chuyển đổi số năm 2022\n\n12/01/2023\n\n"
           "Năm 2022, tỷ lệ hồ sơ giải quyết đúng hạn của tỉnh Quảng Trị đạt 98,4%; "
           "tỉnh cung cấp 1.205 dịch vụ công trực tuyến.")


def _empty(table):
    return pd.DataFrame(columns=table.column_names)


def run(raw: Path):
    return ingest(raw, _empty(tables.FILE_INVENTORY), set())


@pytest.mark.parametrize("encode", [
    lambda t: t.encode("utf-8"),
    lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"),
    lambda t: t.encode("utf-16"),
    lambda t: t.encode("utf-16-le"),
    to_windows_1258,
    lambda t: unicodedata.normalize("NFD", t).encode("utf-8"),
], ids=["utf8", "utf8-bom", "utf16-bom", "utf16-le-no-bom", "windows-1258", "nfd"])
def test_every_encoding_gives_the_same_nfc_text(encode):
    article = parse_article(encode(ARTICLE))
    assert article.text == unicodedata.normalize("NFC", ARTICLE)
    assert article.province_name == "Quảng Trị" and str(article.published_date) == "2023-01-12"


def test_html_with_scripts_and_entities_becomes_text():
    html = ("<!doctype html><html><head><title>Báo X - Quảng Trị</title><script>var a = '1.000 hồ sơ';</script>"
            "<style>p{}</style></head><body><h1>Quảng Trị: chuyển đổi số năm 2022</h1>"
            "<p>12/01/2023</p><p>T&#7881; l&#7879; h&ocirc;̀ sơ &amp; k&#7871;t qu&#7843;: 98,4%</p></body></html>")
    article = parse_article(html.encode("utf-8"))
    assert article.was_html and article.title == "Quảng Trị: chuyển đổi số năm 2022"
    assert "var a" not in article.text and "Tỉ lệ" in article.text and "&amp;" not in article.text


def test_truncated_utf8_keeps_the_text_and_says_so():
    data = ARTICLE.encode("utf-8") + "ệ".encode("utf-8")[:2]
    decoded = decode_bytes(data)
    assert decoded.text.startswith("Quảng Trị") and "truncated" in decoded.note


@pytest.mark.parametrize("data, reason", [
    (b"", "empty file"),
    (b"   \n\t ", "only white space"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3 binary", "PDF"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
    (bytes(range(256)) * 20, "binary"),
    (b"1234 5678 90 -- 12 / 34", "no letters"),
])
def test_files_that_are_not_articles_say_why(data, reason):
    with pytest.raises(NotText, match=reason):
        decode_bytes(data)


def test_folder_of_bad_and_good_files(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    (raw / "năm 2022" / "sâu hơn").mkdir(parents=True)
    (raw / "năm 2022" / "sâu hơn" / "bài báo Quảng Trị.txt").write_text(ARTICLE, encoding="utf-8")
    (raw / "copy.txt").write_text(ARTICLE, encoding="utf-8")  # same text: a duplicate
    (raw / "empty.txt").write_bytes(b"")
    (raw / "scan.txt").write_bytes(b"%PDF-1.4 ...")
    (raw / "big.txt").write_bytes(b"a" * (6 * 1024 * 1024))
    (raw / "no_figures.txt").write_text("Một bài viết không có con số nào về tỉnh nào cả.", encoding="utf-8")
    (raw / "link.txt").symlink_to(raw / "copy.txt")
    (raw / "dangling.txt").symlink_to(raw / "nowhere.txt")
    (raw / "loop").symlink_to(raw, target_is_directory=True)
    (raw / "locked.txt").write_text(ARTICLE + " khác", encoding="utf-8")
    (raw / "bad_sector.txt").write_text(ARTICLE + " nữa", encoding="utf-8")
    # Unreadable whoever runs the tests (root reads a file chmod 0 gives anyone else): the errors the
    # kernel would give, raised where the file is read.
    original = Path.read_bytes

    def unreadable(path: Path):
        if path.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(path))
        if path.name == "bad_sector.txt":
            raise OSError(5, "Input/output error", str(path))
        return original(path)

    monkeypatch.setattr(Path, "read_bytes", unreadable)
    result = run(raw)
    reasons = dict(zip(result.rejected["source_path"], result.rejected["reason"]))
    assert set(result.article_index["source_path"]) == {"copy.txt", "no_figures.txt"}
    assert reasons["empty.txt"] == "empty file"
    assert "PDF" in reasons["scan.txt"]
    assert "too large" in reasons["big.txt"]
    assert reasons["link.txt"] == "duplicate of copy.txt (same text)"
    assert reasons["năm 2022/sâu hơn/bài báo Quảng Trị.txt"] == "duplicate of copy.txt (same text)"
    assert reasons["dangling.txt"] == "broken symbolic link"
    assert "not followed" in reasons["loop"]
    assert reasons["locked.txt"] == "cannot read the file: permission denied"
    assert reasons["bad_sector.txt"] == "cannot read the file: Input/output error"
    assert result.stats["duplicates"] == 2


def test_a_file_that_vanishes_during_the_run_is_rejected_not_fatal(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (raw / "b.txt").write_text(ARTICLE.replace("98,4", "97,1"), encoding="utf-8")
    original = Path.read_bytes

    def vanish(path: Path):
        if path.name == "b.txt":
            path.unlink()
        return original(path)

    monkeypatch.setattr(Path, "read_bytes", vanish)
    result = run(raw)
    assert list(result.article_index["source_path"]) == ["a.txt"]
    assert dict(zip(result.rejected["source_path"], result.rejected["reason"]))["b.txt"] == "file vanished during the run"


def test_a_fifty_megabyte_file_is_rejected_without_reading_it(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    with open(raw / "dump.txt", "wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    result = run(raw)
    assert result.rejected["reason"].iloc[0].startswith("too large for an article: 52.4 MB")
    assert result.stats["read"] == 1 and result.new_articles.empty


def test_unchanged_files_are_not_read_again_and_renames_keep_the_article(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text(ARTICLE, encoding="utf-8")
    first = run(raw)
    known = set(first.article_index["article_id"])
    again = ingest(raw, first.inventory, known)
    assert again.stats["read"] == 0 and again.new_articles.empty and not again.changed
    (raw / "a.txt").rename(raw / "b.txt")
    renamed = ingest(raw, again.inventory, known)
    assert renamed.new_articles.empty  # same text: the row stays, only its path changes
    assert list(renamed.article_index["source_path"]) == ["b.txt"] and renamed.stats["removed"] == 1


def test_a_broken_link_makes_no_other_file_read_again_and_once_mended_is_read(tmp_path):
    """A broken link (no size, no modification time) beside articles: the next refresh reads only what it must."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for name, year in (("a.txt", "2022"), ("b.txt", "2021")):
        (raw / name).write_text(ARTICLE.replace("2022", year), encoding="utf-8")
        stamp = 1_796_000_000_123_456_789  # nanoseconds a float cannot hold exactly
        os.utime(raw / name, ns=(stamp, stamp))
    (raw / "dangling.txt").symlink_to(raw / "nowhere.txt")
    first = run(raw)
    assert list(first.inventory.loc[first.inventory["source_path"] == "a.txt", "mtime_ns"]) == [stamp]
    again = ingest(raw, first.inventory, set(first.article_index["article_id"]))
    assert again.stats["unchanged"] == 3 and again.stats["read"] == 0 and not again.changed  # the link too
    assert list(again.rejected["reason"]) == ["broken symbolic link"] and again.new_articles.empty
    (raw / "nowhere.txt").write_text(ARTICLE.replace("2022", "2020"), encoding="utf-8")  # the link mended
    mended = ingest(raw, again.inventory, set(again.article_index["article_id"]))
    assert mended.stats["read"] == 2 and len(mended.new_articles) == 1 and mended.rejected["reason"].str.startswith(
        "duplicate").all()  # the link and its target: one new article, read under both names


def test_new_reading_rules_read_every_file_again(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text(ARTICLE, encoding="utf-8")
    first = run(raw)
    older = first.inventory.assign(ingest_version="0")
    again = ingest(raw, older, set(first.article_index["article_id"]))
    assert again.stats["read"] == 1 and len(again.new_articles) == 1  # the row is written anew


@pytest.mark.parametrize("first_line, title", [
    ("Error 503. Service unavailable. Gia Lai: kết quả chuyển đổi số năm 2022", "Gia Lai: kết quả chuyển đổi số năm 2022"),
    ("TP. Hồ Chí Minh: cung cấp 1.200 dịch vụ công trực tuyến", "TP. Hồ Chí Minh: cung cấp 1.200 dịch vụ công trực tuyến"),
])
def test_a_scrapers_english_error_banner_is_not_part_of_the_headline(first_line, title):
    assert find_title(first_line + "\n\nNội dung bài viết.") == title


def test_a_date_line_with_a_year_alone_dates_the_undated_figures_not_a_target_year_in_the_text():
    article = parse_article("Để nhiều người dùng dịch vụ công trực tuyến\n\n2021\n\nTỉnh phấn đấu đến năm 2025 đạt 80%. "
                            "Hiện toàn tỉnh Hưng Yên có 310 dịch vụ công trực tuyến mức độ 4.\n".encode())
    assert article.published_date is None
    assert (article.reference_year, article.reference_year_source) == (2021, "publication_year_line")


def test_a_ministry_report_on_the_national_systems_is_about_the_country_a_province_that_is_never_named_is_not():
    national = parse_article("Hơn 2 triệu văn bản điện tử được gửi, nhận\n\n10/08/2023\n\nBộ Thông tin và Truyền thông "
                             "cho biết trục liên thông văn bản quốc gia đã gửi, nhận 2,1 triệu văn bản điện tử.\n".encode())
    assert national.province_code == "00"
    unnamed = parse_article("Tiếp nhận 41.200 hồ sơ trong quý I\n\n18/03/2024\n\nTrong quý I, các cơ quan trên địa bàn tỉnh "
                            "đã tiếp nhận 41.200 hồ sơ qua Cổng Dịch vụ công quốc gia.\n".encode())
    assert unnamed.province_code is None


def test_a_provincial_newspaper_s_initials_name_the_province():
    article = parse_article("Kết quả chuyển đổi số năm 2023\n\n12/12/2023\n\n(BLA) - Năm 2023, toàn tỉnh đã tiếp nhận "
                            "120.300 hồ sơ trực tuyến.\n".encode())
    assert article.province_name == "Long An"
