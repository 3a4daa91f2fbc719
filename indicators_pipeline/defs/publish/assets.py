"""publish: the finished working database becomes the file BI reads, atomically."""

import dagster as dg
from dagster._core.execution.stats import StepEventStatus

from indicators_pipeline.defs.resources import Warehouse
from indicators_pipeline.defs.specs import MARTS_FRESHNESS, OWNERS, key
from indicators_pipeline.warehouse import tables

# The assets nothing else reads: every table is upstream of one of them (a test says so), so the
# publication still runs last, and the graph shows one edge from each branch instead of one per table.
_LAST_OF_EACH_BRANCH = [key(tables.TARGETS), key(tables.QUALITY_FINDINGS), dg.AssetKey(["marts", "bi_views"])]


@dg.asset(
    key=["publish", "indicators_duckdb"],
    group_name="publish",
    kinds={"duckdb"},
    owners=OWNERS,
    deps=_LAST_OF_EACH_BRANCH,
    description="Copies the working database to a new file (explicit storage version) and renames it over "
                "INDICATORS_WAREHOUSE: readers never see a half-written refresh, nor a lock error.",
    freshness_policy=MARTS_FRESHNESS,  # what BI reads is what must not be a night late
)
def published_warehouse(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    failed = _failed_steps(context)
    if failed:  # publish only a working database every step of this very run completed
        raise dg.Failure(f"not published: steps of this run failed ({', '.join(failed)}); BI keeps the previous warehouse")
    with warehouse.connect() as con:  # what the publication is made of, for the engineer who is asked about it
        articles, facts, open_findings = con.execute(
            "SELECT (SELECT count(*) FROM raw.articles), (SELECT count(*) FROM marts.fact_indicator_yearly), "
            "(SELECT count(*) FROM marts.quality_findings WHERE NOT coalesce(acknowledged, false))").fetchall()[0]
    publication = warehouse.publish()
    context.log.info(f"published {publication.path} ({publication.byte_size} bytes)")
    metadata = {
        "path": dg.MetadataValue.path(str(publication.path)),
        "published_at": dg.MetadataValue.timestamp(publication.published_at),
        "articles": int(articles),
        "facts": int(facts),
        "open_quality_findings": int(open_findings),
        "byte_size": publication.byte_size,
        "tables": publication.tables,
        "storage_version": publication.storage_version,
        "stale_temp_files_removed": len(publication.leftovers_removed),
    }
    if publication.leftovers_removed:
        context.log.warning(f"removed temp files of a killed publication: {', '.join(publication.leftovers_removed)}")
    if warehouse.set_aside:
        where, why = warehouse.set_aside
        metadata["working_database_set_aside"] = dg.MetadataValue.path(where)
        metadata["working_database_damage"] = dg.MetadataValue.text(why)
    if warehouse.failed_runs:
        metadata["dead_runs_marked_failed"] = dg.MetadataValue.text(", ".join(warehouse.failed_runs))
    return dg.MaterializeResult(metadata=metadata)


def _failed_steps(context: dg.AssetExecutionContext) -> list[str]:
    stats = context.instance.get_run_step_stats(context.run.run_id)
    return sorted(s.step_key for s in stats if s.status == StepEventStatus.FAILURE)
