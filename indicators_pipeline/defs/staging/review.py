"""staging: analysts' corrections applied to what the extractor read, on every refresh (where something changed).

staging.indicator_mentions keeps the extractor's reading with a review_status; staging.reviewed_mentions
is what facts are built from. A malformed corrections file fails this step (naming the line), so
nothing after it runs and BI keeps the previous warehouse.
"""
import dagster as dg

from indicators_pipeline.curation.corrections import CorrectionsFileError, load
from indicators_pipeline.curation.incremental import review
from indicators_pipeline.defs.curation import CORRECTIONS, Curation
from indicators_pipeline.defs.metadata import stored_table_metadata
from indicators_pipeline.defs.resources import Warehouse
from indicators_pipeline.defs.sources import observe_file
from indicators_pipeline.defs.specs import key, table_spec
from indicators_pipeline.warehouse import tables
from indicators_pipeline.warehouse.store import read_table


@dg.multi_asset(specs=[table_spec(tables.REVIEWED_MENTIONS, deps=[tables.MENTIONS, tables.ARTICLES])
                       .merge_attributes(deps=[CORRECTIONS]),
                       table_spec(tables.CORRECTIONS_APPLIED, deps=[tables.MENTIONS]).merge_attributes(deps=[CORRECTIONS])])
def reviewed_mentions(context: dg.AssetExecutionContext, warehouse: Warehouse, curation: Curation):
    """The extractor's mentions with the analysts' decisions applied; every decision's outcome beside them."""
    path = curation.corrections_path
    try:
        corrections = load(path)
    except CorrectionsFileError as error:
        raise dg.Failure(description=f"{error}. Fix that line; the published warehouse is left as it was.",
                         metadata={"corrections_file": dg.MetadataValue.path(str(path))}) from None
    minimum = curation.minimum_confidence
    with warehouse.connect() as con:
        done = review(con, corrections, minimum)  # only what changed since the last review (a full pass when no state)
        counts = dict(con.execute("SELECT review_status, count(*) FROM staging.reviewed_mentions GROUP BY 1").fetchall())
        rejected, = con.execute("SELECT count(*) FROM staging.indicator_mentions WHERE review_status = 'rejected'").fetchall()[0]
        n_held, = con.execute("SELECT count(*) FROM staging.reviewed_mentions WHERE held").fetchall()[0]
        reviewed_metadata = stored_table_metadata(
            con, tables.REVIEWED_MENTIONS, ["source_path", "indicator_code", "value", "province_name", "year", "review_status"],
            "mention_id",
            **{f"mentions_{status}": int(counts.get(status, 0)) for status in ("unreviewed", "accepted", "corrected", "added")},
            mentions_rejected=int(rejected), mentions_held=int(n_held), min_confidence=minimum,
            review_pass="full" if done.full else "changes only", articles_reviewed=done.articles_reviewed,
            articles_changed=done.articles_changed, corrections_changed=done.corrections_changed)
        applied_metadata = stored_table_metadata(
            con, tables.CORRECTIONS_APPLIED, ["line", "action", "indicator", "applied", "problem"], "line",
            corrections_file=dg.MetadataValue.path(str(path)), corrections=len(corrections),
            not_applied=len(done.stale), corrections_evaluated=done.corrections_evaluated)
    observe_file(context, CORRECTIONS, path, rows=len(corrections))
    for message in done.stale:
        context.log.warning(f"correction not applied: {message}")
    context.log.info(f"review: {'full pass' if done.full else 'changes only'}; {done.articles_reviewed} articles "
                     f"reviewed ({done.articles_changed} changed), {done.corrections_changed} correction rows changed, "
                     f"{done.corrections_evaluated} applied again, {done.held_changed} held flags changed")
    yield dg.MaterializeResult(asset_key=key(tables.REVIEWED_MENTIONS), metadata=reviewed_metadata)
    yield dg.MaterializeResult(asset_key=key(tables.CORRECTIONS_APPLIED), metadata=applied_metadata)


@dg.asset_check(asset=key(tables.CORRECTIONS_APPLIED), name="every_correction_applies",
                description="Every row of the corrections file matches the figure it names (WARN: a row that matches "
                            "nothing any more — the article was removed or its text changed — needs a look; the other "
                            "corrections still apply).")
def every_correction_applies(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        outcomes = read_table(con, tables.CORRECTIONS_APPLIED)
    stale = outcomes[~outcomes["applied"].astype(bool)] if len(outcomes) else outcomes
    return dg.AssetCheckResult(
        passed=stale.empty, severity=dg.AssetCheckSeverity.WARN,
        metadata={"corrections": len(outcomes), "not_applied": len(stale),
                  "rows_not_applied": dg.MetadataValue.md(
                      "\n".join(f"- line {int(r.line)} ({r.action} {r.indicator}): {r.problem}"
                                for r in stale.itertuples(index=False)) or "_none_")},
    )
