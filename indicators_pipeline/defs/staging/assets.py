"""staging: articles to indicator mentions (facts) and targets, parsing only what changed.

One article that breaks the rules' code becomes a row of staging.extraction_errors; a figure that
fails its model (an absurd value, a year after the publication) goes to staging.quarantined_rows.
Neither stops the refresh.
"""
import dagster as dg
import pandas as pd

from indicators_pipeline.defs.metadata import stored_coverage, stored_table_metadata
from indicators_pipeline.defs.resources import Warehouse
from indicators_pipeline.defs.specs import key, table_spec
from indicators_pipeline.extraction.mentions import EXTRACTOR_VERSION
from indicators_pipeline.extraction.records import SIGNATURE_COLUMNS, extract, read_error_rows
from indicators_pipeline.progress import Progress, tracking
from indicators_pipeline.quality.quarantine import screen
from indicators_pipeline.quality.schemas import MentionModel
from indicators_pipeline.warehouse import tables
from indicators_pipeline.warehouse.store import (
    RowChanges,
    apply_changes,
    empty_frame,
    read_rows,
    read_table,
    replace_rows,
    same_rows,
    table_exists,
    transaction,
)

_PREVIEW = ["source_path", "indicator_code", "value", "qualifier", "province_name", "year", "evidence"]
_ORDER = "source_path, char_start"
# Tables kept per article: rows of articles parsed now are replaced, rows of removed articles go.
_PER_ARTICLE = (tables.MENTIONS, tables.TARGETS, tables.EXTRACTION_ERRORS, tables.QUARANTINED_ROWS)


@dg.multi_asset(specs=[table_spec(tables.MENTIONS, deps=[tables.ARTICLES], code_version=EXTRACTOR_VERSION),
                       table_spec(tables.TARGETS, deps=[tables.ARTICLES], code_version=EXTRACTOR_VERSION),
                       table_spec(tables.EXTRACTION_ERRORS, deps=[tables.ARTICLES, tables.REJECTED_FILES]),
                       table_spec(tables.QUARANTINED_ROWS, deps=[tables.ARTICLES])])
def indicator_mentions(context: dg.AssetExecutionContext, warehouse: Warehouse):
    """An article whose text and extractor version are unchanged keeps its mentions unparsed."""
    with warehouse.connect(memory_limit=warehouse.parsing_memory_limit) as con:
        def store_batch(article_ids: list[str], mentions: pd.DataFrame, targets: pd.DataFrame,
                        errors: pd.DataFrame) -> None:
            screened = screen(MentionModel, mentions, tables.MENTIONS, mentions["mention_id"])
            with transaction(con):  # one batch at a time: memory stays flat; BI reads only the published file
                replace_rows(con, tables.MENTIONS, "article_id", article_ids, screened.valid)
                replace_rows(con, tables.TARGETS, "article_id", article_ids, targets)
                replace_rows(con, tables.EXTRACTION_ERRORS, "article_id", article_ids, errors)
                replace_rows(con, tables.QUARANTINED_ROWS, "article_id", article_ids, screened.quarantined)

        def load(ids: list[str]):
            parsing.expect(len(ids))  # the articles to parse: the whole stage, known before the first batch
            return read_rows(con, tables.ARTICLES, "article_id", ids)

        parsed_before = read_table(con, tables.PARSED_ARTICLES)
        with tracking(Progress("parsing articles", unit="articles", on_log=context.log.info)) as parsing:
            result = extract(read_table(con, tables.ARTICLES, SIGNATURE_COLUMNS), parsed_before, load,
                             on_rows=store_batch)
        # A night that parsed nothing, removed nothing and failed to read what it failed to read before writes
        # nothing: an unchanged working file keeps the next refresh's health check to its catalogue (working_db.py).
        read_errors = read_error_rows(read_table(con, tables.FILE_INVENTORY, ["source_path", "reason"]))
        parsed_changed = (bool(result.parsed_ids) or len(result.parsed) != len(parsed_before)
                          or not table_exists(con, tables.PARSED_ARTICLES))
        with transaction(con):
            paths = read_table(con, tables.ARTICLES, ["article_id", "source_path"])  # a renamed file keeps its mentions
            current, nothing = pd.Series(result.current_ids, dtype="object"), pd.Series([], dtype="object")
            apply_changes(
                con,
                [RowChanges(table, "article_id", keep=current, insert=empty_frame(table), replaced_keys=nothing,
                            refresh=paths) for table in _PER_ARTICLE],
                replaced={tables.PARSED_ARTICLES: result.parsed} if parsed_changed else None,
            )
            # Files whose reading raised have no article: their rows are the raw folder's of this run.
            if not same_rows(read_table(con, tables.EXTRACTION_ERRORS, where="stage = 'read'"), read_errors):
                con.execute("DELETE FROM staging.extraction_errors WHERE stage = 'read'")
                replace_rows(con, tables.EXTRACTION_ERRORS, "article_id", [], read_errors)
        errors = read_table(con, tables.EXTRACTION_ERRORS)
        quarantined = read_table(con, tables.QUARANTINED_ROWS, where="source_table = 'staging.indicator_mentions'")
        mentions_metadata = stored_table_metadata(
            con, tables.MENTIONS, _PREVIEW, _ORDER, extractor_version=EXTRACTOR_VERSION,
            articles_parsed=result.stats["parsed"], articles_reused=result.stats["reused"],
            extraction_errors=len(errors), quarantined_mentions=int(quarantined["row_id"].nunique()),
            indicators=int(con.execute("SELECT count(DISTINCT indicator_code) FROM staging.indicator_mentions").fetchall()[0][0]),
            **stored_coverage(con, tables.MENTIONS),
        )
        targets_metadata = stored_table_metadata(con, tables.TARGETS, _PREVIEW, _ORDER)
        errors_metadata = stored_table_metadata(con, tables.EXTRACTION_ERRORS, ["source_path", "stage", "error_class", "message"],
                                                "source_path")
        quarantine_metadata = stored_table_metadata(
            con, tables.QUARANTINED_ROWS, ["source_table", "source_path", "indicator_code", "value", "check_name"],
            "source_table, source_path, row_id")
    for error in errors.itertuples(index=False):
        context.log.warning(f"{error.source_path}: {error.stage} failed ({error.error_class}: {error.message}); "
                            "the article is left out, the refresh goes on")
    if len(quarantined):
        context.log.warning(f"{quarantined['row_id'].nunique()} mentions quarantined (staging.quarantined_rows), e.g. "
                            + "; ".join(f"{r.source_path}: {r.indicator_code} = {r.value} ({r.check_name})"
                                        for r in quarantined.head(3).itertuples(index=False)))
    context.log.info(f"extraction: {result.stats}")
    yield dg.MaterializeResult(asset_key=key(tables.MENTIONS), metadata=mentions_metadata)
    yield dg.MaterializeResult(asset_key=key(tables.TARGETS), metadata=targets_metadata)
    yield dg.MaterializeResult(asset_key=key(tables.EXTRACTION_ERRORS), metadata=errors_metadata)
    yield dg.MaterializeResult(asset_key=key(tables.QUARANTINED_ROWS), metadata=quarantine_metadata)
