"""The code location: everything under defs/ is registered by being there."""
import warnings
from pathlib import Path

import dagster as dg


@dg.definitions
def defs() -> dg.Definitions:
    loaded = dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
    with warnings.catch_warnings():  # a beta API used knowingly: its warning would repeat at every load
        warnings.simplefilter("ignore", dg.BetaWarning)
        assets = dg.with_source_code_references(list(loaded.assets or []))  # "open the code" links in the UI
    return dg.Definitions(assets=assets, asset_checks=loaded.asset_checks, schedules=loaded.schedules,
                          sensors=loaded.sensors, jobs=loaded.jobs, resources=loaded.resources,
                          executor=loaded.executor, loggers=loaded.loggers, metadata=loaded.metadata,
                          component_tree=loaded.component_tree)
