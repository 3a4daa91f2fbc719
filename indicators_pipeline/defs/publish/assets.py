"""publish: the finished working database becomes the file BI reads, atomically."""

import dagster as dg
from dagster._core.execution.stats import StepEventStatus

from indicators_pipeline.defs.resources import Warehouse
from indicators_pipeline.defs.specs import MARTS_FRESHNESS, OWNERS, key
from indicators_pipeline.defs.unchanged import INPUTS, combined_inputs, last_materialization
from indicators_pipeline.warehouse import tables
from indicators_pipeline.warehouse.publish import Publication, publication_time, remove_stale_temporaries

# The assets nothing else reads: every table is upstream of one of them (a test says so), so the
# publication still runs last, and the graph shows one edge from each branch instead of one per table.
_LAST_OF_EACH_BRANCH = [key(tables.TARGETS), key(tables.QUALITY_FINDINGS), dg.AssetKey(["marts", "bi_views"])]


@dg.asset(
    key=["publish", "indicators_duckdb"],
    group_name="publish",
    kinds={"duckdb"},
    owners=OWNERS,
    deps=_LAST_OF_EACH_BRANCH,
    description="Writes the working database's content to a new file (explicit storage version) and renames it over "
                "INDICATORS_WAREHOUSE: readers never see a half-written refresh, nor a lock error. The new file is "
                "a copy of the published one with only the changed rows rewritten when it can be, else a full copy.",
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
    with warehouse.publisher() as publisher:  # the working rows hashed once: for the content and for the publication
        content = combined_inputs(publisher.content(), warehouse.storage_version)
        kept = last_materialization(context.instance, context.asset_key, content, content)
        if kept is not None and publication_time(warehouse.published_path) == kept["published_at"].value:
            # BI already reads this very content: the file (and its published_at) stays as it is.
            removed = remove_stale_temporaries(warehouse.published_path)
            return dg.MaterializeResult(metadata={**kept, **_this_run(warehouse, removed)},
                                        data_version=dg.DataVersion(content))
        publication = warehouse.publish(publisher)
    context.log.info(f"published {publication.path} ({publication.byte_size} bytes, {publication.method}"
                     + (f": {publication.full_copy_reason})" if publication.full_copy_reason else ")"))
    metadata = {
        "path": dg.MetadataValue.path(str(publication.path)),
        "published_at": dg.MetadataValue.timestamp(publication.published_at),
        "articles": int(articles),
        "facts": int(facts),
        "open_quality_findings": int(open_findings),
        "byte_size": publication.byte_size,
        "tables": publication.tables,
        "storage_version": publication.storage_version,
        **_how_written(publication),
        INPUTS: content,
    }
    if publication.why_no_row_hashes:  # the copy is not what was hashed: an engineer should know
        context.log.warning(f"the published copy's rows are not the working database's as hashed: "
                            f"{publication.why_no_row_hashes}")
    if publication.leftovers_removed:
        context.log.warning(f"removed temp files of a killed publication: {', '.join(publication.leftovers_removed)}")
    return dg.MaterializeResult(metadata={**metadata, **_this_run(warehouse, publication.leftovers_removed)},
                                data_version=dg.DataVersion(content))


def _how_written(publication: Publication) -> dict:
    """Full copy or rows changed, and what was written: the engineer's first question about a slow or odd night."""
    metadata = {"publication_method": publication.method}
    if publication.rows_changed is None:
        metadata["full_copy_reason"] = dg.MetadataValue.text(publication.full_copy_reason or "")
        metadata["row_hashes_kept"] = dg.MetadataValue.text(publication.why_no_row_hashes or "yes")
        return metadata
    changed = publication.rows_changed
    return {**metadata, "tables_rewritten": changed.tables_touched, "articles_rewritten": changed.articles,
            "rows_written": changed.rows_written, "publications_since_full_copy": publication.since_full_copy,
            # reading the hashes the last publication kept saves hashing every row of the published file
            "published_rows_hashes": dg.MetadataValue.text(
                "read from the last publication's side file" if publication.why_published_rows_hashed is None
                else f"hashed again: {publication.why_published_rows_hashed}"),
            "rewritten": dg.MetadataValue.json({**{table: f"{n} articles" for table, n in changed.articles_by_table.items()},
                                               **{table: f"{n} distinct rows" for table, n in changed.rows_by_table.items()},
                                               **{table: "whole table" for table in changed.tables_replaced}})}


def _this_run(warehouse: Warehouse, leftovers_removed) -> dict:
    """What this run found and mended on its way, whether it copied the file or not."""
    metadata = {"stale_temp_files_removed": len(leftovers_removed)}
    if warehouse.set_aside:
        where, why = warehouse.set_aside
        metadata["working_database_set_aside"] = dg.MetadataValue.path(where)
        metadata["working_database_damage"] = dg.MetadataValue.text(why)
    if warehouse.failed_runs:
        metadata["dead_runs_marked_failed"] = dg.MetadataValue.text(", ".join(warehouse.failed_runs))
    return metadata


def _failed_steps(context: dg.AssetExecutionContext) -> list[str]:
    stats = context.instance.get_run_step_stats(context.run.run_id)
    return sorted(s.step_key for s in stats if s.status == StepEventStatus.FAILURE)
