"""Whether the Great Expectations suite must run again: only when the facts or the suite changed (issue 22).

The suite costs seconds (most of a refresh that changes nothing). Its outcome depends only on the rows
of marts.fact_indicator_yearly and on the suite itself (its code, the unit ranges, the catalogue and the
Great Expectations release), so the last run's outcome is kept beside its Data Docs with a fingerprint of
both, and reused while the fingerprint holds and the Data Docs are still there.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from importlib import metadata
from pathlib import Path

from indicators_pipeline.reference import REFERENCE_DIR

STATE_FILE = "suite_state.json"
_SUITE_SOURCES = ("quality/expectations.py", "quality/schemas.py")
_PACKAGE = Path(__file__).resolve().parent.parent


def suite_version() -> str:
    """A hash of what the suite checks with: its code, the unit ranges, the catalogue, the GE release."""
    digest = hashlib.sha256()
    for relative in _SUITE_SOURCES:
        digest.update((_PACKAGE / relative).read_bytes())
    digest.update((REFERENCE_DIR / "indicators.csv").read_bytes())
    try:
        digest.update(metadata.version("great_expectations").encode())
    except metadata.PackageNotFoundError:
        pass
    return digest.hexdigest()[:16]


def reusable(quality_dir: Path, fingerprint: str) -> dict | None:
    """The last outcome when it was computed on the same facts by the same suite and its Data Docs still exist."""
    path = quality_dir / STATE_FILE
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if state.get("fingerprint") != fingerprint or state.get("suite_version") != suite_version():
        return None
    docs = state.get("outcome", {}).get("docs_path")
    if docs is not None and not Path(docs).exists():
        return None
    return state


def remember(quality_dir: Path, fingerprint: str, outcome) -> None:
    """Keep an outcome (a SuiteOutcome) beside the Data Docs; written whole or not at all."""
    quality_dir.mkdir(parents=True, exist_ok=True)
    values = dataclasses.asdict(outcome)
    values["docs_path"] = str(outcome.docs_path) if outcome.docs_path else None
    state = {"fingerprint": fingerprint, "suite_version": suite_version(),
             "checked_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(), "outcome": values}
    temporary = quality_dir / f".{STATE_FILE}.tmp"
    temporary.write_text(json.dumps(state, ensure_ascii=False, indent=1), encoding="utf-8")
    temporary.replace(quality_dir / STATE_FILE)
