"""An empty (0-byte) acknowledgements or corrections file means "none", not a refresh failed on its header (issue 22)."""
from __future__ import annotations

from pathlib import Path

import pytest

from indicators_pipeline.curation.corrections import CorrectionsFileError, load
from indicators_pipeline.quality.acknowledgements import read_acknowledgements
from indicators_pipeline_tests.pipeline_runs import failures, materialize_all, query


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\n\n", b"\xef\xbb\xbf \r\n"])
def test_an_empty_curation_file_holds_no_rows(tmp_path: Path, content: bytes):
    path = tmp_path / "file.csv"
    path.write_bytes(content)
    assert read_acknowledgements(path) == []
    assert load(path) == []


def test_a_file_with_rows_but_no_header_still_fails_naming_it(tmp_path: Path):
    path = tmp_path / "file.csv"
    path.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(ValueError, match="header lacks"):
        read_acknowledgements(path)
    with pytest.raises(CorrectionsFileError, match="header lacks"):
        load(path)


def test_a_refresh_with_empty_curation_files_publishes(raw_dir, warehouse_file, tmp_path: Path, monkeypatch):
    acknowledged, corrections = tmp_path / "acknowledged.csv", tmp_path / "corrections.csv"
    acknowledged.write_bytes(b"")
    corrections.write_bytes(b"")
    monkeypatch.setenv("INDICATORS_CORRECTIONS", str(corrections))
    result = materialize_all(raw_dir, warehouse_file, acknowledged=acknowledged)
    assert result.success, failures(result)
    counts = query(warehouse_file, "SELECT (SELECT count(*) FROM staging.corrections_applied) AS corrections, "
                                   "(SELECT count(*) FROM marts.quality_findings WHERE acknowledged) AS acknowledged, "
                                   "(SELECT count(*) FROM marts.fact_indicator_yearly) AS facts").iloc[0]
    assert (counts["corrections"], counts["acknowledged"]) == (0, 0) and counts["facts"] > 0
