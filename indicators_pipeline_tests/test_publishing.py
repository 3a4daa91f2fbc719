"""BI reads while the pipeline writes: atomic publishing, old DuckDB readers, failures that publish nothing."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb

from indicators_pipeline_tests.pipeline_runs import materialize_all, query

REPO = Path(__file__).resolve().parent.parent
OLD_DUCKDB = REPO / ".venv" / "duckdb1"

READER = textwrap.dedent("""
    import sys, time, duckdb
    path, stop, out, reconnect = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
    import os
    con = duckdb.connect(path, read_only=True)
    with open(out, "w") as log:
        print("ready", file=log, flush=True)
        while not os.path.exists(stop):
            if reconnect:
                con.close()
                con = duckdb.connect(path, read_only=True)
            counts = con.execute("SELECT (SELECT count(*) FROM staging.indicator_mentions), "
                                 "(SELECT count(*) FROM marts.fact_indicator_yearly), "
                                 "(SELECT count(*) FROM raw.articles)").fetchall()[0]
            print(*counts, file=log, flush=True)
            time.sleep(0.01)
""")

EXTRA_ARTICLE = ("Nghệ An: kết quả cải cách hành chính năm 2022\n\n10/01/2023\n\n"
                 "Năm 2022, tỉnh Nghệ An cung cấp 1.683 dịch vụ công trực tuyến, trong đó có 612 dịch vụ công trực tuyến "
                 "toàn trình và 423 dịch vụ công trực tuyến một phần. Tỷ lệ hồ sơ giải quyết đúng hạn đạt 98,7%.")


def _counts(warehouse: Path) -> tuple[int, int, int]:
    row = query(warehouse, "SELECT (SELECT count(*) FROM staging.indicator_mentions) a, "
                           "(SELECT count(*) FROM marts.fact_indicator_yearly) b, (SELECT count(*) FROM raw.articles) c")
    return tuple(int(v) for v in row.iloc[0])


def _start_reader(warehouse: Path, tmp_path: Path, reconnect: bool):
    stop, out = tmp_path / f"stop{int(reconnect)}", tmp_path / f"reads{int(reconnect)}.log"
    process = subprocess.Popen([sys.executable, "-c", READER, str(warehouse), str(stop), str(out), "1" if reconnect else "0"])
    deadline = time.time() + 30
    while not (out.exists() and out.read_text().startswith("ready")):
        assert time.time() < deadline and process.poll() is None, "reader did not start"
        time.sleep(0.05)
    return process, stop, out


def _reads(out: Path) -> set[tuple[int, ...]]:
    return {tuple(int(v) for v in line.split()) for line in out.read_text().splitlines()[1:] if line.strip()}


def test_refresh_succeeds_while_readers_hold_the_file_and_they_never_see_half_a_refresh(raw_dir, seeded_warehouse, tmp_path):
    warehouse_file = seeded_warehouse  # as a refresh over raw_dir left it
    old = _counts(warehouse_file)
    (raw_dir / "nghe_an.txt").write_text(EXTRA_ARTICLE, encoding="utf-8")

    holding = _start_reader(warehouse_file, tmp_path, reconnect=False)
    reconnecting = _start_reader(warehouse_file, tmp_path, reconnect=True)
    try:
        result = materialize_all(raw_dir, warehouse_file)
        time.sleep(0.3)
    finally:
        for process, stop, _ in (holding, reconnecting):
            stop.touch()
            process.wait(timeout=30)
    assert result.success
    new = _counts(warehouse_file)
    assert new != old and new[2] == old[2] + 1
    assert _reads(holding[2]) == {old}  # a connection keeps the snapshot it opened
    reads = _reads(reconnecting[2])
    assert reads <= {old, new} and old in reads  # old or new, never between
    assert holding[0].returncode == 0 and reconnecting[0].returncode == 0


def test_published_file_opens_in_duckdb_1_0(raw_dir, seeded_warehouse):
    warehouse_file = seeded_warehouse  # as a refresh over raw_dir left it
    code = ("import duckdb, sys; assert duckdb.__version__.startswith('1.0'), duckdb.__version__; "
            "con = duckdb.connect(sys.argv[1], read_only=True); "
            "print(con.execute('SELECT count(*) FROM marts.fact_indicator_yearly').fetchall()[0][0]); "
            "print(con.execute('SELECT count(*) FROM marts.province_year_wide').fetchall()[0][0])")
    assert OLD_DUCKDB.is_dir(), "make install puts DuckDB 1.0 in .venv/duckdb1"
    env = dict(os.environ, PYTHONPATH=str(OLD_DUCKDB))
    out = subprocess.run([sys.executable, "-c", code, str(warehouse_file)], capture_output=True, text=True, env=env,
                         check=True, cwd="/")
    facts, wide = (int(v) for v in out.stdout.split())
    assert facts == _counts(warehouse_file)[1] and wide > 0


def test_a_blocked_refresh_leaves_the_published_warehouse_as_it_was(raw_dir, seeded_warehouse, monkeypatch):
    warehouse_file = seeded_warehouse  # as a refresh over raw_dir left it
    before = warehouse_file.read_bytes()
    (raw_dir / "more.txt").write_text(EXTRA_ARTICLE, encoding="utf-8")
    # A rules bug that emits an impossible share: the blocking schema check must stop publication.
    from indicators_pipeline.marts import facts as facts_module

    original = facts_module.facts_from

    def broken(con, table):
        frame = original(con, table)
        frame.loc[frame["unit"] == "percent", "value"] = 180.0
        return frame

    monkeypatch.setattr("indicators_pipeline.defs.marts.assets.facts_from", broken)
    result = materialize_all(raw_dir, warehouse_file)
    assert not result.success
    failed = [e for e in result.get_asset_check_evaluations() if not e.passed and e.check_name == "fact_indicator_yearly_schema"]
    assert failed and failed[0].metadata["quarantined_rows"].value > 0  # a broken rule: too many rows set aside
    assert warehouse_file.read_bytes() == before
    con = duckdb.connect(str(warehouse_file), read_only=True)
    assert con.execute("SELECT max(value) FROM marts.fact_indicator_yearly WHERE unit = 'percent'").fetchall()[0][0] <= 100
    con.close()
