"""A run keeps the working database open from its first step to its publication (defs/resources.py): each step's
connection is a cursor of it, not a DuckDB of its own (~20 ms to open, ~16 times a refresh)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from indicators_pipeline.defs.resources import Warehouse

_OPEN_ELSEWHERE = ("import duckdb, sys\n"
                   "try:\n    duckdb.connect(sys.argv[1]).close()\nexcept duckdb.Error as error:\n"
                   "    print(error)\n    sys.exit(3)\n")


def _another_process_can_open(path: Path) -> bool:
    return subprocess.run([sys.executable, "-c", _OPEN_ELSEWHERE, str(path)], capture_output=True).returncode == 0


def _run(tmp_path: Path, fail_first: bool = False) -> tuple[dg.ExecuteInProcessResult, dict]:
    seen = {}

    @dg.asset
    def first(warehouse: Warehouse) -> None:
        with warehouse.connect() as con:
            con.execute("CREATE TABLE IF NOT EXISTS main.written_by_first AS SELECT 42 AS answer")
            if fail_first:
                con.execute("BEGIN TRANSACTION")
                con.execute("INSERT INTO main.written_by_first VALUES (7)")
                raise RuntimeError("the step fails inside its transaction")

    @dg.asset(deps=[first])
    def second(warehouse: Warehouse) -> None:
        seen["held_between_steps"] = not _another_process_can_open(warehouse.working_path)
        with warehouse.connect() as con:
            seen["rows"] = con.execute("SELECT answer FROM main.written_by_first ORDER BY answer").fetchall()

    warehouse = Warehouse(path=str(tmp_path / "indicators.duckdb"), quality_dir=str(tmp_path / "q"))
    result = dg.materialize([first, second], resources={"warehouse": warehouse}, raise_on_error=False)
    return result, seen


def test_the_working_database_stays_open_between_steps_and_is_free_after_the_run(tmp_path):
    result, seen = _run(tmp_path)
    assert result.success
    assert seen == {"held_between_steps": True, "rows": [(42,)]}
    working = tmp_path / "indicators.work.duckdb"
    assert _another_process_can_open(working)  # closed at the end of the run
    assert not working.with_name(working.name + ".wal").exists()  # and written out


def test_a_step_that_fails_leaves_nothing_of_its_transaction(tmp_path):
    result, _ = _run(tmp_path, fail_first=True)
    assert not result.success
    working = tmp_path / "indicators.work.duckdb"
    assert _another_process_can_open(working)
    result, seen = _run(tmp_path)  # the next run: the first step's committed table, not its rolled-back row
    assert result.success and seen["rows"] == [(42,)]


def test_a_step_may_ask_duckdb_for_less_memory_and_the_next_step_has_the_warehouses_limit_again(tmp_path):
    """The parsing step runs with parsing_memory_limit (it holds a batch; the parsing workers need the rest of the
    machine); the steps after it, with memory_limit."""
    seen = {}

    def limit(con) -> str:
        return con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]

    @dg.asset
    def parsing(warehouse: Warehouse) -> None:
        with warehouse.connect(memory_limit=warehouse.parsing_memory_limit) as con:
            seen["parsing"] = limit(con)

    @dg.asset(deps=[parsing])
    def facts(warehouse: Warehouse) -> None:
        with warehouse.connect() as con:
            seen["facts"] = limit(con)

    warehouse = Warehouse(path=str(tmp_path / "indicators.duckdb"), quality_dir=str(tmp_path / "q"),
                          memory_limit="256MB", parsing_memory_limit="96MB")
    assert dg.materialize([parsing, facts], resources={"warehouse": warehouse}).success
    assert (seen["parsing"], seen["facts"]) == ("91.5 MiB", "244.1 MiB")  # 96 and 256 MB, as DuckDB prints them
