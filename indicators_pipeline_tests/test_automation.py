"""The nightly schedule and the raw-folder sensor, evaluated as the daemon would."""
from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

import dagster as dg
from dagster._utils.schedules import cron_string_iterator

from indicators_pipeline.defs.automation import nightly_refresh, raw_folder_sensor
from indicators_pipeline.defs.resources import RawFolder


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
    assert len(requests) == 1 and after_delete == cursor
