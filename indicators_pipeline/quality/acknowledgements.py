"""Acknowledged findings: a reviewer read a finding and says why it is fine; it stays visible, it stops alarming.

The file (INDICATORS_ACKNOWLEDGED, data/curation/acknowledged.csv) has one row per acknowledgement:
rule, province, year, indicator, reason, who. rule, reason and who are required; an empty province,
year or indicator matches any. An acknowledgement that matches no finding (the article was fixed,
the rule changed, a typo) is itself a finding, so the file cannot rot silently.
"""
from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from indicators_pipeline.quality.rules import RULE_DOCS, WARN, RuleDoc, finding_row

COLUMNS = ("rule", "province", "year", "indicator", "reason", "who")
STALE = "acknowledgement_matches"  # the rule an acknowledgement breaks when it matches nothing
STALE_DOC = RuleDoc(
    STALE, "every row of the acknowledgement file names a known rule, a reason and who, and matches a finding",
    "exact rule, year and indicator; province by name or code, any case", WARN,
    "An acknowledgement that matches nothing (the article was fixed, the rule renamed, a typo) is reported, "
    "so a stale file does not hide a new finding or rot unnoticed.")


@dataclass(frozen=True)
class Acknowledgement:
    line: int  # in the file, for the engineer who fixes it
    rule: str
    province: str
    year: int | None
    indicator: str
    reason: str
    who: str
    problem: str = ""  # why the row cannot be used, if it cannot

    def describe(self) -> str:
        where = ", ".join(f"{k}={v}" for k, v in (("province", self.province), ("year", self.year),
                                                   ("indicator", self.indicator)) if v not in ("", None))
        return f"line {self.line}: {self.rule}" + (f" ({where})" if where else "")


def _key(text) -> str:
    return unicodedata.normalize("NFC", str(text)).strip().casefold()


def read_acknowledgements(path: Path) -> list[Acknowledgement]:
    """The rows of the file (none when it does not exist or is empty); a row that cannot be used carries its problem."""
    if not path.exists():
        return []
    with open(path, newline="", encoding="utf-8-sig") as handle:
        text = handle.read()
    if not text.strip():
        return []  # an empty file (0 bytes, or a BOM and blank lines) acknowledges nothing; it has no header to check
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"{path}: the header lacks {', '.join(missing)} (expected {','.join(COLUMNS)})")
    return [_parse(line, row) for line, row in enumerate(reader, start=2)
            if any((v or "").strip() for v in row.values() if isinstance(v, str))]


def _parse(line: int, row: dict) -> Acknowledgement:
    value = {c: (row.get(c) or "").strip() for c in COLUMNS}
    problems = []
    if value["rule"] not in RULE_DOCS:
        problems.append(f"unknown rule '{value['rule']}'")
    if not value["reason"] or not value["who"]:
        problems.append("reason and who are required")
    year = None
    if value["year"]:
        try:
            year = int(value["year"])
        except ValueError:
            problems.append(f"year '{value['year']}' is not a year")
    return Acknowledgement(line, value["rule"], value["province"], year, value["indicator"], value["reason"],
                           value["who"], "; ".join(problems))


def matches(ack: Acknowledgement, finding: dict) -> bool:
    """Whether an acknowledgement covers a finding (a row of marts.quality_findings as a dict)."""
    if ack.problem or ack.rule != finding["rule"]:
        return False
    if ack.province and _key(ack.province) not in {_key(finding.get(c)) for c in ("province_name", "province_code")
                                                    if not _blank(finding.get(c))}:
        return False
    if ack.year is not None and (_blank(finding.get("year")) or int(finding["year"]) != ack.year):
        return False
    if ack.indicator and ack.indicator not in str(finding.get("indicator_codes") or "").split("|"):
        return False
    return True


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA or value == ""


def acknowledge(findings: pd.DataFrame, acks: list[Acknowledgement]) -> pd.DataFrame:
    """The findings with acknowledged/acknowledgement filled, plus one finding per acknowledgement matching nothing."""
    rows = findings.to_dict("records")
    used: set[int] = set()
    for row in rows:
        covering = [a for a in acks if matches(a, row)]
        row["acknowledged"] = bool(covering)
        row["acknowledgement"] = "; ".join(f"{a.reason} ({a.who})" for a in covering) or None
        used.update(a.line for a in covering)
    stale = [a for a in acks if a.line not in used]
    rows += [finding_row(rule=STALE, severity=WARN, province_name=a.province or None, year=a.year,
                         indicator_codes=a.indicator or None, expected="matches a finding",
                         observed=a.problem or "matches no finding", tolerance=STALE_DOC.tolerance,
                         detail=f"{a.describe()}: {a.problem or 'matches no finding'}; "
                                f"correct or remove it (reason given: {a.reason or '-'}; by {a.who or '-'})")
             for a in stale]
    out = pd.DataFrame(rows, columns=findings.columns)
    out["acknowledged"] = out["acknowledged"].fillna(False).astype(bool)
    return out
