"""Asset keys, groups and owners in one place: key [layer, table], the layer is also the DuckDB schema."""

import datetime as dt

import dagster as dg

from indicators_pipeline.warehouse.tables import Table

OWNERS = ["team:indicators"]
KINDS = {"pandas", "duckdb"}
# The nightly refresh runs at 02:00; a mart older than 26 hours means a night was missed.
MARTS_FRESHNESS = dg.FreshnessPolicy.time_window(fail_window=dt.timedelta(hours=26))


def key(table: Table) -> dg.AssetKey:
    return dg.AssetKey(table.name.split("."))


def table_spec(table: Table, deps: list[Table] | tuple = (), description: str | None = None,
               code_version: str | None = None) -> dg.AssetSpec:
    layer = table.name.split(".")[0]
    return dg.AssetSpec(
        key(table),
        description=description or table.description,
        group_name=layer,
        kinds=KINDS,
        owners=OWNERS,
        deps=[key(d) for d in deps],
        freshness_policy=MARTS_FRESHNESS if layer == "marts" else None,
        metadata={"dagster/table_name": table.name},
        code_version=code_version,  # the rules' hash: the UI shows which assets new rules made stale
    )
