"""marts: dimensions, yearly facts, rollups, quality findings and the views BI reads."""

from pathlib import Path

import dagster as dg
import pandas as pd

from indicators_pipeline.defs.curation import ACKNOWLEDGED, Curation
from indicators_pipeline.defs.lineage import FACTS_LINEAGE, ROLLUPS_LINEAGE
from indicators_pipeline.defs.metadata import coverage, stored_table_metadata, table_metadata
from indicators_pipeline.defs.resources import Warehouse
from indicators_pipeline.defs.sources import REFERENCE_FILES, observe_file
from indicators_pipeline.reference import REFERENCE_DIR
from indicators_pipeline.defs.specs import key, table_spec
from indicators_pipeline.defs.unchanged import (INPUTS, PIPELINE_VERSION, combined_inputs, holds_last_output,
                                                 inputs_fingerprint, last_materialization)
from indicators_pipeline.marts import dimensions, views
from indicators_pipeline.marts.facts import STEP as FACTS_STEP, facts_from, key_state, merged_facts
from indicators_pipeline.marts.rollups import build_rollups
from indicators_pipeline.quality.quarantine import Screened, screen
from indicators_pipeline.quality.acknowledgements import read_acknowledgements
from indicators_pipeline.quality.findings_table import counts as findings_counts, drop_leftover, reading_order
from indicators_pipeline.quality.incremental_findings import STEP as FINDINGS_STEP, write_quality_findings
from indicators_pipeline.quality.rules import correction_findings, set_aside_findings
from indicators_pipeline.quality import suite_process, suite_state
from indicators_pipeline.quality.schemas import FactModel, RollupModel
from indicators_pipeline.warehouse import article_state, fingerprint, tables
from indicators_pipeline.warehouse.store import read_table, replace_tables, row_count, table_exists


@dg.multi_asset(specs=[table_spec(tables.DIM_PROVINCE).merge_attributes(deps=[REFERENCE_FILES["provinces"]]),
                       table_spec(tables.DIM_PROVINCE_2025).merge_attributes(deps=[REFERENCE_FILES["provinces_2025"]]),
                       table_spec(tables.DIM_INDICATOR).merge_attributes(deps=[REFERENCE_FILES["indicators"]])])
def dimension_tables(context: dg.AssetExecutionContext, warehouse: Warehouse):
    """The checked-in catalogue and province lists, as star-schema dimensions."""
    frames = {tables.DIM_PROVINCE: dimensions.dim_province(), tables.DIM_PROVINCE_2025: dimensions.dim_province_2025(),
              tables.DIM_INDICATOR: dimensions.dim_indicator()}
    inputs = combined_inputs()  # the reference files are part of the code version
    with warehouse.connect() as con:
        # Unchanged dimensions are not written again: a night that writes nothing keeps the working database's
        # quick health check quick (it reads every block only when the file changed since it was last read whole).
        kept = {table: last_materialization(context.instance, key(table), inputs, fingerprint.table_fingerprint(
            con, table.name)) for table in frames}
        if None in kept.values():
            replace_tables(con, frames)
        outputs = {table: fingerprint.table_fingerprint(con, table.name) for table in frames}
    for name, frame in zip(REFERENCE_FILES, (frames[tables.DIM_INDICATOR], frames[tables.DIM_PROVINCE],
                                              frames[tables.DIM_PROVINCE_2025])):
        observe_file(context, REFERENCE_FILES[name], REFERENCE_DIR / f"{name}.csv", rows=len(frame))
    for table, frame in frames.items():
        metadata = kept[table] if None not in kept.values() else {**table_metadata(table, frame), INPUTS: inputs}
        yield dg.MaterializeResult(asset_key=key(table), metadata=metadata, data_version=dg.DataVersion(outputs[table]))


def _fact_ids(facts: pd.DataFrame) -> pd.Series:
    return (facts["province_name"].astype(str) + "|" + facts["year"].astype(str) + "|" + facts["indicator_code"].astype(str)
            + "|" + facts["is_post_merger"].map({True: "post-merger", False: ""}).fillna(""))


def _rollup_ids(rollups: pd.DataFrame) -> pd.Series:
    return (rollups["grouping"].astype(str) + "|" + rollups["group_name"].astype(str) + "|" + rollups["year"].astype(str)
            + "|" + rollups["indicator_code"].astype(str))


def _output(con, table: tables.Table) -> str:
    """What a mart step leaves in the warehouse: its table and the rows of it it quarantined."""
    return fingerprint.combined(fingerprint.table_fingerprint(con, table.name), fingerprint.table_fingerprint(
        con, tables.QUARANTINED_ROWS.name, where=f"source_table = '{table.name}'"))


def _unchanged(context: dg.AssetExecutionContext, con, table: tables.Table, inputs: str) -> dg.MaterializeResult | None:
    """The table's last materialization said again, when its inputs and its rows are what they were then
    (its metadata says since when; no log line: each is one more write to the instance)."""
    output = _output(con, table)
    kept = last_materialization(context.instance, key(table), inputs, output)
    if kept is None:
        return None
    return dg.MaterializeResult(asset_key=key(table), metadata=kept, data_version=dg.DataVersion(output))


@dg.multi_asset(specs=[table_spec(tables.FACTS, deps=[tables.REVIEWED_MENTIONS], code_version=PIPELINE_VERSION)])
def fact_indicator_yearly(context: dg.AssetExecutionContext, warehouse: Warehouse):
    """One value per province x year x indicator; disagreeing sources are flagged, not hidden.

    A fact that fails its model goes to staging.quarantined_rows and stays out of the rollups.
    """
    with warehouse.connect() as con:
        inputs = inputs_fingerprint(con, [tables.REVIEWED_MENTIONS.name])
        if (kept := _unchanged(context, con, tables.FACTS, inputs)) is not None:
            suite_process.release(warehouse.quality_path)  # begun by the raw step: no facts for it to check
            return kept
        try:
            held_figures = int(con.execute(
                f"SELECT count(*) FROM {tables.REVIEWED_MENTIONS.name} WHERE held").fetchall()[0][0])
            incremental = holds_last_output(context.instance, key(tables.FACTS), _output(con, tables.FACTS))
            screened, state, keys_computed = _screened_facts(con, incremental)
            replace_tables(con, {tables.FACTS: screened.valid},
                           quarantine=(tables.QUARANTINED_ROWS, tables.FACTS, screened.quarantined))
            article_state.store(con, FACTS_STEP, state)  # with the facts it describes, before the step ends
            output = _output(con, tables.FACTS)
            facts_now = fingerprint.table_fingerprint(con, tables.FACTS.name)
            # facts the suite has not seen, in a process that would import great_expectations: begin it beside us,
            # or, after a large full pass, once the findings step (the refresh's largest in memory) has ended
            if suite_state.reusable(warehouse.quality_path, facts_now) is None and suite_process.worth_a_process():
                large = keys_computed is None and \
                    row_count(con, tables.REVIEWED_MENTIONS) >= suite_process.DEFER_FROM_MENTIONS
                suite_process.start(con, tables.FACTS.name, tables.FACTS.column_names, warehouse.quality_path,
                                    facts_now, defer=large)
            else:
                suite_process.release(warehouse.quality_path)
        except BaseException:
            suite_process.release(warehouse.quality_path)  # a begun process is not left waiting for facts
            raise
    facts = screened.valid[tables.FACTS.column_names]
    return dg.MaterializeResult(
        asset_key=key(tables.FACTS), data_version=dg.DataVersion(output),
        metadata=table_metadata(tables.FACTS, facts, ["province_name", "year", "indicator_code", "value", "conflict"],
                                **{"dagster/column_lineage": FACTS_LINEAGE, INPUTS: inputs},
                                conflicts=int(facts["conflict"].astype(bool).sum()),
                                reviewed_facts=int(facts["reviewed"].astype(bool).sum()),
                                unreviewed_facts=int((~facts["reviewed"].astype(bool)).sum()),
                                figures_waiting_for_review=held_figures,
                                quarantined_facts=int(screened.quarantined["row_id"].nunique()),
                                fact_keys_computed_again="all" if keys_computed is None else keys_computed,
                                **coverage(facts)),
    )


def _screened_facts(con, incremental: bool) -> tuple[Screened, str, int | None]:
    """(the facts screened by their model, the temp table of the key state to store with them, the keys computed
    again: None for all). incremental: the facts table holds what the last computation by this code wrote; then
    only the keys whose mentions changed are computed, when nothing of the facts was set aside (a full pass would
    set aside exactly what it did then)."""
    state = key_state(con, tables.REVIEWED_MENTIONS.name)
    set_aside = con.execute(f"SELECT count(*) FROM {tables.QUARANTINED_ROWS.name} WHERE source_table = ?",
                            [tables.FACTS.name]).fetchall()[0][0] if table_exists(con, tables.QUARANTINED_ROWS) else 0
    changes = article_state.changes(con, FACTS_STEP, state) if incremental and not set_aside else None
    if changes is not None:
        fresh = _screened(facts_from(con, tables.REVIEWED_MENTIONS.name, only_keys=changes.changed))
        if fresh.quarantined.empty and fresh.table_failures.empty:
            merged = merged_facts(con, tables.FACTS.name, fresh.valid, changes.changed)
            if not merged.duplicated(FactModel.Config.unique).any():  # else the full pass quarantines them
                return Screened(merged, fresh.quarantined, fresh.table_failures), state, changes.count
    return _screened(facts_from(con, tables.REVIEWED_MENTIONS.name)), state, None


def _screened(facts: pd.DataFrame) -> Screened:
    """Facts through their model; a set-aside fact names the article of its chosen mention."""
    traced = facts.assign(article_id=facts["source_mention_id"].str.split(":").str[0])
    return screen(FactModel, traced, tables.FACTS, _fact_ids(facts))


@dg.multi_asset(specs=[table_spec(tables.ROLLUPS, deps=[tables.FACTS, tables.DIM_PROVINCE, tables.DIM_PROVINCE_2025],
                                  code_version=PIPELINE_VERSION)])
def rollup_indicator_yearly(context: dg.AssetExecutionContext, warehouse: Warehouse):
    """Counts summed, shares averaged and weighted, ranks only bounded; across 2022 and 2025."""
    with warehouse.connect() as con:
        inputs = inputs_fingerprint(con, [tables.FACTS.name, tables.DIM_PROVINCE.name, tables.DIM_PROVINCE_2025.name])
        if (kept := _unchanged(context, con, tables.ROLLUPS, inputs)) is not None:
            return kept
        rollups = build_rollups(read_table(con, tables.FACTS))
        screened = screen(RollupModel, rollups, tables.ROLLUPS, _rollup_ids(rollups))
        replace_tables(con, {tables.ROLLUPS: screened.valid},
                       quarantine=(tables.QUARANTINED_ROWS, tables.ROLLUPS, screened.quarantined))
        output = _output(con, tables.ROLLUPS)
    return dg.MaterializeResult(
        asset_key=key(tables.ROLLUPS), data_version=dg.DataVersion(output),
        metadata=table_metadata(tables.ROLLUPS, screened.valid, ["year", "indicator_code", "grouping", "group_name",
                                                                  "n_provinces", "value_sum", "value_mean"],
                                **{"dagster/column_lineage": ROLLUPS_LINEAGE, INPUTS: inputs},
                                quarantined_rollups=int(screened.quarantined["row_id"].nunique())),
    )


@dg.multi_asset(specs=[table_spec(tables.QUALITY_FINDINGS, deps=[tables.ARTICLES, tables.REVIEWED_MENTIONS, tables.FACTS,
                                                                  tables.ROLLUPS, tables.EXTRACTION_ERRORS,
                                                                  tables.QUARANTINED_ROWS, tables.CORRECTIONS_APPLIED],
                                  code_version=PIPELINE_VERSION)
                       .merge_attributes(deps=[ACKNOWLEDGED])])
def quality_findings(context: dg.AssetExecutionContext, warehouse: Warehouse, curation: Curation):
    """Every failed consistency rule with its articles, acknowledged ones marked, so BI can filter suspect figures."""
    result = _quality_findings(context, warehouse, curation)  # failed: the check starts a deferred process itself
    suite_process.start_deferred(warehouse.quality_path)  # deferred by the facts step until this memory went back
    return result


def _quality_findings(context: dg.AssetExecutionContext, warehouse: Warehouse, curation: Curation):
    acknowledged_file = curation.acknowledged_path
    acks = read_acknowledgements(acknowledged_file)
    observe_file(context, ACKNOWLEDGED, acknowledged_file, rows=len(acks))
    with warehouse.connect() as con:
        drop_leftover(con)  # of a run killed while writing the findings, also on a night that keeps them
        inputs = inputs_fingerprint(con, _FINDINGS_INPUTS, fingerprint.table_fingerprint(
            con, tables.ARTICLES.name, columns=("article_id", "title")), fingerprint.file_fingerprint(Path(acknowledged_file)))
        if (kept := _unchanged(context, con, tables.QUALITY_FINDINGS, inputs)) is not None:
            return kept
        incremental = holds_last_output(context.instance, key(tables.QUALITY_FINDINGS),
                                        _output(con, tables.QUALITY_FINDINGS))
        computed = write_quality_findings(
            con, tables.REVIEWED_MENTIONS.name, read_table(con, tables.FACTS),
            set_aside_findings(read_table(con, tables.EXTRACTION_ERRORS), read_table(con, tables.QUARANTINED_ROWS)),
            correction_findings(read_table(con, tables.CORRECTIONS_APPLIED)), acks, incremental)
        article_state.store(con, FINDINGS_STEP, computed.state)  # after the findings: a crash between leaves a full pass
        output = _output(con, tables.QUALITY_FINDINGS)
        counted = findings_counts(con)
        metadata = stored_table_metadata(con, tables.QUALITY_FINDINGS,
                                         ["province_name", "year", "rule", "severity", "indicator_codes", "observed",
                                          "detail", "acknowledged"],
                                         order_by=reading_order("severity"),
                                         errors=counted.errors, warnings=counted.warnings,
                                         acknowledged=counted.acknowledged,
                                         stale_acknowledgements=counted.stale_acknowledgements,
                                         acknowledgement_file=dg.MetadataValue.path(str(acknowledged_file)),
                                         acknowledgement_rows=len(acks), **{INPUTS: inputs},
                                         articles_checked_again="all" if computed.articles is None
                                         else computed.articles, conflicts_computed=computed.conflicts)
    return dg.MaterializeResult(asset_key=key(tables.QUALITY_FINDINGS), data_version=dg.DataVersion(output),
                                metadata=metadata)


# What the findings are made of besides the articles' titles and the acknowledgements file.
_FINDINGS_INPUTS = [tables.REVIEWED_MENTIONS.name, tables.FACTS.name, tables.EXTRACTION_ERRORS.name,
                    tables.QUARANTINED_ROWS.name, tables.CORRECTIONS_APPLIED.name]


@dg.asset(key=["marts", "bi_views"], group_name="marts", kinds={"duckdb"}, owners=["team:indicators"],
          deps=[key(tables.FACTS), key(tables.ROLLUPS), key(tables.DIM_INDICATOR), key(tables.DIM_PROVINCE),
                key(tables.QUALITY_FINDINGS), key(tables.MENTIONS)],
          description="Views BI users want: harmonized taxonomy, latest value, province x year wide table.")
def bi_views(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    inputs = combined_inputs()  # the views are code
    with warehouse.connect() as con:
        existing = _view_definitions(con)
        kept = last_materialization(context.instance, context.asset_key, inputs, existing)
        if kept is not None:  # not created again: a night with nothing new writes nothing
            return dg.MaterializeResult(metadata=kept, data_version=dg.DataVersion(existing))
        views.create_views(con)
        output = _view_definitions(con)
    return dg.MaterializeResult(metadata={"views": dg.MetadataValue.md("\n".join(f"- `{v}`" for v in views.VIEW_NAMES)),
                                          INPUTS: inputs}, data_version=dg.DataVersion(output))


def _view_definitions(con) -> str:
    """A fingerprint of every view's name, SQL and comment."""
    return fingerprint.combined(*(f"{row}" for row in con.execute(
        "SELECT schema_name, view_name, sql, comment FROM duckdb_views() WHERE NOT internal ORDER BY 1, 2").fetchall()))
