"""marts.quality_findings written a batch at a time and the consistency checks' first rows read in SQL (issue 22):
the same table, and the same tables in the checks, as when both were built from the whole table in pandas."""
from __future__ import annotations

import unicodedata

import dagster as dg
import duckdb
import pandas as pd
import pytest

from indicators_pipeline.defs.unchanged import COMPUTED_IN
from indicators_pipeline.defs.quality.checks import _FINDINGS_SHOWN, _counts, _findings_table, _first_findings, _summary
from indicators_pipeline.quality.acknowledgements import acknowledge, read_acknowledgements
from indicators_pipeline.quality import findings_table
from indicators_pipeline.quality.findings_table import BUILDING, COMPUTED, SOURCES_AGREE, Counts, counts, placed, write_findings
from indicators_pipeline.quality.rules import finding_row
from indicators_pipeline.warehouse import tables
from indicators_pipeline.warehouse.store import replace_tables, table_exists
from indicators_pipeline_tests.pipeline_runs import materialization_metadata, materialize_all, query

TITLES = {"a": "Hà Nội: dịch vụ công | năm 2021", "b": "B, with a comma", "c": ""}


def _warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw")
    con.execute("CREATE TABLE raw.articles (article_id VARCHAR, title VARCHAR)")
    con.executemany("INSERT INTO raw.articles VALUES (?, ?)", list(TITLES.items()))
    return con


def _findings() -> list[dict]:
    """Findings of three rules, in the order the step makes them; some name several articles, one none."""
    out = []
    for i in range(12):
        out.append(finding_row(rule="full_share_matches", severity="warn", province_code="01", province_name="Hà Nội",
                               year=2019 + i % 3, indicator_codes="online_services_full|online_services_full_pct",
                               detail=f"finding {i}", article_id="a", source_path="a.txt"))
        out.append(finding_row(rule="sources_agree", severity="warn", province_code=None, province_name="Cà Mau",
                               year=2020 + i % 2, indicator_codes="dossiers_online", detail=f"conflict {i} " + "x" * 50,
                               article_id="b; gone; a; c", source_path="b.txt; gone.txt; a.txt; c.txt"))
    out.append(finding_row(rule="correction_not_applied", severity="warn", detail="corrections.csv line 2"))
    return out


def _as_given(findings) -> list[tuple[int, int, dict]]:
    """Findings placed in one section, in the order given (any section but the per-article one, ordered by group)."""
    return list(placed(SOURCES_AGREE, findings))


def _acks(tmp_path):
    path = tmp_path / "acknowledged.csv"
    path.write_text("rule,province,year,indicator,reason,who\n"
                    "sources_agree,cà mau,2021,,two moments of the year,analyst A\n"
                    "full_share_matches,01,,online_services_full_pct,rounded differently,analyst B\n"
                    "full_share_matches,Hà Nội,2019,,also this one,analyst C\n"
                    "sources_agree,Nowhere,2020,,a province that is not there,analyst D\n"
                    "no_such_rule,,,,typo,analyst E\n", encoding="utf-8")
    return read_acknowledgements(path)


def _rows(con) -> list[tuple]:
    return con.execute(f"SELECT * FROM {tables.QUALITY_FINDINGS.name}").fetchall()


@pytest.mark.parametrize("batch_chars", [1, 200, 10_000_000])  # a row a batch, a few rows, all at once
def test_findings_written_in_batches_are_the_findings_titled_and_acknowledged_whole(tmp_path, batch_chars, monkeypatch):
    acks = _acks(tmp_path)
    con = _warehouse()
    monkeypatch.setattr(findings_table, "_SLICE_CHARS", batch_chars)  # and merged in slices of that size
    write_findings(con, _as_given(_findings()), acks, articles_table="raw.articles", batch_chars=batch_chars)

    whole = pd.DataFrame(_findings())  # what the step did before: titles mapped, acknowledge() over every finding
    whole["source_titles"] = whole["article_id"].map(
        lambda ids: "; ".join(t for t in (TITLES.get(a) for a in ids.split("; ")) if t) or None if ids else None)
    expected = duckdb.connect()
    replace_tables(expected, {tables.QUALITY_FINDINGS: acknowledge(whole, acks)})
    assert _rows(con) == _rows(expected)

    written = con.execute(f"SELECT rule, acknowledged, source_titles, observed FROM {tables.QUALITY_FINDINGS.name}").df()
    assert written["source_titles"].iloc[1] == "B, with a comma; Hà Nội: dịch vụ công | năm 2021"
    assert written["acknowledged"].sum() == 12 + 6  # every Hà Nội one by its indicator; Cà Mau 2021 (6 of 12)
    assert written["rule"].iloc[-2:].tolist() == ["acknowledgement_matches"] * 2  # Nowhere and the unknown rule, last
    assert counts(con) == Counts(errors=0, warnings=6 + 1 + 2, acknowledged=18, stale_acknowledgements=2)
    assert not table_exists(con, BUILDING) and not table_exists(con, COMPUTED)
    assert con.execute(f"SELECT comment FROM duckdb_tables() WHERE schema_name = 'marts' "
                       f"AND table_name = 'quality_findings'").fetchall() == [(tables.QUALITY_FINDINGS.description,)]


@pytest.mark.parametrize("keeping", [False, True])  # a full pass, or a night keeping some rows
def test_a_failure_while_writing_leaves_the_old_findings(tmp_path, keeping):
    con = _warehouse()
    write_findings(con, _as_given(_findings()), [], articles_table="raw.articles")
    before = _rows(con)
    kept = None
    if keeping:
        kept = "_kept"
        con.execute(f"CREATE TEMP TABLE {kept} AS SELECT rowid AS old_rowid FROM {tables.QUALITY_FINDINGS.name} "
                    f"WHERE rule = 'sources_agree'")

    def failing():
        yield from _as_given(_findings()[:5])
        raise RuntimeError("the mentions could not be read")

    with pytest.raises(RuntimeError, match="could not be read"):
        write_findings(con, failing(), [], kept=kept, articles_table="raw.articles", batch_chars=1)
    assert _rows(con) == before and not table_exists(con, BUILDING) and not table_exists(con, COMPUTED)


def test_each_check_shows_its_first_findings_by_place_open_ones_first_as_from_the_whole_table(tmp_path):
    con = _warehouse()
    findings = [finding_row(rule="sources_agree", severity="warn", province_name=f"P{i}", year=2000 + i,
                            article_id="a", source_path=f"{i}.txt", detail=f"d{i}") for i in range(_FINDINGS_SHOWN + 8)]
    findings += [finding_row(rule="full_share_matches", severity="warn", province_name=f"Q{i}", year=2010 + i,
                             article_id="b", source_path=f"q{i}.txt", detail=f"e{i}") for i in range(7)]
    findings.insert(3, finding_row(rule="percent_in_range", severity="error", province_name="R", year=None,
                                   source_path="r.txt", detail="140% is not a share"))
    path = tmp_path / "acknowledged.csv"
    path.write_text("rule,province,year,indicator,reason,who\n"
                    + "".join(f"sources_agree,P{i},,,seen,analyst\n" for i in (0, 2, 55))
                    + "".join(f"full_share_matches,Q{i},,,seen,analyst\n" for i in (0, 1, 4, 6)), encoding="utf-8")
    write_findings(con, _as_given(findings), read_acknowledgements(path), articles_table="raw.articles")
    whole = con.execute(f"SELECT * FROM {tables.QUALITY_FINDINGS.name}").df()

    found_counts = _counts(con)
    assert found_counts == {"sources_agree": (58, 55, 0), "full_share_matches": (7, 3, 0), "percent_in_range": (1, 1, 1)}
    for rule, (found, opened, _) in found_counts.items():
        rows = _by_place(whole[whole["rule"] == rule])
        open_rows = rows[~rows["acknowledged"].fillna(False).astype(bool)]  # what the check did with the whole table
        shown = _first_findings(con, rule, opened)
        assert _findings_table(shown) == _findings_table(pd.concat([open_rows, rows.drop(open_rows.index)]))
        assert len(shown) == min(found, _FINDINGS_SHOWN)
        assert _summary(shown.head(opened), opened, found - opened) == _old_summary(open_rows, found - opened)
    assert [r.data["province"] for r in _findings_table(_first_findings(con, "full_share_matches", 3)).records] == \
        ["Q2", "Q3", "Q5", "Q0", "Q1", "Q4", "Q6"]
    assert _summary(_first_findings(con, "sources_agree", 55), 55, 3) == "55 open: P1 2001, P10 2010, P11 2011, " \
                                                                         "P12 2012, P13 2013 …; 3 acknowledged"
    assert _summary(_first_findings(con, "percent_in_range", 1), 1, 0) == "1 open: R"


def _by_place(rows: pd.DataFrame) -> pd.DataFrame:
    """Findings in the order a reader of Vietnamese looks for a place: the letters without their accents, Đ after D."""
    def letters(name):
        if not isinstance(name, str):
            return "\uffff"  # no place: last
        bare = "".join(c for c in unicodedata.normalize("NFD", name) if not unicodedata.combining(c))
        return bare.replace("Đ", "D\u007f").replace("đ", "d\u007f")
    return rows.assign(_letters=rows["province_name"].map(letters)).sort_values(
        ["_letters", "province_name", "year", "indicator_codes", "source_path", "detail"], na_position="last",
        kind="stable").drop(columns="_letters")


def test_a_check_lists_places_in_the_alphabets_order():
    con = _warehouse()
    places = ["Yên Bái", "Điện Biên", "Bà Rịa - Vũng Tàu", "Đắk Lắk", "Đà Nẵng", "Cà Mau", "Bình Định", "Đồng Nai",
              "Bắc Ninh"]
    write_findings(con, _as_given([finding_row(rule="sources_agree", severity="warn", province_name=name, year=2021,
                                               detail=name) for name in places]), [], articles_table="raw.articles")
    listed = list(_first_findings(con, "sources_agree", len(places))["province_name"])
    assert listed == ["Bà Rịa - Vũng Tàu", "Bắc Ninh", "Bình Định", "Cà Mau", "Đà Nẵng", "Đắk Lắk", "Điện Biên",
                      "Đồng Nai", "Yên Bái"]
    assert listed == list(_by_place(pd.DataFrame({"province_name": places, "year": 2021, "indicator_codes": "",
                                                  "source_path": "", "detail": places}))["province_name"])


def _old_summary(open_findings: pd.DataFrame, acknowledged: int) -> str:
    """The check's description as it was made from the whole table."""
    said = f"; {acknowledged} acknowledged" if acknowledged else ""
    if open_findings.empty:
        return f"no open finding{said}"
    places = ", ".join(dict.fromkeys(
        f"{r.province_name or r.source_path} {'' if pd.isna(r.year) else int(r.year)}".strip()
        for r in open_findings.head(5).itertuples(index=False)))
    return f"{len(open_findings)} open: {places}{' …' if len(open_findings) > 5 else ''}{said}"


def test_the_tables_left_by_a_killed_write_go_even_on_a_night_that_keeps_the_findings(raw_dir, warehouse_file):
    with dg.DagsterInstance.ephemeral() as instance:
        assert materialize_all(raw_dir, warehouse_file, instance=instance).success
        working = warehouse_file.with_name(f"{warehouse_file.stem}.work{warehouse_file.suffix}")
        con = duckdb.connect(str(working))
        con.execute(f"CREATE TABLE {BUILDING.name} AS SELECT * FROM {tables.QUALITY_FINDINGS.name} LIMIT 3")
        con.execute(f"CREATE TABLE {COMPUTED.name} AS SELECT *, 0 AS section, 0 AS position "
                    f"FROM {tables.QUALITY_FINDINGS.name} LIMIT 3")
        con.close()
        again = materialize_all(raw_dir, warehouse_file, instance=instance)
    assert again.success
    assert COMPUTED_IN in materialization_metadata(again, ["marts", "quality_findings"])  # the findings were kept
    for database in (working, warehouse_file):
        tables_there = query(database, "SELECT schema_name || '.' || table_name AS t FROM duckdb_tables()")["t"]
        assert {BUILDING.name, COMPUTED.name}.isdisjoint(tables_there) and tables.QUALITY_FINDINGS.name in set(tables_there)


def test_findings_whose_headlines_outgrow_duckdbs_memory_are_written(tmp_path, monkeypatch):
    """At 100,000 articles every fact can conflict and each sources_agree finding names a few hundred headlines: the
    table's order is computed over its keys alone (the headlines do not fit the memory DuckDB may use). Memory,
    batches and slices are the step's scaled down by 8."""
    con = duckdb.connect(str(tmp_path / "w.duckdb"), config={"memory_limit": "32MB",
                                                            "temp_directory": str(tmp_path / "spill")})
    con.execute("CREATE SCHEMA raw")
    con.execute("CREATE TABLE raw.articles AS SELECT 'a' || i AS article_id, "
                "'Tiêu đề ' || i || ' ' || repeat('x', 50) AS title FROM range(40) AS t(i)")
    named = "; ".join(f"a{i}" for i in range(40))
    many = 15_000
    findings = [finding_row(rule="sources_agree", severity="warn", province_name=f"Tỉnh {i}", year=2020,
                            indicator_codes="dossiers_online", detail=f"conflict {i}", article_id=named,
                            source_path=named.replace("; ", ".txt; ") + ".txt") for i in range(many)]
    monkeypatch.setattr(findings_table, "_SLICE_CHARS", findings_table._SLICE_CHARS // 8)
    write_findings(con, _as_given(findings), [], articles_table="raw.articles",
                   batch_chars=findings_table._BATCH_CHARS // 8)
    written = con.execute(f"SELECT province_name, length(source_titles) FROM {tables.QUALITY_FINDINGS.name}").fetchall()
    assert [name for name, _ in written] == [f"Tỉnh {i}" for i in range(many)]  # all of them, in order
    assert sum(length for _, length in written) > 32 * 2 ** 20  # more than the memory DuckDB had
