"""The suite's Data Docs: written where the quality folder is and nowhere else, the same pages every run."""
from __future__ import annotations

import re
import tempfile
from pathlib import Path

import jinja2
import pandas as pd

from indicators_pipeline.quality.expectations import run_fact_suite
from indicators_pipeline.warehouse import tables
from indicators_pipeline_tests.test_suite_process import _fact


def _facts() -> pd.DataFrame:
    """Two facts, one with a share above 100 % (the percent range fails)."""
    return pd.DataFrame([_fact("Tỉnh Một", 2024, "online_services_total", 215.0, "count"),
                         _fact("Tỉnh Hai", 2023, "online_services_level4_pct", 104.5, "percent")],
                        columns=tables.FACTS.column_names)


def _pages(docs: Path) -> dict[str, str]:
    """Each HTML page of a Data Docs folder, run names, times and ids blanked (they differ run to run)."""
    def blanked(text: str) -> str:
        return re.sub(r"\d{8}T\d{6}\.\d+Z|[0-9a-f]{32}|[0-9a-f-]{36}|\d{4}-\d\d-\d\d[T ][\d:.+]+"
                      r"|'_run_time_sort': [\d.]+", "#", text)
    return {blanked(str(p.relative_to(docs))): blanked(p.read_text(encoding="utf-8"))
            for p in sorted((docs / "data_docs").rglob("*.html"))}


def test_the_suite_leaves_nothing_in_the_temporary_folder(tmp_path, monkeypatch):
    """Great Expectations' ephemeral context has a Data Docs site of its own in a temporary folder: every refresh
    that ran the suite left one there (4 MB) until only the quality folder's site was built."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    outcome = run_fact_suite(_facts(), tmp_path / "quality")
    assert outcome.docs_path == tmp_path / "quality" / "data_docs" / "index.html" and outcome.docs_path.exists()
    assert sorted(p.name for p in temporary.iterdir()) == []


def test_a_second_run_in_one_process_compiles_no_template_and_writes_the_same_pages(tmp_path, monkeypatch):
    first = run_fact_suite(_facts(), tmp_path / "first")
    compiled = []
    real_compile = jinja2.Environment.compile

    def counting_compile(self, source, *args, **kwargs):
        compiled.append(source[:40])
        return real_compile(self, source, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counting_compile)
    second = run_fact_suite(_facts(), tmp_path / "second")
    assert compiled == []
    assert (first.success, first.failed_names) == (second.success, second.failed_names) == \
           (False, ["expect_column_values_to_be_between(value_percent)"])
    pages = _pages(tmp_path / "second")
    assert pages == _pages(tmp_path / "first") and len(pages) >= 3  # the index, the suite, the validation result
    assert any("value_percent" in page for page in pages.values())
