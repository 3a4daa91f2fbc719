"""One refresh at a time: the refresh lock between real processes, the run that waits for it, dagster.yaml."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import dagster as dg
import pytest
import yaml

from indicators_pipeline import cli
from indicators_pipeline.warehouse import refresh_lock
from indicators_pipeline_tests.pipeline_runs import materialize_all

REPO = Path(__file__).resolve().parent.parent

HOLDER = textwrap.dedent("""
    import sys, time, pathlib
    from indicators_pipeline.warehouse import refresh_lock
    path, stop = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    refresh_lock.acquire(path, timeout=30, label="holder of the test")
    print("held", flush=True)
    while not stop.exists():
        time.sleep(0.05)
    refresh_lock.release(path)
""")


def start_holder(lock: Path, stop: Path) -> subprocess.Popen:
    """Another process holding the refresh lock (what a running refresh does), until stop exists."""
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(lock), str(stop)], stdout=subprocess.PIPE, text=True,
                               cwd=REPO)
    assert process.stdout.readline().strip() == "held"
    return process


def test_a_second_holder_waits_names_the_first_and_gives_up_after_the_timeout(tmp_path):
    lock, stop = tmp_path / ".refresh.lock", tmp_path / "stop"
    holder = start_holder(lock, stop)
    try:
        told = []
        started = time.monotonic()
        with pytest.raises(refresh_lock.RefreshLockTimeout) as raised:
            refresh_lock.acquire(lock, timeout=0.6, on_wait=told.append)
        assert 0.6 <= time.monotonic() - started < 5
        assert told and told[0].pid == holder.pid and told[0].label == "holder of the test"
        assert f"another refresh is running (pid {holder.pid}" in str(raised.value)
        assert not refresh_lock.is_held_here(lock)
    finally:
        stop.touch()
        holder.wait(timeout=10)
    refresh_lock.acquire(lock, timeout=5)  # free once the holder released it
    try:
        assert refresh_lock.read_holder(lock).pid == os.getpid()
    finally:
        refresh_lock.release(lock)


def test_a_killed_holder_leaves_no_stale_lock(tmp_path):
    """The kernel drops a flock with its process: `kill -9` of a refresh never blocks the next one."""
    lock = tmp_path / ".refresh.lock"
    holder = start_holder(lock, tmp_path / "never")
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=10)
    refresh_lock.acquire(lock, timeout=2)
    refresh_lock.release(lock)


def test_the_lock_is_reentrant_within_a_process(tmp_path):
    """The CLI holds it around its run, and the run's warehouse resource takes it again."""
    lock = tmp_path / ".refresh.lock"
    with refresh_lock.RefreshLock(lock, timeout=1):
        with refresh_lock.RefreshLock(lock, timeout=1):
            assert refresh_lock.is_held_here(lock)
        assert refresh_lock.is_held_here(lock)
    assert not refresh_lock.is_held_here(lock)


def test_a_run_waits_for_a_refresh_in_another_process_then_runs(raw_dir, warehouse_file, tmp_path):
    lock, stop = refresh_lock.lock_path(warehouse_file), tmp_path / "stop"
    holder = start_holder(lock, stop)
    releaser = subprocess.Popen([sys.executable, "-c", f"import time, pathlib; time.sleep(2); pathlib.Path({str(stop)!r}).touch()"])
    started = time.monotonic()
    with dg.DagsterInstance.ephemeral() as instance:
        result = materialize_all(raw_dir, warehouse_file, instance=instance)
        logged = [e.user_message for e in instance.all_logs(result.run_id)]
    waited = time.monotonic() - started
    holder.wait(timeout=10)
    releaser.wait(timeout=10)
    assert result.success and waited >= 2
    warnings = [m for m in logged if "waiting for another refresh" in m]
    assert warnings and f"pid {holder.pid}" in warnings[0]


def test_a_run_that_waited_too_long_fails_saying_who_holds_the_lock(raw_dir, warehouse_file, tmp_path, monkeypatch):
    monkeypatch.setenv("INDICATORS_REFRESH_LOCK_TIMEOUT", "0.5")
    lock, stop = refresh_lock.lock_path(warehouse_file), tmp_path / "stop"
    holder = start_holder(lock, stop)
    try:
        result = materialize_all(raw_dir, warehouse_file)
    finally:
        stop.touch()
        holder.wait(timeout=10)
    assert not result.success and not warehouse_file.exists()
    text = cli.explain_failure(result, warehouse_file)
    assert f"another refresh is running (pid {holder.pid}" in text, text


def test_the_cli_waits_then_says_another_refresh_is_running(raw_dir, warehouse_file, tmp_path):
    lock, stop = refresh_lock.lock_path(warehouse_file), tmp_path / "stop"
    holder = start_holder(lock, stop)
    env = dict(os.environ, INDICATORS_RAW_DIR=str(raw_dir), INDICATORS_WAREHOUSE=str(warehouse_file),
               DAGSTER_HOME=str(tmp_path / "home"), INDICATORS_REFRESH_LOCK_TIMEOUT="1")
    try:
        out = subprocess.run([sys.executable, "-m", "indicators_pipeline.cli"], env=env, cwd=REPO, capture_output=True,
                             text=True, timeout=120)
    finally:
        stop.touch()
        holder.wait(timeout=10)
    assert out.returncode == 2
    assert f"waiting for another refresh to finish (pid {holder.pid}" in out.stderr
    assert f"refresh not started: another refresh is running (pid {holder.pid}" in out.stderr
    assert len(out.stderr.strip().splitlines()) <= 3, out.stderr


def test_dagster_yaml_limits_refresh_runs_to_one_and_monitors_runs(tmp_path, monkeypatch):
    """An instance configured by an older release (telemetry only) gets the limit and keeps its settings."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\nretention:\n  schedule:\n    purge_after_days: 7\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    cli.prepare_dagster_home()
    written = (home / "dagster.yaml").read_text()
    cli.prepare_dagster_home()
    assert (home / "dagster.yaml").read_text() == written  # idempotent
    config = yaml.safe_load(written)
    assert config["telemetry"] == {"enabled": False}
    assert config["retention"]["schedule"]["purge_after_days"] == 7
    with dg.DagsterInstance.from_config(str(home)) as instance:
        limits = instance.get_concurrency_config().run_queue_config.tag_concurrency_limits
        assert {"key": "indicators/refresh", "limit": 1} in [dict(limit) for limit in limits]
        assert instance.run_monitoring_enabled
    from indicators_pipeline.definitions import defs

    assert defs().resolve_job_def("refresh_warehouse").tags["indicators/refresh"] == "warehouse"


def test_dagster_yaml_with_concurrency_runs_gets_the_limit_there(tmp_path, monkeypatch):
    """Dagster refuses run_queue limits beside a `concurrency: runs:` block: ours joins that block."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text(
        "concurrency:\n  runs:\n    max_concurrent_runs: 4\n    tag_concurrency_limits:\n      - key: other\n        limit: 2\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    cli.prepare_dagster_home()
    with dg.DagsterInstance.from_config(str(home)) as instance:
        config = instance.get_concurrency_config().run_queue_config
        assert config.max_concurrent_runs == 4
        assert [dict(limit) for limit in config.tag_concurrency_limits] == [
            {"key": "other", "limit": 2}, {"key": "indicators/refresh", "limit": 1}]


# Each process prepares the home, then uses the instance as make run does right after.
PREPARE_AND_USE = ("from indicators_pipeline.cli import prepare_dagster_home; import dagster as dg; prepare_dagster_home(); "
                   "instance = dg.DagsterInstance.get(); instance.get_runs(limit=1); print('ready')")


def test_processes_starting_together_on_a_new_dagster_home_all_get_its_storage(tmp_path):
    """make run beside the daemon (or the Dagster CLI) on a new DAGSTER_HOME: the storage is created once, under a
    lock, instead of by each process at once ("table ... already exists")."""
    env = dict(os.environ, DAGSTER_HOME=str(tmp_path / "home"))
    starters = [subprocess.Popen([sys.executable, "-c", PREPARE_AND_USE], env=env, cwd=REPO, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outcomes = [p.communicate(timeout=120) for p in starters]
    assert [p.returncode for p in starters] == [0, 0, 0, 0], [err[-2000:] for _, err in outcomes]
    assert all(out.strip() == "ready" for out, _ in outcomes)
    assert (tmp_path / "home" / "history" / "runs.db").exists()
