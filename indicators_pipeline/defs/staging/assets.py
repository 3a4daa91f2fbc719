"""staging: articles to indicator mentions (facts) and targets, parsing only what changed."""
import dagster as dg
import pandas as pd

from indicators_pipeline.defs.metadata import stored_coverage, stored_table_metadata
from indicators_pipeline.defs.resources import Warehouse
from indicators_pipeline.defs.specs import key, table_spec
from indicators_pipeline.extraction.mentions import EXTRACTOR_VERSION
from indicators_pipeline.extraction.records import SIGNATURE_COLUMNS, extract
from indicators_pipeline.warehouse import tables
from indicators_pipeline.warehouse.store import (
    RowChanges,
    apply_changes,
    empty_frame,
    read_rows,
    read_table,
    replace_rows,
    transaction,
)

_PREVIEW = ["source_path", "indicator_code", "value", "qualifier", "province_name", "year", "evidence"]
_ORDER = "source_path, char_start"


@dg.multi_asset(specs=[table_spec(tables.MENTIONS, deps=[tables.ARTICLES]),
                       table_spec(tables.TARGETS, deps=[tables.ARTICLES])])
def indicator_mentions(context: dg.AssetExecutionContext, warehouse: Warehouse):
    """An article whose text and extractor version are unchanged keeps its mentions unparsed."""
    with warehouse.connect() as con:
        def store_batch(article_ids: list[str], mentions: pd.DataFrame, targets: pd.DataFrame) -> None:
            with transaction(con):  # one batch at a time: memory stays flat; BI reads only the published file
                replace_rows(con, tables.MENTIONS, "article_id", article_ids, mentions)
                replace_rows(con, tables.TARGETS, "article_id", article_ids, targets)

        result = extract(read_table(con, tables.ARTICLES, SIGNATURE_COLUMNS),
                         read_table(con, tables.PARSED_ARTICLES),
                         lambda ids: read_rows(con, tables.ARTICLES, "article_id", ids), on_rows=store_batch)
        with transaction(con):
            paths = read_table(con, tables.ARTICLES, ["article_id", "source_path"])  # a renamed file keeps its mentions
            current, nothing = pd.Series(result.current_ids, dtype="object"), pd.Series([], dtype="object")
            apply_changes(
                con,
                [RowChanges(table, "article_id", keep=current, insert=empty_frame(table), replaced_keys=nothing,
                            refresh=paths) for table in (tables.MENTIONS, tables.TARGETS)],
                replaced={tables.PARSED_ARTICLES: result.parsed},
            )
        mentions_metadata = stored_table_metadata(
            con, tables.MENTIONS, _PREVIEW, _ORDER, extractor_version=EXTRACTOR_VERSION,
            articles_parsed=result.stats["parsed"], articles_reused=result.stats["reused"],
            indicators=int(con.execute("SELECT count(DISTINCT indicator_code) FROM staging.indicator_mentions").fetchall()[0][0]),
            **stored_coverage(con, tables.MENTIONS),
        )
        targets_metadata = stored_table_metadata(con, tables.TARGETS, _PREVIEW, _ORDER)
    context.log.info(f"extraction: {result.stats}")
    yield dg.MaterializeResult(asset_key=key(tables.MENTIONS), metadata=mentions_metadata)
    yield dg.MaterializeResult(asset_key=key(tables.TARGETS), metadata=targets_metadata)
