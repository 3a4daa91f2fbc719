"""The nightly schedule and the raw-folder sensor: evaluated by Dagster (build_sensor_context), and ticked by the
real sensor daemon over workspace.yaml's code location."""
from __future__ import annotations

import datetime as dt
import logging
import os
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
from dagster._utils.schedules import cron_string_iterator

from dagster._core.storage.tags import RUN_KEY_TAG, SENSOR_NAME_TAG

from indicators_pipeline.definitions import defs
from indicators_pipeline.defs.automation import REFRESH_TAG, nightly_refresh, raw_folder_sensor, read_cursor
from indicators_pipeline.defs.resources import RawFolder

REPO = Path(__file__).resolve().parent.parent


def test_schedule_runs_at_two_in_the_morning_vietnam_time():
    assert nightly_refresh.execution_timezone == "Asia/Ho_Chi_Minh"
    assert nightly_refresh.default_status == dg.DefaultScheduleStatus.RUNNING
    scheduled = dt.datetime(2026, 3, 2, 2, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    context = dg.build_schedule_context(scheduled_execution_time=scheduled)
    requests = list(nightly_refresh.evaluate_tick(context).run_requests)
    assert len(requests) == 1
    # The tick the daemon computes from the schedule's own cron string and time zone.
    ticks = cron_string_iterator(dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.timezone.utc).timestamp(),
                                 nightly_refresh.cron_schedule, nightly_refresh.execution_timezone)
    next_tick = next(ticks)
    assert next_tick.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).hour == 2
    assert next_tick.astimezone(dt.timezone.utc).hour == 19  # UTC+7


def _evaluate(raw_dir, cursor):
    with dg.build_sensor_context(cursor=cursor, resources={"raw_folder": RawFolder(path=str(raw_dir))}) as context:
        result = raw_folder_sensor.evaluate_tick(context)
        return result.run_requests, result.cursor


def test_sensor_runs_for_new_changed_and_deleted_files_only(raw_dir):
    requests, cursor = _evaluate(raw_dir, None)
    assert len(requests) == 1
    requests, same_cursor = _evaluate(raw_dir, cursor)
    assert requests == [] and same_cursor == cursor  # unchanged files never start a run

    (raw_dir / "sub").mkdir()
    (raw_dir / "sub" / "new.txt").write_text("Tỉnh Nam Định có 120 dịch vụ công trực tuyến", encoding="utf-8")
    requests, after_new = _evaluate(raw_dir, cursor)
    assert len(requests) == 1 and after_new != cursor

    target = raw_dir / "sub" / "new.txt"
    stat = target.stat()
    target.write_text("Tỉnh Nam Định có 121 dịch vụ công trực tuyến", encoding="utf-8")
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    requests, after_change = _evaluate(raw_dir, after_new)
    assert len(requests) == 1 and after_change != after_new

    target.unlink()
    requests, after_delete = _evaluate(raw_dir, after_change)
    assert len(requests) == 1 and read_cursor(after_delete)[0] == read_cursor(cursor)[0]  # the folder as at first


def test_sensor_reads_the_bare_digest_cursor_of_an_older_release(raw_dir):
    """An upgrade must not start a refresh of an unchanged folder nor fail on the old cursor."""
    requests, cursor = _evaluate(raw_dir, None)
    digest, _ = read_cursor(cursor)
    requests, _ = _evaluate(raw_dir, digest)
    assert requests == []

def test_the_sensor_is_on_by_default_and_looks_every_minute():
    """README: with `make dev` running, the sensor starts a refresh within a minute; both are on by default."""
    assert raw_folder_sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert raw_folder_sensor.minimum_interval_seconds == 60
    assert raw_folder_sensor.job_name == "refresh_warehouse"


def _edit(path: Path, line: str) -> None:
    """Append a line and move the file's modification time a second on (an edit no clock granularity hides)."""
    stat = path.stat()
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(line)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_the_daemon_starts_a_refresh_for_each_change_of_the_folder_or_the_curation_files(raw_dir, tmp_path, monkeypatch):
    """Real sensor daemon ticks (dagster._daemon.sensor.execute_sensor_iteration) over workspace.yaml's code
    location in its own code server, on the instance `make dev` writes (cli.prepare_dagster_home): Dagster decides
    whether a tick is due (the sensor's minimum interval) and whether a run key was already used, not this test.
    A folder back to an earlier state still starts a run (issue 13: that state's digest had a run already), and an
    analyst's edit of the acknowledgements or the corrections file starts one like a new article."""
    from dagster._core.scheduler.instigation import InstigatorType, TickStatus
    from dagster._core.test_utils import create_test_daemon_workspace_context, freeze_time
    from dagster._core.workspace.load_target import WorkspaceFileTarget
    from dagster._daemon.sensor import execute_sensor_iteration

    from indicators_pipeline.cli import prepare_dagster_home

    acknowledged, corrections = tmp_path / "acknowledged.csv", tmp_path / "corrections.csv"
    acknowledged.write_text("rule,province,year,indicator,reason,who\n", encoding="utf-8")
    corrections.write_text("article_id,title,source_path,indicator,value,evidence,action,reason,who\n", encoding="utf-8")
    # The code server reads these when it starts, as `make dev`'s does.
    monkeypatch.setenv("INDICATORS_RAW_DIR", str(raw_dir))
    monkeypatch.setenv("INDICATORS_ACKNOWLEDGED", str(acknowledged))
    monkeypatch.setenv("INDICATORS_CORRECTIONS", str(corrections))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    prepare_dagster_home()
    extra = raw_dir / "extra.txt"
    steps = [  # (what changed before the tick, whether it owes a run)
        ("the first look at the folder", lambda: None, True),
        ("nothing", lambda: None, False),
        ("a file added", lambda: extra.write_text("Tỉnh Nam Định có 120 dịch vụ công trực tuyến", encoding="utf-8"), True),
        ("the file deleted: the folder as at first", extra.unlink, True),
        ("an acknowledgement added", lambda: _edit(
            acknowledged, "sources_agree,Gia Lai,2021,national_portal_services,the later is kept,an\n"), True),
        ("a correction added", lambda: _edit(
            corrections, "a9d5822fe39104f3,,,online_services_level4,331,331 dịch vụ,accept,checked,an\n"), True),
        ("nothing", lambda: None, False),
    ]
    logger = logging.getLogger("dagster.daemon.SensorDaemon")
    start = time.time()
    with dg.DagsterInstance.get() as instance, create_test_daemon_workspace_context(
            WorkspaceFileTarget(paths=[str(REPO / "workspace.yaml")]), instance) as workspace:

        def ticks_after(seconds: float) -> list:
            """The daemon's sensor iteration at start + seconds; the sensor's ticks, newest first."""
            with freeze_time(start + seconds):
                list(execute_sensor_iteration(workspace, logger, threadpool_executor=None,
                                              submit_threadpool_executor=None))
            [state] = instance.all_instigator_state(instigator_type=InstigatorType.SENSOR)
            return instance.get_ticks(state.instigator_origin_id, state.selector_id)

        seconds, run_keys = 0, []
        for n, (change, make_change, owes_a_run) in enumerate(steps):
            make_change()
            if n:  # 59 s after the last tick the sensor is not due: no tick at all
                assert len(ticks_after(seconds + 59)) == n, change
                seconds += 60
            ticks = ticks_after(seconds)
            assert len(ticks) == n + 1, change
            if owes_a_run:
                assert ticks[0].status == TickStatus.SUCCESS and len(ticks[0].run_ids) == 1, (change, ticks[0])
                run_keys += ticks[0].run_keys
            else:
                assert ticks[0].status == TickStatus.SKIPPED and not ticks[0].run_ids, (change, ticks[0])
        runs = instance.get_runs()
    assert len(runs) == len(set(run_keys)) == 5
    for run in runs:  # waiting in the run queue, which starts one run with the refresh tag at a time
        assert run.status == dg.DagsterRunStatus.QUEUED and run.job_name == "refresh_warehouse"
        assert run.tags[REFRESH_TAG] == "warehouse" and run.tags[SENSOR_NAME_TAG] == raw_folder_sensor.name
        assert run.tags[RUN_KEY_TAG] in run_keys
