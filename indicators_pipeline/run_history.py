"""Runs killed mid-refresh stay STARTED in Dagster's history; the next refresh marks them failed.

The default run launcher cannot ask whether a run's process still lives, so run monitoring does
not catch a `kill -9`. A refresh that holds the refresh lock knows better: every other refresh run
is either waiting for the lock (it tagged itself with its pid first, and that pid lives) or dead.
"""
from __future__ import annotations

import os
import socket
import time
from typing import Optional

import dagster as dg

JOB_NAME = "refresh_warehouse"
PID_TAG = "indicators/pid"
HOST_TAG = "indicators/host"
# A run with no pid tag tags itself within seconds of starting; older than this, it died before.
UNTAGGED_GRACE_SECONDS = 300.0


def process_tags() -> dict[str, str]:
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def tag_run(instance: Optional[dg.DagsterInstance], run_id: Optional[str]) -> None:
    """Name this process on its run, before it waits for the lock, so a sweep can tell it lives."""
    if instance is None or run_id is None:
        return
    run = instance.get_run_by_id(run_id)
    if run is not None and run.tags.get(PID_TAG) != str(os.getpid()):
        instance.add_run_tags(run_id, process_tags())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fail_dead_runs(instance: Optional[dg.DagsterInstance], current_run_id: Optional[str]) -> list[str]:
    """Mark failed every other STARTED refresh run whose process is gone; returns their run ids."""
    if instance is None:
        return []
    records = instance.get_run_records(dg.RunsFilter(job_name=JOB_NAME, statuses=[dg.DagsterRunStatus.STARTED]))
    failed = []
    for record in records:
        run = record.dagster_run
        if run.run_id == current_run_id:
            continue
        pid, host = run.tags.get(PID_TAG), run.tags.get(HOST_TAG)
        if pid is not None:
            if host not in (None, socket.gethostname()) or _alive(int(pid)):
                continue  # another machine's run, or one waiting for the lock
            reason = f"its process (pid {pid}) is gone: killed or crashed; marked failed by the next refresh"
        else:
            started = record.start_time or record.create_timestamp.timestamp()
            if time.time() - started < UNTAGGED_GRACE_SECONDS:
                continue
            reason = "it stopped before naming its process (killed or crashed); marked failed by the next refresh"
        instance.report_run_failed(run, message=f"Run {run.run_id} never finished: {reason}.")
        failed.append(run.run_id)
    return failed
