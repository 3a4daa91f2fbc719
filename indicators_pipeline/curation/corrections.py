"""Analysts' corrections to extracted figures, kept as data beside the code and applied on every refresh.

No extractor reads every real article right. A person who finds a wrong figure adds one row to
`data/curation/corrections.csv`; the nightly re-parse, a new extractor version or a renamed file
does not undo it, because a row names its figure by what survives them: the article (its id, else
its title, else its file) and the figure's own words (indicator, value as read, evidence text) —
never a row number or a character offset.

Actions: `accept` (the reading is right), `reject` (drop it), `set` (correct its value, indicator,
province or year), `add` (a figure the extractor missed, with its evidence, which must be in the
article). A row that no longer matches anything is reported, never silently dropped.
"""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from indicators_pipeline import reference

COLUMNS = ["article_id", "title", "source_path", "indicator", "value", "evidence", "action",
           "new_value", "new_indicator", "new_province", "new_year", "reason", "who", "when"]
ACTIONS = ("accept", "reject", "set", "add")
STATUS = {"accept": "accepted", "reject": "rejected", "set": "corrected", "add": "added"}
_VALUE_TOLERANCE = 1e-6


class CorrectionsFileError(ValueError):
    """A corrections file that cannot be applied: the message names the line and what is wrong."""


@dataclass(frozen=True)
class Correction:
    line: int  # line of the file (the header is line 1), for messages
    article_id: str
    title: str
    source_path: str
    indicator: str
    value: float | None
    evidence: str
    action: str
    new_value: float | None
    new_indicator: str
    new_province: str
    new_year: int | None
    reason: str
    who: str
    when: str

    @property
    def key(self) -> str:
        """How the correction is named in the warehouse and in findings."""
        return f"line {self.line}: {self.action} {self.indicator or self.new_indicator} {self.evidence[:60]!r}"


def _number(text: str, line: int, column: str) -> float | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        raise CorrectionsFileError(f"line {line}: {column} {text!r} is not a number (write 1937 or 98.92)") from None
    if math.isnan(value) or math.isinf(value):
        raise CorrectionsFileError(f"line {line}: {column} {text!r} is not a number")
    return value


def parse(text: str) -> list[Correction]:
    """The corrections of a file's text; a malformed row raises CorrectionsFileError naming its line."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("indicator", "evidence", "action", "reason", "who") if c not in (reader.fieldnames or [])]
    if missing:
        raise CorrectionsFileError(f"line 1: the header lacks {', '.join(missing)} (columns: {', '.join(COLUMNS)})")
    catalogue = reference.indicators()
    places = {p.name for p in reference.provinces().values()} | {u.name for u in reference.provinces_2025().values()}
    out = []
    for number, row in enumerate(reader, start=2):
        row = {k: (v or "").strip() for k, v in row.items() if k is not None}
        if not any(row.values()):
            continue
        action = row.get("action", "").lower()
        if action not in ACTIONS:
            raise CorrectionsFileError(f"line {number}: action {row.get('action')!r} is not one of {', '.join(ACTIONS)}")
        for needed in ("evidence", "reason", "who"):
            if not row.get(needed):
                raise CorrectionsFileError(f"line {number}: {needed} is empty (every decision says what, why and who)")
        if not (row.get("article_id") or row.get("title") or row.get("source_path")):
            raise CorrectionsFileError(f"line {number}: name the article (article_id, title or source_path)")
        for column in ("indicator", "new_indicator"):
            if row.get(column) and row[column] not in catalogue:
                raise CorrectionsFileError(f"line {number}: {column} {row[column]!r} is not in the catalogue")
        if row.get("new_province") and row["new_province"] not in places | {reference.NATIONAL_NAME}:
            raise CorrectionsFileError(f"line {number}: new_province {row['new_province']!r} is no province name "
                                       f"(GSO spelling, a 2025 unit, or 'national')")
        year = _number(row.get("new_year", ""), number, "new_year")
        correction = Correction(
            line=number, article_id=row.get("article_id", ""), title=row.get("title", ""),
            source_path=row.get("source_path", ""), indicator=row.get("indicator", ""),
            value=_number(row.get("value", ""), number, "value"), evidence=row["evidence"], action=action,
            new_value=_number(row.get("new_value", ""), number, "new_value"), new_indicator=row.get("new_indicator", ""),
            new_province=row.get("new_province", ""), new_year=int(year) if year is not None else None,
            reason=row["reason"], who=row["who"], when=row.get("when", ""))
        if action != "add" and not correction.indicator:
            raise CorrectionsFileError(f"line {number}: indicator is empty (the figure's indicator as the extractor read it)")
        if action == "set" and not (correction.new_value is not None or correction.new_indicator
                                    or correction.new_province or correction.new_year is not None):
            raise CorrectionsFileError(f"line {number}: 'set' changes nothing (fill new_value, new_indicator, "
                                       f"new_province or new_year)")
        if action == "add" and not ((correction.new_indicator or correction.indicator)
                                    and (correction.new_value is not None or correction.value is not None)):
            raise CorrectionsFileError(f"line {number}: 'add' needs the indicator and the value of the missed figure")
        out.append(correction)
    return out


def load(path: Path) -> list[Correction]:
    """The corrections file at path; none when it does not exist or is empty (0 bytes, or a BOM and blank lines)."""
    if not path.exists():
        return []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise CorrectionsFileError(f"{path}: not UTF-8 ({error})") from None
    if not text.strip():
        return []  # an empty file corrects nothing; it has no header to check
    try:
        return parse(text)
    except CorrectionsFileError as error:
        raise CorrectionsFileError(f"{path}: {error}") from None


@dataclass
class Applied:
    reviewed: pd.DataFrame  # the mentions facts are built from: rejected ones out, corrected ones changed, added ones in
    status: pd.DataFrame  # mention_id, review_status, review_reason of the mentions as the extractor read them
    outcomes: pd.DataFrame  # one row per correction: line, action, matched mention ids, applied, problem
    stale: list[str] = field(default_factory=list)  # messages of corrections that match nothing (or too much)


def _articles_for(correction: Correction, articles: pd.DataFrame) -> pd.DataFrame:
    """The article a correction names: by id, else by title, else by file (edited or renamed articles)."""
    for column, wanted in (("article_id", correction.article_id), ("title", correction.title),
                           ("source_path", correction.source_path)):
        if wanted:
            found = articles[articles[column].astype(str) == wanted]
            if len(found):
                return found
    return articles.iloc[0:0]


def _same_value(a, b) -> bool:
    return a is None or (b is not None and not pd.isna(b) and abs(float(a) - float(b)) <= _VALUE_TOLERANCE * max(1.0, abs(float(a))))


def apply(corrections: list[Correction], mentions: pd.DataFrame, articles: pd.DataFrame,
          text_of: Callable[[str], str] | None = None) -> Applied:
    """Apply corrections to mentions (rows of staging.indicator_mentions) of articles (article_id, title,
    source_path, published_date, province_name, reference_year, and text unless text_of(article_id) reads
    it: only the articles an added figure quotes are read)."""
    # One order whatever order the tables were read in: a correction naming a title two articles share applies to
    # the first by file, and the rows come out the same on every refresh (issue 22).
    articles = articles.sort_values(["source_path", "article_id"], kind="stable").reset_index(drop=True)
    mentions = mentions.sort_values("mention_id", kind="stable").reset_index(drop=True)
    status = pd.DataFrame({"mention_id": mentions["mention_id"], "review_status": "unreviewed",
                           "review_reason": pd.Series([None] * len(mentions), dtype="object")})
    status = status.set_index("mention_id")
    reviewed = mentions.copy().set_index("mention_id", drop=False)
    added: list[dict] = []
    outcomes, stale = [], []
    for correction in corrections:
        targets = _articles_for(correction, articles)
        problem, matched = None, []
        if targets.empty:
            problem = "the article it names is not in the warehouse (removed, or renamed and retitled)"
        elif correction.action == "add":
            article = targets.iloc[0]
            text = text_of(article["article_id"]) if text_of is not None else article["text"]
            start = str(text).find(correction.evidence)
            if start < 0:
                problem = "its evidence is not in the article's text: an added figure must quote the article"
            else:
                added.append(_added_row(correction, article, start))
                matched = [added[-1]["mention_id"]]
        else:
            candidates = mentions[mentions["article_id"].isin(targets["article_id"])
                                  & (mentions["indicator_code"] == correction.indicator)
                                  & (mentions["evidence"].astype(str) == correction.evidence)]
            candidates = candidates[[_same_value(correction.value, v) for v in candidates["value"]]]
            if candidates.empty:
                problem = "no mention has this indicator, value and evidence any more (the text or the reading changed)"
            elif len(candidates) > 1:
                problem = f"{len(candidates)} mentions match; add the value to tell them apart"
            else:
                mention_id = candidates["mention_id"].iloc[0]
                matched = [mention_id]
                status.loc[mention_id, ["review_status", "review_reason"]] = [STATUS[correction.action], correction.reason]
                if correction.action == "reject":
                    reviewed = reviewed.drop(index=mention_id)
                elif correction.action == "set":
                    _set(reviewed, mention_id, correction)
        if problem:
            stale.append(f"{correction.key}: {problem}")
        outcomes.append(dict(line=correction.line, action=correction.action, indicator=correction.indicator or correction.new_indicator,
                             evidence=correction.evidence, matched="|".join(matched), applied=problem is None,
                             problem=problem, reason=correction.reason, who=correction.who))
    reviewed = reviewed.reset_index(drop=True)
    reviewed["review_status"] = reviewed["mention_id"].map(status["review_status"]).fillna("unreviewed")
    if added:
        reviewed = pd.concat([reviewed, _typed_like(pd.DataFrame(added, columns=reviewed.columns), reviewed)],
                             ignore_index=True) if len(reviewed) else pd.DataFrame(added, columns=reviewed.columns)
    return Applied(reviewed, status.reset_index(), pd.DataFrame(outcomes, columns=OUTCOME_COLUMNS), stale)


def _typed_like(rows: pd.DataFrame, like: pd.DataFrame) -> pd.DataFrame:
    """Columns the added rows leave empty take the mentions' type (pandas no longer lets an all-NULL column decide)."""
    for column in rows.columns:
        if rows[column].isna().all():
            try:
                rows[column] = rows[column].astype(like[column].dtype)
            except (TypeError, ValueError):  # an integer column cannot hold NULL: it becomes a float one either way
                rows[column] = rows[column].astype(float)
    return rows


OUTCOME_COLUMNS = ["line", "action", "indicator", "evidence", "matched", "applied", "problem", "reason", "who"]


def _set(reviewed: pd.DataFrame, mention_id: str, correction: Correction) -> None:
    if correction.new_value is not None:
        reviewed.loc[mention_id, "value"] = correction.new_value
    if correction.new_indicator:
        reviewed.loc[mention_id, "indicator_code"] = correction.new_indicator
        reviewed.loc[mention_id, "unit"] = reference.indicators()[correction.new_indicator].unit
    if correction.new_province:
        for column, value in zip(("province_code", "province_name", "province_2025_code"), _place(correction.new_province)):
            reviewed.loc[mention_id, column] = value
    if correction.new_year is not None:
        reviewed.loc[mention_id, "year"] = correction.new_year


def _place(name: str) -> tuple[str | None, str, str | None]:
    """(GSO code, name, 2025 unit code) of a province, a 2025 unit or 'national'."""
    if name == reference.NATIONAL_NAME:
        return reference.NATIONAL_CODE, name, None
    for province in reference.provinces().values():
        if province.name == name:
            return province.code, name, reference.unit_2025_of(province.code).code
    unit = next(u for u in reference.provinces_2025().values() if u.name == name)
    return (unit.former_codes[0] if len(unit.former_codes) == 1 else None), name, unit.code


def _added_row(correction: Correction, article: pd.Series, start: int) -> dict:
    indicator = correction.new_indicator or correction.indicator
    value = correction.new_value if correction.new_value is not None else correction.value
    # Unless the row says otherwise, the figure is the article's own: its province, its year of undated figures.
    if correction.new_province:
        code, name, unit_code = _place(correction.new_province)
    elif article.get("province_name") and not pd.isna(article.get("province_name")):
        code, name, unit_code = _place(article["province_name"])
    else:
        code, name, unit_code = None, None, None
    year = correction.new_year
    if year is None and article.get("reference_year") is not None and not pd.isna(article.get("reference_year")):
        year = int(article["reference_year"])
    return dict(mention_id=f"{article['article_id']}:{indicator}:{start}-{start + len(correction.evidence)}:added",
                article_id=article["article_id"], source_path=article["source_path"], indicator_code=indicator,
                value=float(value), unit=reference.indicators()[indicator].unit, qualifier="exact",
                province_code=code, province_name=name, province_2025_code=unit_code, year=year,
                evidence=correction.evidence, char_start=start, char_end=start + len(correction.evidence), decimals=None,
                published_date=article.get("published_date"), extractor_version="analyst", rule="added_by_analyst",
                review_status="added")
