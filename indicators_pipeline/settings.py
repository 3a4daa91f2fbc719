"""Where things are: read from the environment when asked (at launch), never at import.

Relative paths are relative to the repository root, as spec/WAREHOUSE.md says.
"""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RAW_DIR = "data/raw"
DEFAULT_WAREHOUSE = "data/warehouse/indicators.duckdb"
DEFAULT_QUALITY_DIR = "data/quality"
DEFAULT_ACKNOWLEDGED = "data/curation/acknowledged.csv"
DEFAULT_CORRECTIONS = "data/curation/corrections.csv"


def resolve(path: str | os.PathLike) -> Path:
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else REPO_ROOT / candidate


def raw_dir(explicit: str | None = None) -> Path:
    return resolve(explicit or os.environ.get("INDICATORS_RAW_DIR") or DEFAULT_RAW_DIR)


def link_targets(explicit: str | None = None) -> tuple[Path, ...]:
    """INDICATORS_LINK_TARGETS: folders (os.pathsep-separated) that symbolic links under the raw folder
    may point into; by default none, so a link leading out of the raw folder is never opened."""
    configured = explicit if explicit is not None else os.environ.get("INDICATORS_LINK_TARGETS", "")
    return tuple(resolve(part) for part in configured.split(os.pathsep) if part.strip())


def warehouse_path(explicit: str | None = None) -> Path:
    return resolve(explicit or os.environ.get("INDICATORS_WAREHOUSE") or DEFAULT_WAREHOUSE)


def quality_dir(explicit: str | None = None) -> Path:
    return resolve(explicit or os.environ.get("INDICATORS_QUALITY_DIR") or DEFAULT_QUALITY_DIR)


def corrections_path(explicit: str | None = None) -> Path:
    """INDICATORS_CORRECTIONS: analysts' corrections to extracted figures (curation/corrections.py)."""
    return resolve(explicit or os.environ.get("INDICATORS_CORRECTIONS") or DEFAULT_CORRECTIONS)


def acknowledged_path(explicit: str | None = None) -> Path:
    """INDICATORS_ACKNOWLEDGED: the reviewed findings that no longer fail their check (quality/acknowledgements.py)."""
    return resolve(explicit or os.environ.get("INDICATORS_ACKNOWLEDGED") or DEFAULT_ACKNOWLEDGED)


# The confidence a figure needs to reach the facts unreviewed: chosen from the measured curve of published facts'
# precision and recall against it (README, "How sure a figure is").
DEFAULT_MIN_CONFIDENCE = 0.0


def min_confidence(explicit: str | float | None = None) -> float:
    """INDICATORS_MIN_CONFIDENCE: figures below it wait for an analyst (marts.review_queue) instead of reaching the facts."""
    configured = explicit if explicit not in (None, "") else os.environ.get("INDICATORS_MIN_CONFIDENCE")
    return float(configured) if configured not in (None, "") else DEFAULT_MIN_CONFIDENCE


DEFAULT_DAGSTER_HOME = ".dagster_home"


def dagster_home() -> Path:
    """DAGSTER_HOME, defaulting to a git-ignored folder in the repository (runs survive UI restarts)."""
    return resolve(os.environ.get("DAGSTER_HOME") or DEFAULT_DAGSTER_HOME)


DEFAULT_REFRESH_LOCK_TIMEOUT = 3600.0  # seconds: a full refresh of 10,000 articles takes about a minute


def refresh_lock_timeout() -> float:
    """INDICATORS_REFRESH_LOCK_TIMEOUT: how long a refresh waits for another one to finish before failing."""
    configured = os.environ.get("INDICATORS_REFRESH_LOCK_TIMEOUT")
    return max(0.0, float(configured)) if configured else DEFAULT_REFRESH_LOCK_TIMEOUT
