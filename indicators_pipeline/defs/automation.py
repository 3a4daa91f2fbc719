"""When the graph runs unattended: nightly at 02:00 Vietnam time, and when the raw folder changes."""

import dagster as dg

from indicators_pipeline.defs.resources import RawFolder
from indicators_pipeline.ingest.fingerprint import folder_fingerprint

refresh_warehouse = dg.define_asset_job(
    "refresh_warehouse",
    selection=dg.AssetSelection.all(),
    description="Materialize every asset, from the raw folder to the published warehouse.",
)

nightly_refresh = dg.ScheduleDefinition(
    name="nightly_refresh",
    job=refresh_warehouse,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Ho_Chi_Minh",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Refresh everything at 02:00 Asia/Ho_Chi_Minh (on by default when the daemon runs).",
)


@dg.sensor(job=refresh_warehouse, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Starts a refresh when files under INDICATORS_RAW_DIR are added, changed or removed.")
def raw_folder_sensor(context: dg.SensorEvaluationContext, raw_folder: RawFolder):
    digest, n_files = folder_fingerprint(raw_folder.resolved)
    if digest == context.cursor:
        return dg.SkipReason(f"no change in {n_files} files of {raw_folder.resolved}")
    context.update_cursor(digest)
    return dg.RunRequest(run_key=digest, tags={"indicators/raw_files": str(n_files)})
