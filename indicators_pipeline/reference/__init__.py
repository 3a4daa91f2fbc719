"""The checked-in reference files: indicator catalogue and the province lists before and after 2025.

They are read once per process and shared; callers must not mutate what they get.
"""
from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

REFERENCE_DIR = Path(__file__).parent


@dataclass(frozen=True)
class Indicator:
    code: str
    family: str
    unit: str
    name_vi: str
    name_en: str
    definition: str
    cues: str
    plausible_max: str = ""  # the largest value one province or the country can report in a year; above is a misread

    @property
    def upper_bound(self) -> float | None:
        return float(self.plausible_max) if self.plausible_max else None


@dataclass(frozen=True)
class Province:
    """A province of the 63 (GSO codes, valid until 30 June 2025)."""

    code: str
    name: str
    region: str
    aliases: tuple[str, ...]
    province_2025_name: str


@dataclass(frozen=True)
class Province2025:
    """A provincial unit since 1 July 2025 (codes of Decision 19/2025/QĐ-TTg)."""

    code: str
    name: str
    kind: str
    former_codes: tuple[str, ...]
    former_names: tuple[str, ...]


def _rows(name: str) -> list[dict[str, str]]:
    with open(REFERENCE_DIR / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@functools.cache
def indicators() -> dict[str, Indicator]:
    return {row["code"]: Indicator(**row) for row in _rows("indicators.csv")}


@functools.cache
def provinces() -> dict[str, Province]:
    """The 63 provinces by GSO code."""
    return {
        row["gso_code"]: Province(
            code=row["gso_code"],
            name=row["name"],
            region=row["region"],
            aliases=tuple(a.strip() for a in row["aliases"].split("|") if a.strip()),
            province_2025_name=row["province_2025"],
        )
        for row in _rows("provinces.csv")
    }


@functools.cache
def provinces_2025() -> dict[str, Province2025]:
    """The 34 units since the 2025 merger by their 2025 code."""
    return {
        row["code_2025"]: Province2025(
            code=row["code_2025"],
            name=row["name"],
            kind=row["kind"],
            former_codes=tuple(row["former_gso_codes"].split("|")),
            former_names=tuple(row["former_names"].split("|")),
        )
        for row in _rows("provinces_2025.csv")
    }


@functools.cache
def newspaper_provinces() -> dict[str, str]:
    """Provincial newspapers' initials, as they open an article ('(GLO)-', 'BDK -'), to the GSO code of their province."""
    by_name = {p.name: p.code for p in provinces().values()}
    return {row["initials"]: by_name[row["province"]] for row in _rows("newspapers.csv")}


@dataclass(frozen=True)
class Source:
    """A news site or portal whose articles speak of one province, or of the country."""

    domain: str
    province_code: str  # GSO code, or NATIONAL_CODE for a national outlet or body
    kind: str  # provincial_portal, provincial_newspaper, national_outlet, national_body

    @property
    def is_provincial(self) -> bool:
        return self.province_code != NATIONAL_CODE


@functools.cache
def sources() -> dict[str, Source]:
    """Known sites by domain (sources.csv); a sub-domain (stttt.gialai.gov.vn) is its domain's."""
    by_name = {p.name: p.code for p in provinces().values()}
    return {row["domain"]: Source(row["domain"], NATIONAL_CODE if row["province"] == NATIONAL_NAME
                                  else by_name[row["province"]], row["kind"])
            for row in _rows("sources.csv")}


@functools.cache
def unit_counts() -> tuple[int, ...]:
    """How many provinces a national ranking counts: 63 before 1 July 2025, 34 since ('xếp thứ 5/34')."""
    return tuple(sorted({len(provinces()), len(provinces_2025())}, reverse=True))


def unit_2025_of(province_code: str) -> Province2025:
    """The 2025 unit that took in a pre-2025 province."""
    for unit in provinces_2025().values():
        if province_code in unit.former_codes:
            return unit
    raise KeyError(province_code)


NATIONAL_CODE = "00"
NATIONAL_NAME = "national"
