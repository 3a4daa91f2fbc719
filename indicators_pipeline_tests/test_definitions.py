"""The code location loads, names the assets we mean, and stays cheap to load."""
from __future__ import annotations

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
        "marts/bi_views", "marts/dim_indicator", "marts/dim_province", "marts/dim_province_2025",
        "marts/fact_indicator_yearly", "marts/quality_findings", "marts/rollup_indicator_yearly",
        "publish/indicators_duckdb", "raw/articles", "raw/rejected_files",
        "staging/extraction_errors", "staging/indicator_mentions", "staging/indicator_targets",
        "staging/quarantined_rows",
    ]


def test_every_asset_has_description_owner_group_and_kinds():
    graph = defs().resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description, key
        assert node.owners == ["team:indicators"], key
        assert node.group_name == key.path[0], key
        assert "duckdb" in node.kinds, key


def test_workspace_points_at_the_definitions_module():
    workspace = yaml.safe_load((REPO / "workspace.yaml").read_text())
    module = workspace["load_from"][0]["python_module"]["module_name"]
    assert module == "indicators_pipeline.definitions"


def test_loading_definitions_does_not_import_great_expectations():
    code = ("import sys; from indicators_pipeline.definitions import defs; defs(); "
            "print('great_expectations' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.strip().splitlines()[-1] == "False"
