"""Shared fixtures: a temporary raw folder with the seed articles and a temporary warehouse."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "data" / "raw"
GOLD = Path(__file__).parent / "gold"

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
# Runs in tests (CLI and webserver subprocesses too) do not read the analysts' acknowledgements; a test passes its own.
os.environ.setdefault("INDICATORS_ACKNOWLEDGED", str(Path(__file__).parent / "no_acknowledgements.csv"))
os.environ.setdefault("INDICATORS_CORRECTIONS", str(Path(__file__).parent / "no_corrections.csv"))  # likewise


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    target = tmp_path / "raw"
    target.mkdir()
    for seed in sorted(SEEDS.glob("*.txt")):
        shutil.copy(seed, target / seed.name)
    return target


@pytest.fixture
def warehouse_file(tmp_path: Path) -> Path:
    return tmp_path / "warehouse" / "indicators.duckdb"


@pytest.fixture
def quality_dir(tmp_path: Path) -> Path:
    return tmp_path / "quality"
