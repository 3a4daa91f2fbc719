"""Publishing only the rows that changed (issue 22): after every publication, full or not, the published file holds
exactly the working database's tables, views and comments, at storage version v1.0.0, anything unexpected
about the published file or the catalogue makes a full copy, and the row hashes a publication kept beside the file
are read by the next one only when they are those of the very file it replaces.

The working database is the seeded refresh's, copied, and edited in SQL the way refreshes change it: articles
added, changed and removed, a small table changed, a comment or a view added.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from indicators_pipeline.warehouse import fingerprint
from indicators_pipeline.warehouse import publish as publish_module
from indicators_pipeline.warehouse.publish_rows import (BY_ROW, RowsDiffer, differences, working_hashes,
                                                        write_differences)
from indicators_pipeline.warehouse.publish import (FULL_COPY, PUBLICATION_COMMENTS, ROWS_CHANGED, STORAGE_VERSION,
                                                   DiskFull, Publication, Publisher, publish, record_path,
                                                   row_hashes_path)
from indicators_pipeline_tests.pipeline_runs import materialization_metadata, materialize_all, query
from indicators_pipeline_tests.test_publishing import EXTRA_ARTICLE, OLD_DUCKDB

PUBLICATION = ("meta", "publication")
NO_HASHES_KEPT = "the last publication kept no hashes of its rows"
NOT_THE_KEPT_HASHES = "the row hashes beside the published file are not the ones the last publication kept"
EDITED_TITLE = " (sửa)"


@pytest.fixture
def working(seeded, tmp_path: Path) -> Path:
    """The seeded refresh's working database, a copy of the test's own."""
    source = seeded.warehouse.with_name("indicators.work.duckdb")
    target = tmp_path / "work" / "indicators.work.duckdb"
    target.parent.mkdir()
    shutil.copy(source, target)
    if source.with_name(source.name + ".wal").exists():
        shutil.copy(source.with_name(source.name + ".wal"), target.with_name(target.name + ".wal"))
    return target


@pytest.fixture
def published(tmp_path: Path) -> Path:
    return tmp_path / "bi" / "indicators.duckdb"


def edit(working: Path, *statements: str) -> None:
    con = duckdb.connect(str(working))
    try:
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()


def article_tables(working: Path) -> list[str]:
    con = duckdb.connect(str(working), read_only=True)
    try:
        return [f"{s}.{t}" for s, t in con.execute(
            "SELECT DISTINCT schema_name, table_name FROM duckdb_columns() WHERE column_name = 'article_id' "
            "AND database_name = current_database() ORDER BY 1, 2").fetchall()]
    finally:
        con.close()


def first_articles(working: Path, n: int, having: str = "raw.articles") -> list[str]:
    con = duckdb.connect(str(working), read_only=True)
    try:
        return [a for (a,) in con.execute(f"SELECT DISTINCT article_id FROM {having} WHERE article_id IS NOT NULL "
                                          f"ORDER BY 1 LIMIT {n}").fetchall()]
    finally:
        con.close()


def in_list(ids: list[str]) -> str:
    return "(" + ", ".join("'" + i.replace("'", "''") + "'" for i in ids) + ")"


def assert_published_is(working: Path, published: Path, publication: Publication) -> None:
    """Every table of the working database, row for row both ways (EXCEPT ALL; the marts in the same order), every
    view's rows, every comment and column type, and nothing else but meta.publication, which says this
    publication at v1.0.0."""
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{working}' AS w (READ_ONLY)")
        con.execute(f"ATTACH '{published}' AS p (READ_ONLY)")

        def catalogue(db: str, sql: str) -> set:
            return {row for row in con.execute(sql, [db]).fetchall() if tuple(row[:2]) != PUBLICATION}

        tables = "SELECT schema_name, table_name, comment FROM duckdb_tables() WHERE database_name = ?"
        views = "SELECT schema_name, view_name, comment FROM duckdb_views() WHERE database_name = ? AND NOT internal"
        columns = ("SELECT schema_name, table_name, column_name, column_index, data_type, is_nullable, comment "
                   "FROM duckdb_columns() WHERE database_name = ?")
        schemas = "SELECT schema_name, comment FROM duckdb_schemas() WHERE database_name = ? AND schema_name <> 'meta'"
        for sql in (tables, views, columns, schemas):
            assert catalogue("p", sql) == catalogue("w", sql), sql
        differences = []
        for schema, name, *_ in sorted(catalogue("w", tables) | catalogue("w", views)):
            relation = f'"{schema}"."{name}"'
            for x, y in (("w", "p"), ("p", "w")):
                extra = con.execute(f"SELECT count(*) FROM (FROM {x}.{relation} EXCEPT ALL FROM {y}.{relation})").fetchall()[0][0]
                if extra:
                    differences.append(f"{schema}.{name}: {extra} rows of {x} not in {y}")
        assert not differences, "\n".join(differences)
        for schema, name, _ in catalogue("w", tables):  # BI's tables keep the order their steps wrote them in
            if schema == "marts" and f"{schema}.{name}" not in BY_ROW:
                relation = f'"{schema}"."{name}"'
                assert con.execute(f"FROM p.{relation}").fetchall() == con.execute(f"FROM w.{relation}").fetchall()
        assert con.execute("SELECT tags['storage_version'] FROM duckdb_databases() WHERE database_name = 'p'"
                           ).fetchall()[0][0] == f"{STORAGE_VERSION}+"
        assert con.execute("SELECT published_at, storage_version FROM p.meta.publication").fetchall() == [
            (publication.published_at, STORAGE_VERSION)]
        comments = {f"{s}.{t}": c for s, t, c in con.execute(
            "SELECT schema_name, table_name, comment FROM duckdb_tables() WHERE database_name = 'p' AND schema_name = 'meta'"
        ).fetchall()}
        assert comments == {"meta.publication": PUBLICATION_COMMENTS["TABLE pub.meta.publication"]}
    finally:
        con.close()
    assert [p.name for p in published.parent.iterdir() if ".tmp" in p.name] == []  # nothing half-written left


def published_now(working: Path, published: Path, **options) -> Publication:
    publication = publish(working, published, **options)
    assert_published_is(working, published, publication)
    return publication


def test_rows_publications_in_a_row_publish_exactly_the_working_database(working: Path, published: Path):
    first = published_now(working, published)
    assert first.method == FULL_COPY and "no record" in first.full_copy_reason

    nothing = published_now(working, published)
    assert nothing.method == ROWS_CHANGED and nothing.rows_changed.tables_touched == 0
    assert nothing.why_published_rows_hashed is None  # the full copy kept the hashes of its rows

    # three articles arrive: copies of existing ones under new ids, in every table keyed by article
    new = first_articles(working, 3)
    edit(working, *(f"INSERT INTO {t} SELECT * REPLACE ('new-' || article_id AS article_id) FROM {t} "
                    f"WHERE article_id IN {in_list(new)}" for t in article_tables(working)))
    added = published_now(working, published)
    assert added.method == ROWS_CHANGED and added.rows_changed.articles == 3 and added.since_full_copy == 2
    assert added.why_published_rows_hashed is None  # the published side's hashes were those the last one kept
    assert added.rows_changed.articles_by_table["raw.articles"] == 3
    # the findings, in no order, by row: the rows of the new articles' findings written, not the whole table
    assert added.rows_changed.tables_replaced == [] and set(added.rows_changed.rows_by_table) == {"marts.quality_findings"}
    assert added.rows_changed.rows_by_table["marts.quality_findings"] == query(working, (
        f"SELECT count(DISTINCT hash(f)) AS n FROM marts.quality_findings AS f WHERE article_id IN "
        f"{in_list(['new-' + a for a in new])}"))["n"][0] > 0

    # one article's figure and title change
    changed = first_articles(working, 1, having="staging.indicator_mentions")
    edit(working, f"UPDATE staging.indicator_mentions SET value = value + 1 WHERE article_id IN {in_list(changed)}",
         f"UPDATE raw.articles SET title = title || ' (sửa)' WHERE article_id IN {in_list(changed)}")
    one = published_now(working, published)
    assert one.method == ROWS_CHANGED and one.rows_changed.articles == 1, one.full_copy_reason
    assert set(one.rows_changed.articles_by_table) == {"staging.indicator_mentions", "raw.articles"}

    # one article is removed from every table
    gone = first_articles(working, 1, having="staging.reviewed_mentions")
    edit(working, *(f"DELETE FROM {t} WHERE article_id IN {in_list(gone)}" for t in article_tables(working)))
    removed = published_now(working, published)
    assert removed.method == ROWS_CHANGED and removed.rows_changed.articles == 1

    # rows without an article (NULL article_id) are one more group of their own
    edit(working, "INSERT INTO staging.indicator_mentions SELECT * REPLACE (NULL AS article_id) "
                  "FROM staging.indicator_mentions LIMIT 2")
    no_article = published_now(working, published)
    assert no_article.rows_changed.articles_by_table == {"staging.indicator_mentions": 1}
    edit(working, "UPDATE staging.indicator_mentions SET value = value + 1 WHERE article_id IS NULL")
    assert published_now(working, published).rows_changed.articles_by_table == {"staging.indicator_mentions": 1}

    # the findings' rows in another order are the same rows; a row twice is one row more, of one key
    edit(working, "CREATE TABLE marts.shuffled AS SELECT * FROM marts.quality_findings ORDER BY random()",
         "DELETE FROM marts.quality_findings", "INSERT INTO marts.quality_findings SELECT * FROM marts.shuffled",
         "DROP TABLE marts.shuffled")
    assert published_now(working, published).rows_changed.tables_touched == 0
    edit(working, "INSERT INTO marts.quality_findings SELECT * FROM marts.quality_findings LIMIT 1")
    assert published_now(working, published).rows_changed.rows_by_table == {"marts.quality_findings": 1}

    # a small table without article_id changes: replaced whole
    edit(working, "UPDATE marts.fact_indicator_yearly SET value = value + 1 "
                  "WHERE rowid = (SELECT min(rowid) FROM marts.fact_indicator_yearly)")
    small = published_now(working, published)
    assert small.method == ROWS_CHANGED and small.rows_changed.tables_replaced == ["marts.fact_indicator_yearly"]
    assert small.rows_changed.articles_by_table == {}

    # a table emptied
    edit(working, "DELETE FROM marts.rollup_indicator_yearly")
    assert published_now(working, published).rows_changed.tables_replaced == ["marts.rollup_indicator_yearly"]

    assert_opens_in_duckdb_1_0(working, published)


def test_a_catalogue_change_publishes_a_full_copy(working: Path, published: Path):
    published_now(working, published)
    edit(working, "COMMENT ON TABLE marts.fact_indicator_yearly IS 'Yearly facts (a new comment)'")
    comment = published_now(working, published)
    assert comment.method == FULL_COPY and "catalogue changed" in comment.full_copy_reason
    assert published_now(working, published).method == ROWS_CHANGED

    edit(working, "COMMENT ON COLUMN raw.articles.title IS 'The headline (a new comment)'")
    assert published_now(working, published).method == FULL_COPY

    edit(working, "CREATE VIEW marts.one_more AS SELECT count(*) AS n FROM raw.articles")
    assert published_now(working, published).method == FULL_COPY

    edit(working, "DROP VIEW marts.one_more")
    assert published_now(working, published).method == FULL_COPY

    edit(working, "ALTER TABLE marts.dim_province ADD COLUMN note VARCHAR")
    assert published_now(working, published).method == FULL_COPY

    edit(working, "CREATE TABLE staging.one_more AS SELECT 1 AS n")
    assert published_now(working, published).method == FULL_COPY
    assert published_now(working, published).method == ROWS_CHANGED


def test_a_published_file_written_by_someone_else_is_replaced_by_a_full_copy(working: Path, published: Path,
                                                                              tmp_path: Path):
    published_now(working, published)
    edit(published, "UPDATE marts.fact_indicator_yearly SET value = value + 1")  # a hand edit
    hand_edited = published_now(working, published)
    assert hand_edited.method == FULL_COPY and "written or replaced" in hand_edited.full_copy_reason

    shutil.copy(published, tmp_path / "yesterday.duckdb")
    published_now(working, published)
    shutil.copy(tmp_path / "yesterday.duckdb", published)  # a file put back from elsewhere
    assert published_now(working, published).method == FULL_COPY

    record_path(published).unlink()
    assert published_now(working, published).full_copy_reason.startswith("no record")

    record_path(published).write_text("{not json", encoding="utf-8")
    assert published_now(working, published).method == FULL_COPY
    assert published_now(working, published).method == ROWS_CHANGED


def test_a_grown_file_a_changed_storage_version_and_mostly_changed_rows_publish_a_full_copy(working: Path,
                                                                                            published: Path):
    first = published_now(working, published)
    new = first_articles(working, 2)
    edit(working, f"UPDATE raw.articles SET title = title || '.' WHERE article_id IN {in_list(new)}")
    rows = published_now(working, published)
    assert rows.method == ROWS_CHANGED and rows.byte_size > first.byte_size  # a checkpoint writes, then frees
    edit(working, f"UPDATE raw.articles SET title = title || '.' WHERE article_id IN {in_list(new)}")
    grown = published_now(working, published, growth_limit=1.0, growth_allowance=0)
    assert grown.method == FULL_COPY and "grew" in grown.full_copy_reason

    edit(working, "UPDATE staging.indicator_mentions SET value = value + 1",  # a rule changed: every figure
         "UPDATE staging.reviewed_mentions SET value = value + 1",
         "UPDATE marts.rollup_indicator_yearly SET value_sum = value_sum + 1")
    con = duckdb.connect()
    con.execute(f"ATTACH '{working}' AS work (READ_ONLY)")
    con.execute(f"ATTACH '{published}' AS pub (READ_ONLY)")  # what the publication would write into a copy of
    with pytest.raises(RowsDiffer, match="working rows differ"):
        differences(con, working_hashes(con), most_rows_share=0.3, few_rows=100)
    con.close()
    assert published_now(working, published).method == ROWS_CHANGED  # the seeds' few rows: quick either way

    other = publish(working, published, storage_version="v1.2.0")
    assert other.method == FULL_COPY and "storage version" in other.full_copy_reason
    assert published_now(working, published).method == FULL_COPY  # and back to v1.0.0 by a full copy


@pytest.mark.parametrize("table", ["raw.articles", "marts.quality_findings"])  # keyed by article, by row
def test_rows_written_that_do_not_make_the_working_table_are_refused(working: Path, published: Path, tmp_path: Path,
                                                                     table: str):
    """A row beside the rewritten ones (a defect of the rewrite, here put there by hand) is seen after writing."""
    published_now(working, published)
    edit(working, "UPDATE raw.articles SET title = title || ' (sửa)' WHERE article_id = "
                  "(SELECT min(article_id) FROM raw.articles)",
         "UPDATE marts.quality_findings SET detail = detail || ' (sửa)' WHERE rowid = 0")
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(published, copy)
    con = duckdb.connect()
    con.execute(f"ATTACH '{working}' AS work (READ_ONLY)")
    con.execute(f"ATTACH '{copy}' AS pub")
    found = differences(con, working_hashes(con))
    assert table in [t.replace('"', "") for t in found.tables]
    con.execute(f"INSERT INTO pub.{table} SELECT * FROM pub.{table} ORDER BY rowid DESC LIMIT 1")  # not rewritten
    with pytest.raises(RowsDiffer, match=f"{table} differs from the working table"):
        write_differences(con, found)
    con.close()


def test_a_rows_publication_leaves_readers_their_snapshot_and_cleans_a_killed_ones_files(working: Path,
                                                                                          published: Path):
    published_now(working, published)
    reader = duckdb.connect(str(published), read_only=True)
    before = reader.execute("SELECT count(*) FROM raw.articles").fetchall()[0][0]
    killed = published.with_name(f".{published.name}.{'0' * 32}.tmp")
    killed.write_bytes(b"half a publication")
    killed.with_name(killed.name + ".wal").write_bytes(b"and its log")
    killed_hashes = published.with_name(f".{published.name}.{'0' * 32}.row_hashes.tmp")
    killed_hashes.write_bytes(b"half its row hashes")
    new = first_articles(working, 2)
    edit(working, *(f"INSERT INTO {t} SELECT * REPLACE ('new-' || article_id AS article_id) FROM {t} "
                    f"WHERE article_id IN {in_list(new)}" for t in article_tables(working)))

    publication = published_now(working, published)

    assert publication.method == ROWS_CHANGED and sorted(publication.leftovers_removed) == sorted(
        [killed.name, killed.name + ".wal", killed_hashes.name])
    assert reader.execute("SELECT count(*) FROM raw.articles").fetchall()[0][0] == before
    reader.close()
    again = duckdb.connect(str(published), read_only=True)
    assert again.execute("SELECT count(*) FROM raw.articles").fetchall()[0][0] == before + 2
    again.close()


def edit_title(database: Path, article: str) -> None:
    edit(database, f"UPDATE raw.articles SET title = title || '{EDITED_TITLE}' WHERE article_id = '{article}'")


def restore_title(working: Path, article: str) -> None:
    edit(working, f"UPDATE raw.articles SET title = replace(title, '{EDITED_TITLE}', '') WHERE article_id = '{article}'")


def test_row_hashes_are_read_only_when_they_are_the_ones_the_last_publication_kept(working: Path, published: Path,
                                                                                   tmp_path: Path):
    """Each time, hashes that lie would leave the published file with an article's title the working one no
    longer has: the working title is put back to what the lying hashes say."""
    published_now(working, published)
    assert row_hashes_path(published).exists()  # a full copy keeps the hashes of its rows too
    published_now(working, published)
    yesterdays = tmp_path / "yesterdays_row_hashes.duckdb"
    shutil.copy(row_hashes_path(published), yesterdays)
    [article] = first_articles(working, 1)
    edit_title(working, article)
    assert published_now(working, published).why_published_rows_hashed is None

    shutil.copy(yesterdays, row_hashes_path(published))  # the hashes of the title before it was edited
    restore_title(working, article)
    stale = published_now(working, published)
    assert stale.why_published_rows_hashed == NOT_THE_KEPT_HASHES
    assert stale.rows_changed.articles_by_table == {"raw.articles": 1}

    for damage in (lambda kept: kept.write_bytes(b"not a database"), Path.unlink):
        edit_title(working, article)
        published_now(working, published)
        restore_title(working, article)
        damage(row_hashes_path(published))
        damaged = published_now(working, published)
        assert damaged.method == ROWS_CHANGED and damaged.why_published_rows_hashed == NOT_THE_KEPT_HASHES
    assert published_now(working, published).why_published_rows_hashed is None


def test_row_hashes_computed_by_another_duckdb_are_not_read(working: Path, published: Path, monkeypatch):
    published_now(working, published)
    published_now(working, published)
    monkeypatch.setattr(duckdb, "__version__", "0.0.0-another")  # its hash() may hash the same rows otherwise
    assert published_now(working, published).why_published_rows_hashed == NOT_THE_KEPT_HASHES
    assert published_now(working, published).why_published_rows_hashed is None


def test_row_hashes_keyed_another_way_are_not_read(working: Path, published: Path, monkeypatch):
    """A side file written by code that keyed the tables otherwise (the findings were once one fingerprint row) is
    hashed again, not read as if its layout were this one."""
    published_now(working, published)
    published_now(working, published)
    monkeypatch.setattr(publish_module, "HASHES_LAYOUT", "by article but marts")  # the layout before BY_ROW
    assert published_now(working, published).why_published_rows_hashed == NOT_THE_KEPT_HASHES
    assert published_now(working, published).why_published_rows_hashed is None


def test_a_full_copy_keeps_the_hashes_of_its_rows_for_the_next_publication(working: Path, published: Path):
    """Kept hashes that were not the copy's would leave the edited title in the published file when it is put back."""
    published_now(working, published)
    published_now(working, published)
    [article] = first_articles(working, 1)
    edit_title(working, article)
    full = published_now(working, published, rows_only=False)
    assert full.method == FULL_COPY and full.why_no_row_hashes is None and row_hashes_path(published).exists()

    restore_title(working, article)
    after = published_now(working, published)
    assert after.method == ROWS_CHANGED and after.why_published_rows_hashed is None  # read, not hashed again
    assert after.rows_changed.articles_by_table == {"raw.articles": 1}


def test_a_full_copy_whose_rows_hash_otherwise_keeps_no_hashes_and_says_why(working: Path, published: Path,
                                                                           monkeypatch):
    """Should a copy's rows ever hash otherwise than the working ones (found by hashing the copy), the next
    publication hashes the published file rather than trust hashes that are not its rows'."""
    monkeypatch.setattr(publish_module, "copy_differs", lambda con, working: ["raw.articles"])
    full = published_now(working, published)
    assert full.method == FULL_COPY and "raw.articles" in full.why_no_row_hashes
    assert not row_hashes_path(published).exists()
    monkeypatch.undo()
    [article] = first_articles(working, 1)
    edit_title(working, article)
    after = published_now(working, published)
    assert after.method == ROWS_CHANGED and after.why_published_rows_hashed == NO_HASHES_KEPT


def test_a_published_file_edited_by_hand_is_not_taken_for_the_one_whose_row_hashes_were_kept(working: Path,
                                                                                             published: Path):
    published_now(working, published)
    published_now(working, published)
    [article] = first_articles(working, 1)
    edit_title(published, article)  # a BI tool that opened it read-write
    hand_edited = published_now(working, published)
    assert hand_edited.method == FULL_COPY and "written or replaced" in hand_edited.full_copy_reason


@pytest.mark.parametrize("killed_at", ["the row hashes moved into place", "the record written"])
def test_a_publication_killed_after_the_file_was_replaced_is_followed_by_a_full_copy(working: Path, published: Path,
                                                                                   monkeypatch, killed_at: str):
    published_now(working, published)
    published_now(working, published)
    [article] = first_articles(working, 1)
    edit_title(working, article)

    class Killed(BaseException):
        pass

    replace = os.replace

    def killed_before_the_row_hashes(source, target):
        if Path(target) == row_hashes_path(published):
            raise Killed
        replace(source, target)

    def killed_before_the_record(*_):
        raise Killed

    if killed_at == "the row hashes moved into place":
        monkeypatch.setattr(publish_module.os, "replace", killed_before_the_row_hashes)
    else:
        monkeypatch.setattr(publish_module, "_save_record", killed_before_the_record)
    with pytest.raises(Killed):
        publish(working, published)
    monkeypatch.undo()
    restore_title(working, article)  # what the row hashes before the killed publication say

    after = published_now(working, published)
    assert after.method == FULL_COPY and after.full_copy_reason.startswith("no record")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_rows_publication_on_a_full_disk_says_disk_full_and_leaves_the_published_file(working: Path,
                                                                                         published: Path,
                                                                                         monkeypatch):
    published_now(working, published)
    before = published.read_bytes()

    class FullDevice:  # the publication's temp file is a link to /dev/full: its writes fail with ENOSPC
        @staticmethod
        def uuid4():
            import uuid
            name = uuid.uuid4()
            os.symlink("/dev/full", published.with_name(f".{published.name}.{name.hex}.tmp"))
            return name

    monkeypatch.setattr(publish_module, "uuid", FullDevice)
    with pytest.raises(DiskFull, match="publishing needs about"):
        publish(working, published)
    assert published.read_bytes() == before
    assert [p.name for p in published.parent.iterdir() if ".tmp" in p.name] == []


def assert_opens_in_duckdb_1_0(working: Path, published: Path) -> None:
    """DuckDB 1.0 (what older BI drivers bundle) reads every row of every table of the published file."""
    code = textwrap.dedent("""
        import duckdb, sys
        assert duckdb.__version__.startswith('1.0'), duckdb.__version__
        con = duckdb.connect(sys.argv[1], read_only=True)
        for schema, table in con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall():
            print(f"{schema}.{table}", len(con.execute(f'SELECT * FROM "{schema}"."{table}"').fetchall()))
    """)
    env = dict(os.environ, PYTHONPATH=str(OLD_DUCKDB))
    out = subprocess.run([sys.executable, "-c", code, str(published)], capture_output=True, text=True, env=env,
                         check=True, cwd="/")
    read = {line.split()[0]: int(line.split()[1]) for line in out.stdout.splitlines()}
    con = duckdb.connect(str(working), read_only=True)
    try:
        expected = {f"{s}.{t}": con.execute(f'SELECT count(*) FROM "{s}"."{t}"').fetchall()[0][0]
                    for s, t in con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()}
    finally:
        con.close()
    assert read == {**expected, "meta.publication": 1}


def test_a_refresh_with_a_new_article_publishes_its_rows_and_says_so(raw_dir: Path, warehouse_file: Path):
    first = materialize_all(raw_dir, warehouse_file)
    assert first.success
    said = materialization_metadata(first, ["publish", "indicators_duckdb"])
    assert said["publication_method"].value == FULL_COPY and said["full_copy_reason"].value
    assert said["row_hashes_kept"].value == "yes"
    (raw_dir / "nghe_an.txt").write_text(EXTRA_ARTICLE, encoding="utf-8")

    second = materialize_all(raw_dir, warehouse_file)

    assert second.success
    said = materialization_metadata(second, ["publish", "indicators_duckdb"])
    assert said["publication_method"].value == ROWS_CHANGED
    assert said["articles_rewritten"].value >= 1 and said["tables_rewritten"].value >= 1
    assert said["publications_since_full_copy"].value == 1
    assert said["published_rows_hashes"].value == "read from the last publication's side file"  # the full copy's
    assert "raw.articles" in said["rewritten"].value
    working = warehouse_file.with_name("indicators.work.duckdb")
    published_at = duckdb.connect(str(warehouse_file), read_only=True)
    at = published_at.execute("SELECT published_at FROM meta.publication").fetchall()[0][0]
    published_at.close()
    assert_published_is(working, warehouse_file, Publication(warehouse_file, at, 0, 0, STORAGE_VERSION))


def _database_fingerprint(path: Path) -> str:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return fingerprint.database_fingerprint(con)
    finally:
        con.close()


def test_the_content_a_publisher_hashes_is_the_working_databases_fingerprint(working: Path, published: Path):
    """The publish step compares the content with the last publication's: hashed per article (for the rows that
    differ) it must be what hashing every table whole gives, rows without an article included."""
    states = [_database_fingerprint(working)]
    edit(working, "INSERT INTO staging.extraction_errors (article_id, source_path, stage, error_class, message) "
                  "VALUES (NULL, 'hỏng.txt', 'read', 'UnicodeDecodeError', 'byte 0xff'), "
                  "(NULL, 'rỗng.txt', 'read', 'ValueError', 'empty file')",
         f"UPDATE raw.articles SET title = title || '{EDITED_TITLE}' WHERE article_id = '{first_articles(working, 1)[0]}'")
    states.append(_database_fingerprint(working))
    with Publisher(working, published) as publisher:
        assert publisher.content() == states[-1] != states[0]


def test_rows_that_fail_to_be_written_are_published_by_a_full_copy(working: Path, published: Path, monkeypatch):
    """A failure inside the rows' transaction (pub attached, rows half written) leaves the publication's connection
    in no state to copy from: it is rolled back and the copy detached before the full copy that follows."""
    published_now(working, published)
    edit(working, f"UPDATE raw.articles SET title = title || '{EDITED_TITLE}' "
                  f"WHERE article_id IN {in_list(first_articles(working, 2))}")
    written = publish_module.write_differences

    def failing_after_the_rows(con, found):
        written(con, found)
        raise duckdb.IOException("the device went away")

    monkeypatch.setattr(publish_module, "write_differences", failing_after_the_rows)
    publication = published_now(working, published)
    assert publication.method == FULL_COPY and "writing the rows failed" in publication.full_copy_reason


def test_a_refused_rows_publication_hashes_the_working_rows_once(working: Path, published: Path, monkeypatch):
    """A catalogue change refuses the rows path after the working rows were hashed: the full copy that follows
    uses the same hashes (and keeps them for the next publication)."""
    published_now(working, published)
    edit(working, "COMMENT ON TABLE raw.articles IS 'the articles, with a comment of this test'")
    hashed = []
    hash_working_rows = publish_module.working_hashes
    monkeypatch.setattr(publish_module, "working_hashes", lambda con: hashed.append(1) or hash_working_rows(con))
    full = published_now(working, published)
    assert full.method == FULL_COPY and "catalogue changed" in full.full_copy_reason
    assert full.why_no_row_hashes is None and len(hashed) == 1


def test_a_working_database_with_a_publication_table_of_its_own_is_copied_with_its_hashes(working: Path,
                                                                                         published: Path):
    """The copy replaces meta.publication by its own, by design: not a sign that the copy's rows are not the
    working ones."""
    edit(working, "CREATE SCHEMA meta",
         "CREATE TABLE meta.publication AS SELECT TIMESTAMPTZ '2020-01-01 00:00:00+00' AS published_at, 'v0' AS storage_version")
    full = publish(working, published)
    assert full.method == FULL_COPY and full.why_no_row_hashes is None and row_hashes_path(published).exists()
