"""marts.quality_findings computed again only where its inputs changed (issue 22) holds what a full pass makes:
the same rows, column values and types, after articles are added, removed, their figures or titles changed, figures
held back, or the acknowledgements changed (the rows still true stay where they were, the others go, the new ones
are appended). Real DuckDB warehouses of crafted mentions (the findings step's logic, as the asset calls it), then
real refreshes through one Dagster instance."""
from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from indicators_pipeline.marts.facts import facts_from
from indicators_pipeline.quality import findings_table
from indicators_pipeline.quality.acknowledgements import Acknowledgement
from indicators_pipeline.quality.incremental_findings import STEP, Computed, write_quality_findings
from indicators_pipeline.quality.rules import correction_findings, set_aside_findings
from indicators_pipeline.warehouse import article_state, tables
from indicators_pipeline.warehouse.store import read_table, replace_tables
from indicators_pipeline_tests.pipeline_runs import failures, materialization_metadata, materialize_all, query

FINDINGS = tables.QUALITY_FINDINGS.name
PROVINCES = {"Gia Lai": ("64", "52"), "Kon Tum": ("62", "51"), "An Giang": ("89", "89")}
UNITS = {"online_services_total": "count", "online_services_level3": "count", "online_services_level4": "count",
         "online_services_level34": "count", "dossiers_online": "count"}
PUBLISHED = {"a1": "2022-01-10", "a2": "2022-02-10", "a3": "2022-03-01", "a4": "2023-01-05", "a5": "2023-02-01",
             "a6": "2023-03-01"}


def _mention(article: str, indicator: str, value: float, province: str, year: int, start: int,
             unit_2025: str | None = "", held: bool = False) -> dict:
    code, unit_code = PROVINCES[province]
    return dict(mention_id=f"{article}:{indicator}:{start}", article_id=article, source_path=f"{article}.txt",
                indicator_code=indicator, value=float(value), unit=UNITS[indicator], qualifier="exact",
                province_code=code, province_name=province, province_2025_code=unit_code if unit_2025 == "" else unit_2025,
                year=year, evidence="x", char_start=start, char_end=start + 5, decimals=0,
                published_date=PUBLISHED[article], review_status="unreviewed", held=held)


def _base() -> list[dict]:
    """Five articles: a per-article finding (a1's levels do not add up), a three-way conflict (Gia Lai 2021), a
    conflict of two (Kon Tum 2022), a fact of the same province, year and indicator in another 2025 unit (a5), and
    facts that agree."""
    return [
        _mention("a1", "online_services_total", 1000, "Gia Lai", 2021, 10),
        _mention("a1", "online_services_level3", 300, "Gia Lai", 2021, 20),
        _mention("a1", "online_services_level4", 200, "Gia Lai", 2021, 30),
        _mention("a1", "online_services_level34", 600, "Gia Lai", 2021, 40),
        _mention("a1", "dossiers_online", 50, "Gia Lai", 2021, 50),
        _mention("a2", "online_services_total", 1100, "Gia Lai", 2021, 10),
        _mention("a2", "dossiers_online", 50, "Gia Lai", 2021, 20),
        _mention("a3", "online_services_total", 800, "Kon Tum", 2021, 10),
        _mention("a3", "online_services_total", 900, "Kon Tum", 2022, 30),
        _mention("a4", "online_services_total", 950, "Kon Tum", 2022, 10),
        _mention("a4", "online_services_total", 1200, "Gia Lai", 2021, 30),
        _mention("a5", "online_services_total", 1000, "Gia Lai", 2021, 10, unit_2025=None),
        _mention("a5", "online_services_total", 1300, "Gia Lai", 2021, 90, unit_2025=None),
        _mention("a5", "online_services_level3", 10, "An Giang", 2020, 30),
        _mention("a5", "online_services_level4", 20, "An Giang", 2020, 40),
        _mention("a5", "online_services_level34", 31, "An Giang", 2020, 50),
    ]


def _store(con: duckdb.DuckDBPyConnection, mentions: list[dict], titles: dict[str, str]) -> None:
    """raw.articles, staging.reviewed_mentions and the facts the facts step makes of them."""
    articles = pd.DataFrame([{"article_id": a, "source_path": f"{a}.txt", "title": title} for a, title in titles.items()],
                            columns=tables.ARTICLES.column_names)
    rows = pd.DataFrame(mentions).reindex(columns=tables.REVIEWED_MENTIONS.column_names)
    replace_tables(con, {tables.ARTICLES: articles, tables.REVIEWED_MENTIONS: rows})
    replace_tables(con, {tables.FACTS: facts_from(con, tables.REVIEWED_MENTIONS.name)})


def _titles(mentions: list[dict]) -> dict[str, str]:
    return {m["article_id"]: f"Tin {m['article_id']}: dịch vụ công; năm" for m in mentions}


def _findings(con: duckdb.DuckDBPyConnection, acks: list[Acknowledgement], incremental: bool) -> Computed:
    """The findings step's logic, as the asset calls it, and its state stored after the findings."""
    computed = write_quality_findings(
        con, tables.REVIEWED_MENTIONS.name, read_table(con, tables.FACTS),
        set_aside_findings(read_table(con, tables.EXTRACTION_ERRORS), read_table(con, tables.QUARANTINED_ROWS)),
        correction_findings(read_table(con, tables.CORRECTIONS_APPLIED)), acks, incremental)
    article_state.store(con, STEP, computed.state)
    return computed


def assert_as_a_full_pass(database: Path, acks: list[Acknowledgement]) -> None:
    """The findings table of database holds the rows a full pass over its inputs makes: every column, its type."""
    full = database.with_name(f"full_{database.name}")
    shutil.copy(database, full)
    con = duckdb.connect(str(full))
    try:
        _findings(con, acks, incremental=False)
        con.execute(f"ATTACH '{database}' AS incremental (READ_ONLY)")
        other = f"incremental.{FINDINGS}"
        assert con.execute(f"SELECT * FROM {FINDINGS} EXCEPT ALL SELECT * FROM {other}").fetchall() == []
        assert con.execute(f"SELECT * FROM {other} EXCEPT ALL SELECT * FROM {FINDINGS}").fetchall() == []
        types = "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = {} AND schema_name = 'marts' " \
                "AND table_name = 'quality_findings' ORDER BY column_index"
        assert con.execute(types.format("'incremental'")).fetchall() == \
            con.execute(types.format("current_database()")).fetchall()
    finally:
        con.close()


def _ack(line: int, rule: str, province: str = "", year: int | None = None, indicator: str = "") -> Acknowledgement:
    return Acknowledgement(line, rule, province, year, indicator, f"reason {line}", "analyst")


ACKS = [_ack(2, "sources_agree", "Kon Tum", 2022), _ack(3, "level3_plus_level4_equals_level34", "89"),
        _ack(4, "sources_agree", "Nowhere")]


def _changed(tmp_path: Path, change, acks_before=ACKS, acks_after=ACKS) -> tuple[Computed, Computed]:
    """A full pass over the base, the change (a function of the connection and the base's mentions), an
    incremental pass; checked against a full pass. Returns (the first pass, the incremental one)."""
    database = tmp_path / "work.duckdb"
    con = duckdb.connect(str(database))
    mentions = _base()
    _store(con, mentions, _titles(mentions))
    first = _findings(con, acks_before, incremental=False)
    change(con, mentions)
    again = _findings(con, acks_after, incremental=True)
    con.close()
    assert again.articles is not None, "an incremental pass"
    assert_as_a_full_pass(database, acks_after)
    return first, again


@pytest.fixture(params=["one slice", "a row a slice"])
def slices(request, monkeypatch):
    """The rows computed merged into the table in one statement, or one a row (a slice's rowid range)."""
    if request.param == "a row a slice":
        monkeypatch.setattr(findings_table, "_SLICE_CHARS", 1)


def _rows(con) -> pd.DataFrame:
    return con.execute(f"SELECT rule, province_name, year, expected, article_id, source_titles, acknowledged "
                       f"FROM {FINDINGS} ORDER BY rowid").df()


def test_added_articles_extend_and_make_conflicts_and_shift_the_facts_order(tmp_path, slices):
    def add(con, mentions):
        mentions += [_mention("a6", "online_services_total", 850, "Kon Tum", 2021, 10),  # a new conflict
                     _mention("a6", "online_services_total", 1100, "Gia Lai", 2021, 20),  # one more source
                     _mention("a6", "online_services_total", 5, "An Giang", 2019, 30),  # a fact before every other
                     _mention("a6", "online_services_total", 6, "An Giang", 2019, 40)]  # ... conflicting
        _store(con, mentions, _titles(mentions))

    first, again = _changed(tmp_path, add)
    assert first.conflicts == 3 and again.articles == 1 and again.conflicts == 4  # of 5: Kon Tum 2022's is kept


def test_a_removed_article_takes_its_reports_and_a_conflict_with_it(tmp_path, slices):
    def remove(con, mentions):
        kept = [m for m in mentions if m["article_id"] not in ("a2", "a4")]
        _store(con, kept, _titles(kept))

    first, again = _changed(tmp_path, remove)
    assert again.articles == 2 and again.conflicts == 1 < first.conflicts  # a5's Gia Lai one: the others go


@pytest.mark.parametrize("article, indicator, year, value", [
    ("a4", "online_services_total", 2022, 900),  # Kon Tum 2022 agrees: its conflict disappears
    ("a1", "dossiers_online", 2021, 55),  # Gia Lai's dossiers disagree: a conflict appears
    ("a4", "online_services_total", 2021, 1250),  # the latest article's value: the fact keeps another value
    ("a1", "online_services_level34", 2021, 500),  # a1's levels add up: its per-article finding goes
])
def test_changed_figures_make_conflicts_appear_disappear_or_keep_another_value(tmp_path, article, indicator, year,
                                                                                value, slices):
    def change(con, mentions):
        for m in mentions:
            if (m["article_id"], m["indicator_code"], m["year"]) == (article, indicator, year):
                m["value"] = float(value)
        _store(con, mentions, _titles(mentions))

    _changed(tmp_path, change)


def test_a_changed_title_changes_the_findings_that_name_its_article(tmp_path):
    def retitle(con, mentions):
        _store(con, mentions, {**_titles(mentions), "a2": "Gia Lai: tiêu đề mới"})

    _, again = _changed(tmp_path, retitle)
    assert again.articles == 1
    con = duckdb.connect(str(tmp_path / "work.duckdb"))
    assert any("Gia Lai: tiêu đề mới" in (t or "") for t in _rows(con)["source_titles"])
    con.close()


def test_figures_held_back_change_the_facts_without_changing_an_article(tmp_path):
    def hold(con, mentions):
        for m in mentions:
            if m["article_id"] == "a4":
                m["held"] = True  # Kon Tum 2022 keeps a3's value alone; Gia Lai 2021 loses its latest value
        _store(con, mentions, _titles(mentions))

    _, again = _changed(tmp_path, hold)
    assert again.articles == 0


@pytest.mark.parametrize("acks_after", [
    [],  # every acknowledgement gone
    [_ack(2, "sources_agree", "Gia Lai"), _ack(5, "level3_plus_level4_equals_level34"),  # others, on kept rows
     _ack(6, "sources_agree", year=1999), _ack(7, "no_such_rule"), _ack(8, "level3_plus_level4_equals_level34")],
])
def test_changed_acknowledgements_are_matched_again_over_kept_rows(tmp_path, acks_after):
    _changed(tmp_path, lambda con, mentions: None, acks_after=acks_after)


def test_nothing_changed_keeps_every_row_and_computes_none(tmp_path):
    first, again = _changed(tmp_path, lambda con, mentions: None)
    assert first.conflicts == 3 and again.conflicts == 0 and again.articles == 0


# A province-year the seeds do not have, twice, in words of our own: one new fact, then a conflict about it.
KON_TUM = ("Kon Tum: dịch vụ công năm 2021\n\n12/01/2022\n\nNăm 2021, tỉnh Kon Tum cung cấp {total} dịch vụ công "
           "trực tuyến, trong đó 288 dịch vụ mức độ 3 và 201 dịch vụ mức độ 4.\n")


def _metadata(result: dg.ExecuteInProcessResult) -> dict:
    return {k: getattr(v, "value", v) for k, v in materialization_metadata(result, ["marts", "quality_findings"]).items()}


def _refresh(raw_dir, warehouse_file, quality_dir, instance, acknowledged) -> dict:
    result = materialize_all(raw_dir, warehouse_file, quality_dir, instance=instance, acknowledged=acknowledged)
    assert result.success, failures(result)
    return _metadata(result)


def _as_a_full_pass(warehouse_file: Path, tmp_path: Path, acknowledged: Path) -> None:
    """The working database's findings are those the step's full pass makes of its inputs (checked on a copy)."""
    from indicators_pipeline.quality.acknowledgements import read_acknowledgements

    working = warehouse_file.with_name(f"{warehouse_file.stem}.work{warehouse_file.suffix}")
    copy = tmp_path / "checked" / working.name
    copy.parent.mkdir(exist_ok=True)
    shutil.copy(working, copy)
    assert_as_a_full_pass(copy, read_acknowledgements(acknowledged))


def test_refreshes_compute_the_conflicts_again_only_where_they_changed(raw_dir, warehouse_file, quality_dir, tmp_path):
    acknowledged = tmp_path / "acknowledged.csv"
    acknowledged.write_text("rule,province,year,indicator,reason,who\n"
                            "sources_agree,Gia Lai,2021,,two moments of the year,analyst\n", encoding="utf-8")
    (raw_dir / "kon_tum_a.txt").write_text(KON_TUM.format(total="1.204"), encoding="utf-8")
    with dg.DagsterInstance.ephemeral() as instance:
        first = _refresh(raw_dir, warehouse_file, quality_dir, instance, acknowledged)
        assert first["articles_checked_again"] == "all"

        (raw_dir / "kon_tum_b.txt").write_text(KON_TUM.format(total="1.300"), encoding="utf-8")  # a conflict appears
        added = _refresh(raw_dir, warehouse_file, quality_dir, instance, acknowledged)
        assert added["articles_checked_again"] == 1 and added["conflicts_computed"] == 1
        kon_tum = query(warehouse_file, f"SELECT observed FROM {FINDINGS} WHERE rule = 'sources_agree' "
                                        "AND province_name = 'Kon Tum'")
        assert kon_tum["observed"].tolist() == ["1,204, 1,300"]
        _as_a_full_pass(warehouse_file, tmp_path, acknowledged)

        # the file rewritten under another headline (another article, the same figures); an acknowledgement added
        (raw_dir / "kon_tum_b.txt").write_text(KON_TUM.format(total="1.300").replace("Kon Tum: dịch vụ công",
                                                                                      "Kon Tum: kết quả"), encoding="utf-8")
        with acknowledged.open("a", encoding="utf-8") as more:
            more.write("sources_agree,Kon Tum,,,read,analyst\n")
        retitled = _refresh(raw_dir, warehouse_file, quality_dir, instance, acknowledged)
        assert retitled["articles_checked_again"] != "all" and retitled["acknowledged"] == first["acknowledged"] + 1
        _as_a_full_pass(warehouse_file, tmp_path, acknowledged)

        # the table edited by hand: not what the last computation left, so a full pass mends it
        working = warehouse_file.with_name(f"{warehouse_file.stem}.work{warehouse_file.suffix}")
        con = duckdb.connect(str(working))
        con.execute(f"UPDATE {FINDINGS} SET detail = 'edited' WHERE rule = 'sources_agree'")
        con.close()
        (raw_dir / "kon_tum_a.txt").unlink()  # and an article goes: the Kon Tum conflict with it
        mended = _refresh(raw_dir, warehouse_file, quality_dir, instance, acknowledged)
        assert mended["articles_checked_again"] == "all"
        assert query(warehouse_file, f"SELECT count(*) AS n FROM {FINDINGS} WHERE detail = 'edited'")["n"][0] == 0
        _as_a_full_pass(warehouse_file, tmp_path, acknowledged)
