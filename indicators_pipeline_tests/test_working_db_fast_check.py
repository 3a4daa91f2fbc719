"""The working database's health check costs milliseconds when the file is as the last publication read it (issue 22),
and still reads every row, catching the damage test_recovery covers, whenever the file changed since."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from indicators_pipeline.warehouse import working_db
from indicators_pipeline.warehouse.store import same_rows
from indicators_pipeline_tests.conftest import copy_seeds
from indicators_pipeline_tests.pipeline_runs import failures, materialize_all
from indicators_pipeline_tests.test_recovery import _damage_bad_block, _damage_random, _damage_truncated


@pytest.fixture
def published(raw_dir, seeded_warehouse) -> Path:
    """The working database right after a refresh that published it (and marked it verified)."""
    result = materialize_all(raw_dir, seeded_warehouse)
    assert result.success, failures(result)
    working = seeded_warehouse.with_name("indicators.work.duckdb")
    assert working_db.marker_path(working).exists()
    return working


@pytest.fixture(scope="module")
def published_once(tmp_path_factory, seeded) -> Path:
    """`published` made once for the module: the working database of one refresh that published it and marked it."""
    root = tmp_path_factory.mktemp("published_once")
    warehouse = root / "warehouse" / "indicators.duckdb"
    warehouse.parent.mkdir(parents=True)
    for path in seeded.warehouse.parent.iterdir():
        if path.name.endswith((".duckdb", ".wal")):
            shutil.copy(path, warehouse.parent / path.name)
    result = materialize_all(copy_seeds(root / "raw"), warehouse)
    assert result.success, failures(result)
    working = warehouse.with_name("indicators.work.duckdb")
    assert working_db.marker_path(working).exists() and working_db.unchanged_since_verified(working)
    return working


@pytest.fixture
def published_copy(published_once, tmp_path) -> Path:
    """A test's own copy of `published_once`, marked verified as publishing marks the file it read (the marker
    records the file's identity, which a copy does not share): for the tests that damage or replace the file and
    need nothing else of a refresh. A refresh each (~2 s) is what they cost before."""
    working = tmp_path / "warehouse" / published_once.name
    working.parent.mkdir()
    shutil.copy2(published_once, working)
    working_db.mark_verified(working)
    assert working_db.unchanged_since_verified(working)
    return working


def _no_full_read(*args, **kwargs):
    raise AssertionError("read every table of an unchanged working database")


def test_an_unchanged_working_database_is_not_read_again_and_a_refresh_after_a_publication_takes_the_fast_check(
        raw_dir, published, monkeypatch):
    """(Two tests made the same refresh, `published`, to check these: one test now.)"""
    assert working_db.unchanged_since_verified(published)
    monkeypatch.setattr(working_db, "verify", _no_full_read)
    assert working_db.heal(published) == (None, None)

    result = materialize_all(raw_dir, published.with_name("indicators.duckdb"))
    assert result.success, failures(result)


def test_a_refresh_that_finds_nothing_new_leaves_the_file_as_it_was(raw_dir, seeded_warehouse):
    """A night with nothing new writes nothing: the file keeps the identity its health check compares. The first
    refresh through the instance publishes (and marks the file it read); `published`'s refresh before it, in an
    instance of its own, is not needed: the seeds' warehouse, copied, is what it started from."""
    published = seeded_warehouse.with_name("indicators.work.duckdb")
    with dg.DagsterInstance.ephemeral() as instance:  # one instance: a step finds what it computed last time
        assert materialize_all(raw_dir, seeded_warehouse, instance=instance).success
        assert working_db.marker_path(published).exists()
        before = published.stat()
        result = materialize_all(raw_dir, seeded_warehouse, instance=instance)
    assert result.success, failures(result)
    after = published.stat()
    assert (after.st_mtime_ns, after.st_ctime_ns, after.st_size) == (before.st_mtime_ns, before.st_ctime_ns, before.st_size)


@pytest.mark.parametrize("damage", [_damage_random, _damage_truncated, _damage_bad_block], ids=lambda f: f.__name__)
@pytest.mark.parametrize("times_restored", [False, True], ids=["", "times_restored"])
def test_damage_after_the_publication_is_still_found(published_copy, damage, times_restored):
    published = published_copy
    before = published.stat()
    damage(published)
    if times_restored:  # the modification time set back: the change time, which no one can set, still differs
        os.utime(published, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert not working_db.unchanged_since_verified(published)
    moved, reason = working_db.heal(published)
    assert moved is not None and reason and not published.exists()
    assert not working_db.marker_path(published).exists()


def test_a_copy_in_place_of_the_file_is_read_whole(published_copy, tmp_path, monkeypatch):
    published = published_copy
    copy = tmp_path / "copy.duckdb"
    shutil.copy2(published, copy)
    os.replace(copy, published)  # same bytes and times, another inode
    calls = []
    monkeypatch.setattr(working_db, "verify", lambda *a, **k: calls.append(a))
    assert working_db.heal(published) == (None, None) and len(calls) == 1


def test_rows_alike_in_another_order_are_the_same_and_one_value_more_is_not():
    """What the mentions step compares before writing the read errors again."""
    stored = pd.DataFrame({"path": ["b.txt", "a.txt"], "error": ["ValueError", None]})
    assert same_rows(stored, pd.DataFrame({"path": ["a.txt", "b.txt"], "error": [float("nan"), "ValueError"]}))
    assert not same_rows(stored, pd.DataFrame({"path": ["a.txt", "b.txt"], "error": ["KeyError", "ValueError"]}))
    assert not same_rows(stored, stored.head(1))
    assert not same_rows(stored, stored.rename(columns={"error": "reason"}))
