"""`make run`: materialize every asset into the warehouse through a real Dagster instance, then summarize."""
from __future__ import annotations

import os
import sys

import duckdb

from indicators_pipeline import settings

SUMMARY_TABLES = ("raw.articles", "raw.rejected_files", "staging.indicator_mentions", "staging.indicator_targets",
                  "marts.fact_indicator_yearly", "marts.rollup_indicator_yearly", "marts.quality_findings")


def prepare_dagster_home() -> str:
    home = settings.dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text("telemetry:\n  enabled: false\n")  # the pipeline runs where there is no network
    os.environ["DAGSTER_HOME"] = str(home)
    return str(home)


def summary(warehouse: str) -> str:
    con = duckdb.connect(warehouse, read_only=True)
    try:
        lines = [f"warehouse: {warehouse}"]
        for table in SUMMARY_TABLES:
            lines.append(f"  {table:32} {con.execute(f'SELECT count(*) FROM {table}').fetchall()[0][0]:>7} rows")
        for severity, count in con.execute(
                "SELECT severity, count(*) FROM marts.quality_findings GROUP BY 1 ORDER BY 1").fetchall():
            lines.append(f"  quality findings ({severity}): {count}")
        published = con.execute("SELECT published_at FROM meta.publication").fetchall()[0][0]
        lines.append(f"  published at {published}")
        return "\n".join(lines)
    finally:
        con.close()


def run() -> int:
    prepare_dagster_home()
    import dagster as dg

    from indicators_pipeline.definitions import defs

    job = defs().resolve_job_def("refresh_warehouse")
    with dg.DagsterInstance.get() as instance:
        # The run's events are in the instance (and the UI); the terminal gets warnings and the summary.
        quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
        result = job.execute_in_process(instance=instance, raise_on_error=False, run_config=quiet)
    failed_checks = [
        f"{e.asset_key.to_user_string()}:{e.check_name}"
        for e in result.get_asset_check_evaluations() if not e.passed
    ]
    if not result.success:
        print("refresh failed; the published warehouse was left as it was", file=sys.stderr)
        return 1
    print(summary(str(settings.warehouse_path())))
    if failed_checks:
        print(f"  checks not passed (see the Dagster UI or marts.quality_findings): {', '.join(failed_checks)}")
    return 0


if __name__ == "__main__":
    sys.exit(run())
