"""Consistency rules over the figures one article gives for one province and year.

Each rule compares figures that must agree (level 3 + level 4 and the reported level-3+4 total,
a count and its reported share, parts and the whole). Figures are compared within one article:
two articles rarely report the same moment.

Severity draws one line: a source that contradicts itself or another source is a finding about the
data (`warn`): the pipeline did its job and the finding is shown on the table BI reads. `error` is
kept for what makes a published number wrong whatever the sources say (a share outside 0-100
reaching the facts means the row models let it through): the pipeline is not safe to trust.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

import pandas as pd

from indicators_pipeline.quality.tolerance import (
    ABOUT_RELATIVE,
    count_agrees,
    count_tolerance,
    share_agrees,
    share_tolerance,
)
from indicators_pipeline.warehouse import tables

WARN, ERROR = "warn", "error"


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
    tolerance: str = ""


@dataclass(frozen=True)
class RuleDoc:
    """What a rule checks, how closely and how badly a failure counts: the check's description."""

    name: str
    formula: str
    tolerance: str
    severity: str
    why: str

    def describe(self) -> str:
        return f"{self.why} Formula: {self.formula}. Tolerance: {self.tolerance}. Severity: {self.severity}."


Figures = dict[str, Figure]
Rule = Callable[[Figures], Iterator[Finding]]

_SOURCE_SAYS = "the article contradicts itself: a finding about the source, shown beside its figures"
_COUNT_TOLERANCE = (f"exact; a figure written as approximate (khoảng) within {ABOUT_RELATIVE:.0%}; "
                    "a bound (hơn, từ ... trở lên) only on its side")
_SHARE_TOLERANCE = ("the precision the share is written with, rounded or truncated (8,5% covers 8.50-8.60); "
                    f"khoảng within {ABOUT_RELATIVE:.0%}; hơn/trên a lower bound; "
                    "any of the denominators listed may be the one the article means")


def _fmt(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _documented(rule: Rule, doc: RuleDoc) -> Rule:
    rule.__name__ = doc.name
    rule.doc = doc
    return rule


def _sum_rule(name: str, parts: tuple[str, ...], total: str) -> Rule:
    """The parts add up to the reported total."""
    formula = f"{' + '.join(parts)} = {total}"

    def rule(f: Figures) -> Iterator[Finding]:
        if total in f and all(p in f for p in parts):
            computed = sum(f[p].value for p in parts)
            qualifier = "about" if any(f[p].qualifier == "about" for p in parts) else f[total].qualifier
            if not count_agrees(computed, f[total].value, qualifier) and not count_agrees(f[total].value, computed, qualifier):
                yield Finding(name, WARN, formula, _fmt(computed),
                              f"{' + '.join(_fmt(f[p].value) for p in parts)} = {_fmt(computed)}, but the article reports "
                              f"{total} = {_fmt(f[total].value)}", (*parts, total), count_tolerance(qualifier))

    return _documented(rule, RuleDoc(name, formula, _COUNT_TOLERANCE, WARN,
                                     f"The levels an article lists add up to the total it reports; if not, {_SOURCE_SAYS}."))


def _at_most_rule(name: str, parts: tuple[str, ...], whole: str) -> Rule:
    """The parts do not exceed the whole (online dossiers are among those received)."""
    formula = f"{' + '.join(parts)} <= {whole}"

    def rule(f: Figures) -> Iterator[Finding]:
        present = [p for p in parts if p in f]
        if whole in f and len(present) == len(parts):
            computed = sum(f[p].value for p in present)
            if computed > f[whole].value * 1.000001 and f[whole].qualifier == "exact":
                yield Finding(name, WARN, formula, _fmt(computed),
                              f"{' + '.join(_fmt(f[p].value) for p in parts)} = {_fmt(computed)} exceeds {whole} = "
                              f"{_fmt(f[whole].value)}", (*parts, whole), "exact (relative 0.0001 %)")

    return _documented(rule, RuleDoc(name, formula, "exact (relative 0.0001 %); checked only when the whole is exact",
                                     WARN, f"Parts cannot exceed their whole; if they do, {_SOURCE_SAYS}."))


def _share_rule(name: str, numerator: tuple[str, ...], share: str, denominators: tuple[tuple[str, ...], ...]) -> Rule:
    """A reported share agrees with its count over one of the denominators the article may mean."""
    top_words = " + ".join(numerator)
    formula = f"{share} = 100 * ({top_words}) / (" + " or ".join(" + ".join(d) for d in denominators) + ")"

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
            yield Finding(name, WARN, f"{share} = 100 * {'+'.join(numerator)} / {'+'.join(denominator)} = {_fmt(computed)}",
                          _fmt(f[share].value),
                          f"reported share {_fmt(f[share].value)}% does not match "
                          + "; ".join(f"{_fmt(top)} / {_fmt(sum(f[d].value for d in den))} = {_fmt(c)}%" for den, c in tried),
                          (*numerator, share, *dict.fromkeys(d for den, _ in tried for d in den)),
                          share_tolerance(f[share].decimals, f[share].qualifier))

    return _documented(rule, RuleDoc(name, formula, _SHARE_TOLERANCE, WARN,
                                     f"A reported share agrees with the counts the article gives; if not, {_SOURCE_SAYS}."))


def _percent_in_range(f: Figures) -> Iterator[Finding]:
    for code, figure in f.items():
        if code.endswith("_pct") and not 0 <= figure.value <= 100:
            yield Finding("percent_in_range", ERROR, "0 <= value <= 100", _fmt(figure.value),
                          f"{code} = {_fmt(figure.value)}% is not a share", (code,), "none")


percent_in_range = _documented(_percent_in_range, RuleDoc(
    "percent_in_range", "0 <= share <= 100 for every *_pct figure among the mentions", "none", ERROR,
    "A share outside 0-100 among the mentions the facts are chosen from would be published as a wrong number: "
    "the mention model should have quarantined it, so the pipeline's own guard failed."))


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
    _at_most_rule("dossiers_resolved_within_received", ("dossiers_resolved",), "dossiers_received"),
    _share_rule("dossiers_online_share_matches", ("dossiers_online",), "dossiers_online_pct", (("dossiers_received",),)),
    percent_in_range,
)

SOURCES_AGREE = "sources_agree"  # the cross-article rule: one province-year-indicator, one value
_SAME_VALUE = "equal to 4 decimals"
ARTICLE_NOT_READ = "article_not_read"  # reading or extracting one article raised: it is left out
ROW_QUARANTINED = "row_quarantined"  # a row failed its model: it is kept aside, out of facts and rollups
SET_ASIDE_RULES = (ARTICLE_NOT_READ, ROW_QUARANTINED)
CORRECTION_NOT_APPLIED = "correction_not_applied"  # an analyst's correction that matches nothing any more

RULE_DOCS: dict[str, RuleDoc] = {
    **{rule.doc.name: rule.doc for rule in RULES},
    SOURCES_AGREE: RuleDoc(
        SOURCES_AGREE, "every mention of one province x year x indicator reports the same value", _SAME_VALUE, WARN,
        "Sources (or one article twice) disagree on a figure: the fact keeps exact over approximate, then the latest "
        "article, then the most reported value, and says conflict = true; the finding names every value and its article."),
    ARTICLE_NOT_READ: RuleDoc(
        ARTICLE_NOT_READ, "every file of the raw folder that became an article was read and extracted", "none", WARN,
        "Reading or extracting one article raised: it is left out of this refresh (staging.extraction_errors), "
        "the others are published."),
    ROW_QUARANTINED: RuleDoc(
        ROW_QUARANTINED, "every mention, fact and rollup row passes its pandera model", "none", WARN,
        "A row failed its model (an absurd value, a year after its publication): it is kept in "
        "staging.quarantined_rows, out of facts and rollups. Many at once fail the blocking schema check instead."),
    CORRECTION_NOT_APPLIED: RuleDoc(
        CORRECTION_NOT_APPLIED, "every row of data/curation/corrections.csv matches the figure it names", "none", WARN,
        "An analyst's correction no longer matches a figure (the article was removed, or its text or the reading "
        "changed): it is not applied and is listed in staging.corrections_applied; the other corrections apply."),
}
RULE_NAMES: tuple[str, ...] = tuple(RULE_DOCS)
ARTICLE_RULE_NAMES: tuple[str, ...] = tuple(rule.doc.name for rule in RULES)  # a function of one article's figures


def correction_findings(outcomes: pd.DataFrame) -> pd.DataFrame:
    """One warning per correction that did not apply (rows of staging.corrections_applied)."""
    stale = outcomes[~outcomes["applied"].astype(bool)] if len(outcomes) else outcomes
    return pd.DataFrame([finding_row(rule=CORRECTION_NOT_APPLIED, severity=WARN, expected="the figure the row names",
                                     observed="no match", indicator_codes=row.indicator,
                                     detail=f"corrections.csv line {int(row.line)} ({row.action} {row.indicator}, "
                                            f"{row.evidence!r}): {row.problem}")
                         for row in stale.itertuples(index=False)], columns=tables.QUALITY_FINDINGS.column_names)


def check_figures(figures: Figures) -> list[Finding]:
    return [finding for rule in RULES for finding in rule(figures)]


_GROUP_COLUMNS = ("article_id", "source_path", "province_code", "province_name", "year")
RULE_ROW_COLUMNS = (*_GROUP_COLUMNS, "indicator_code", "value", "qualifier", "decimals")
LIST_SEPARATOR = "; "  # several articles in one cell: titles may hold '|' and ','

# Rows for the per-article rules, in group order and, within a group, in text order (first figure wins; two
# figures of one indicator at the same offset: the shorter span, then the smaller value — a total order, issue 22).
RULE_ROWS_SQL = f"""
SELECT {", ".join(RULE_ROW_COLUMNS)} FROM {{mentions}}
WHERE year IS NOT NULL AND province_name IS NOT NULL {{and_where}}
ORDER BY article_id, source_path, coalesce(province_code, ''), province_name, year, char_start, indicator_code,
         char_end, value, qualifier, decimals NULLS FIRST, mention_id
"""


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value))


def finding_row(**values) -> dict:
    """One row of marts.quality_findings: columns not given are empty, nothing is acknowledged yet."""
    row = dict.fromkeys(tables.QUALITY_FINDINGS.column_names)
    row["acknowledged"] = False
    row.update(values)
    return row


def article_findings(rows: Iterable[tuple]) -> list[dict]:
    """Findings of the per-article rules; rows (of RULE_ROW_COLUMNS) come grouped by article, place and year."""
    out: list[dict] = []
    current: tuple | None = None
    figures: Figures = {}

    def flush() -> None:
        if current is None:
            return
        article_id, source_path, code, name, year = current
        for finding in check_figures(figures):
            out.append(finding_row(province_code=code, province_name=name, year=year, rule=finding.rule,
                                   severity=finding.severity, expected=finding.expected, observed=finding.observed,
                                   tolerance=finding.tolerance, detail=finding.detail, article_id=article_id,
                                   source_path=source_path, indicator_codes="|".join(finding.indicator_codes)))

    for article_id, source_path, code, name, year, indicator, value, qualifier, decimals in rows:
        key = (article_id, source_path, None if _missing(code) else code, name, int(year))
        if key != current:
            flush()
            current, figures = key, {}
        if indicator not in figures:
            figures[indicator] = Figure(float(value), qualifier, 0 if _missing(decimals) else int(decimals))
    flush()
    return out


def _fact_key(fact) -> tuple:
    return (fact.province_code or "", fact.province_name, int(fact.year), fact.indicator_code)


def of_fact(fact) -> dict:
    """The columns a sources_agree finding takes from its fact (the rest comes from the reports of its key): a
    finding of the last table whose columns are these of a fact now holds for it while the reports are the same."""
    return dict(province_code=fact.province_code, province_name=fact.province_name, year=int(fact.year),
                indicator_codes=fact.indicator_code, expected=_fmt(fact.value))


def _conflict_finding(fact, reports: list[dict]) -> dict:
    """The sources_agree finding of one fact whose sources disagree, naming each value and the articles that report
    it, from every report {value, source_path, article_id} of its key."""
    reports = sorted(reports, key=lambda r: (r["value"], r["source_path"] or "", r["article_id"] or ""))
    by_value: dict[str, list[str]] = {}
    for report in reports:
        by_value.setdefault(_fmt(report["value"]), []).append(report["source_path"])
    paths = list(dict.fromkeys(r["source_path"] for r in reports))
    return finding_row(
        **of_fact(fact), rule=SOURCES_AGREE, severity=WARN, observed=", ".join(by_value), tolerance=_SAME_VALUE,
        detail=f"{fact.indicator_code}: " + "; ".join(f"{v} in {', '.join(p)}" for v, p in by_value.items())
               + f"; kept {_fmt(fact.value)}",
        article_id=LIST_SEPARATOR.join(dict.fromkeys(r["article_id"] for r in reports)),
        source_path=LIST_SEPARATOR.join(paths))


# What each article reported for every conflicting fact whose key more than one value was reported for: distinct
# (value, source_path, article_id) rows, fact after fact in the facts' order (`fact`: the fact's position among the
# conflicting ones, a registered frame), streamed a fact at a time (a list per key, fetched at once, held every
# mention of 100,000 articles: ~1.4 GB; in the facts' order, each finding can be written as soon as it is made).
# Only the facts' keys are grouped: a night that computes a few findings again reads the mentions of a few keys.
REPORT_ROWS_SQL = """
WITH m AS (SELECT coalesce(province_code, '') AS province_code, province_name, CAST(year AS INTEGER) AS year,
                  indicator_code, value, source_path, article_id
           FROM {mentions} WHERE year IS NOT NULL AND province_name IS NOT NULL),
     r AS (SELECT DISTINCT m.* FROM m SEMI JOIN {facts} USING (province_code, province_name, year, indicator_code)),
     k AS (SELECT province_code, province_name, year, indicator_code FROM r
           GROUP BY ALL HAVING count(DISTINCT round(value, 4)) > 1)
SELECT f.fact, r.value, r.source_path, r.article_id
FROM r SEMI JOIN k USING (province_code, province_name, year, indicator_code)
       JOIN {facts} AS f USING (province_code, province_name, year, indicator_code)
ORDER BY f.fact
"""


_FETCH_ROWS = 50_000


def findings_from(con, mentions_table: str, facts: pd.DataFrame) -> pd.DataFrame:
    """Every failed rule over the mentions in a table of `con`, streamed: memory does not grow with them."""
    return frame_of(article_findings_in(con, mentions_table) + list(iter_conflict_findings(con, mentions_table, facts)))


def article_findings_in(con, mentions_table: str, only_articles: str | None = None) -> list[dict]:
    """The per-article rules over the mentions of a table (of the articles listed in the one-column table
    only_articles, when given), streamed in group order."""
    and_where = f"AND article_id IN (SELECT * FROM {only_articles})" if only_articles else ""
    return article_findings(_fetched(con.execute(RULE_ROWS_SQL.format(mentions=mentions_table, and_where=and_where))))


def _fetched(cursor) -> Iterator[tuple]:
    """The rows of an executed query, fetched _FETCH_ROWS at a time."""
    while batch := cursor.fetchmany(_FETCH_ROWS):
        yield from batch


def iter_conflict_findings(con, mentions_table: str, facts: pd.DataFrame) -> Iterator[dict]:
    """The sources_agree findings of the conflicting facts, one at a time, in the facts' order: a finding can name
    hundreds of articles, so a caller that writes them as they come holds a few (issue 22). Reads through a cursor
    of its own: the caller may write on `con` between findings."""
    conflicting = list(facts[facts["conflict"].astype(bool)].itertuples(index=False))
    keys = pd.DataFrame([(i, *_fact_key(fact)) for i, fact in enumerate(conflicting)],
                        columns=["fact", "province_code", "province_name", "year", "indicator_code"])
    reader = con.cursor()
    try:
        reader.register("_conflicting_facts", keys)
        reader.execute(REPORT_ROWS_SQL.format(mentions=mentions_table, facts="_conflicting_facts"))
        done = 0  # facts before this one have their finding
        for i, group in itertools.groupby(_fetched(reader), key=lambda r: r[0]):
            for fact in conflicting[done:i]:  # no report of its key found: the finding says what it can
                yield _conflict_finding(fact, [])
            yield _conflict_finding(conflicting[i], [dict(value=r[1], source_path=r[2], article_id=r[3]) for r in group])
            done = i + 1
        for fact in conflicting[done:]:
            yield _conflict_finding(fact, [])
    finally:
        reader.close()


def frame_of(rows: list[dict]) -> pd.DataFrame:
    """Finding rows as a frame of marts.quality_findings' columns."""
    frame = pd.DataFrame(rows, columns=tables.QUALITY_FINDINGS.column_names)
    frame["acknowledged"] = frame["acknowledged"].fillna(False).astype(bool)
    return frame


def set_aside_findings(errors: pd.DataFrame, quarantined: pd.DataFrame) -> pd.DataFrame:
    """One warning per article that could not be read and per quarantined row: the data's fault, named."""
    out = [finding_row(rule=ARTICLE_NOT_READ, severity=WARN, expected="the article is read",
                       observed=f"{e.error_class} at {e.stage}", tolerance="none",
                       detail=f"{e.source_path}: {e.stage} raised {e.error_class}: {e.message}",
                       article_id=e.article_id, source_path=e.source_path)
           for e in errors.itertuples(index=False)]
    # The rows of one set-aside row in a fixed order, whatever order the batches stored them in (issue 22).
    order = ["row_id", "source_table", "check_name", "column_name", "failure_case"]
    quarantined = quarantined.sort_values(order, kind="stable", na_position="first") if len(quarantined) else quarantined
    for row_id, rows in quarantined.groupby("row_id", sort=True):
        first = rows.iloc[0]
        checks = "; ".join(dict.fromkeys(rows["check_name"].astype(str)))
        year = None if pd.isna(first["year"]) else int(first["year"])
        out.append(finding_row(province_name=None if pd.isna(first["province_name"]) else first["province_name"],
                               year=year, rule=ROW_QUARANTINED, severity=WARN, expected=checks,
                               observed=_fmt(float(first["value"])) if pd.notna(first["value"]) else "",
                               tolerance="none", detail=f"{first['source_table']} row {row_id} quarantined: {checks}",
                               article_id=first["article_id"], source_path=first["source_path"],
                               indicator_codes=first["indicator_code"]))
    return frame_of(out)


# Each finding's articles' headlines (rows of a registered frame {n, article_id}), '; '-joined in the order of its
# article ids; articles without a headline are left out, and a finding without any gets NULL.
TITLES_SQL = f"""
WITH ids AS (SELECT n, string_split(CAST(article_id AS VARCHAR), '{LIST_SEPARATOR}') AS ids FROM {{findings}}
             WHERE article_id <> ''),
     named AS (SELECT n, unnest(ids) AS article_id, unnest(range(len(ids))) AS place FROM ids)
SELECT named.n, string_agg(a.title, '{LIST_SEPARATOR}' ORDER BY named.place) FILTER (WHERE a.title <> '') AS titles
FROM named LEFT JOIN {{articles}} AS a USING (article_id)
GROUP BY named.n
"""


def titles_of(con, article_ids: pd.Series, articles_table: str) -> list[str | None]:
    """source_titles for findings' article_id cells, from the headlines of a table of `con` (article_id, title):
    joined in SQL, so the headlines of 100,000 articles are not held in Python."""
    if not len(article_ids):
        return []
    findings = pd.DataFrame({"n": range(len(article_ids)),
                             "article_id": [None if _missing(a) else str(a) for a in article_ids]})
    con.register("_finding_articles", findings)
    try:
        titled = dict(con.execute(TITLES_SQL.format(findings="_finding_articles", articles=articles_table)).fetchall())
    finally:
        con.unregister("_finding_articles")
    return [titled.get(i) for i in range(len(article_ids))]


def quality_findings(mentions: pd.DataFrame, facts: pd.DataFrame) -> pd.DataFrame:
    """Every failed rule, per article x province x year, plus one finding per conflicting fact (frames in)."""
    import duckdb

    con = duckdb.connect()
    try:
        con.register("mentions_view", mentions)
        con.execute("CREATE TABLE mentions_frame AS SELECT * FROM mentions_view")  # seen by the findings' own cursor
        return findings_from(con, "mentions_frame", facts)
    finally:
        con.close()
