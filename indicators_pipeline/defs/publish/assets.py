"""publish: the finished working database becomes the file BI reads, atomically."""

import dagster as dg

from indicators_pipeline.defs.resources import Warehouse
from indicators_pipeline.defs.specs import OWNERS, key
from indicators_pipeline.warehouse import tables

# Tables with an asset of their own; the incremental state tables ride along with raw and staging.
_TABLES = [t for t in tables.ALL_TABLES if t not in (tables.FILE_INVENTORY, tables.PARSED_ARTICLES)]


@dg.asset(
    key=["publish", "indicators_duckdb"],
    group_name="publish",
    kinds={"duckdb"},
    owners=OWNERS,
    deps=[key(t) for t in _TABLES] + [dg.AssetKey(["marts", "bi_views"])],
    description="Copies the working database to a new file (explicit storage version) and renames it over "
                "INDICATORS_WAREHOUSE: readers never see a half-written refresh, nor a lock error.",
)
def published_warehouse(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    publication = warehouse.publish()
    context.log.info(f"published {publication.path} ({publication.byte_size} bytes)")
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(publication.path)),
        "published_at": dg.MetadataValue.timestamp(publication.published_at),
        "byte_size": publication.byte_size,
        "tables": publication.tables,
        "storage_version": publication.storage_version,
    })
