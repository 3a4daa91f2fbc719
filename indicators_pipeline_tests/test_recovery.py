"""Refreshes that collide, die or find their cache damaged, in real processes: the next run still publishes
what a clean run publishes (issue 13)."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from indicators_pipeline.cli import prepare_dagster_home
from indicators_pipeline.warehouse import working_db
from indicators_pipeline_tests.bench.synthetic import write_corpus
from indicators_pipeline_tests.pipeline_runs import failures, materialization_metadata, materialize_all
from indicators_pipeline_tests.test_publishing import EXTRA_ARTICLE

REPO = Path(__file__).resolve().parent.parent
DAGSTER = Path(sys.executable).with_name("dagster")


def env_for(raw: Path, warehouse: Path, home: Path, **extra: str) -> dict:
    return dict(os.environ, INDICATORS_RAW_DIR=str(raw), INDICATORS_WAREHOUSE=str(warehouse), DAGSTER_HOME=str(home),
                INDICATORS_QUALITY_DIR=str(warehouse.parent.parent / "quality"), **extra)


def start_cli(env: dict, out: Path) -> subprocess.Popen:
    with open(out, "w") as log:
        return subprocess.Popen([sys.executable, "-m", "indicators_pipeline.cli"], env=env, cwd=REPO, stdout=log,
                                stderr=subprocess.STDOUT)


def tables_of(con: duckdb.DuckDBPyConnection, database: str) -> set[str]:
    rows = con.execute("SELECT schema_name || '.' || table_name FROM duckdb_tables() "
                       "WHERE database_name = ? AND schema_name <> 'meta'", [database]).fetchall()
    return {r[0] for r in rows}


def assert_same_tables(published: Path, clean: Path) -> None:
    """Every table (all but meta.publication) holds the same rows, both ways (EXCEPT ALL)."""
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{published}' AS a (READ_ONLY)")
        con.execute(f"ATTACH '{clean}' AS b (READ_ONLY)")
        assert tables_of(con, "a") == tables_of(con, "b")
        differences = []
        for table in sorted(tables_of(con, "a")):
            for x, y in (("a", "b"), ("b", "a")):
                extra = con.execute(f"SELECT count(*) FROM (FROM {x}.{table} EXCEPT ALL FROM {y}.{table})").fetchall()[0][0]
                if extra:
                    sample = con.execute(f"FROM (FROM {x}.{table} EXCEPT ALL FROM {y}.{table}) LIMIT 2").df()
                    differences.append(f"{table}: {extra} rows of {x} not in {y}, e.g. {sample.to_dict('records')}")
        assert not differences, "\n".join(differences)
        assert con.execute("SELECT count(*) FROM a.raw.articles").fetchall()[0][0] > 0
    finally:
        con.close()


def clean_run(raw: Path, tmp_path: Path) -> Path:
    """A fresh warehouse from the same folder: every asset and check materialized here, on an instance of its own
    (the refresh in a process of its own is what the test exercises; the reference need not pay for one), parsing
    here too: worker processes (each importing the package) would cost the 450 articles of the kill -9 test 6 s
    instead of 4, and publish the same tables (test_determinism: one worker or two, the same warehouse)."""
    clean = tmp_path / "clean" / "indicators.duckdb"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("INDICATORS_WORKERS", "1")
        result = materialize_all(raw, clean, quality_dir=tmp_path / "clean_quality")
    assert result.success, failures(result)
    return clean


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".tmp" in p.name)


def test_three_refreshes_at_once_queue_and_publish_what_a_clean_run_publishes(raw_dir, tmp_path):
    """Two `make run` and a run of the job through the Dagster CLI, started together on a changing folder."""
    warehouse, home = tmp_path / "wh" / "indicators.duckdb", tmp_path / "home"
    env = env_for(raw_dir, warehouse, home)
    with pytest.MonkeyPatch.context() as here:  # `make dev`'s home, made here (it sets DAGSTER_HOME: restored after)
        here.setenv("DAGSTER_HOME", str(home))
        prepare_dagster_home()
    logs = [tmp_path / f"run{i}.log" for i in range(3)]
    processes = [start_cli(env, logs[0]), start_cli(env, logs[1])]
    with open(logs[2], "w") as log:
        processes.append(subprocess.Popen([str(DAGSTER), "job", "execute", "-m", "indicators_pipeline.definitions",
                                           "-j", "refresh_warehouse"], env=env, cwd=REPO, stdout=log,
                                          stderr=subprocess.STDOUT))
    lock = warehouse.parent / ".refresh.lock"
    deadline = time.time() + 120
    while not (lock.exists() and lock.read_text().strip()):  # the first refresh has started: change the folder
        assert time.time() < deadline
        time.sleep(0.05)
    (raw_dir / "nghe_an.txt").write_text(EXTRA_ARTICLE, encoding="utf-8")
    codes = [p.wait(timeout=600) for p in processes]
    texts = [log.read_text() for log in logs]
    assert codes == [0, 0, 0], texts
    assert sum("waiting for another refresh to finish" in t for t in texts) >= 1, texts
    assert_same_tables(warehouse, clean_run(raw_dir, tmp_path))
    assert leftovers(warehouse.parent) == []
    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs(dg.RunsFilter(job_name="refresh_warehouse"))
        assert len(runs) == 3 and all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)


KILLED_PUBLISH = textwrap.dedent("""
    import sys, time, duckdb
    con = duckdb.connect()
    con.execute(f"ATTACH '{sys.argv[1]}' AS pub")
    con.execute("CREATE TABLE pub.t AS SELECT range AS i FROM range(1000)")
    print("written", flush=True)
    time.sleep(600)
""")


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def _cmdline(pid: int) -> str:
    """A process's command line; empty when it has ended since it was listed (the refresh's short-lived children)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_mid_refresh_then_a_normal_run_publishes_a_clean_result(tmp_path):
    """Workers die with the killed refresh; its STARTED run is marked failed; a killed publication's temp
    files go; the next run equals a clean one."""
    raw = tmp_path / "raw"
    write_corpus(raw, 450, tmp_path / "truth.csv")  # above MIN_ITEMS_FOR_PROCESSES: parsed by workers
    warehouse, home = tmp_path / "wh" / "indicators.duckdb", tmp_path / "home"
    env = env_for(raw, warehouse, home, INDICATORS_WORKERS="2")
    refresh = start_cli(env, tmp_path / "killed.log")
    deadline = time.time() + 180
    while not (workers := [c for c in _children(refresh.pid) if "spawn_main" in _cmdline(c)]):
        assert refresh.poll() is None and time.time() < deadline, (tmp_path / "killed.log").read_text()
        time.sleep(0.05)
    refresh.send_signal(signal.SIGKILL)
    refresh.wait(timeout=10)
    deadline = time.time() + 10
    while any(_alive(w) for w in workers):
        assert time.time() < deadline, f"workers {workers} outlived their killed parent"
        time.sleep(0.1)

    # What a kill during publication leaves: a temp file and its WAL (made and killed for real).
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    temp = warehouse.with_name(f".{warehouse.name}.{uuid.uuid4().hex}.tmp")
    writer = subprocess.Popen([sys.executable, "-c", KILLED_PUBLISH, str(temp)], stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "written"
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=10)
    assert temp.exists()

    started = time.monotonic()
    normal = subprocess.run([sys.executable, "-m", "indicators_pipeline.cli"], env=env, cwd=REPO, capture_output=True,
                            text=True, timeout=600)
    assert normal.returncode == 0, normal.stderr
    assert time.monotonic() - started < 300
    assert leftovers(warehouse.parent) == []
    assert_same_tables(warehouse, clean_run(raw, tmp_path))
    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = {r.run_id: r for r in instance.get_runs(dg.RunsFilter(job_name="refresh_warehouse"))}
        assert sorted(r.status.value for r in runs.values()) == ["FAILURE", "SUCCESS"]
        killed = next(r for r in runs.values() if r.status == dg.DagsterRunStatus.FAILURE)
        reasons = [e.message for e in instance.all_logs(killed.run_id)]
        assert any(f"pid {refresh.pid}" in m and "is gone" in m for m in reasons), reasons


def _damage_random(path: Path) -> None:
    path.write_bytes(os.urandom(path.stat().st_size))


def _damage_truncated(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2)


def _damage_bad_block(path: Path) -> None:
    """Garbage in the middle of a block that holds raw.articles' texts: only reading that block tells."""
    con = duckdb.connect(str(path), read_only=True)
    block = con.execute("SELECT max(block_id) FROM pragma_storage_info('raw.articles') "
                        "WHERE column_name = 'text' AND block_id >= 0").fetchall()[0][0]
    block_size = con.execute("SELECT block_size FROM pragma_database_size()").fetchall()[0][0]
    con.close()
    with open(path, "r+b") as handle:
        handle.seek(3 * 4096 + block * block_size + 1000)
        handle.write(os.urandom(512))


@pytest.mark.parametrize("damage", [_damage_random, _damage_truncated, _damage_bad_block], ids=lambda f: f.__name__)
def test_a_damaged_working_database_is_set_aside_and_rebuilt(raw_dir, seeded_warehouse, tmp_path, damage):
    warehouse_file = seeded_warehouse  # as a refresh over raw_dir left it
    working = warehouse_file.with_name("indicators.work.duckdb")
    reference = tmp_path / "reference.duckdb"
    shutil.copy(warehouse_file, reference)
    damage(working)

    started = time.monotonic()
    result = materialize_all(raw_dir, warehouse_file)
    assert result.success
    assert time.monotonic() - started < 60  # no lock-retry wait on a damaged file
    aside = sorted(warehouse_file.parent.glob("indicators.work.duckdb.corrupt-*"))
    assert len(aside) == 1
    metadata = materialization_metadata(result, ["publish", "indicators_duckdb"])
    assert metadata["working_database_set_aside"].value == str(aside[0])
    assert_same_tables(warehouse_file, reference)


def test_a_working_database_open_in_another_program_is_named_not_set_aside(raw_dir, seeded_warehouse, monkeypatch):
    """A person's DuckDB shell on the cache is not damage: the run says who holds it and renames nothing."""
    monkeypatch.setattr(working_db, "LOCK_WAIT_SECONDS", 1.0)  # the shell holds it for minutes: no need to wait 10 s
    warehouse_file = seeded_warehouse  # as a refresh over raw_dir left it
    working = warehouse_file.with_name("indicators.work.duckdb")
    code = "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('open', flush=True); time.sleep(120)"
    other = subprocess.Popen([sys.executable, "-c", code, str(working)], stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout.readline().strip() == "open"
        result = materialize_all(raw_dir, warehouse_file)
    finally:
        other.kill()
        other.wait(timeout=10)
    assert not result.success
    from indicators_pipeline.cli import explain_failure

    text = explain_failure(result, warehouse_file)
    assert "is open in another program" in text and f"PID {other.pid}" in text, text
    assert not list(warehouse_file.parent.glob("*.corrupt-*"))


def _private_tmpfs() -> list[str] | None:
    """The command prefix that runs a shell in a mount namespace of its own (root's, or a user namespace's root when
    not root), where a tmpfs mount is seen by that shell and its children only and ends with them: no mount is
    left on the machine, nothing to unmount. None where neither is allowed (a container without CAP_SYS_ADMIN and
    without user namespaces)."""
    if not sys.platform.startswith("linux") or not shutil.which("unshare"):
        return None
    prefix = ["unshare", "--mount"] + ([] if os.geteuid() == 0 else ["--user", "--map-root-user"])
    probe = subprocess.run([*prefix, "sh", "-c", 'mount -t tmpfs -o size=1m tmpfs "$1"', "sh", "/tmp"],
                           capture_output=True, text=True)
    return prefix if probe.returncode == 0 else None


def check_disk_full_explained(out: subprocess.CompletedProcess, folder_listing: list[str]) -> None:
    assert out.returncode == 1, (out.stdout, out.stderr)
    assert "disk full" in out.stderr and "publishing needs about" in out.stderr, out.stderr
    assert len(out.stderr.strip().splitlines()) <= 12, out.stderr
    assert [name for name in folder_listing if ".tmp" in name] == []  # no half-written publication left


def test_disk_full_says_disk_full_and_how_much_space_publishing_needs(raw_dir, tmp_path):
    """`make run` with the warehouse folder on a 5 MB tmpfs, mounted in a private mount namespace (the refresh's
    process sees it, the machine does not). The whole folder is full: the working database and the publication."""
    prefix = _private_tmpfs()
    if prefix is None:
        pytest.skip("no private mount namespace here (unshare --mount needs CAP_SYS_ADMIN or user namespaces); "
                    "test_a_publication_that_cannot_be_written_says_disk_full covers the message without a mount")
    mount, listing = tmp_path / "small", tmp_path / "listing.txt"
    mount.mkdir()
    script = 'mount -t tmpfs -o size=5m tmpfs "$1" || exit 97; "$2" -m indicators_pipeline.cli; code=$?; ls -A "$1" > "$3"; exit $code'
    out = subprocess.run([*prefix, "sh", "-c", script, "sh", str(mount), sys.executable, str(listing)], cwd=REPO,
                         capture_output=True, text=True, timeout=600,
                         env=env_for(raw_dir, mount / "indicators.duckdb", tmp_path / "home"))
    check_disk_full_explained(out, listing.read_text().split())
    assert "MB free now" in out.stderr and "indicators.work.duckdb" in listing.read_text(), out.stderr
    assert list(mount.iterdir()) == []  # the tmpfs ended with the process: outside it, the folder was never written


# `make run` whose publication's file (by the name publish gives it) is a symbolic link to /dev/full: DuckDB's writes
# of the copy fail with the kernel's ENOSPC, as on a full disk, without mounting anything.
FULL_PUBLICATION_CLI = textwrap.dedent("""
    import os, sys, uuid
    from indicators_pipeline import cli, settings
    from indicators_pipeline.warehouse import publish

    class FullDevice:
        @staticmethod
        def uuid4():
            name, published = uuid.uuid4(), settings.warehouse_path()
            os.symlink("/dev/full", published.with_name(f".{published.name}.{name.hex}.tmp"))
            return name

    publish.uuid = FullDevice
    sys.exit(cli.run())
""")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_publication_that_cannot_be_written_says_disk_full(raw_dir, seeded_warehouse, tmp_path):
    """Where no mount is allowed (CI as root without extra mounts): the refresh over the seeds fails at publishing
    with ENOSPC from the kernel; the explanation says disk full and how much publishing needs, nothing half-written
    is left, and BI keeps the warehouse published before."""
    published = seeded_warehouse.read_bytes()
    out = subprocess.run([sys.executable, "-c", FULL_PUBLICATION_CLI], cwd=REPO, capture_output=True, text=True,
                         timeout=600, env=env_for(raw_dir, seeded_warehouse, tmp_path / "home"))
    check_disk_full_explained(out, [p.name for p in seeded_warehouse.parent.iterdir()])
    assert "No space left on device" in out.stderr and "step failed: publish__indicators_duckdb" in out.stderr, out.stderr
    assert seeded_warehouse.read_bytes() == published
