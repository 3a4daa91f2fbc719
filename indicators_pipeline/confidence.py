"""How sure a figure is: the measured reliability of the rule that read it, times that of how its year
and its province were found.

Reliabilities are learned, not listed by hand: `make calibrate` counts, over the first readings of real
articles (indicators_pipeline_tests/realtext/readings.csv, sessions named '*-first': what the extractor
answered before that session changed any rule), how often each reading rule gave a right value, and how
often each year source and province source gave the right year and place to a right value. It writes
reference/rule_reliability.csv, which the extractor's version includes. A rule seen fewer than
MIN_OBSERVATIONS times takes its stage's pooled figure.

    python -m indicators_pipeline.confidence READINGS.csv [--sessions 5-first,5-heldout-first] [--out FILE]
"""
from __future__ import annotations

import argparse
import csv
import functools
import sys
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from indicators_pipeline.reference import REFERENCE_DIR

RELIABILITY_FILE = REFERENCE_DIR / "rule_reliability.csv"
MIN_OBSERVATIONS = 5
POOLED = "*"  # the id of a stage's pooled row
# The rule that read the value; the indicator it read (some are misread more often than others, whatever the rule);
# where the year came from; where the place came from.
STAGES = ("reading", "indicator", "year", "place")
_COLUMNS = ["stage", "id", "observations", "correct", "precision"]
_VALUE_RIGHT = {"right", "wrong_place_or_year", "optional_read"}


@dataclass(frozen=True)
class Reliability:
    stage: str
    id: str
    observations: int
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.observations if self.observations else 0.0


def reading_rule(rule: str) -> str:
    """A mention's rule without the '+goal' mark: a target is read by the same rule."""
    return rule.split("+", 1)[0]


def _place(name: str) -> str:
    text = unicodedata.normalize("NFC", (name or "").strip())
    for prefix in ("Thành phố ", "TP. ", "TP "):
        text = text.removeprefix(prefix)
    return text.casefold()


def _year_right(row: dict) -> bool:
    try:
        return int(float(row["extractor_year"])) in {int(y) for y in row["year"].split("|") if y.strip()}
    except (TypeError, ValueError):
        return False


def calibrate(rows: list[dict], min_observations: int = MIN_OBSERVATIONS) -> list[Reliability]:
    """Each rule's, year source's and province source's reliability in the readings given, with each
    stage's pooled figure; rows of an extractor answer only (a missed figure says nothing of a rule)."""
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])

    def count(stage: str, key: str, right: bool) -> None:
        for id_ in (key, POOLED):
            cell = counts[(stage, id_)]
            cell[0] += 1
            cell[1] += right

    for row in rows:
        if not row.get("extractor_indicator") or not row.get("extractor_rule"):
            continue
        value_right = row["outcome"] in _VALUE_RIGHT
        count("reading", reading_rule(row["extractor_rule"]), value_right)
        count("indicator", row["extractor_indicator"], value_right)
        if value_right and row.get("year") and row.get("year_source"):
            count("year", row["year_source"], _year_right(row))
        if value_right and row.get("province") and row.get("province_source"):
            count("place", row["province_source"], _place(row["extractor_province"]) == _place(row["province"]))
    found = [Reliability(stage, id_, n, k) for (stage, id_), (n, k) in counts.items()
             if id_ == POOLED or n >= min_observations]
    return sorted(found, key=lambda r: (STAGES.index(r.stage), r.id != POOLED, r.id))


def first_reading_rows(path: Path, sessions: set[str] | None = None) -> list[dict]:
    """The rows of first readings (sessions named '*-first', or those given) of a readings.csv."""
    with open(path, encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle)
                if (row["session"] in sessions if sessions else row["session"].endswith("-first"))]


def write(reliabilities: list[Reliability], path: Path = RELIABILITY_FILE) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(_COLUMNS)
        writer.writerows([r.stage, r.id, r.observations, r.correct, f"{r.precision:.4f}"] for r in reliabilities)


@functools.cache
def _table(path: Path = RELIABILITY_FILE) -> dict[tuple[str, str], float]:
    with open(path, encoding="utf-8", newline="") as handle:
        return {(row["stage"], row["id"]): float(row["precision"]) for row in csv.DictReader(handle)}


def reliability(stage: str, id_: str | None, table: dict[tuple[str, str], float] | None = None) -> float:
    """A rule's measured precision, else its stage's pooled one (too few observations, or never seen)."""
    table = _table() if table is None else table
    found = table.get((stage, id_ or ""))
    return found if found is not None else table.get((stage, POOLED), 1.0)


def confidence(rule: str, indicator: str, year_source: str | None, province_source: str | None,
               table: dict[tuple[str, str], float] | None = None) -> float:
    """How likely a figure is right in value, year and place: the stages' reliabilities multiplied.

    The value's two stages (the rule, the indicator) measure one thing twice, so their geometric mean
    stands for the value's reliability.
    """
    value = (reliability("reading", reading_rule(rule), table) * reliability("indicator", indicator, table)) ** 0.5
    return round(value * reliability("year", year_source, table) * reliability("place", province_source, table), 4)


def held(mentions: pd.DataFrame, minimum: float) -> pd.Series:
    """Which figures wait for an analyst instead of reaching the facts: unreviewed and below the minimum
    (an analyst's accepted, corrected or added figure is never held)."""
    unreviewed = mentions["review_status"].fillna("unreviewed").eq("unreviewed")
    return (unreviewed & mentions["confidence"].astype("float").fillna(1.0).lt(minimum)).astype(bool)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("readings", type=Path)
    parser.add_argument("--sessions", help="comma-separated sessions (default: every '*-first' session)")
    parser.add_argument("--out", type=Path, default=RELIABILITY_FILE)
    args = parser.parse_args(argv)
    rows = first_reading_rows(args.readings, set(args.sessions.split(",")) if args.sessions else None)
    found = calibrate(rows)
    write(found, args.out)
    for r in found:
        print(f"{r.stage:8} {r.id:28} {r.correct:4}/{r.observations:<4} {r.precision:.3f}")
    print(f"wrote {args.out} from {len(rows)} rows of first readings")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
