"""Running the real graph in tests: the project's assets and checks, real resources, a real instance."""
from __future__ import annotations

import functools
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from indicators_pipeline.defs.curation import Curation
from indicators_pipeline.defs.resources import RawFolder, Warehouse
from indicators_pipeline.definitions import defs


@functools.cache
def project_definitions() -> dg.Definitions:
    """The code location's definitions, loaded once a test process: loading the defs folder costs ~0.25 s, a fifth of
    a refresh of the seeds. The refreshes below bring their own resources, so nothing read at loading differs."""
    return defs()


def materialize_all(raw_dir: Path, warehouse_file: Path, quality_dir: Path | None = None,
                    instance: dg.DagsterInstance | None = None,
                    acknowledged: Path | None = None) -> dg.ExecuteInProcessResult:
    """Every asset and check; acknowledged is the acknowledgement file (default: none, the repository's is not read)."""
    definitions = project_definitions()
    return dg.materialize(
        [*definitions.assets, *definitions.asset_checks],
        resources={"warehouse": Warehouse(path=str(warehouse_file), quality_dir=str(quality_dir or warehouse_file.parent / "q")),
                   "raw_folder": RawFolder(path=str(raw_dir)),
                   "curation": Curation(acknowledged=str(acknowledged or warehouse_file.parent / "no_acknowledgements.csv"))},
        instance=instance or dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


def query(warehouse_file: Path, sql: str) -> pd.DataFrame:
    con = duckdb.connect(str(warehouse_file), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def materialization_metadata(result: dg.ExecuteInProcessResult, asset_key: list[str]) -> dict:
    for event in result.get_asset_materialization_events():
        if event.asset_key == dg.AssetKey(asset_key):
            return event.materialization.metadata
    raise KeyError(asset_key)


def failures(result: dg.ExecuteInProcessResult) -> list[str]:
    """What went wrong in a run, for an assertion message: failed steps' errors and failed blocking checks."""
    found = [f"{e.step_key}: {e.event_specific_data.error.message.strip()[:800]}"
             for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    found += [f"{c.check_name}: {c.description}" for c in result.get_asset_check_evaluations() if not c.passed
              and c.severity == dg.AssetCheckSeverity.ERROR]
    return found
