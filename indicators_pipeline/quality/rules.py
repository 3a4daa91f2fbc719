"""Consistency rules over the figures one article gives for one province and year.

Each rule compares figures that must agree (level 3 + level 4 and the reported level-3+4 total,
a count and its reported share, parts and the whole). A failed rule is a finding: `error` where the
figures cannot all be true, `warn` where a reading (which denominator a share uses) may explain it.
Figures are compared within one article: two articles rarely report the same moment.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import pandas as pd

from indicators_pipeline.quality.tolerance import count_agrees, share_agrees
from indicators_pipeline.warehouse import tables


@dataclass(frozen=True)
class Figure:
    value: float
    qualifier: str
    decimals: int


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    expected: str
    observed: str
    detail: str
    indicator_codes: tuple[str, ...]


Figures = dict[str, Figure]
Rule = Callable[[Figures], Iterator[Finding]]


def _fmt(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _sum_rule(name: str, parts: tuple[str, ...], total: str) -> Rule:
    """The parts add up to the reported total."""

    def rule(f: Figures) -> Iterator[Finding]:
        if total in f and all(p in f for p in parts):
            computed = sum(f[p].value for p in parts)
            qualifier = "about" if any(f[p].qualifier == "about" for p in parts) else f[total].qualifier
            if not count_agrees(computed, f[total].value, qualifier) and not count_agrees(f[total].value, computed, qualifier):
                yield Finding(name, "error", f"{' + '.join(parts)} = {total}", _fmt(computed),
                              f"{' + '.join(_fmt(f[p].value) for p in parts)} = {_fmt(computed)}, but the article reports "
                              f"{total} = {_fmt(f[total].value)}", (*parts, total))
    rule.__name__ = name
    return rule


def _at_most_rule(name: str, parts: tuple[str, ...], whole: str, severity: str = "error") -> Rule:
    """The parts do not exceed the whole (online dossiers are among those received)."""

    def rule(f: Figures) -> Iterator[Finding]:
        present = [p for p in parts if p in f]
        if whole in f and len(present) == len(parts):
            computed = sum(f[p].value for p in present)
            if computed > f[whole].value * 1.000001 and f[whole].qualifier == "exact":
                yield Finding(name, severity, f"{' + '.join(parts)} <= {whole}", _fmt(computed),
                              f"{' + '.join(_fmt(f[p].value) for p in parts)} = {_fmt(computed)} exceeds {whole} = "
                              f"{_fmt(f[whole].value)}", (*parts, whole))
    rule.__name__ = name
    return rule


def _share_rule(name: str, numerator: tuple[str, ...], share: str, denominators: tuple[tuple[str, ...], ...]) -> Rule:
    """A reported share agrees with its count over one of the denominators the article may mean."""

    def rule(f: Figures) -> Iterator[Finding]:
        if share not in f or not all(n in f for n in numerator):
            return
        top = sum(f[n].value for n in numerator)
        tried = []
        for denominator in denominators:
            if all(d in f for d in denominator):
                bottom = sum(f[d].value for d in denominator)
                if bottom <= 0:
                    continue
                computed = 100.0 * top / bottom
                tried.append((denominator, computed))
                if share_agrees(computed, f[share].value, f[share].decimals, f[share].qualifier):
                    return
        if tried:
            denominator, computed = tried[0]
            yield Finding(name, "warn", f"{share} = 100 * {'+'.join(numerator)} / {'+'.join(denominator)} = {_fmt(computed)}",
                          _fmt(f[share].value),
                          f"reported share {_fmt(f[share].value)}% does not match "
                          + "; ".join(f"{_fmt(top)} / {_fmt(sum(f[d].value for d in den))} = {_fmt(c)}%" for den, c in tried),
                          (*numerator, share, *{d for den, _ in tried for d in den}))
    rule.__name__ = name
    return rule


def percent_in_range(f: Figures) -> Iterator[Finding]:
    for code, figure in f.items():
        if code.endswith("_pct") and not 0 <= figure.value <= 100:
            yield Finding("percent_in_range", "error", "0 <= value <= 100", _fmt(figure.value),
                          f"{code} = {_fmt(figure.value)}% is not a share", (code,))


SERVICE_DENOMINATORS = (("procedures_total",), ("online_services_total",))
RULES: tuple[Rule, ...] = (
    _sum_rule("level3_plus_level4_equals_level34", ("online_services_level3", "online_services_level4"), "online_services_level34"),
    _share_rule("level34_share_matches", ("online_services_level34",), "online_services_level34_pct", SERVICE_DENOMINATORS),
    _share_rule("level34_share_matches_parts", ("online_services_level3", "online_services_level4"), "online_services_level34_pct", SERVICE_DENOMINATORS),
    _share_rule("level4_share_matches", ("online_services_level4",), "online_services_level4_pct", SERVICE_DENOMINATORS),
    _at_most_rule("levels_within_procedures", ("online_services_level2", "online_services_level3", "online_services_level4"), "procedures_total"),
    _at_most_rule("level3_level4_within_procedures", ("online_services_level3", "online_services_level4"), "procedures_total"),
    _at_most_rule("levels_within_online_services", ("online_services_level2", "online_services_level3", "online_services_level4"), "online_services_total"),
    _share_rule("national_portal_share_matches", ("national_portal_services",), "national_portal_services_pct",
                (*SERVICE_DENOMINATORS, ("online_services_level34",), ("online_services_level3", "online_services_level4"))),
    _at_most_rule("full_partial_within_procedures", ("online_services_full", "online_services_partial"), "procedures_total"),
    _share_rule("full_share_matches", ("online_services_full",), "online_services_full_pct",
                (*SERVICE_DENOMINATORS, ("online_services_full", "online_services_partial"))),
    _share_rule("active_share_matches", ("online_services_active",), "online_services_active_pct",
                (("online_services_total",), ("online_services_full", "online_services_partial"), ("procedures_total",))),
    _at_most_rule("dossiers_online_within_received", ("dossiers_online",), "dossiers_received"),
    _at_most_rule("dossiers_resolved_within_received", ("dossiers_resolved",), "dossiers_received", severity="warn"),
    _share_rule("dossiers_online_share_matches", ("dossiers_online",), "dossiers_online_pct", (("dossiers_received",),)),
    percent_in_range,
)


SOURCES_AGREE = "sources_agree"  # the cross-article rule: one province-year-indicator, one value


def check_figures(figures: Figures) -> list[Finding]:
    return [finding for rule in RULES for finding in rule(figures)]


def quality_findings(mentions: pd.DataFrame, facts: pd.DataFrame) -> pd.DataFrame:
    """Every failed rule, per article x province x year, plus one finding per conflicting fact."""
    rows: list[dict] = []
    usable = mentions[mentions["year"].notna() & mentions["province_name"].notna()]
    # Plain tuples, not a pandas groupby: tens of thousands of small groups on a large warehouse.
    groups: dict[tuple, Figures] = {}
    columns = ("article_id", "source_path", "province_code", "province_name", "year", "indicator_code", "value",
               "qualifier", "decimals")
    for article_id, source_path, code, name, year, indicator, value, qualifier, decimals in zip(
            *(usable[c].tolist() for c in columns)):
        code = None if code is None or (isinstance(code, float) and pd.isna(code)) else code
        figures = groups.setdefault((article_id, source_path, code, name, int(year)), {})
        if indicator not in figures:
            figures[indicator] = Figure(float(value), qualifier, int(decimals or 0) if not pd.isna(decimals) else 0)
    for (article_id, source_path, code, name, year) in sorted(groups, key=lambda k: tuple("" if v is None else v for v in k)):
        for finding in check_figures(groups[(article_id, source_path, code, name, year)]):
            rows.append(dict(province_code=code, province_name=name, year=year,
                             rule=finding.rule, severity=finding.severity, expected=finding.expected,
                             observed=finding.observed, detail=finding.detail, article_id=article_id,
                             source_path=source_path, indicator_codes="|".join(finding.indicator_codes)))
    conflicts = facts[facts["conflict"].astype(bool)]
    if len(conflicts):
        fact_key = ["province_code", "province_name", "year", "indicator_code"]
        reported = (usable.assign(province_code=usable["province_code"].fillna(""), year=usable["year"].astype(int))
                    .groupby(fact_key)["value"].unique())
        for fact in conflicts.itertuples(index=False):
            values = sorted(reported.get((fact.province_code or "", fact.province_name, int(fact.year), fact.indicator_code), []))
            rows.append(dict(province_code=fact.province_code, province_name=fact.province_name, year=int(fact.year),
                             rule=SOURCES_AGREE, severity="warn", expected=_fmt(fact.value),
                             observed="|".join(_fmt(v) for v in values),
                             detail=f"{fact.indicator_code}: sources report {', '.join(_fmt(v) for v in values)}; "
                                    f"kept {_fmt(fact.value)}", article_id=None, source_path=None,
                             indicator_codes=fact.indicator_code))
    return pd.DataFrame(rows, columns=tables.QUALITY_FINDINGS.column_names)
