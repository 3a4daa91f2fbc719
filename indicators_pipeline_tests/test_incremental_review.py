"""The review step applies corrections only where something changed (issue 22), and its tables are a full pass's.

Each case compares the warehouse an incremental review left with what the full pass of the release before
(every mention read, every correction applied: `_full_pass`, that code verbatim) writes on a copy of it:
staging.reviewed_mentions, staging.indicator_mentions (review_status, review_reason, held) and
staging.corrections_applied, EXCEPT ALL both ways.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb

from indicators_pipeline.confidence import held
from indicators_pipeline.curation.corrections import apply, load, parse
from indicators_pipeline.curation.incremental import review
from indicators_pipeline.warehouse import tables
from indicators_pipeline.warehouse.store import read_table, replace_tables, transaction
from indicators_pipeline_tests.conftest import CORRECTIONS_HEADER as HEADER
from indicators_pipeline_tests.conftest import copy_seeds
from indicators_pipeline_tests.pipeline_runs import failures, materialization_metadata, materialize_all

COMPARED = (tables.REVIEWED_MENTIONS, tables.MENTIONS, tables.CORRECTIONS_APPLIED)


def _full_pass(con: duckdb.DuckDBPyConnection, corrections, minimum: float) -> None:
    """The review step before issue 22's incremental pass (defs/staging/review.py at 5de07a7), as the reference."""
    mentions = read_table(con, tables.MENTIONS)
    articles = read_table(con, tables.ARTICLES, ["article_id", "title", "source_path", "published_date", "province_name",
                                                 "reference_year"])

    def text_of(article_id: str) -> str:
        return con.execute("SELECT text FROM raw.articles WHERE article_id = ?", [article_id]).fetchall()[0][0]

    applied = apply(corrections, mentions, articles, text_of)
    applied.reviewed["held"] = held(applied.reviewed, minimum)
    with transaction(con):
        con.execute("UPDATE staging.indicator_mentions SET review_status = 'unreviewed', review_reason = NULL")
        reviewed_now = applied.status[applied.status["review_status"] != "unreviewed"]
        if len(reviewed_now):
            con.register("_review", reviewed_now)
            con.execute("UPDATE staging.indicator_mentions AS m SET review_status = r.review_status, "
                        "review_reason = r.review_reason FROM _review AS r WHERE m.mention_id = r.mention_id")
            con.unregister("_review")
        con.execute("UPDATE staging.indicator_mentions SET held = review_status = 'unreviewed' "
                    "AND coalesce(confidence, 1) < ?", [minimum])
    replace_tables(con, {tables.REVIEWED_MENTIONS: applied.reviewed[tables.REVIEWED_MENTIONS.column_names],
                         tables.CORRECTIONS_APPLIED: applied.outcomes})


def _differences(incremental: Path, corrections, minimum: float, tmp_path: Path) -> dict[str, int]:
    """Rows each compared table has on one side only: the incremental file against a full pass over its copy."""
    reference = tmp_path / f"full_{incremental.stem}.duckdb"
    shutil.copy(incremental, reference)
    con = duckdb.connect(str(reference))
    try:
        _full_pass(con, corrections, minimum)
        con.execute(f"ATTACH '{incremental}' AS inc (READ_ONLY)")
        found = {}
        for table in COMPARED:
            columns = ", ".join(f'"{c}"' for c in table.column_names)
            here, there = table.name, "inc." + table.name
            found[table.name] = sum(con.execute(
                f"SELECT count(*) FROM (SELECT {columns} FROM {a} EXCEPT ALL SELECT {columns} FROM {b})").fetchall()[0][0]
                for a, b in ((here, there), (there, here)))
        assert con.execute("SELECT count(*) FROM staging.reviewed_mentions").fetchall()[0][0] > 0
        return found
    finally:
        con.close()


def _same_as_full(warehouse: Path, corrections, minimum: float, tmp_path: Path) -> None:
    assert _differences(warehouse, corrections, minimum, tmp_path) == {t.name: 0 for t in COMPARED}


def _mention(con, where: str) -> dict:
    row = con.execute("SELECT m.mention_id, m.article_id, a.title, a.source_path, m.indicator_code, m.value, m.evidence "
                      f"FROM staging.indicator_mentions m JOIN raw.articles a USING (article_id) WHERE {where} "
                      "ORDER BY m.mention_id LIMIT 1").fetchall()[0]
    return dict(zip(["mention_id", "article_id", "title", "source_path", "indicator", "value", "evidence"], row))


def _row(m: dict, action: str, by: str = "article_id", new_value: str = "", reason: str = "checked") -> str:
    named = {"article_id": f"{m['article_id']},,", "title": f",\"{m['title']}\",", "source_path": f",,{m['source_path']}"}[by]
    return f'{named},{m["indicator"]},{m["value"]:g},"{m["evidence"]}",{action},{new_value},,,,{reason},an,\n'


def _refresh(raw_dir: Path, warehouse: Path, instance: dg.DagsterInstance) -> dict:
    result = materialize_all(raw_dir, warehouse, instance=instance)
    assert result.success, failures(result)
    return materialization_metadata(result, ["staging", "reviewed_mentions"])


def test_an_incremental_refresh_publishes_the_review_of_a_full_pass(raw_dir, seeded_warehouse, corrections_file,
                                                                    monkeypatch, tmp_path):
    """Correction rows added, edited, removed; the threshold raised and lowered; an article added and a file renamed:
    after every refresh the review tables equal a full pass's, and the refresh reviewed only what changed."""
    warehouse = seeded_warehouse
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        n_articles = con.execute("SELECT count(*) FROM raw.articles").fetchall()[0][0]
        level4 = _mention(con, "m.source_path LIKE '000_%' AND m.indicator_code = 'online_services_level4'")
        other = _mention(con, "m.source_path LIKE '001_%'")
        third = _mention(con, "m.source_path LIKE '002_%'")
        confidences = sorted(r[0] for r in con.execute(
            "SELECT DISTINCT confidence FROM staging.indicator_mentions WHERE confidence IS NOT NULL").fetchall())
        text = con.execute("SELECT text FROM raw.articles WHERE article_id = ?", [other["article_id"]]).fetchall()[0][0]
    finally:
        con.close()
    threshold = confidences[len(confidences) // 2]  # about half the figures below it
    added_evidence = text[10:40].replace('"', "")
    add_row = f'{other["article_id"]},,,,,"{added_evidence}",add,77,online_services_level3,,2020,missed,an,\n'

    instance = dg.DagsterInstance.ephemeral()  # one, as a deployment has: the steps with nothing new skip their work

    def step(content: str, minimum: float = 0.0) -> dict:
        corrections_file.write_text(HEADER + content, encoding="utf-8")
        meta = _refresh(raw_dir, warehouse, instance)
        _same_as_full(warehouse, load(corrections_file), minimum, tmp_path)
        return meta

    rows = _row(level4, "set", new_value="333") + _row(other, "reject", by="title") + add_row
    meta = step(rows)  # three rows added
    assert meta["review_pass"].value == "changes only"
    assert meta["articles_reviewed"].value == 2 < n_articles and meta["corrections_changed"].value == 3

    meta = step(_row(level4, "set", new_value="334") + _row(other, "reject", by="title") + add_row)  # one edited
    assert meta["articles_reviewed"].value == 1 and meta["corrections_changed"].value == 2  # old row out, new row in

    meta = step(_row(level4, "set", new_value="334") + add_row)  # one removed (the lines after it move: changed too)
    assert meta["articles_reviewed"].value == 1

    meta = step(_row(level4, "set", new_value="334") + add_row + _row(third, "accept", by="source_path"))
    assert meta["articles_reviewed"].value == 1  # a row naming its article by file

    meta = step(_row(level4, "set", new_value="334") + add_row + _row(third, "accept", by="source_path"))
    assert meta["articles_reviewed"].value == 0 and meta["corrections_changed"].value == 0  # nothing changed

    monkeypatch.setenv("INDICATORS_MIN_CONFIDENCE", str(threshold))
    meta = step(_row(level4, "set", new_value="334") + add_row + _row(third, "accept", by="source_path"), threshold)
    assert meta["articles_reviewed"].value == 0 and meta["mentions_held"].value > 0  # the threshold: no article again
    monkeypatch.setenv("INDICATORS_MIN_CONFIDENCE", "0")
    meta = step(_row(level4, "set", new_value="334") + add_row + _row(third, "accept", by="source_path"), 0.0)
    assert meta["mentions_held"].value == 0

    # a renamed file: the row naming it by its old file name no longer applies, its article is reviewed again
    (raw_dir / third["source_path"]).rename(raw_dir / ("z_" + third["source_path"]))
    meta = step(_row(level4, "set", new_value="334") + add_row + _row(third, "accept", by="source_path"))
    assert meta["articles_reviewed"].value == 1
    # a new article: only it is reviewed
    (raw_dir / "new_article.txt").write_text(text.replace("2020", "2019") + "\nBài mới.", encoding="utf-8")
    meta = step(_row(level4, "set", new_value="334") + add_row + _row(third, "accept", by="source_path"))
    assert meta["articles_reviewed"].value == 1


def test_the_core_follows_shared_titles_reparsed_rows_and_lost_mentions(seeded, tmp_path):
    """Changes no refresh of the seeds makes on its own, made in a copy of the working database: a second article
    taking the title a correction names (the row now names two articles), mentions written again by a new parse
    (review columns reset, same rows), an article's mentions gone, an article gone."""
    working = tmp_path / "work.duckdb"
    shutil.copy(seeded.warehouse, working)
    con = duckdb.connect(str(working))
    named = _mention(con, "m.source_path LIKE '000_%' AND m.indicator_code = 'online_services_level4'")
    other = _mention(con, "m.source_path LIKE '003_%'")
    corrections = parse(HEADER + _row(named, "accept", by="title") + _row(other, "set", new_value="61"))
    confidences = [r[0] for r in con.execute("SELECT confidence FROM staging.indicator_mentions "
                                             "WHERE confidence IS NOT NULL ORDER BY 1").fetchall()]
    threshold = confidences[len(confidences) // 2]
    con.close()

    def check(sql: list[tuple[str, list]], expect_reviewed: int, minimum: float = threshold, full: bool = False,
              rows: list | None = None) -> None:
        con = duckdb.connect(str(working))
        try:
            for statement, parameters in sql:
                con.execute(statement, parameters)
            done = review(con, corrections if rows is None else rows, minimum)
        finally:
            con.close()
        assert done.full == full and (full or done.articles_reviewed == expect_reviewed), done
        _same_as_full(working, corrections if rows is None else rows, minimum, tmp_path)

    check([], 2)
    check([], 0)
    # another article (a file listed earlier) takes the title: the row names two articles now
    check([("UPDATE raw.articles SET title = ?, source_path = '0000_first.txt' WHERE source_path LIKE '001_%'",
            [named["title"]])], 2)
    # the second of them parsed again: the row naming both is applied again, so the first is reviewed too
    check([("UPDATE staging.indicator_mentions SET review_status = NULL, held = NULL WHERE article_id = "
            "(SELECT article_id FROM raw.articles WHERE source_path = '0000_first.txt')",
            [])], 2)
    # the last row removed (no line moves): its article is reviewed again, its figure no longer corrected
    check([], 1, rows=corrections[:1])
    check([], 1)  # and back
    # a new parse writes the same mentions again, review columns as the extractor leaves them
    check([("UPDATE staging.indicator_mentions SET review_status = NULL, review_reason = NULL, held = NULL "
            "WHERE article_id = ?", [other["article_id"]])], 1)
    # the article's mentions are gone (the new rules read none): the 'set' row matches nothing any more
    check([("DELETE FROM staging.indicator_mentions WHERE article_id = ?", [other["article_id"]])], 1)
    # an article is gone altogether
    check([("DELETE FROM staging.indicator_mentions WHERE source_path LIKE '004_%'", []),
           ("DELETE FROM raw.articles WHERE source_path LIKE '004_%'", [])], 1)
    check([], 0, minimum=0.0)  # the threshold alone
    # no state (a warehouse of an older release): a full pass
    check([("DROP TABLE staging.review_state_articles", [])], 0, minimum=0.0, full=True)


def test_the_comparison_sees_a_difference(seeded, tmp_path):
    """The EXCEPT ALL comparison is not blind: a review left stale counts on every compared table."""
    working = tmp_path / "work.duckdb"
    shutil.copy(seeded.warehouse, working)
    con = duckdb.connect(str(working))
    try:
        named = _mention(con, "m.source_path LIKE '000_%' AND m.indicator_code = 'online_services_level4'")
    finally:
        con.close()
    corrections = parse(HEADER + _row(named, "set", new_value="333"))
    found = _differences(working, corrections, 0.0, tmp_path)
    assert all(n > 0 for n in found.values()), found
