"""Reading the articles to parse in batches while their mentions are written: every wanted row comes once, and DuckDB
can checkpoint between batches (issue 22: a full refresh of 100,000 articles kept everything it wrote in memory and
in a growing write-ahead log until the parsing step ended)."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from indicators_pipeline.warehouse import store, tables


def _articles(numbers: range) -> pd.DataFrame:
    frame = pd.DataFrame({column: [None] * len(numbers) for column in tables.ARTICLES.column_names})
    frame["article_id"] = [f"article-{n:05d}" for n in numbers]
    frame["source_path"] = [f"folder/{n}.txt" for n in numbers]
    frame["text"] = [f"Bài {n}: " + "chữ " * 500 for n in numbers]
    return frame


def _targets_of(articles: pd.DataFrame) -> pd.DataFrame:
    rows = pd.DataFrame({column: [None] * len(articles) for column in tables.TARGETS.column_names})
    rows["article_id"] = list(articles["article_id"])
    rows["mention_id"] = [f"{a}:target" for a in articles["article_id"]]
    return rows


@pytest.fixture
def con(tmp_path: Path):
    database = duckdb.connect(str(tmp_path / "working.duckdb"))
    connection = database.cursor()
    with store.transaction(connection):
        store.replace_rows(connection, tables.ARTICLES, "article_id", [], _articles(range(5000)))
    connection.execute("CHECKPOINT")
    yield connection
    connection.close()
    database.close()


def test_batches_hold_each_wanted_row_once_in_the_tables_order(con):
    wanted = [f"article-{n:05d}" for n in range(4999, 0, -3)]  # listed in another order than stored
    batches = list(store.read_rows(con, tables.ARTICLES, "article_id", wanted, batch_rows=512))

    assert all(0 < len(batch) <= 512 for batch in batches)
    read = pd.concat(batches, ignore_index=True)
    assert list(read["article_id"]) == sorted(wanted)  # stored in this order
    assert list(read.columns) == tables.ARTICLES.column_names
    assert read.set_index("article_id").loc["article-04999", "text"].startswith("Bài 4999:")
    assert list(store.read_rows(con, tables.ARTICLES, "article_id", [])) == []


def test_what_the_caller_writes_between_batches_can_be_checkpointed(con, tmp_path):
    checkpoints = []
    for batch in store.read_rows(con, tables.ARTICLES, "article_id", [f"article-{n:05d}" for n in range(5000)],
                                 batch_rows=1000):
        with store.transaction(con):  # as the parsing step stores a batch's mentions
            store.replace_rows(con, tables.TARGETS, "article_id", list(batch["article_id"]), _targets_of(batch))
        try:
            con.execute("CHECKPOINT")
            checkpoints.append("written")
        except duckdb.TransactionException as error:  # a query still open across the batches
            checkpoints.append(str(error))
    assert checkpoints == ["written"] * 5
    assert not Path(f"{tmp_path / 'working.duckdb'}.wal").exists() or \
        Path(f"{tmp_path / 'working.duckdb'}.wal").stat().st_size == 0
    assert con.execute(f"SELECT count(*) FROM {tables.TARGETS.name}").fetchall() == [(5000,)]


def test_rows_rewritten_between_batches_are_still_read_once(con):
    """A row deleted and inserted again while the batches are read has moved from where it was listed: its batch
    is read by key instead of by position."""
    batches = store.read_rows(con, tables.ARTICLES, "article_id", [f"article-{n:05d}" for n in range(5000)],
                              batch_rows=1000)
    read = [next(batches)]
    moved = _articles(range(3000, 3010))
    moved["title"] = "rewritten"
    with store.transaction(con):
        store.replace_rows(con, tables.ARTICLES, "article_id", list(moved["article_id"]), moved)
    read += list(batches)

    everything = pd.concat(read, ignore_index=True)
    assert sorted(everything["article_id"]) == [f"article-{n:05d}" for n in range(5000)]
    assert set(everything.loc[everything["title"] == "rewritten", "article_id"]) == set(moved["article_id"])
