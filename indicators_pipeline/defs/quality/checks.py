"""Asset checks: pandera schemas (blocking), one check per consistency rule, the GE suite."""

import dagster as dg
import pandas as pd

from indicators_pipeline.defs.metadata import preview, shorten, table_value
from indicators_pipeline.defs.resources import Warehouse
from indicators_pipeline.defs.specs import key
from indicators_pipeline.quality import acknowledgements, rules, suite_process, suite_state
from indicators_pipeline.quality.findings_table import reading_order
from indicators_pipeline.defs.unchanged import (INPUTS, PIPELINE_VERSION, inputs_fingerprint, last_check_metadata,
                                                 last_check_result)
from indicators_pipeline.quality.quarantine import (DEFAULT_MAX_INVALID_SHARE, MIN_INVALID_ROWS_TO_BLOCK,
                                                    max_invalid_share, verdict)
from indicators_pipeline.quality.schemas import FactModel, MentionModel, RollupModel, model_columns, validate_chunks
from indicators_pipeline.warehouse import article_state, fingerprint, tables
from indicators_pipeline.warehouse.store import read_table, table_exists


_CHUNK_VECTORS = 100  # ~200,000 rows per chunk: memory stays flat on a large warehouse


def _schema_check(table: tables.Table, model, unique_key: str | None = None,
                  by_article: bool = False) -> dg.AssetChecksDefinition:
    """by_article: the rows are validated again only for the articles whose rows changed since a clean last
    evaluation by this code (`staging.article_state`); the row count, duplicates and quarantine are the table's."""
    @dg.asset_check(asset=key(table), name=f"{table.name.split('.')[1]}_schema", blocking=True,
                    description=f"pandera {model.__name__}: types, ranges by unit, plausible maxima, catalogue and "
                                f"province membership, uniqueness. Rows that fail are quarantined "
                                f"(staging.quarantined_rows); the check blocks downstream assets only when the table "
                                f"itself is wrong (a column or type) or more than INDICATORS_MAX_INVALID_SHARE "
                                f"(default {DEFAULT_MAX_INVALID_SHARE:.0%}) of its rows, and over "
                                f"{MIN_INVALID_ROWS_TO_BLOCK}, were quarantined.")
    def check(context: dg.AssetCheckExecutionContext, warehouse: Warehouse) -> dg.AssetCheckResult:
        check_key, step = context.check_specs[0].key, f"check:{table.name}"
        with warehouse.connect() as con:
            # the unique key last: article_state's per-article hash would lose a last column an article's rows share
            read = tuple(f'"{c}"' for c in [*(c for c in model_columns(model) if c != unique_key),
                                             *([unique_key] if unique_key else [])])
            set_aside = fingerprint.table_fingerprint(con, tables.QUARANTINED_ROWS.name, if_missing=fingerprint.EMPTY,
                                                      where=f"source_table = '{table.name}'")
            inputs = inputs_fingerprint(con, [], fingerprint.table_fingerprint(con, table.name, columns=read), set_aside,
                                        str(unique_key), str(max_invalid_share()))
            kept = last_check_result(context.instance, check_key, context.run.run_id, inputs)
            if kept is not None:
                return kept
            now = article_state.current(con, step, table.name, read) if by_article else None
            changes = _changed_since_clean(con, last_check_metadata(context.instance, check_key, context.run.run_id),
                                           step, now) if by_article else None
            columns = ", ".join(f'"{c}"' for c in model_columns(model))
            cursor = con.execute(f"SELECT {columns} FROM {table.name}" + (
                f" WHERE article_id IN (SELECT article_id FROM {changes.changed})" if changes else ""))
            failures, validated = validate_chunks(model, _chunks(cursor))
            rows = con.execute(f"SELECT count(*) FROM {table.name}").fetchall()[0][0]
            duplicates = 0
            if unique_key:
                duplicates = con.execute(
                    f'SELECT count(*) - count(DISTINCT "{unique_key}") FROM {table.name}').fetchall()[0][0]
            quarantined = read_table(con, tables.QUARANTINED_ROWS, where=f"source_table = '{table.name}'")
            state = article_state.store(con, step, now) if by_article else None
        outcome = verdict(rows, int(quarantined["row_id"].nunique()), len(failures) + int(duplicates))
        return dg.AssetCheckResult(
            passed=not outcome.blocked,
            severity=dg.AssetCheckSeverity.ERROR if outcome.blocked else dg.AssetCheckSeverity.WARN,
            description=outcome.reason,
            metadata={INPUTS: inputs, "code_version": PIPELINE_VERSION, "rows_checked": rows,
                      "rows_validated": validated, "article_state": state or "", "failure_cases": len(failures),
                      "duplicate_keys": int(duplicates),
                      "quarantined_rows": outcome.quarantined, "quarantined_share": round(outcome.share, 4),
                      "failures": preview(failures.astype(str)) if len(failures) else dg.MetadataValue.md("_none_"),
                      "quarantined": preview(quarantined, ["source_path", "indicator_code", "value", "check_name"])
                      if len(quarantined) else dg.MetadataValue.md("_none_")},
        )

    return check


def _changed_since_clean(con, last: dict, step: str, now: str) -> article_state.Changes | None:
    """The articles to validate again: those changed since the last evaluation, when it was by this code, found
    nothing wrong and stored the state there is now; None (all of them) otherwise."""
    clean = last.get("code_version") == PIPELINE_VERSION and last.get("failure_cases") == 0 \
        and last.get("duplicate_keys") == 0 and last.get("article_state") == article_state.stored_fingerprint(con, step)
    return article_state.changes(con, step, now) if clean else None


def _chunks(cursor):
    """The rows of an executed query as frames of ~200,000 rows, until the result is exhausted."""
    while len(chunk := cursor.fetch_df_chunk(_CHUNK_VECTORS)):
        yield chunk


mentions_schema = _schema_check(tables.MENTIONS, MentionModel, unique_key="mention_id", by_article=True)
facts_schema = _schema_check(tables.FACTS, FactModel)
rollups_schema = _schema_check(tables.ROLLUPS, RollupModel)

_RULE_DOCS = {**rules.RULE_DOCS, acknowledgements.STALE: acknowledgements.STALE_DOC}
_FINDINGS_SHOWN = 50  # rows in a check's table; the count of the rest is said beside it


_TITLE_CHARS = 80  # a headline is recognized by its start; the whole one is in marts.quality_findings


def _findings_table(findings: pd.DataFrame) -> dg.TableMetadataValue:
    """One row per finding with everything needed to act on it (values, tolerance, articles)."""
    titles = findings["source_titles"].map(
        lambda t: "; ".join(shorten(x, _TITLE_CHARS) for x in t.split("; ")) if isinstance(t, str) else t)
    return table_value(findings.assign(source_titles=titles), FINDING_COLUMNS, limit=_FINDINGS_SHOWN)


FINDING_COLUMNS = {"province_name": "province", "year": "year", "indicator_codes": "indicators",
                   "expected": "expected", "observed": "observed", "tolerance": "tolerance",
                   "source_path": "source articles", "source_titles": "titles", "detail": "detail",
                   "acknowledgement": "acknowledged because"}


@dg.multi_asset_check(
    specs=[dg.AssetCheckSpec(name=name, asset=key(tables.QUALITY_FINDINGS), description=doc.describe())
           for name, doc in _RULE_DOCS.items()],
)
def consistency_rules(context: dg.AssetCheckExecutionContext, warehouse: Warehouse):
    """One check per rule: fails when a finding of it is not acknowledged; metadata shows its first findings and
    counts the rest. Each rule's counts and first rows are read in SQL: a rule's findings can be hundreds of MB."""
    with warehouse.connect() as con:
        inputs = inputs_fingerprint(con, [tables.QUALITY_FINDINGS.name])
        kept = [last_check_result(context.instance, spec.key, context.run.run_id, inputs) for spec in context.check_specs]
        if None in kept:
            counts = _counts(con)
            shown = {name: _first_findings(con, name, opened) for name, (_, opened, _) in counts.items()}
    if None not in kept:  # the findings are those every rule's last result was made from
        yield from kept
        return
    for name, doc in _RULE_DOCS.items():
        found, opened, open_errors = counts.get(name, (0, 0, 0))
        severity = dg.AssetCheckSeverity.ERROR if open_errors else dg.AssetCheckSeverity.WARN
        metadata = {INPUTS: inputs, "findings": found, "acknowledged": found - opened,
                    "not_acknowledged": opened, "severity": dg.MetadataValue.text(doc.severity)}
        if found:
            metadata["findings_table"] = _findings_table(shown[name])
            if found > _FINDINGS_SHOWN:
                metadata["not_shown"] = dg.MetadataValue.text(
                    f"{found - _FINDINGS_SHOWN} more in marts.quality_findings WHERE rule = '{name}'")
        first_open = shown[name].head(opened) if found else None
        yield dg.AssetCheckResult(
            check_name=name, asset_key=key(tables.QUALITY_FINDINGS), passed=not opened, severity=severity,
            description=_summary(first_open, opened, found - opened), metadata=metadata)


_OPEN = "NOT coalesce(acknowledged, false)"


def _counts(con) -> dict[str, tuple[int, int, int]]:
    """rule -> (findings, open ones, open errors), for the rules that have findings."""
    if not table_exists(con, tables.QUALITY_FINDINGS):
        return {}
    return {rule: (int(found), int(opened), int(errors)) for rule, found, opened, errors in con.execute(
        f"SELECT rule, count(*), count(*) FILTER ({_OPEN}), count(*) FILTER ({_OPEN} AND severity = ?) "
        f"FROM {tables.QUALITY_FINDINGS.name} GROUP BY rule", [rules.ERROR]).fetchall()}


def _first_findings(con, rule: str, opened: int) -> pd.DataFrame:
    """The first _FINDINGS_SHOWN findings of a rule by place and year, open ones first: what needs a look leads."""
    listed = ", ".join(f'"{c}"' for c in FINDING_COLUMNS)
    order = reading_order()

    def first(where: str, limit: int) -> pd.DataFrame:
        return con.execute(f"SELECT {listed} FROM {tables.QUALITY_FINDINGS.name} WHERE rule = ? AND {where} "
                           f"ORDER BY {order} LIMIT {limit}", [rule]).df()

    shown = first(_OPEN, _FINDINGS_SHOWN)
    if opened < _FINDINGS_SHOWN:  # acknowledged ones after them
        acknowledged = first(f"NOT ({_OPEN})", _FINDINGS_SHOWN - len(shown))
        shown = pd.concat([shown, acknowledged], ignore_index=True) if len(shown) and len(acknowledged) \
            else shown if len(shown) else acknowledged
    return shown


def _summary(first_open: pd.DataFrame | None, opened: int, acknowledged: int) -> str:
    """The first line an engineer reads: how many, where, and what was acknowledged."""
    said = f"; {acknowledged} acknowledged" if acknowledged else ""
    if not opened:
        return f"no open finding{said}"
    places = ", ".join(dict.fromkeys(
        f"{r.province_name or r.source_path} {'' if pd.isna(r.year) else int(r.year)}".strip()
        for r in first_open.head(5).itertuples(index=False)))
    return f"{opened} open: {places}{' …' if opened > 5 else ''}{said}"


@dg.asset_check(asset=key(tables.FACTS), name="great_expectations_suite",
                description="Great Expectations suite over the yearly facts (ranges by unit, not-null, catalogue codes, "
                            "uniqueness); Data Docs under INDICATORS_QUALITY_DIR.",
                # last of its run: the suite's own process (begun by the raw, the facts or the findings step) works
                # meanwhile
                op_tags={"dagster/priority": "-1"})
def great_expectations_suite(warehouse: Warehouse) -> dg.AssetCheckResult:
    """The outcome of the suite over these facts: from its own process, from its last run
    when the facts are unchanged (said so), else run here."""
    with warehouse.connect() as con:
        facts_now = fingerprint.table_fingerprint(con, tables.FACTS.name)
    process = suite_process.wait_for(warehouse.quality_path, facts_now)
    kept = suite_state.reusable(warehouse.quality_path, facts_now)
    ran_in = {}
    if kept is not None and process is not None and process.returncode == 0:
        outcome, ran = kept["outcome"], "run"
        ran_in["ran_in"] = dg.MetadataValue.text("a process of its own, over the facts the facts step exported")
    elif kept is not None:
        outcome, ran = kept["outcome"], f"not run: the facts are unchanged since its run at {kept['checked_at']}"
    else:
        from indicators_pipeline.quality.expectations import run_fact_suite  # GE costs seconds to import: only here

        with warehouse.connect() as con:
            facts = read_table(con, tables.FACTS)
        result = run_fact_suite(facts, warehouse.quality_path)
        suite_state.remember(warehouse.quality_path, facts_now, result)
        outcome, ran = {**result.__dict__, "docs_path": str(result.docs_path) if result.docs_path else None}, "run"
        ran_in["ran_in"] = dg.MetadataValue.text("this step")
        if process is not None and process.returncode != 0:  # its own process failed: said, with its log's end
            ran_in["suite_process_failed"] = dg.MetadataValue.text(
                f"exit {process.returncode}: {process.log_tail[-1000:]}")
    return dg.AssetCheckResult(
        passed=bool(outcome["success"]),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"evaluated": outcome["evaluated"], "successful": outcome["successful"], "failed": outcome["failed"],
                  "failed_expectations": dg.MetadataValue.md("\n".join(f"- {e}" for e in outcome["failed_names"])
                                                             or "_none_"),
                  "data_docs": dg.MetadataValue.path(outcome["docs_path"]) if outcome["docs_path"] else "not written",
                  "suite": dg.MetadataValue.text(ran), "facts_fingerprint": facts_now, **ran_in},
    )
