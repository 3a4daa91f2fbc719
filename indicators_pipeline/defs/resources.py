"""The warehouse and the raw folder, as resources: settings come from the environment at launch."""

import contextlib
from pathlib import Path
from typing import Iterator, Optional

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from indicators_pipeline import settings
from indicators_pipeline.warehouse import tables
from indicators_pipeline.warehouse.publish import STORAGE_VERSION, Publication, publish
from indicators_pipeline.warehouse.store import upgrade_tables


class Warehouse(dg.ConfigurableResource):
    """The published DuckDB file BI reads (INDICATORS_WAREHOUSE) and the working database beside it.

    Assets write only the working database; the publish asset replaces the published file whole.
    """

    path: Optional[str] = None  # default: INDICATORS_WAREHOUSE, else data/warehouse/indicators.duckdb
    quality_dir: Optional[str] = None  # default: INDICATORS_QUALITY_DIR, else data/quality
    storage_version: str = STORAGE_VERSION
    # DuckDB's buffer pool defaults to 80 % of RAM; a refresh should leave the machine to BI readers.
    memory_limit: str = "768MB"

    @property
    def published_path(self) -> Path:
        return settings.warehouse_path(self.path)

    @property
    def working_path(self) -> Path:
        published = self.published_path
        return published.with_name(f"{published.stem}.work{published.suffix}")

    @property
    def quality_path(self) -> Path:
        return settings.quality_dir(self.quality_dir)

    @contextlib.contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to the working database (dagster-duckdb retries while another run holds it)."""
        self.working_path.parent.mkdir(parents=True, exist_ok=True)
        config = {"memory_limit": self.memory_limit}
        with DuckDBResource(database=str(self.working_path), connection_config=config).get_connection() as con:
            upgrade_tables(con, tables.ALL_TABLES)  # a warehouse of an older release keeps its rows
            yield con

    def publish(self) -> Publication:
        return publish(self.working_path, self.published_path, self.storage_version, self.memory_limit)


class RawFolder(dg.ConfigurableResource):
    """The folder of raw articles (INDICATORS_RAW_DIR), read at any depth."""

    path: Optional[str] = None  # default: INDICATORS_RAW_DIR, else data/raw

    @property
    def resolved(self) -> Path:
        return settings.raw_dir(self.path)


@dg.definitions
def resources() -> dg.Definitions:
    # One process writes the working database at a time: steps run in the run's own process.
    return dg.Definitions(
        resources={"warehouse": Warehouse(), "raw_folder": RawFolder()},
        executor=dg.in_process_executor,
    )
