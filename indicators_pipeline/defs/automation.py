"""When the graph runs unattended: nightly at 02:00 Vietnam time, and when the raw folder changes."""

import hashlib
import json

import dagster as dg

from indicators_pipeline import settings
from indicators_pipeline.defs.resources import RawFolder
from indicators_pipeline.ingest.fingerprint import files_fingerprint, folder_fingerprint

# Runs carrying this tag are limited to one at a time by the run queue (dagster.yaml, see cli.py).
REFRESH_TAG = "indicators/refresh"

refresh_warehouse = dg.define_asset_job(
    "refresh_warehouse",
    selection=dg.AssetSelection.all(),
    tags={REFRESH_TAG: "warehouse"},
    description="Materialize every asset, from the raw folder to the published warehouse (one run at a time).",
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
           description="Starts a refresh when files under INDICATORS_RAW_DIR are added, changed or removed, or when "
                       "an analyst edits a curation file (corrections, acknowledgements).")
def raw_folder_sensor(context: dg.SensorEvaluationContext, raw_folder: RawFolder):
    folder_digest, n_files = folder_fingerprint(raw_folder.resolved)
    # A new correction is a change like a new article: the next refresh applies it.
    digest = hashlib.sha256((folder_digest + files_fingerprint(
        [settings.corrections_path(), settings.acknowledged_path()])).encode()).hexdigest()
    last_digest, changes = read_cursor(context.cursor)
    if digest == last_digest:
        return dg.SkipReason(f"no change in {n_files} files of {raw_folder.resolved}")
    # The key counts changes: a folder back to an earlier state (a file added, then deleted) has an
    # old digest whose key Dagster already used, and it would start no run.
    changes += 1
    context.update_cursor(json.dumps({"digest": digest, "changes": changes}))
    return dg.RunRequest(run_key=f"{changes}-{digest}", tags={"indicators/raw_files": str(n_files)})


def read_cursor(cursor: str | None) -> tuple[str | None, int]:
    """(last digest, changes seen); an older release's cursor was the bare digest."""
    if not cursor:
        return None, 0
    try:
        data = json.loads(cursor)
        return data["digest"], int(data["changes"])
    except (ValueError, TypeError, KeyError):
        return cursor, 0
