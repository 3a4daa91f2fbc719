"""`make run`: materialize every asset into the warehouse through a real Dagster instance, then summarize."""
from __future__ import annotations

import logging
import os
import shutil
import sys
from pathlib import Path

import duckdb
import yaml

from indicators_pipeline import settings
from indicators_pipeline.warehouse import refresh_lock

SUMMARY_TABLES = ("raw.articles", "raw.rejected_files", "staging.indicator_mentions", "staging.indicator_targets",
                  "marts.fact_indicator_yearly", "marts.rollup_indicator_yearly", "marts.quality_findings")

REFRESH_TAG = "indicators/refresh"  # carried by the refresh_warehouse job (defs/automation.py)
# What the instance that `make run` and `make dev` share must say, whatever an older release wrote.
INSTANCE_SETTINGS = {
    "telemetry": {"enabled": False},  # the pipeline runs where there is no network
    # Runs the daemon launches (schedule, sensor, UI) queue: one refresh at a time.
    "run_queue": {"tag_concurrency_limits": [{"key": REFRESH_TAG, "limit": 1}]},
    # A run worker that dies while starting or cancelling is marked failed by the daemon.
    "run_monitoring": {"enabled": True, "start_timeout_seconds": 180, "cancel_timeout_seconds": 180},
}
MAX_CASE_LINES = 6
MAX_WARNINGS = 10


def prepare_dagster_home() -> str:
    """DAGSTER_HOME with a dagster.yaml that has our settings; a user's other settings are kept."""
    home = settings.dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    config_file = home / "dagster.yaml"
    config = (yaml.safe_load(config_file.read_text()) if config_file.exists() else None) or {}
    updated = _merge_instance_settings(dict(config))
    if updated != config or not config_file.exists():
        temporary = config_file.with_name(".dagster.yaml.tmp")
        temporary.write_text(yaml.safe_dump(updated, sort_keys=False))
        os.replace(temporary, config_file)
    os.environ["DAGSTER_HOME"] = str(home)
    _create_storage_once(home)
    return str(home)


def _create_storage_once(home) -> None:
    """Dagster creates its SQLite storage on first use, and two processes doing so at once (make run beside the
    daemon, or beside `dagster job execute`, on a new DAGSTER_HOME) can collide: "table ... already exists".
    It is created here, once, under a lock."""
    if (home / "history" / "runs.db").exists():
        return
    import fcntl

    import dagster as dg

    with open(home / ".storage.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not (home / "history" / "runs.db").exists():
            with dg.DagsterInstance.from_config(str(home)):
                pass


def _merge_instance_settings(config: dict) -> dict:
    config["telemetry"] = {**(config.get("telemetry") or {}), "enabled": False}
    monitoring = dict(config.get("run_monitoring") or {})
    for key, value in INSTANCE_SETTINGS["run_monitoring"].items():
        monitoring.setdefault(key, value)
    monitoring["enabled"] = True
    config["run_monitoring"] = monitoring
    # Dagster refuses run_queue limits beside `concurrency: runs:`; put ours where the file keeps them.
    concurrency_runs = (config.get("concurrency") or {}).get("runs")
    section = concurrency_runs if concurrency_runs is not None else config.setdefault("run_queue", {}) or {}
    limits = [dict(limit) for limit in (section.get("tag_concurrency_limits") or []) if limit.get("key") != REFRESH_TAG]
    section["tag_concurrency_limits"] = limits + INSTANCE_SETTINGS["run_queue"]["tag_concurrency_limits"]
    if concurrency_runs is None:
        config["run_queue"] = section
    return config


def summary(warehouse: str) -> str:
    con = duckdb.connect(warehouse, read_only=True)
    try:
        lines = [f"warehouse: {warehouse}"]
        for table in SUMMARY_TABLES:
            lines.append(f"  {table:32} {con.execute(f'SELECT count(*) FROM {table}').fetchall()[0][0]:>7} rows")
        for severity, count in con.execute(
                "SELECT severity, count(*) FROM marts.quality_findings GROUP BY 1 ORDER BY 1").fetchall():
            lines.append(f"  quality findings ({severity}): {count}")
        held = con.execute("SELECT count(*) FROM staging.indicator_mentions WHERE held").fetchall()[0][0]
        if held:
            lines.append(f"  figures waiting for review (confidence below INDICATORS_MIN_CONFIDENCE): {held}"
                         " — make review")
        published = con.execute("SELECT published_at FROM meta.publication").fetchall()[0][0]
        lines.append(f"  published at {published}")
        return "\n".join(lines)
    finally:
        con.close()


def _error_chain(error) -> list:
    """A SerializableErrorInfo and its causes and contexts, outermost first."""
    chain, seen = [], set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        chain.append(error)
        error = error.cause or error.context
    return chain


def _first_line(text: str, limit: int = 300) -> str:
    line = next((l.strip() for l in str(text).splitlines() if l.strip()), "")
    return line if len(line) <= limit else line[:limit] + "…"


def _metadata_lines(metadata) -> list[str]:
    from indicators_pipeline.defs.unchanged import BOOKKEEPING

    lines = []
    for key, entry in metadata.items():
        if key in BOOKKEEPING:
            continue
        value = getattr(entry, "value", entry)
        records = getattr(value, "records", None)
        if records is not None:  # a table of cases (TableMetadataValue): one line per row
            lines.append(f"    {key}:")
            lines.extend("      " + "; ".join(f"{k}={v}" for k, v in r.data.items() if v is not None)[:200]
                         for r in records[:MAX_CASE_LINES])
            if len(records) > MAX_CASE_LINES:
                lines.append(f"      … {len(records) - MAX_CASE_LINES} more")
        elif isinstance(value, str) and "\n" in value:
            rows = [r for r in value.splitlines() if r.strip() and not set(r.strip()) <= set("|-: ")]
            lines.append(f"    {key}:")
            lines.extend(f"      {r.strip()[:200]}" for r in rows[:MAX_CASE_LINES])
            if len(rows) > MAX_CASE_LINES:
                lines.append(f"      … {len(rows) - MAX_CASE_LINES} more")
        else:
            lines.append(f"    {key}: {_first_line(value, 200)}")
    return lines


def explain_failure(result, warehouse: Path) -> str:
    """A few lines a person can act on: what failed, its first cases, what to do."""
    lines = [f"refresh failed (run {result.run_id}); the published warehouse was left as it was"]
    blocking = [e for e in result.get_asset_check_evaluations() if not e.passed and e.blocking
                and getattr(e.severity, "value", e.severity) == "ERROR"]
    for evaluation in blocking:
        lines.append(f"  check failed: {evaluation.asset_key.to_user_string()} {evaluation.check_name}")
        lines.extend(_metadata_lines(evaluation.metadata))
    disk_full = lock_held = False
    failures = [(f"step failed: {e.step_key}", e.step_failure_data.error) for e in result.get_step_failure_events()]
    if not failures:  # resources that could not start (the refresh lock, the working database), or the run itself
        for event in result.all_events:
            error = getattr(event.event_specific_data, "error", None)
            if event.event_type_value in ("RESOURCE_INIT_FAILURE", "PIPELINE_FAILURE") and error is not None:
                failures.append((_first_line(event.message or event.event_type_value), error))
                break
    for title, error in failures:
        chain = _error_chain(error)
        # Dagster's wrappers ("Error occurred while executing op ...") say less than what they wrap.
        messages = [_short_error(e) for e in chain if not (e.cls_name or "").startswith("Dagster") or e is chain[-1]]
        lock_held |= any("another refresh is running" in m for m in messages)
        disk_full |= any("no space left on device" in m.lower() or "disk full" in m.lower() for m in messages)
        lines.append(f"  {title}")
        lines.extend(f"    {m}" for m in _dedupe(messages)[:3])
    if disk_full:
        lines.append("  disk full: " + _space_advice(warehouse))
    elif lock_held:
        lines.append("  what to do: let the other refresh finish (or stop that process), then `make run`.")
    elif blocking:
        lines.append("  what to do: the rows above break a blocking check, so the marts after it and the publication did "
                     "not run. Fix the article or the rule (all cases: `make dev`, Runs, this run), then `make run`.")
    else:
        lines.append("  what to do: read the error above (the whole log: `make dev`, Runs, this run), fix its cause, "
                     "then `make run`; nothing half-done was published.")
    return "\n".join(lines)


def _short_error(error) -> str:
    """'ClassName: first line' (Dagster's message starts with the module path of the class)."""
    line = _first_line(error.message)
    name = error.cls_name or ""
    for prefix in (line.split(": ", 1)[0],):
        if name and prefix.endswith(name) and " " not in prefix:
            line = line[len(prefix) + 2:]
    return f"{name}: {line}" if name else line


def _dedupe(messages: list[str]) -> list[str]:
    """Dagster wraps an error in others that repeat it: keep the most specific of each."""
    kept = []
    for message in reversed(messages):
        if not any(message.split(": ", 1)[-1] in k for k in kept):
            kept.append(message)
    return list(reversed(kept))


def _space_advice(warehouse: Path) -> str:
    working = warehouse.with_name(f"{warehouse.stem}.work{warehouse.suffix}")
    sizes = [p.stat().st_size for p in (warehouse, working) if p.exists()]
    needed = 2 * max(sizes, default=0)
    folder = warehouse.parent if warehouse.parent.exists() else Path.cwd()
    free = shutil.disk_usage(folder).free
    return (f"publishing needs about {needed / 1e6:,.0f} MB free on {folder} (a full copy beside the warehouse, "
            f"about twice its size); {free / 1e6:,.0f} MB free now. Free space there, then `make run`.")


def run() -> int:
    prepare_dagster_home()
    import dagster as dg

    from indicators_pipeline import run_history
    from indicators_pipeline.definitions import defs

    warehouse = settings.warehouse_path()
    lock_file = refresh_lock.lock_path(warehouse)
    timeout = settings.refresh_lock_timeout()

    def waiting(holder: refresh_lock.Holder) -> None:
        print(f"waiting for another refresh to finish ({holder.describe()}); giving up after {timeout:.0f} s "
              "(INDICATORS_REFRESH_LOCK_TIMEOUT)", file=sys.stderr, flush=True)

    try:
        # Held from before the run starts to after it ends; the run's warehouse resource re-enters it.
        refresh_lock.acquire(lock_file, timeout, label="make run (indicators_pipeline.cli)", on_wait=waiting)
    except refresh_lock.RefreshLockTimeout as error:
        print(f"refresh not started: {error}", file=sys.stderr)
        return 2
    try:
        job = defs().resolve_job_def("refresh_warehouse")
        with dg.DagsterInstance.get() as instance:
            # The run's events are in the instance (and the UI); the terminal gets its warnings, one line
            # each (the console logger would print every error with its traceback), and a summary.
            quiet = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
            result = job.execute_in_process(instance=instance, raise_on_error=False, run_config=quiet,
                                            tags=run_history.process_tags())
            warnings = [e.message for e in instance.all_logs(result.run_id) if e.level == logging.WARNING]
    finally:
        refresh_lock.release(lock_file)
    for message in warnings[:MAX_WARNINGS]:
        print(f"warning: {_first_line(message)}", file=sys.stderr)
    if len(warnings) > MAX_WARNINGS:
        print(f"warning: … {len(warnings) - MAX_WARNINGS} more (`make dev`, Runs, run {result.run_id})", file=sys.stderr)
    failed_checks = [
        f"{e.asset_key.to_user_string()}:{e.check_name}"
        for e in result.get_asset_check_evaluations() if not e.passed
    ]
    if not result.success:
        print(explain_failure(result, warehouse), file=sys.stderr)
        return 1
    print(summary(str(warehouse)))
    if failed_checks:
        print(f"  checks not passed (see the Dagster UI or marts.quality_findings): {', '.join(failed_checks)}")
    return 0


if __name__ == "__main__":
    sys.exit(run())
