"""The Great Expectations suite over the yearly facts, with Data Docs written to a folder.

Imported only inside the asset check that runs it: great_expectations takes seconds to import,
and loading the definitions (UI start, every run) must not pay for it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from indicators_pipeline import reference
from indicators_pipeline.quality.schemas import RANGES

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # the pipeline runs where there is no network

import great_expectations as gx  # noqa: E402  (after the analytics switch)
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402

from indicators_pipeline.quality import docs_views  # noqa: E402  (imports great_expectations)


@dataclass
class SuiteOutcome:
    success: bool
    evaluated: int
    successful: int
    failed: int
    failed_names: list[str] = field(default_factory=list)
    docs_path: Path | None = None


def _prepared(facts: pd.DataFrame) -> pd.DataFrame:
    """One value column per unit, so each range is a plain between-expectation."""
    frame = facts.copy()
    frame["value"] = frame["value"].astype(float)
    for unit in RANGES:
        frame[f"value_{unit}"] = frame["value"].where(frame["unit"] == unit)
    frame["fact_key"] = (frame["province_name"].astype(str) + "|" + frame["province_2025_code"].astype(str) + "|"
                         + frame["year"].astype(str) + "|" + frame["indicator_code"].astype(str) + "|"
                         + frame["is_post_merger"].astype(str))
    return frame


def _expectations() -> list:
    found = [
        gx.expectations.ExpectColumnValuesToNotBeNull(column=column)
        for column in ("province_name", "year", "indicator_code", "value", "unit")
    ]
    found.append(gx.expectations.ExpectColumnValuesToBeInSet(column="indicator_code", value_set=list(reference.indicators())))
    found.append(gx.expectations.ExpectColumnValuesToBeUnique(column="fact_key"))
    found.append(gx.expectations.ExpectColumnValuesToBeBetween(column="year", min_value=2000, max_value=2100))
    for unit, (low, high) in RANGES.items():
        found.append(gx.expectations.ExpectColumnValuesToBeBetween(column=f"value_{unit}", min_value=low, max_value=high))
    return found


_DOCS_SITE = "indicators_quality"


def run_fact_suite(facts: pd.DataFrame, docs_dir: Path) -> SuiteOutcome:
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    docs_dir.mkdir(parents=True, exist_ok=True)
    context.add_data_docs_site(
        site_name=_DOCS_SITE,
        site_config={
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir / "data_docs")},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder", "view": docs_views.INDEX_VIEW},
            "site_section_builders": docs_views.SECTION_BUILDERS,  # GE's views, templates compiled once a process
        },
    )
    batch = (context.data_sources.add_pandas("warehouse")
             .add_dataframe_asset("fact_indicator_yearly")
             .add_batch_definition_whole_dataframe("all_facts"))
    suite = context.suites.add(gx.ExpectationSuite(name="fact_indicator_yearly"))
    for expectation in _expectations():
        suite.add_expectation(expectation)
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(data=batch, suite=suite, name="fact_indicator_yearly_validation"))
    checkpoint = context.checkpoints.add(gx.Checkpoint(
        name="facts_checkpoint", validation_definitions=[validation],
        # only this site: an ephemeral context has a default one too, in a temporary folder of its own
        actions=[gx.checkpoint.UpdateDataDocsAction(name="update_docs", site_names=[_DOCS_SITE])]))
    result = checkpoint.run(batch_parameters={"dataframe": _prepared(facts)})
    run = next(iter(result.run_results.values()))
    failed = [r.expectation_config.type + (f"({r.expectation_config.kwargs.get('column')})" if r.expectation_config.kwargs.get("column") else "")
              for r in run.results if not r.success]
    index = docs_dir / "data_docs" / "index.html"
    return SuiteOutcome(success=bool(result.success), evaluated=len(run.results), successful=len(run.results) - len(failed),
                        failed=len(failed), failed_names=failed, docs_path=index if index.exists() else None)
