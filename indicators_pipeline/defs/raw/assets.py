"""raw: every file of the raw folder to articles, or to a rejected-file row with its reason."""

import dagster as dg

from indicators_pipeline.defs.metadata import table_metadata
from indicators_pipeline.defs.resources import RawFolder, Warehouse
from indicators_pipeline.defs.specs import key, table_spec
from indicators_pipeline.ingest.folder import ingest
from indicators_pipeline.warehouse import tables
from indicators_pipeline.warehouse.store import read_table, replace_tables


@dg.multi_asset(specs=[table_spec(tables.ARTICLES), table_spec(tables.REJECTED_FILES)])
def raw_articles(context: dg.AssetExecutionContext, warehouse: Warehouse, raw_folder: RawFolder):
    """Read new and changed files only; carry unchanged ones over from the last run."""
    with warehouse.connect() as con:
        result = ingest(raw_folder.resolved, read_table(con, tables.FILE_INVENTORY), read_table(con, tables.ARTICLES))
        replace_tables(con, {tables.ARTICLES: result.articles, tables.REJECTED_FILES: result.rejected,
                             tables.FILE_INVENTORY: result.inventory})
    stats = result.stats
    context.log.info(f"raw folder {raw_folder.resolved}: {stats}")
    yield dg.MaterializeResult(
        asset_key=key(tables.ARTICLES),
        metadata=table_metadata(
            tables.ARTICLES, result.articles, ["article_id", "source_path", "published_date", "province_name", "title"],
            raw_dir=str(raw_folder.resolved), files_seen=stats["files"], files_read=stats["read"],
            new_files=stats["new"], changed_files=stats["changed"], removed_files=stats["removed"],
            new_articles=stats["new_articles"], removed_articles=stats["removed_articles"],
            duplicates=stats["duplicates"], rejected_files=stats["rejected"],
            provinces=int(result.articles["province_name"].nunique()),
            summary=dg.MetadataValue.text(
                "nothing changed" if stats["read"] == 0 and stats["removed"] == 0
                else f"{stats['new']} new, {stats['changed']} changed, {stats['removed']} removed files"),
        ),
    )
    yield dg.MaterializeResult(
        asset_key=key(tables.REJECTED_FILES),
        metadata=table_metadata(tables.REJECTED_FILES, result.rejected),
    )
