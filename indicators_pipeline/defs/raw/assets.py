"""raw: every file of the raw folder to articles, or to a rejected-file row with its reason."""
import dagster as dg

from indicators_pipeline.defs.metadata import stored_table_metadata, table_metadata
from indicators_pipeline.defs.resources import RawFolder, Warehouse
from indicators_pipeline.defs.sources import RAW_FOLDER, observe_file
from indicators_pipeline.defs.specs import key, table_spec
from indicators_pipeline.ingest.article import INGEST_VERSION
from indicators_pipeline.ingest.folder import ingest
from indicators_pipeline.progress import Progress, tracking
from indicators_pipeline.quality import suite_process
from indicators_pipeline.warehouse import tables
from indicators_pipeline.warehouse.store import (
    RowChanges,
    apply_changes,
    read_table,
    replace_rows,
    table_exists,
    transaction,
)


@dg.multi_asset(specs=[table_spec(tables.ARTICLES, code_version=INGEST_VERSION).merge_attributes(deps=[RAW_FOLDER]),
                       table_spec(tables.REJECTED_FILES, code_version=INGEST_VERSION).merge_attributes(deps=[RAW_FOLDER])])
def raw_articles(context: dg.AssetExecutionContext, warehouse: Warehouse, raw_folder: RawFolder):
    """Read new and changed files only; the rows of unchanged articles stay where they are."""
    with warehouse.connect() as con:
        stored = read_table(con, tables.ARTICLES, ["article_id", "content_sha256"])
        known = dict(zip(stored["article_id"], stored["content_sha256"]))
        def store_batch(rows) -> None:
            with transaction(con):  # one batch at a time: memory stays flat; BI reads only the published file
                replace_rows(con, tables.ARTICLES, "article_id", list(rows["article_id"]), rows)

        def begin_suite(files_to_read: int) -> None:
            # the facts may change: the suite's process imports great_expectations while the files are read
            if 0 < files_to_read <= suite_process.BEGIN_EARLY_UP_TO and suite_process.worth_a_process():
                suite_process.begin(warehouse.quality_path)

        with tracking(Progress("reading files", unit="files", on_log=context.log.info)):  # a bar on a terminal too
            result = ingest(raw_folder.resolved, read_table(con, tables.FILE_INVENTORY), known, on_new_articles=store_batch,
                            link_targets=raw_folder.resolved_link_targets, on_files_to_read=begin_suite)
        if result.changed or not table_exists(con, tables.ARTICLES):
            with transaction(con):
                apply_changes(
                    con,
                    [RowChanges(tables.ARTICLES, "article_id", keep=result.article_index["article_id"],
                                insert=result.new_articles, refresh=result.article_index)],
                    replaced={tables.REJECTED_FILES: result.rejected, tables.FILE_INVENTORY: result.inventory},
                )
        stats = result.stats
        if result.changed and stats["read"] == 0 and suite_process.worth_a_process():
            suite_process.begin(warehouse.quality_path)  # files removed only: the facts may change too
        provinces = con.execute("SELECT count(DISTINCT province_name) FROM raw.articles").fetchall()[0][0]
        articles_metadata = stored_table_metadata(
            con, tables.ARTICLES, ["article_id", "source_path", "published_date", "province_name", "title"], "source_path",
            raw_dir=str(raw_folder.resolved), files_seen=stats["files"], files_read=stats["read"],
            new_files=stats["new"], changed_files=stats["changed"], removed_files=stats["removed"],
            new_articles=stats["new_articles"], removed_articles=stats["removed_articles"],
            duplicates=stats["duplicates"], rejected_files=stats["rejected"], provinces=int(provinces),
            summary=dg.MetadataValue.text(
                "nothing changed" if not result.changed
                else f"{stats['new']} new, {stats['changed']} changed, {stats['removed']} removed files"),
        )
    context.log.info(f"raw folder {raw_folder.resolved}: {stats}")
    observe_file(context, RAW_FOLDER, raw_folder.resolved, files=stats["files"])
    for rejected in result.rejected.itertuples(index=False):  # every file left out is named, with its reason
        context.log.warning(f"not ingested: {rejected.source_path}: {rejected.reason}")
    yield dg.MaterializeResult(asset_key=key(tables.ARTICLES), metadata=articles_metadata)
    yield dg.MaterializeResult(asset_key=key(tables.REJECTED_FILES),
                               metadata=table_metadata(tables.REJECTED_FILES, result.rejected))
