"""staging: articles to indicator mentions (facts) and targets, parsing only what changed."""

import dagster as dg

from indicators_pipeline.defs.metadata import coverage, table_metadata
from indicators_pipeline.defs.resources import Warehouse
from indicators_pipeline.defs.specs import key, table_spec
from indicators_pipeline.extraction.mentions import EXTRACTOR_VERSION
from indicators_pipeline.extraction.records import extract
from indicators_pipeline.warehouse import tables
from indicators_pipeline.warehouse.store import read_table, replace_tables

_PREVIEW = ["source_path", "indicator_code", "value", "qualifier", "province_name", "year", "evidence"]


@dg.multi_asset(specs=[table_spec(tables.MENTIONS, deps=[tables.ARTICLES]),
                       table_spec(tables.TARGETS, deps=[tables.ARTICLES])])
def indicator_mentions(context: dg.AssetExecutionContext, warehouse: Warehouse):
    """An article whose text and extractor version are unchanged keeps its mentions unparsed."""
    with warehouse.connect() as con:
        result = extract(read_table(con, tables.ARTICLES), read_table(con, tables.PARSED_ARTICLES),
                         read_table(con, tables.MENTIONS), read_table(con, tables.TARGETS))
        replace_tables(con, {tables.MENTIONS: result.mentions, tables.TARGETS: result.targets,
                             tables.PARSED_ARTICLES: result.parsed})
    context.log.info(f"extraction: {result.stats}")
    yield dg.MaterializeResult(
        asset_key=key(tables.MENTIONS),
        metadata=table_metadata(
            tables.MENTIONS, result.mentions, _PREVIEW, extractor_version=EXTRACTOR_VERSION,
            articles_parsed=result.stats["parsed"], articles_reused=result.stats["reused"],
            indicators=int(result.mentions["indicator_code"].nunique()), **coverage(result.mentions),
        ),
    )
    yield dg.MaterializeResult(asset_key=key(tables.TARGETS),
                               metadata=table_metadata(tables.TARGETS, result.targets, _PREVIEW))
