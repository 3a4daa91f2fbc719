"""The code location loads, names the assets we mean, and stays cheap to load."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import yaml

from indicators_pipeline.definitions import defs

REPO = Path(__file__).resolve().parent.parent


def test_definitions_load_and_asset_keys_are_the_ones_we_publish():
    definitions = defs()
    dg.Definitions.validate_loadable(definitions)
    keys = sorted(k.to_user_string() for k in definitions.resolve_all_asset_keys())
    assert keys == [
        "curation/acknowledged", "curation/corrections",
        "marts/bi_views", "marts/dim_indicator", "marts/dim_province", "marts/dim_province_2025",
        "marts/fact_indicator_yearly", "marts/quality_findings", "marts/rollup_indicator_yearly",
        "publish/indicators_duckdb", "raw/articles", "raw/folder", "raw/rejected_files",
        "reference/indicators", "reference/provinces", "reference/provinces_2025",
        "staging/corrections_applied", "staging/extraction_errors", "staging/indicator_mentions",
        "staging/indicator_targets", "staging/quarantined_rows", "staging/reviewed_mentions",
    ]


def test_every_asset_has_description_owner_group_and_kinds():
    graph = defs().resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description, key
        assert node.owners == ["team:indicators"], key
        assert node.group_name == key.path[0], key
        assert ("duckdb" in node.kinds) if node.is_materializable else node.kinds & {"csv", "file"}, key
        if node.is_materializable:  # the UI links each asset to the code that builds it
            assert "dagster/code_references" in node.metadata, key


def test_inputs_are_external_assets_upstream_of_what_reads_them():
    graph = defs().resolve_asset_graph()
    parents = lambda path: {k.to_user_string() for k in graph.get(dg.AssetKey(path)).parent_keys}
    assert "raw/folder" in parents(["raw", "articles"])
    assert "reference/indicators" in parents(["marts", "dim_indicator"])
    assert {"curation/acknowledged", "raw/articles"} <= parents(["marts", "quality_findings"])
    assert not graph.get(dg.AssetKey(["raw", "folder"])).is_materializable


def test_every_consistency_check_states_its_formula_tolerance_and_severity():
    graph = defs().resolve_asset_graph()
    checks = [graph.get_check_spec(k) for k in graph.asset_check_keys
              if k.asset_key == dg.AssetKey(["marts", "quality_findings"])]
    assert {"article_not_read", "row_quarantined", "acknowledgement_matches", "sources_agree"} <= {c.name for c in checks}
    for check in checks:
        assert all(word in check.description for word in ("Formula:", "Tolerance:", "Severity:")), check.name


def test_the_code_location_loads_without_a_warning(tmp_path):
    """What `make dev` loads (workspace.yaml), loaded by Dagster's own command: no warning, the location's name."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    dagster = Path(sys.executable).parent / "dagster"
    out = subprocess.run([str(dagster), "definitions", "validate", "-w", "workspace.yaml"], capture_output=True, text=True,
                         cwd=REPO, env={**os.environ, "DAGSTER_HOME": str(home)}, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    lines = (out.stdout + out.stderr).splitlines()
    # The validate command itself is superseded (its own warning, not ours): every other line is information.
    ours = [l for l in lines if ("WARNING" in l or "Warning" in l) and "definitions_validate_command" not in l]
    assert ours == [], "\n".join(ours[:5])
    assert any("code location indicators_pipeline" in l for l in lines), lines[-5:]


def test_workspace_points_at_the_definitions_module():
    workspace = yaml.safe_load((REPO / "workspace.yaml").read_text())
    module = workspace["load_from"][0]["python_module"]
    assert module["module_name"] == "indicators_pipeline.definitions"
    assert module["location_name"] == "indicators_pipeline"


def test_loading_definitions_does_not_import_great_expectations():
    code = ("import sys; from indicators_pipeline.definitions import defs; defs(); "
            "print('great_expectations' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_every_table_asset_is_upstream_of_the_publication():
    """Publish depends only on the last asset of each branch: every other one must still come before it."""
    graph = defs().resolve_asset_graph()
    publish = dg.AssetKey(["publish", "indicators_duckdb"])
    upstream = graph.upstream_key_iterator(publish)
    materializable = {k for k in graph.get_all_asset_keys() if graph.get(k).is_materializable} - {publish}
    assert materializable <= set(upstream)
