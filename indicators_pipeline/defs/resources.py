"""The warehouse and the raw folder, as resources: settings come from the environment at launch."""

import contextlib
import os
from pathlib import Path
from typing import Iterator, Optional

import dagster as dg
import duckdb
from pydantic import PrivateAttr

from indicators_pipeline import run_history, settings
from indicators_pipeline.warehouse import memory, refresh_lock, tables, working_db
from indicators_pipeline.warehouse.publish import STORAGE_VERSION, Publication, Publisher
from indicators_pipeline.warehouse.store import upgrade_tables


class Warehouse(dg.ConfigurableResource):
    """The published DuckDB file BI reads (INDICATORS_WAREHOUSE) and the working database beside it.

    Assets write only the working database; the publish asset replaces the published file whole.
    A run holds the refresh lock from its first step to its last (setup to teardown of this
    resource: steps run in one process), so two refreshes queue instead of interleaving; once it
    holds it, a damaged working database is set aside and rebuilt, and dead refresh runs are failed.
    """

    path: Optional[str] = None  # default: INDICATORS_WAREHOUSE, else data/warehouse/indicators.duckdb
    quality_dir: Optional[str] = None  # default: INDICATORS_QUALITY_DIR, else data/quality
    storage_version: str = STORAGE_VERSION
    # DuckDB's buffer pool defaults to 80 % of RAM; a refresh should leave the machine to BI readers and stay
    # under 1 GB with 100,000 articles (issue 22), frames and imports included: what does not fit spills to
    # temp_directory (by default beside the working database).
    memory_limit: str = "256MB"
    temp_directory: Optional[str] = None  # default: <working database>.spill, beside it
    # The publish copy streams table by table and needs little: at 100,000 articles it held 830 MB with
    # 768MB, 340 MB with 256MB and 210 MB with 128MB, 2 s slower (of 11 s).
    publish_memory_limit: str = "128MB"
    # The parsing step holds a batch of articles and writes their mentions (checkpointed as it goes): DuckDB needs
    # little there, and the parsing workers need the rest. At 100,000 articles the process held ~845 MB at the end
    # of parsing with 256MB, ~745 MB with 128MB, as fast. (The facts at 192MB, the findings at 128MB, run out of
    # memory at 100,000 articles: the other steps keep memory_limit.)
    parsing_memory_limit: str = "128MB"
    # DuckDB's threads (default: one per core). The same input publishes the same warehouse with any number (issue 22).
    threads: Optional[int] = None
    lock_timeout_seconds: Optional[float] = None  # default: INDICATORS_REFRESH_LOCK_TIMEOUT, else 3600

    _holds_lock: bool = PrivateAttr(default=False)
    _set_aside: Optional[str] = PrivateAttr(default=None)
    _set_aside_reason: Optional[str] = PrivateAttr(default=None)
    _failed_runs: list = PrivateAttr(default_factory=list)
    _upgraded: bool = PrivateAttr(default=False)  # the contract's columns added once a run, not at every connect
    _database: Optional[duckdb.DuckDBPyConnection] = PrivateAttr(default=None)  # kept open by a run (connect())

    @property
    def published_path(self) -> Path:
        return settings.warehouse_path(self.path)

    @property
    def working_path(self) -> Path:
        published = self.published_path
        return published.with_name(f"{published.stem}.work{published.suffix}")

    @property
    def lock_path(self) -> Path:
        return refresh_lock.lock_path(self.working_path)

    @property
    def quality_path(self) -> Path:
        return settings.quality_dir(self.quality_dir)

    @property
    def set_aside(self) -> Optional[tuple[str, str]]:
        """(where a damaged working database went, why) when this run set one aside."""
        return (self._set_aside, self._set_aside_reason or "") if self._set_aside else None

    @property
    def failed_runs(self) -> list:
        return list(self._failed_runs)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        timeout = self.lock_timeout_seconds if self.lock_timeout_seconds is not None else settings.refresh_lock_timeout()
        log = context.log
        run_id = context.run.run_id if context.run is not None else None
        run_history.tag_run(context.instance, run_id)

        def waiting(holder: refresh_lock.Holder) -> None:
            if log is not None:
                log.warning(f"waiting for another refresh to finish ({holder.describe()}); "
                            f"giving up after {timeout:.0f} s (INDICATORS_REFRESH_LOCK_TIMEOUT)")

        refresh_lock.acquire(self.lock_path, timeout, label=f"run {run_id}", on_wait=waiting)
        self._holds_lock = True
        self._upgraded = False
        try:
            self._failed_runs = run_history.fail_dead_runs(context.instance, run_id)
            if self._failed_runs and log is not None:
                log.warning(f"marked failed refresh runs whose process is gone: {', '.join(self._failed_runs)}")
            moved, reason = working_db.heal(self.working_path, self._config())
            if moved is not None:
                self._set_aside, self._set_aside_reason = str(moved), reason
                if log is not None:
                    log.warning(f"the working database could not be used ({reason}); set aside as {moved}; "
                                f"it is rebuilt from the raw folder by this run")
        except BaseException:
            self.teardown_after_execution(context)
            raise

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        try:
            self.close_database()  # before the lock goes: the next run finds the file written out
        finally:
            if self._holds_lock:
                self._holds_lock = False
                refresh_lock.release(self.lock_path)

    def _config(self) -> dict:
        return {"memory_limit": self.memory_limit, "temp_directory": str(self.spill_path),
                **({"threads": self.threads} if self.threads else {})}

    @property
    def spill_path(self) -> Path:
        """Where DuckDB spills what does not fit in memory_limit (sorts, joins, large inserts, the publish copy)."""
        return Path(self.temp_directory) if self.temp_directory else self.working_path.with_name(self.working_path.name + ".spill")

    @contextlib.contextmanager
    def connect(self, memory_limit: Optional[str] = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to the working database (verified when the run took the refresh lock); memory_limit: DuckDB's
        for this step only (default: the warehouse's), the warehouse's again when it returns.

        While the run holds the lock, every step's connection is a cursor of one database the run keeps open
        until it publishes: opening DuckDB costs ~20 ms (its catalogue of built-in functions is made anew each
        time), ~16 times a refresh, and each step's close wrote its changes out again (a checkpoint). A step
        that fails drops that database, so the next step opens the file afresh."""
        self.working_path.parent.mkdir(parents=True, exist_ok=True)
        memory.give_back()  # what the previous step left (its frames die when it returns, after its connection closed)
        if self._holds_lock:
            if self._database is None:
                self._database = working_db.connect(self.working_path, self._config())
            con = self._database.cursor()
        else:  # outside a run (a script, a test): a database of its own
            con = working_db.connect(self.working_path, self._config())
        failed = True
        try:
            if memory_limit is not None:
                try:
                    con.execute(f"SET memory_limit = '{memory_limit}'")
                except duckdb.Error:  # DuckDB refuses a limit below what it holds: the step runs under the warehouse's
                    pass
            if not self._upgraded:  # a warehouse of an older release keeps its rows
                upgrade_tables(con, tables.ALL_TABLES)
                self._upgraded = True
            yield con
            failed = False
        finally:
            try:
                con.close()
            finally:
                if failed:
                    self.close_database()
                else:
                    self._release_buffers()
                memory.give_back()  # the step's frames (and DuckDB's buffers): back to the system before the next step

    def _release_buffers(self) -> None:
        """Evict what the kept database caches of the blocks a step read (up to memory_limit): the next step reads
        what it needs again, from the system's file cache, and the run's memory between steps stays what it was with
        one database a step (issue 22: 100,000 articles under 1 GB)."""
        if self._database is not None:
            try:
                self._database.execute("SET memory_limit = '1MB'")
            except duckdb.Error:  # what cannot be evicted stays (DuckDB refuses a limit below what it must hold)
                pass
            finally:
                self._database.execute(f"SET memory_limit = '{self.memory_limit}'")

    def close_database(self) -> None:
        """Close the database the run kept open: its changes written out (a checkpoint), the file free for the
        publication to read and for anyone after the run."""
        database, self._database = self._database, None
        if database is not None:
            database.close()
            memory.give_back()  # DuckDB's buffers

    @contextlib.contextmanager
    def publisher(self) -> Iterator[Publisher]:
        """A publication of the working database: what it holds (content()), then publish(publisher)."""
        self.close_database()  # the publication reads the file, checkpointed, in a database of its own
        try:
            with Publisher(self.working_path, self.published_path, self.storage_version, self.publish_memory_limit,
                           temp_directory=self.spill_path) as publisher:
                yield publisher
        finally:
            memory.give_back()

    def publish(self, publisher: Publisher) -> Publication:
        working_db.forget_verified(self.working_path)
        publication = publisher.publish()
        working_db.mark_verified(self.working_path)  # the copy read every block: the next run need not
        return publication


class RawFolder(dg.ConfigurableResource):
    """The folder of raw articles (INDICATORS_RAW_DIR), read at any depth."""

    path: Optional[str] = None  # default: INDICATORS_RAW_DIR, else data/raw
    link_targets: Optional[str] = None  # default: INDICATORS_LINK_TARGETS, else none

    @property
    def resolved(self) -> Path:
        return settings.raw_dir(self.path)

    @property
    def resolved_link_targets(self) -> tuple[Path, ...]:
        return settings.link_targets(self.link_targets)


def setting(variable: str, default: str):
    """A resource field that shows in the UI the setting it reads: the variable when set (resolved at launch), else the default."""
    return dg.EnvVar(variable) if os.environ.get(variable) else default


@dg.definitions
def resources() -> dg.Definitions:
    # One process writes the working database at a time: steps run in the run's own process.
    return dg.Definitions(
        resources={"warehouse": Warehouse(path=setting("INDICATORS_WAREHOUSE", settings.DEFAULT_WAREHOUSE),
                                          quality_dir=setting("INDICATORS_QUALITY_DIR", settings.DEFAULT_QUALITY_DIR)),
                   "raw_folder": RawFolder(path=setting("INDICATORS_RAW_DIR", settings.DEFAULT_RAW_DIR),
                                           link_targets=setting("INDICATORS_LINK_TARGETS", ""))},
        executor=dg.in_process_executor,
    )
