"""The nightly schedule and the raw-folder sensor, evaluated as the daemon would."""
from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

import dagster as dg
from dagster._utils.schedules import cron_string_iterator

from dagster._core.storage.tags import RUN_KEY_TAG, SENSOR_NAME_TAG

from indicators_pipeline.definitions import defs
from indicators_pipeline.defs.automation import REFRESH_TAG, nightly_refresh, raw_folder_sensor, read_cursor
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
    assert len(requests) == 1 and read_cursor(after_delete)[0] == read_cursor(cursor)[0]  # the folder as at first


def test_sensor_reads_the_bare_digest_cursor_of_an_older_release(raw_dir):
    """An upgrade must not start a refresh of an unchanged folder nor fail on the old cursor."""
    requests, cursor = _evaluate(raw_dir, None)
    digest, _ = read_cursor(cursor)
    requests, _ = _evaluate(raw_dir, digest)
    assert requests == []


def _launch_as_daemon(instance: dg.DagsterInstance, job, request: dg.RunRequest) -> bool:
    """What the daemon does with a run request: skip it if a run already has its key, else create the run."""
    if instance.get_runs(dg.RunsFilter(tags={RUN_KEY_TAG: request.run_key, SENSOR_NAME_TAG: raw_folder_sensor.name})):
        return False
    instance.create_run_for_job(job, tags={**job.tags, **request.tags, RUN_KEY_TAG: request.run_key,
                                           SENSOR_NAME_TAG: raw_folder_sensor.name})
    return True


def test_a_folder_back_to_an_earlier_state_still_starts_a_run(raw_dir):
    """Add a file then delete it: the digest returns to an old value whose run key was used (issue 13)."""
    job = defs().resolve_job_def("refresh_warehouse")
    extra = raw_dir / "extra.txt"
    with dg.DagsterInstance.ephemeral() as instance:
        cursor, keys = None, []
        for change in (None, "add", "delete", "add", "delete"):
            if change == "add":
                extra.write_text("Tỉnh Nam Định có 120 dịch vụ công trực tuyến", encoding="utf-8")
            elif change == "delete":
                extra.unlink()
            with dg.build_sensor_context(instance=instance, cursor=cursor, sensor_name=raw_folder_sensor.name,
                                         resources={"raw_folder": RawFolder(path=str(raw_dir))}) as context:
                result = raw_folder_sensor.evaluate_tick(context)
            assert len(result.run_requests) == 1, change
            assert _launch_as_daemon(instance, job, result.run_requests[0]), f"{change}: run key already used"
            keys.append(result.run_requests[0].run_key)
            cursor = result.cursor
        assert len(set(keys)) == 5 and len(instance.get_runs()) == 5
        runs = instance.get_runs()
        assert all(r.tags[REFRESH_TAG] == "warehouse" for r in runs)  # the run queue's limit applies to each


def test_a_new_correction_row_starts_a_refresh_like_a_new_article(raw_dir, tmp_path, monkeypatch):
    corrections = tmp_path / "corrections.csv"
    corrections.write_text("article_id,title,source_path,indicator,value,evidence,action,reason,who\n", encoding="utf-8")
    monkeypatch.setenv("INDICATORS_CORRECTIONS", str(corrections))
    requests, cursor = _evaluate(raw_dir, None)
    assert len(requests) == 1 and _evaluate(raw_dir, cursor)[0] == []
    stat = corrections.stat()
    with open(corrections, "a", encoding="utf-8") as handle:
        handle.write("a9d5822fe39104f3,,,online_services_level4,331,331 dịch vụ,accept,checked,an\n")
    os.utime(corrections, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    requests, _ = _evaluate(raw_dir, cursor)
    assert len(requests) == 1


def test_the_sensor_is_on_by_default_and_looks_every_minute():
    """README: with `make dev` running, the sensor starts a refresh within a minute; both are on by default."""
    assert raw_folder_sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert raw_folder_sensor.minimum_interval_seconds == 60
    assert raw_folder_sensor.job_name == "refresh_warehouse"


def test_an_edit_of_the_acknowledgements_file_starts_a_refresh(raw_dir, tmp_path, monkeypatch):
    acknowledged = tmp_path / "acknowledged.csv"
    acknowledged.write_text("rule,province,year,indicator,reason,who\n", encoding="utf-8")
    monkeypatch.setenv("INDICATORS_ACKNOWLEDGED", str(acknowledged))
    requests, cursor = _evaluate(raw_dir, None)
    assert len(requests) == 1 and _evaluate(raw_dir, cursor)[0] == []
    stat = acknowledged.stat()
    with open(acknowledged, "a", encoding="utf-8") as handle:
        handle.write("sources_agree,Gia Lai,2021,national_portal_services,the later is kept,an\n")
    os.utime(acknowledged, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    requests, _ = _evaluate(raw_dir, cursor)
    assert len(requests) == 1
