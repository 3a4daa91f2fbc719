"""The same input always publishes the same warehouse (issue 22).

Whatever order files are created and listed in, however many worker processes read them, with one or
many DuckDB threads, in a full or a no-change refresh, or when articles arrive over two nights, every
table of the published file holds the same rows (EXCEPT ALL both ways). The pure parts are tested on
their own with the rows they choose from in every order.
"""
from __future__ import annotations

import itertools
import random
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from indicators_pipeline import parallel, reference
from indicators_pipeline.curation.corrections import apply, parse
from indicators_pipeline.defs.curation import Curation
from indicators_pipeline.defs.resources import RawFolder, Warehouse
from indicators_pipeline.marts.facts import build_facts
from indicators_pipeline.marts.rollups import build_rollups
from indicators_pipeline.quality.rules import quality_findings, set_aside_findings
from indicators_pipeline.warehouse import tables
from indicators_pipeline_tests.pipeline_runs import failures, project_definitions

REPO = Path(__file__).resolve().parent.parent
DEVSET = Path(__file__).parent / "devset"

# One article, two readings of one figure that start at the same character: the extractor's 420 and an
# analyst's added 400 quoting the same words. Nothing before the tie-break tells them apart.
KON_TUM = ("Kon Tum: kết quả cung cấp dịch vụ công trực tuyến năm 2023\n\n15/01/2024\n\n"
           "Năm 2023, tỉnh Kon Tum có 1.250 thủ tục hành chính, trong đó 420 dịch vụ công trực tuyến toàn trình và "
           "310 dịch vụ công trực tuyến một phần. Tỷ lệ hồ sơ giải quyết đúng hạn đạt 97,5%.\n")
CORRECTIONS = ("article_id,title,source_path,indicator,value,evidence,action,new_value,new_indicator,new_province,"
               "new_year,reason,who,when\n"
               ",Kon Tum: kết quả cung cấp dịch vụ công trực tuyến năm 2023,,online_services_full,400,"
               "420 dịch vụ công trực tuyến toàn trình,add,,,,,a second reading of the same words,test,2026-12-01\n")

# Columns that record when, not what: the publication time, and file modification times (the incremental state).
RUN_COLUMNS = {("meta", "publication"): {"published_at"}, ("raw", "file_inventory"): {"mtime_ns"}}


def corpus() -> dict[str, bytes]:
    """Seeds, the four dev sets in sub-folders, the tie article, a duplicate of it and an empty file."""
    files = {seed.name: seed.read_bytes() for seed in sorted((REPO / "data" / "raw").glob("*.txt"))}
    for folder in sorted(DEVSET.glob("articles*")):
        files.update({f"{folder.name}/{p.name}": p.read_bytes() for p in sorted(folder.glob("*.txt"))})
    files["kon_tum/2023.txt"] = KON_TUM.encode("utf-8")
    files["kon_tum/copy of 2023.txt"] = KON_TUM.encode("utf-8")  # one article, listed as a duplicate
    files["empty.txt"] = b""  # a rejected file
    return files


def write(folder: Path, files: dict[str, bytes], names: list[str]) -> None:
    for name in names:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(files[name])


def refresh(raw: Path, warehouse: Path, corrections: Path, instance: dg.DagsterInstance, threads: int) -> None:
    definitions = project_definitions()
    result = dg.materialize(
        [*definitions.assets, *definitions.asset_checks],
        resources={"warehouse": Warehouse(path=str(warehouse), quality_dir=str(warehouse.parent / "q"), threads=threads),
                   "raw_folder": RawFolder(path=str(raw)),
                   "curation": Curation(acknowledged=str(warehouse.parent / "none.csv"), corrections=str(corrections))},
        instance=instance, raise_on_error=False)
    assert result.success, failures(result)


def snapshot(warehouse: Path, into: Path) -> Path:
    into.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(warehouse, into)
    return into


def relations(con: duckdb.DuckDBPyConnection, database: str) -> list[tuple[str, str]]:
    found = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? UNION ALL "
        "SELECT schema_name, view_name FROM duckdb_views() WHERE database_name = ? AND NOT internal",
        [database, database]).fetchall()
    return sorted(found)


def differences(first: Path, second: Path) -> dict[str, tuple[int, int]]:
    """Per table or view: (rows only in first, rows only in second, a sample), counting duplicates; empty when identical."""
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{first}' AS a (READ_ONLY)")
        con.execute(f"ATTACH '{second}' AS b (READ_ONLY)")
        assert relations(con, "a") == relations(con, "b")
        found = {}
        for schema, name in relations(con, "a"):
            columns = [c for (c,) in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = 'a' AND schema_name = ? AND table_name = ? "
                "ORDER BY column_index", [schema, name]).fetchall()
                if c not in RUN_COLUMNS.get((schema, name), set())]
            listed = ", ".join(f'"{c}"' for c in columns)
            left, right = (f'SELECT {listed} FROM {db}."{schema}"."{name}"' for db in ("a", "b"))
            only_a = con.execute(f"SELECT count(*) FROM ({left} EXCEPT ALL {right})").fetchall()[0][0]
            only_b = con.execute(f"SELECT count(*) FROM ({right} EXCEPT ALL {left})").fetchall()[0][0]
            if only_a or only_b:
                sample = con.execute(f"FROM ({left} EXCEPT ALL {right}) LIMIT 1").fetchall()
                found[f"{schema}.{name}"] = (only_a, only_b, str(sample)[:300])
        return found
    finally:
        con.close()


def test_the_same_corpus_publishes_the_same_warehouse_every_way(tmp_path: Path, monkeypatch):
    files = corpus()
    names = sorted(files)
    corrections = tmp_path / "corrections.csv"
    corrections.write_text(CORRECTIONS, encoding="utf-8")
    published: dict[str, Path] = {}

    # A: files created in sorted order, one worker, one DuckDB thread, a full refresh; then a no-change refresh.
    monkeypatch.setenv("INDICATORS_WORKERS", "1")
    write(tmp_path / "a" / "raw", files, names)
    warehouse = tmp_path / "a" / "w" / "indicators.duckdb"
    instance = dg.DagsterInstance.ephemeral()
    refresh(tmp_path / "a" / "raw", warehouse, corrections, instance, threads=1)
    published["full, 1 worker, 1 thread"] = snapshot(warehouse, tmp_path / "out" / "a1.duckdb")
    refresh(tmp_path / "a" / "raw", warehouse, corrections, instance, threads=4)
    published["no change, 4 threads"] = snapshot(warehouse, tmp_path / "out" / "a2.duckdb")

    # B: files created in reverse order, read by two worker processes (every batch, however small), 4 threads.
    monkeypatch.setenv("INDICATORS_WORKERS", "2")
    monkeypatch.setattr(parallel, "MIN_ITEMS_FOR_PROCESSES", 1)
    write(tmp_path / "b" / "raw", files, names[::-1])
    warehouse = tmp_path / "b" / "w" / "indicators.duckdb"
    refresh(tmp_path / "b" / "raw", warehouse, corrections, dg.DagsterInstance.ephemeral(), threads=4)
    published["full, reversed, 2 workers, 4 threads"] = snapshot(warehouse, tmp_path / "out" / "b.duckdb")

    # C: the articles arrive over two nights in a shuffled order (the tie's two readings on different nights too).
    monkeypatch.setenv("INDICATORS_WORKERS", "1")
    shuffled = random.Random(22).sample(names, len(names))
    shuffled.remove("kon_tum/2023.txt")
    first_night, second_night = shuffled[: len(shuffled) // 2], [*shuffled[len(shuffled) // 2:], "kon_tum/2023.txt"]
    write(tmp_path / "c" / "raw", files, first_night)
    warehouse, instance = tmp_path / "c" / "w" / "indicators.duckdb", dg.DagsterInstance.ephemeral()
    refresh(tmp_path / "c" / "raw", warehouse, corrections, instance, threads=2)
    write(tmp_path / "c" / "raw", files, second_night)
    refresh(tmp_path / "c" / "raw", warehouse, corrections, instance, threads=2)
    published["two nights, shuffled, 2 threads"] = snapshot(warehouse, tmp_path / "out" / "c.duckdb")

    reference_run, *others = published
    for other in others:
        assert differences(published[reference_run], published[other]) == {}, f"{reference_run} vs {other}"

    con = duckdb.connect(str(published[reference_run]), read_only=True)
    try:
        fact = con.execute("SELECT value, conflict, n_values, source_mention_id FROM marts.fact_indicator_yearly "
                           "WHERE province_name = 'Kon Tum' AND year = 2023 AND indicator_code = 'online_services_full'"
                           ).fetchall()
        tables_published = con.execute("SELECT count(*) FROM duckdb_tables()").fetchall()[0][0]
    finally:
        con.close()
    # The tie: same article, same start, same span, same date, same qualifier: the smaller value, every time.
    assert fact == [(400.0, True, 2, fact[0][3])] and fact[0][3].endswith(":added")
    assert tables_published >= len(tables.ALL_TABLES)


# The pure choices, fed their rows in every order.

def _mention(mention_id: str, value: float, char_start: int, char_end: int, **other) -> dict:
    row = dict(mention_id=mention_id, article_id=mention_id.split(":")[0], source_path="a.txt",
               indicator_code="online_services_full", value=value, unit="count", qualifier="exact", province_code="62",
               province_name="Kon Tum", province_2025_code="51", year=2023, evidence="x", char_start=char_start,
               char_end=char_end, decimals=0, published_date="2024-01-15", extractor_version="v", rule="r",
               review_status="unreviewed")
    row.update(other)
    return row


TIED = [
    _mention("a1:online_services_full:133-171", 420.0, 133, 171),
    _mention("a1:online_services_full:133-171:added", 400.0, 133, 171, review_status="added"),
    _mention("a1:online_services_full:133-150", 430.0, 133, 150),
    _mention("a1:online_services_partial:175-211", 310.0, 175, 211, indicator_code="online_services_partial"),
    _mention("a1:procedures_total:98-122", 700.0, 98, 122, indicator_code="procedures_total"),
]


def _orders(rows: list[dict]):
    yield from (list(p) for p in itertools.permutations(rows))


def test_a_fact_is_chosen_by_a_total_order_of_its_mentions():
    chosen = {tuple(build_facts(pd.DataFrame(rows))[["indicator_code", "value", "source_mention_id"]]
                    .itertuples(index=False)) for rows in _orders(TIED)}
    assert chosen == {(("online_services_full", 430.0, "a1:online_services_full:133-150"),
                       ("online_services_partial", 310.0, "a1:online_services_partial:175-211"),
                       ("procedures_total", 700.0, "a1:procedures_total:98-122"))}
    # Without the shorter span, the smaller value decides.
    chosen = {build_facts(pd.DataFrame(rows[:2]))["value"].tolist()[0] for rows in _orders(TIED[:2])}
    assert chosen == {400.0}


def test_the_per_article_rules_take_the_same_figure_whatever_the_row_order():
    # full + partial (430 or 420 or 400 + 310) <= procedures 700 holds for all; 800 > 700 does not.
    rows = [*TIED[:4], _mention("a1:procedures_total:98-122", 700.0, 98, 122, indicator_code="procedures_total"),
            _mention("a1:online_services_partial:175-180", 500.0, 175, 180, indicator_code="online_services_partial")]
    facts = build_facts(pd.DataFrame(rows))
    seen = set()
    for order in random.Random(1).sample(list(_orders(rows)), 60):
        found = quality_findings(pd.DataFrame(order), facts)
        seen.add(tuple(map(tuple, found.astype(str).sort_values(list(found.columns)).values.tolist())))
    assert len(seen) == 1


def test_rollups_sum_in_one_order_whatever_the_facts_order():
    provinces = list(reference.provinces().values())[:5]
    values = (0.1, 0.2, 0.3, 1e16, -1e16)  # summed in another order, another double
    facts = pd.DataFrame([dict(province_code=p.code, province_name=p.name, province_2025_code=reference.unit_2025_of(p.code).code,
                               year=2023,
                               indicator_code="procedures_total", value=value, unit="count", qualifier="exact",
                               n_articles=1, n_mentions=1, n_values=1, conflict=False, source_mention_id=f"m{p.code}",
                               is_post_merger=False, reviewed=False, review_status="unreviewed")
                          for p, value in zip(provinces, values)])
    sums = {tuple(build_rollups(facts.iloc[list(order)]).sort_values(["grouping", "group_name"])["value_sum"])
            for order in itertools.permutations(range(len(facts)))}
    assert len(sums) == 1


def test_a_quarantined_row_is_named_the_same_whatever_order_its_checks_were_stored_in():
    rows = [dict(source_table="staging.indicator_mentions", row_id="a1:x:1-2", article_id="a1", source_path="a.txt",
                 indicator_code="online_services_full", province_name="Kon Tum", year=2023, value=9e9,
                 check_name=check, column_name=column, failure_case="9e9")
            for check, column in (("less_than_or_equal_to(1e6)", "value"), ("plausible", None), ("in_range", "value"))]
    errors = pd.DataFrame(columns=tables.EXTRACTION_ERRORS.column_names)
    named = {tuple(set_aside_findings(errors, pd.DataFrame(order))["expected"]) for order in _orders(rows)}
    assert len(named) == 1


def test_a_correction_naming_a_shared_title_applies_to_the_same_article_whatever_order_they_are_read_in():
    articles = pd.DataFrame([dict(article_id=a, title="Same headline", source_path=p, published_date=None,
                                  province_name="Kon Tum", reference_year=2023, text="Có 420 dịch vụ toàn trình.")
                             for a, p in (("bbb", "b.txt"), ("aaa", "z.txt"), ("ccc", "a.txt"))])
    corrections = parse("title,indicator,value,evidence,action,reason,who\n"
                        "Same headline,online_services_full,420,420 dịch vụ toàn trình,add,missed,test\n")
    mentions = pd.DataFrame([_mention("ccc:procedures_total:1-2", 1.0, 1, 2)])
    added = {tuple(apply(corrections, mentions, articles.iloc[list(order)]).reviewed["mention_id"])
             for order in itertools.permutations(range(3))}
    start = articles["text"][0].find("420")
    assert added == {("ccc:procedures_total:1-2", f"ccc:online_services_full:{start}-{start + 22}:added")}
