"""Shared fixtures: a temporary raw folder with the seed articles and a temporary warehouse."""
from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "data" / "raw"
GOLD = Path(__file__).parent / "gold"

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
# Runs in tests (CLI and webserver subprocesses too) do not read the analysts' acknowledgements; a test passes its own.
NO_ACKNOWLEDGEMENTS = str(Path(__file__).parent / "no_acknowledgements.csv")
NO_CORRECTIONS = str(Path(__file__).parent / "no_corrections.csv")
os.environ.setdefault("INDICATORS_ACKNOWLEDGED", NO_ACKNOWLEDGEMENTS)
os.environ.setdefault("INDICATORS_CORRECTIONS", NO_CORRECTIONS)  # likewise

@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """`--dist loadgroup` keeps a module's xdist_group on one worker by the group's name appended to each test's node
    id: pytest-xdist 3.8 writes it to item._nodeid, which pytest 9.2 no longer reads (its node ids are item._id), so
    the groups were split over both workers, each starting its own webserver and its own `make run` (pytest-xdist
    issue #1386). The name is appended where this pytest reads it, as xdist does, only in a worker of a loadgroup run
    and only where it is missing (an xdist that fixes this makes it a no-op)."""
    if not getattr(config.option, "loadgroup", False):
        return
    try:
        from _pytest.nodeid import NodeId
    except ImportError:  # a pytest whose node ids are strings: xdist's own suffix took effect
        return
    for item in items:
        names = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                        for m in item.iter_markers("xdist_group")})
        suffix = "@" + "_".join(names)
        node = getattr(item, "_id", None)
        # a parametrized id cannot end with the suffix (NodeId prints its params last): such a test is left ungrouped,
        # as xdist leaves it, rather than reported under an id that names no test
        if names and isinstance(node, NodeId) and node.params is None and not item.nodeid.endswith(suffix):
            item._id = NodeId.parse(item.nodeid + suffix)


def pytest_configure(config):
    """great_expectations loaded once per process that runs tests: each materialization then runs the suite in that
    process instead of starting one that imports it again (~2.5 s of CPU each, a hundred times a test session), as a
    long-lived process does (quality/suite_process.py: worth_a_process). `make run` tests the other way. Not in the
    controller of a parallel run (pytest-xdist): it runs no test, and its import came before the workers started."""
    if hasattr(config, "workerinput") or not getattr(config.option, "numprocesses", None):
        import indicators_pipeline.quality.expectations  # noqa: F401


# The corrections file's header as data/curation/README.md writes it (a test's own copy of the contract).
CORRECTIONS_HEADER = ("article_id,title,source_path,indicator,value,evidence,action,new_value,new_indicator,"
                      "new_province,new_year,reason,who,when\n")


@pytest.fixture
def corrections_file(tmp_path: Path, monkeypatch) -> Path:
    """An empty corrections file of the test's own, which every refresh in the test reads."""
    path = tmp_path / "curation" / "corrections.csv"
    path.parent.mkdir()
    path.write_text(CORRECTIONS_HEADER, encoding="utf-8")
    monkeypatch.setenv("INDICATORS_CORRECTIONS", str(path))
    return path


def copy_seeds(target: Path) -> Path:
    """The seed articles in a folder of their own, with the seeds' times (so copies read as unchanged files)."""
    target.mkdir(parents=True)
    for seed in sorted(SEEDS.glob("*.txt")):
        shutil.copy2(seed, target / seed.name)
    return target


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    return copy_seeds(tmp_path / "raw")


@pytest.fixture
def warehouse_file(tmp_path: Path) -> Path:
    return tmp_path / "warehouse" / "indicators.duckdb"


@pytest.fixture
def quality_dir(tmp_path: Path) -> Path:
    return tmp_path / "quality"


@dataclasses.dataclass(frozen=True)
class SeededRun:
    result: object  # dg.ExecuteInProcessResult
    warehouse: Path
    raw: Path
    quality: Path


@pytest.fixture(scope="session")
def seeded(tmp_path_factory) -> SeededRun:
    """One refresh over the seeds (no acknowledgements, no corrections), shared by every test that only reads
    its result, or starts from it (`seeded_warehouse`): identical refreshes are not repeated."""
    from indicators_pipeline_tests.pipeline_runs import failures, materialize_all

    root = tmp_path_factory.mktemp("seeded")
    raw, warehouse, quality = copy_seeds(root / "raw"), root / "warehouse" / "indicators.duckdb", root / "quality"
    with pytest.MonkeyPatch.context() as env:  # whatever the first test to ask for it has set
        env.setenv("INDICATORS_CORRECTIONS", NO_CORRECTIONS)
        env.setenv("INDICATORS_ACKNOWLEDGED", NO_ACKNOWLEDGEMENTS)
        env.delenv("INDICATORS_MAX_INVALID_SHARE", raising=False)
        result = materialize_all(raw, warehouse, quality)
    assert result.success, failures(result)
    return SeededRun(result, warehouse, raw, quality)


@pytest.fixture
def seeded_warehouse(seeded: SeededRun, raw_dir: Path, warehouse_file: Path) -> Path:
    """warehouse_file as a refresh over raw_dir (the seeds) left it: the shared refresh's files, copied."""
    warehouse_file.parent.mkdir(parents=True)
    for path in seeded.warehouse.parent.iterdir():
        if path.name.endswith((".duckdb", ".wal")):
            shutil.copy(path, warehouse_file.parent / path.name)
    return warehouse_file
