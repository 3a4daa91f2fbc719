"""staging: analysts' corrections applied to what the extractor read, on every refresh.

staging.indicator_mentions keeps the extractor's reading with a review_status; staging.reviewed_mentions
is what facts are built from. A malformed corrections file fails this step (naming the line), so
nothing after it runs and BI keeps the previous warehouse.
"""
import dagster as dg

from indicators_pipeline.confidence import held
from indicators_pipeline.curation.corrections import CorrectionsFileError, apply, load
from indicators_pipeline.defs.curation import CORRECTIONS, Curation
from indicators_pipeline.defs.metadata import table_metadata
from indicators_pipeline.defs.resources import Warehouse
from indicators_pipeline.defs.sources import observe_file
from indicators_pipeline.defs.specs import key, table_spec
from indicators_pipeline.warehouse import tables
from indicators_pipeline.warehouse.store import read_table, replace_tables, transaction

_ARTICLE_COLUMNS = ["article_id", "title", "source_path", "published_date", "province_name", "reference_year"]


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
    with warehouse.connect() as con:
        mentions = read_table(con, tables.MENTIONS)
        articles = read_table(con, tables.ARTICLES, _ARTICLE_COLUMNS)

        def text_of(article_id: str) -> str:
            return con.execute("SELECT text FROM raw.articles WHERE article_id = ?", [article_id]).fetchall()[0][0]

        applied = apply(corrections, mentions, articles, text_of)
        minimum = curation.minimum_confidence
        applied.reviewed["held"] = held(applied.reviewed, minimum)
        with transaction(con):  # the extractor's rows keep their reading; only their review columns change
            con.execute("UPDATE staging.indicator_mentions SET review_status = 'unreviewed', review_reason = NULL")
            reviewed_now = applied.status[applied.status["review_status"] != "unreviewed"]
            if len(reviewed_now):
                con.register("_review", reviewed_now)
                con.execute("UPDATE staging.indicator_mentions AS m SET review_status = r.review_status, "
                            "review_reason = r.review_reason FROM _review AS r WHERE m.mention_id = r.mention_id")
                con.unregister("_review")
            con.execute("UPDATE staging.indicator_mentions SET held = review_status = 'unreviewed' "
                        "AND coalesce(confidence, 1) < ?", [minimum])
        replace_tables(con, {tables.REVIEWED_MENTIONS: applied.reviewed[tables.REVIEWED_MENTIONS.column_names],
                             tables.CORRECTIONS_APPLIED: applied.outcomes})
    observe_file(context, CORRECTIONS, path, rows=len(corrections))
    counts = applied.reviewed["review_status"].value_counts()
    for message in applied.stale:
        context.log.warning(f"correction not applied: {message}")
    yield dg.MaterializeResult(
        asset_key=key(tables.REVIEWED_MENTIONS),
        metadata=table_metadata(tables.REVIEWED_MENTIONS, applied.reviewed,
                                ["source_path", "indicator_code", "value", "province_name", "year", "review_status"],
                                **{f"mentions_{status}": int(counts.get(status, 0))
                                   for status in ("unreviewed", "accepted", "corrected", "added")},
                                mentions_rejected=int((applied.status["review_status"] == "rejected").sum()),
                                mentions_held=int(applied.reviewed["held"].sum()), min_confidence=minimum))
    yield dg.MaterializeResult(
        asset_key=key(tables.CORRECTIONS_APPLIED),
        metadata=table_metadata(tables.CORRECTIONS_APPLIED, applied.outcomes,
                                ["line", "action", "indicator", "applied", "problem"],
                                corrections_file=dg.MetadataValue.path(str(path)), corrections=len(corrections),
                                not_applied=len(applied.stale)))


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
