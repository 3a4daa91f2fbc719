"""Steps that skip work whose inputs did not change, and say so (issue 22).

A refresh that finds nothing new still runs every step, so each asset is materialized every night
(the UI shows each run's outcome and the marts' freshness holds). A step whose input tables, other
inputs and code are what they were when it last ran, and whose own table still holds what it wrote
then, does not compute again: it reports its last materialization's metadata (or its check's last
result), found in the Dagster instance, with when and in which run that was computed. Inputs are
fingerprinted (`warehouse/fingerprint.py`), the output is the materialization's data version.
"""
from __future__ import annotations

import dagster as dg
import duckdb

from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from indicators_pipeline import versions
from indicators_pipeline.warehouse import fingerprint

# Any change to the package's code or reference files makes every step compute again once.
PIPELINE_VERSION = versions.rules_version(("**/*.py", "reference/*.csv"))
INPUTS = "inputs_fingerprint"
COMPUTED_IN = "computed_in_run"
UNCHANGED_SINCE = "unchanged_since"
# Metadata that is the steps' own bookkeeping (what a step compares next time), not something a person acts on.
BOOKKEEPING = frozenset({INPUTS, COMPUTED_IN, "code_version", "article_state"})
_DATA_VERSION_TAG = "dagster/data_version"
_CODE_VERSION_TAG = "dagster/code_version"
_EVALUATED = (AssetCheckExecutionRecordStatus.SUCCEEDED, AssetCheckExecutionRecordStatus.FAILED)
_CHECK_HISTORY = 5  # records looked at past this run's own planned one and those of runs that died


def combined_inputs(*parts: str) -> str:
    """The code version and the given fingerprints as one."""
    return fingerprint.combined(PIPELINE_VERSION, *parts)


def inputs_fingerprint(con: duckdb.DuckDBPyConnection, tables: list[str], *extra: str) -> str:
    """The code version, the input tables' fingerprints and any other input (a file's fingerprint)."""
    return combined_inputs(fingerprint.tables_fingerprint(con, tables), *extra)


def _value(entry):
    return getattr(entry, "value", entry)


def _reported(metadata, timestamp: float, run_id: str) -> dict:
    """A last outcome's metadata as this run reports it: when and where it was computed, added once."""
    reported = dict(metadata)
    if UNCHANGED_SINCE not in reported:
        reported[UNCHANGED_SINCE] = dg.MetadataValue.timestamp(timestamp)
        reported[COMPUTED_IN] = dg.MetadataValue.text(run_id)
    return reported


def last_materialization(instance: dg.DagsterInstance, asset_key: dg.AssetKey, inputs: str,
                         output: str) -> dict | None:
    """The metadata of the asset's last materialization, when it was made from these inputs and its table
    still holds that output; None when the step must compute (first run, a fresh instance, anything changed)."""
    event = instance.get_latest_materialization_event(asset_key)
    materialization = event.asset_materialization if event else None
    if materialization is None or _value(materialization.metadata.get(INPUTS)) != inputs \
            or (materialization.tags or {}).get(_DATA_VERSION_TAG) != output:
        return None
    return _reported(materialization.metadata, event.timestamp, event.run_id)


def holds_last_output(instance: dg.DagsterInstance, asset_key: dg.AssetKey, output: str) -> bool:
    """Whether the asset's table holds what its last materialization, by this code, wrote: then a step may
    change only what changed since (its incremental state was written with it)."""
    event = instance.get_latest_materialization_event(asset_key)
    tags = (event.asset_materialization.tags or {}) if event and event.asset_materialization else {}
    return tags.get(_DATA_VERSION_TAG) == output and tags.get(_CODE_VERSION_TAG) == PIPELINE_VERSION


def _last_evaluation(instance: dg.DagsterInstance, check_key: dg.AssetCheckKey, run_id: str):
    """The check's latest evaluation in an earlier run (not this run's, nor one only planned by a run that died)."""
    history = instance.event_log_storage.get_asset_check_execution_history(check_key, limit=_CHECK_HISTORY)
    return next(((r.evaluation, r) for r in history if r.run_id != run_id and r.status in _EVALUATED), (None, None))


def last_check_result(instance: dg.DagsterInstance, check_key: dg.AssetCheckKey, run_id: str,
                      inputs: str) -> dg.AssetCheckResult | None:
    """The check's last result in an earlier run, when it was evaluated on these inputs; else None."""
    evaluation, record = _last_evaluation(instance, check_key, run_id)
    if evaluation is None or _value(evaluation.metadata.get(INPUTS)) != inputs:
        return None
    return dg.AssetCheckResult(
        asset_key=check_key.asset_key, check_name=check_key.name, passed=evaluation.passed,
        severity=evaluation.severity, description=evaluation.description,
        metadata=_reported(evaluation.metadata, record.create_timestamp, record.run_id))


def last_check_metadata(instance: dg.DagsterInstance, check_key: dg.AssetCheckKey, run_id: str) -> dict:
    """The plain values of the metadata of the check's last evaluation in an earlier run ({} when none)."""
    evaluation, _ = _last_evaluation(instance, check_key, run_id)
    return {} if evaluation is None else {k: _value(v) for k, v in evaluation.metadata.items()}
