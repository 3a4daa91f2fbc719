"""No single article, file or absurd figure stops a refresh: each becomes a named row instead (issue 13)."""
from __future__ import annotations

import dataclasses
import datetime as dt
import os
import socket
import stat
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings, strategies as st

from indicators_pipeline import merger
from indicators_pipeline.extraction.dates import as_date
from indicators_pipeline.extraction.records import SIGNATURE_COLUMNS, article_rows, extract
from indicators_pipeline.extraction.mentions import EXTRACTOR_VERSION
from indicators_pipeline.ingest.article import parse_article
from indicators_pipeline.ingest.folder import scan
from indicators_pipeline.quality.quarantine import MIN_INVALID_ROWS_TO_BLOCK, screen, verdict
from indicators_pipeline.quality.schemas import MentionModel
from indicators_pipeline.warehouse import tables
from indicators_pipeline_tests.devset.evaluate import SETS, article_bytes
from indicators_pipeline_tests.encodings import to_windows_1258
from indicators_pipeline_tests.pipeline_runs import failures, materialize_all, query


def _rows(name: str, data: bytes) -> list[dict]:
    article = dataclasses.asdict(parse_article(data))
    article["source_path"] = name
    return article_rows(article)


def _ids_unique(rows: list[dict]) -> bool:
    for is_target in (False, True):
        ids = [r["mention_id"] for r in rows if r["is_target"] is is_target]
        if len(ids) != len(set(ids)):
            return False
    return True


def test_mention_ids_never_collide_in_any_article_of_any_dev_set():
    checked = 0
    for folder, _gold in SETS.values():
        for path in sorted(folder.glob("*.txt")):
            rows = _rows(path.name, article_bytes(path))
            assert _ids_unique(rows), path
            checked += len(rows)
    assert checked > 150  # the five sets hold well over 150 figures


_PROVINCES = st.sampled_from(["Quảng Bình", "Hà Tĩnh", "Nghệ An", "Lào Cai", "Sơn La", "Cần Thơ", "Bến Tre"])
_SCORE = st.builds(lambda a, b: f"{a},{b}", st.integers(50, 99), st.integers(0, 99))


@st.composite
def listed_scores(draw) -> str:
    """An index edition, then several provinces each with a score or rank: the shape that broke ids."""
    year = draw(st.integers(2018, 2024))
    index = draw(st.sampled_from(["Chỉ số phục vụ người dân, doanh nghiệp", "Chỉ số SIPAS", "Chỉ số PAR INDEX",
                                  "Chỉ số chuyển đổi số DTI"]))
    parts = [f"{index} năm {year} của tỉnh {draw(_PROVINCES)} đạt {draw(_SCORE)} điểm, xếp thứ {draw(st.integers(1, 63))}/63."]
    for _ in range(draw(st.integers(1, 5))):
        parts.append(draw(st.sampled_from([
            f"Tỉnh {draw(_PROVINCES)} đạt {draw(_SCORE)} điểm.",
            f"{draw(_PROVINCES)} đạt {draw(_SCORE)}%, cao hơn năm {year - 1} ({draw(_SCORE)}%).",
            f"tỉnh {draw(_PROVINCES)} xếp thứ {draw(st.integers(1, 63))}, đạt {draw(_SCORE)} điểm.",
        ])))
    return " ".join(parts)


@settings(max_examples=150, deadline=None)
@given(listed_scores())
def test_mention_ids_never_collide_when_one_label_serves_several_figures(body):
    text = f"Kết quả xếp hạng các chỉ số\n\n15/05/2024\n\n{body}\n"
    assert _ids_unique(_rows("listed.txt", text.encode()))


@pytest.mark.parametrize("stored, expected", [
    (None, None), (pd.NaT, None), (float("nan"), None), ("", None), ("2025", None),
    (pd.Timestamp("2025-08-01"), dt.date(2025, 8, 1)), (dt.datetime(2025, 7, 1, 9), dt.date(2025, 7, 1)),
    (dt.date(2024, 2, 3), dt.date(2024, 2, 3)), ("2025-07-02", dt.date(2025, 7, 2)),
])
def test_every_stored_form_of_a_publication_date_reads_as_a_date_or_none(stored, expected):
    assert as_date(stored) == expected


def test_a_missing_date_read_back_from_storage_never_breaks_the_merger_rule():
    assert merger.is_post_merger(2025, pd.NaT) is False
    assert merger.is_post_merger(2025, pd.Timestamp("2025-09-30")) is True
    assert merger.attribute("62", 2025, pd.NaT).province_name == "Kon Tum"


def test_an_article_whose_extraction_raises_is_an_error_row_and_the_others_are_read():
    good = dataclasses.asdict(parse_article("Tỉnh Quảng Trị năm 2023\n\n10/01/2024\n\nNăm 2023, tỉnh Quảng Trị có "
                                            "412 dịch vụ công trực tuyến mức độ 4.\n".encode()))
    broken = {**good, "article_id": "broken0000000000", "text": None}  # what a rule's bug on one text looks like
    articles = pd.DataFrame([{**good, "source_path": "good.txt"}, {**broken, "source_path": "broken.txt"}])
    index = articles[SIGNATURE_COLUMNS]
    result = extract(index, pd.DataFrame(columns=tables.PARSED_ARTICLES.column_names), lambda ids: [articles])
    assert list(result.mentions["value"]) == [412]
    assert result.errors[["source_path", "stage", "error_class"]].values.tolist() == [["broken.txt", "extract", "AttributeError"]]
    assert sorted(result.parsed["article_id"]) == sorted(articles["article_id"])  # not retried until the rules change


def _mention(**changes) -> dict:
    row = dict(mention_id="a:dossiers_online:1-9", article_id="a", source_path="a.txt", indicator_code="dossiers_online",
               value=1200.0, unit="count", qualifier="exact", province_code="44", province_name="Quảng Bình",
               year=2023, char_start=1, char_end=9, published_date=pd.Timestamp("2024-01-10"), confidence=0.8)
    return {**row, **changes}


def test_absurd_rows_are_quarantined_with_their_check_and_value_and_the_rest_kept():
    frame = pd.DataFrame([
        _mention(),
        _mention(mention_id="a:dossiers_online:20-60", value=1e21),  # a misread run of thousands separators
        _mention(mention_id="a:dossiers_ontime_pct:70-80", indicator_code="dossiers_ontime_pct", unit="percent",
                 value=99.8, year=2031),  # a year after the publication
        _mention(mention_id="a:dossiers_ontime_pct:90-95", indicator_code="dossiers_ontime_pct", unit="percent", value=140.0),
    ])
    screened = screen(MentionModel, frame, tables.MENTIONS, frame["mention_id"])
    assert list(screened.valid["mention_id"]) == ["a:dossiers_online:1-9"]
    by_row = screened.quarantined.groupby("row_id")["check_name"].apply(" ".join)
    assert "plausible maximum" in by_row["a:dossiers_online:20-60"]
    assert "publication year" in by_row["a:dossiers_ontime_pct:70-80"]
    assert "range of its unit" in by_row["a:dossiers_ontime_pct:90-95"]
    assert set(screened.quarantined["source_path"]) == {"a.txt"} and screened.table_failures.empty
    assert "1e+21" in set(screened.quarantined["failure_case"])


def test_a_table_is_blocked_only_when_it_is_wrong_as_a_whole():
    assert not verdict(kept_rows=50, quarantined_rows=3, table_failures=0, max_share=0.01).blocked  # a few odd articles
    assert verdict(kept_rows=5000, quarantined_rows=200, table_failures=0, max_share=0.01).blocked  # a broken rule
    assert not verdict(kept_rows=5000, quarantined_rows=40, table_failures=0, max_share=0.01).blocked
    assert verdict(kept_rows=50, quarantined_rows=MIN_INVALID_ROWS_TO_BLOCK + 1, table_failures=0, max_share=0.01).blocked
    assert verdict(kept_rows=50, quarantined_rows=0, table_failures=1).blocked  # a column or type wrong


def test_only_regular_files_are_opened_and_names_that_are_not_utf8_are_read(tmp_path: Path):
    os.mkfifo(tmp_path / "pipe.txt")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "sock.txt"))
    (tmp_path / os.fsdecode(b"b\xe1o_c\xe1o.txt")).write_bytes("Tỉnh Bắc Ninh có 12 dịch vụ".encode())
    try:
        entries = {e.source_path: e for e in scan(tmp_path)}
    finally:
        server.close()
    assert "FIFO" in entries["pipe.txt"].problem and "socket" in entries["sock.txt"].problem
    assert entries["b\\xe1o_c\\xe1o.txt"].problem is None  # stored escaped, read from its real name
    assert entries["b\\xe1o_c\\xe1o.txt"].absolute.read_bytes().startswith("Tỉnh".encode())


CRAFTED = {
    "listed_scores.txt": "Kết quả Chỉ số phục vụ người dân, doanh nghiệp năm 2023\n\n15/05/2024\n\n"
                         "Chỉ số phục vụ người dân, doanh nghiệp năm 2023 của tỉnh Hà Tĩnh đạt 85,2 điểm, xếp thứ 9/63. "
                         "Tỉnh Quảng Bình đạt 82,1 điểm, tỉnh Nghệ An đạt 79,3 điểm.\n",
    "year_only_date.txt": "Tỉnh Lâm Đồng đẩy mạnh dịch vụ công trực tuyến sau sáp nhập\n\n2025\n\n"
                          "Năm 2025, toàn tỉnh đã tiếp nhận 86.310 hồ sơ trực tuyến, tỷ lệ đúng hạn đạt 96,4%.\n",
    "old_year.txt": "Tỉnh Nam Định: kết quả giải quyết hồ sơ\n\n20/01/2024\n\n"
                    "Năm 1890, tỷ lệ hồ sơ giải quyết đúng hạn đạt 99,84%.\n",
    "absurd_value.txt": "Tỉnh Thái Bình tổng kết cải cách hành chính năm 2023\n\n18/01/2024\n\n"
                        "Năm 2023, toàn tỉnh đã tiếp nhận 2.000.000.000.000.000.000 hồ sơ trực tuyến và có "
                        "517 dịch vụ công trực tuyến mức độ 4.\n",
}


NOT_UTF8 = {  # other encodings through a whole refresh, not only parse_article
    "quang_ngai_1258.txt": (to_windows_1258, "Tỉnh Quảng Ngãi năm 2022\n\n12/03/2023\n\n"
                                             "Năm 2022, tỉnh Quảng Ngãi có 845 dịch vụ công trực tuyến mức độ 4.\n"),
    "phu_yen_utf16.txt": (lambda t: t.encode("utf-16"), "Tỉnh Phú Yên năm 2022\n\n15/03/2023\n\n"
                                                        "Năm 2022, tỉnh Phú Yên có 603 dịch vụ công trực tuyến mức độ 4.\n"),
}
READ_FAILS, EXTRACT_FAILS = "đọc hỏng", "trích hỏng"  # markers of the two articles a (simulated) rule bug breaks


def _break_reading_and_extracting_of_two_articles(monkeypatch) -> None:
    """What a parser or rule bug on one text looks like: it raises, for that text only."""
    from indicators_pipeline.extraction import records
    from indicators_pipeline.ingest import folder

    read, rows = folder.parse_article, records.article_rows

    def parse(data, *args, **kwargs):
        if READ_FAILS.encode() in data:
            raise UnicodeError("a parser bug on this text")
        return read(data, *args, **kwargs)

    def extract(article):
        if EXTRACT_FAILS in (article.get("text") or ""):
            raise IndexError("a rule bug on this text")
        return rows(article)

    monkeypatch.setattr(folder, "parse_article", parse)
    monkeypatch.setattr(records, "article_rows", extract)


def test_one_refresh_over_every_bad_case_and_the_seeds_publishes_and_names_each(seeded, raw_dir: Path, warehouse_file: Path,
                                                                                 monkeypatch):
    for name, text in CRAFTED.items():
        (raw_dir / name).write_text(text, encoding="utf-8")
    for name, (encode, text) in NOT_UTF8.items():
        (raw_dir / name).write_bytes(encode(text))
    (raw_dir / os.fsdecode(b"thu\xe1_t\xecnh.txt")).write_bytes(
        "Tỉnh Bắc Giang năm 2022\n\n12/03/2023\n\nNăm 2022, tỉnh Bắc Giang có 1.102 dịch vụ công trực tuyến mức độ 4.\n".encode())
    os.mkfifo(raw_dir / "pipe.txt")
    os.mknod(raw_dir / "null.txt", 0o600 | stat.S_IFCHR, os.makedev(1, 3))  # /dev/null's numbers: root, as CI runs
    (raw_dir / "empty.txt").write_bytes(b"")
    (raw_dir / "read_fails.txt").write_text(f"Tỉnh Hà Nam năm 2022\n\n12/03/2023\n\n{READ_FAILS}: 12 dịch vụ.\n", encoding="utf-8")
    (raw_dir / "extract_fails.txt").write_text(f"Tỉnh Hà Nam năm 2022\n\n12/03/2023\n\n{EXTRACT_FAILS}: 12 dịch vụ.\n",
                                               encoding="utf-8")
    _break_reading_and_extracting_of_two_articles(monkeypatch)

    result = materialize_all(raw_dir, warehouse_file)

    assert result.success, failures(result)
    mentions = query(warehouse_file, "SELECT source_path, indicator_code, value, province_name, year "
                                     "FROM staging.indicator_mentions")
    # The seeds' figures are those a refresh of the seeds alone stores (the session's), row for row.
    columns = "mention_id, source_path, indicator_code, value, qualifier, province_code, year, char_start, char_end, rule"
    seed_rows = f"SELECT {columns} FROM staging.indicator_mentions WHERE source_path LIKE '00%' ORDER BY mention_id"
    pd.testing.assert_frame_equal(query(warehouse_file, seed_rows), query(seeded.warehouse, seed_rows))
    for name, province, value in (("quang_ngai_1258.txt", "Quảng Ngãi", 845), ("phu_yen_utf16.txt", "Phú Yên", 603)):
        assert mentions[mentions["source_path"] == name][["indicator_code", "value", "province_name", "year"]].values.tolist() == [
            ["online_services_level4", value, province, 2022]], name
    lam_dong = mentions[mentions["source_path"] == "year_only_date.txt"]
    assert set(lam_dong["value"]) == {86310, 96.4} and set(lam_dong["year"]) == {2025}
    assert 1102 in set(mentions.loc[mentions["source_path"] == "thu\\xe1_t\\xecnh.txt", "value"])
    assert query(warehouse_file, "SELECT count(*) - count(DISTINCT mention_id) AS d FROM staging.indicator_mentions")["d"][0] == 0
    rejected = query(warehouse_file, "SELECT source_path, reason FROM raw.rejected_files").set_index("source_path")["reason"]
    assert "FIFO" in rejected["pipe.txt"] and "empty" in rejected["empty.txt"].lower()
    assert rejected["null.txt"] == "not a regular file (a character device): skipped, never opened"
    assert "UnicodeError: a parser bug on this text" in rejected["read_fails.txt"]
    errors = query(warehouse_file, "SELECT source_path, stage, error_class, message, article_id IS NULL AS no_article, "
                                   "extractor_version FROM staging.extraction_errors ORDER BY stage")
    assert errors[["source_path", "stage", "error_class", "message", "no_article"]].values.tolist() == [
        ["extract_fails.txt", "extract", "IndexError", "a rule bug on this text", False],
        ["read_fails.txt", "read", "UnicodeError", "a parser bug on this text", True]]
    assert set(errors["extractor_version"]) == {EXTRACTOR_VERSION}
    assert "extract_fails.txt" in set(query(warehouse_file, "SELECT source_path FROM raw.articles")["source_path"])
    not_read = query(warehouse_file, "SELECT source_path, severity FROM marts.quality_findings WHERE rule = 'article_not_read' "
                                     "ORDER BY source_path")
    assert not_read.values.tolist() == [["extract_fails.txt", "warn"], ["read_fails.txt", "warn"]]
    not_read_check = next(e for e in result.get_asset_check_evaluations() if e.check_name == "article_not_read")
    assert not not_read_check.passed and not_read_check.severity == dg.AssetCheckSeverity.WARN
    quarantined = query(warehouse_file, "SELECT source_path, value, year, check_name FROM staging.quarantined_rows "
                                        "ORDER BY source_path")
    assert quarantined[["source_path", "value", "year"]].values.tolist() == [["absurd_value.txt", 2e18, 2023],
                                                                            ["old_year.txt", 99.84, 1890]]
    facts = query(warehouse_file, "SELECT province_name, indicator_code, value FROM marts.fact_indicator_yearly")
    assert 517 in set(facts["value"]) and not (facts["value"] >= 2e18).any()  # the article's good figure stays
    rollups = query(warehouse_file, "SELECT max(value_sum) AS m FROM marts.rollup_indicator_yearly")
    assert rollups["m"][0] < 1e9
    findings = query(warehouse_file, "SELECT rule, source_path FROM marts.quality_findings WHERE rule = 'row_quarantined'")
    assert sorted(findings["source_path"]) == ["absurd_value.txt", "old_year.txt"]


_DATELINES = st.sampled_from(["15/05/2024", "2025", "Tháng 7/2025", "", "Thứ Hai, 03/02/2020 08:15", "ngày 5 tháng 9 năm 2023"])
_NUMBERS = st.sampled_from(["0", "7", "1.937", "98,92", "12.345.678", "1.000.000.000.000.000", "3,5 triệu", "17/17", "49/63",
                            "2.147.483.648", "99999999999999999999"])
_SENTENCES = st.sampled_from([
    "Năm {y}, toàn tỉnh có {n} dịch vụ công trực tuyến mức độ 4.", "Tỉnh {p} đạt {n} điểm, xếp thứ {n}/63.",
    "tỷ lệ hồ sơ đúng hạn năm {y} đạt {n}%, năm {y} đạt {n}%.", "| {p} | {n} | {n} | {n}% |",
    "Đã tiếp nhận {n} hồ sơ, trong đó {n} hồ sơ trực tuyến.", "Chỉ số DTI năm {y} của {p} xếp thứ {n}.",
    "Phấn đấu đến năm {y} đạt {n}% hồ sơ trực tuyến.", "Tổng kinh phí đầu tư {n} tỷ đồng.",
])


@st.composite
def realistic_article(draw) -> str:
    province = draw(st.sampled_from(["Gia Lai", "Hậu Giang", "Cà Mau", "Hà Nội", "TP. Hồ Chí Minh", "Lào Cai"]))
    lines = [f"{province}: kết quả chuyển đổi số", "", draw(_DATELINES), ""]
    for template in draw(st.lists(_SENTENCES, min_size=1, max_size=8)):
        lines.append(template.format(y=draw(st.integers(1890, 2031)), n=draw(_NUMBERS),
                                     p=draw(st.sampled_from(["Gia Lai", "Kon Tum", "Bình Định", "cả nước"]))))
    return "\n".join(lines)


# Each example is a whole refresh (seconds): few examples, and no minutes-long shrinking in CI.
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(st.lists(realistic_article(), min_size=3, max_size=8))
def test_a_refresh_over_articles_built_from_realistic_parts_publishes(tmp_path_factory, articles):
    """No mix of parts makes a step raise. These articles are mostly absurd on purpose, so the share of
    quarantined rows that says a rule is broken (tested above) is lifted to 100 % here."""
    root = tmp_path_factory.mktemp("realistic")
    raw = root / "raw"
    raw.mkdir()
    for number, text in enumerate(articles):
        (raw / f"a{number}.txt").write_text(text, encoding="utf-8")
    with pytest.MonkeyPatch.context() as env:  # hypothesis runs the body many times per fixture: no monkeypatch fixture
        env.setenv("INDICATORS_MAX_INVALID_SHARE", "1")
        result = materialize_all(raw, root / "warehouse" / "indicators.duckdb")
    assert result.success, failures(result)
    published = root / "warehouse" / "indicators.duckdb"
    facts = query(published, "SELECT max(value) AS m FROM marts.fact_indicator_yearly WHERE unit = 'count'")
    assert facts["m"].isna().all() or facts["m"][0] <= 1e9  # nothing absurd reaches the facts
    # Every file is an article or a rejected file, and every article was parsed (none silently lost).
    stored = query(published, "SELECT (SELECT count(*) FROM raw.articles) + (SELECT count(*) FROM raw.rejected_files) AS n")
    assert stored["n"][0] == len(articles)
