"""pandera models of the mentions, yearly facts and rollups: what a row may hold at all.

`validate` runs a model lazily, so a failure lists every bad row, not the first.
"""
from __future__ import annotations

import datetime as dt
import functools
from typing import Iterable

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from indicators_pipeline import reference

FIRST_YEAR = 2000  # e-government reporting starts in the 2000s; earlier is a misread number
RANGES = {"percent": (0.0, 100.0), "rank": (1.0, 63.0), "count": (0.0, None), "billion_vnd": (0.0, None), "points": (0.0, 100.0)}


def last_year() -> int:
    return dt.date.today().year + 1


@functools.cache
def _codes() -> list[str]:
    return list(reference.indicators())


@functools.cache
def _province_codes() -> list[str]:
    return [*reference.provinces(), reference.NATIONAL_CODE]


@functools.cache
def _place_names() -> list[str]:
    names = {p.name for p in reference.provinces().values()} | {u.name for u in reference.provinces_2025().values()}
    return sorted(names | {reference.NATIONAL_NAME})


def _value_in_unit_range(frame: pd.DataFrame) -> pd.Series:
    # Bounds as floats (NaN where a unit has none): an object column of None and numbers would be downcast by fillna.
    lows = pd.to_numeric(frame["unit"].map(lambda u: RANGES.get(u, (None, None))[0]), errors="coerce").astype(float)
    highs = pd.to_numeric(frame["unit"].map(lambda u: RANGES.get(u, (None, None))[1]), errors="coerce").astype(float)
    above = lows.isna() | (frame["value"] >= lows.fillna(0.0))
    below = highs.isna() | (frame["value"] <= highs.fillna(0.0))
    return above & below


@functools.cache
def _upper_bounds() -> dict[str, float]:
    return {code: i.upper_bound for code, i in reference.indicators().items() if i.upper_bound is not None}


def _value_plausible(frame: pd.DataFrame) -> pd.Series:
    bounds = frame["indicator_code"].map(_upper_bounds())
    return bounds.isna() | (frame["value"] <= bounds)


def _unit_matches_catalogue(frame: pd.DataFrame) -> pd.Series:
    units = {code: i.unit for code, i in reference.indicators().items()}
    return frame["indicator_code"].map(units) == frame["unit"]


class _CatalogueValues(pa.DataFrameModel):
    """A value of a catalogue indicator, in the unit the catalogue gives and within its range."""

    indicator_code: Series[str] = pa.Field(isin=_codes())
    value: Series[float] = pa.Field(ge=0)
    unit: Series[str] = pa.Field(isin=list(RANGES))

    @pa.dataframe_check(error="value outside the range of its unit (percent 0-100, rank 1-63, counts >= 0)")
    def value_in_unit_range(cls, frame: pd.DataFrame) -> pd.Series:
        return _value_in_unit_range(frame)

    @pa.dataframe_check(error="unit differs from the catalogue's")
    def unit_matches_catalogue(cls, frame: pd.DataFrame) -> pd.Series:
        return _unit_matches_catalogue(frame)

    @pa.dataframe_check(error="value above the catalogue's plausible maximum for the indicator (a misread number)")
    def value_plausible(cls, frame: pd.DataFrame) -> pd.Series:
        return _value_plausible(frame)


class MentionModel(_CatalogueValues):
    """staging.indicator_mentions and staging.indicator_targets."""

    mention_id: Series[str] = pa.Field(unique=True)
    article_id: Series[str]
    qualifier: Series[str] = pa.Field(isin=["exact", "more_than", "about", "at_least"])
    province_code: Series[str] = pa.Field(nullable=True, isin=_province_codes())
    province_name: Series[str] = pa.Field(nullable=True, isin=_place_names())
    year: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=FIRST_YEAR, coerce=True)
    char_start: Series[int] = pa.Field(ge=0)
    char_end: Series[int] = pa.Field(ge=0)
    published_date: Series[pd.Timestamp] = pa.Field(nullable=True, coerce=True)
    confidence: Series[float] = pa.Field(nullable=True, ge=0, le=1)

    class Config:
        coerce = True  # DuckDB reads INTEGER as int32; the model is about values, not widths

    @pa.dataframe_check(error="evidence span is empty or reversed")
    def span_is_ordered(cls, frame: pd.DataFrame) -> pd.Series:
        return frame["char_start"] < frame["char_end"]

    @pa.dataframe_check(error="year after the article's publication year + 1, or in the future")
    def year_not_after_publication(cls, frame: pd.DataFrame) -> pd.Series:
        published = pd.to_datetime(frame["published_date"], errors="coerce").dt.year
        limit = published.fillna(last_year() - 1).clip(upper=last_year() - 1) + 1
        return frame["year"].isna() | (frame["year"].astype("float") <= limit)


class FactModel(_CatalogueValues):
    """marts.fact_indicator_yearly: one row per province x year x indicator."""

    province_code: Series[str] = pa.Field(nullable=True, isin=_province_codes())
    province_name: Series[str] = pa.Field(isin=_place_names())
    province_2025_code: Series[str] = pa.Field(nullable=True)
    year: Series[int] = pa.Field(ge=FIRST_YEAR, coerce=True)
    n_articles: Series[int] = pa.Field(ge=1, coerce=True)
    conflict: Series[bool]
    is_post_merger: Series[bool]

    class Config:
        coerce = True
        # In 2025 an old province (first half) and its merged unit (second half) may share a name.
        unique = ["province_name", "province_2025_code", "year", "indicator_code", "is_post_merger"]

    @pa.check("year", error="year in the future")
    def year_not_future(cls, year: Series[int]) -> Series[bool]:
        return year <= last_year()


class RollupModel(pa.DataFrameModel):
    """marts.rollup_indicator_yearly."""

    year: Series[int] = pa.Field(ge=FIRST_YEAR, coerce=True)
    indicator_code: Series[str] = pa.Field(isin=_codes())
    grouping: Series[str] = pa.Field(isin=["national", "region", "province_2025"])
    group_name: Series[str]
    n_provinces: Series[int] = pa.Field(ge=1, coerce=True)
    coverage: Series[float] = pa.Field(ge=0, le=1, nullable=True)
    value_min: Series[float]
    value_max: Series[float]

    class Config:
        coerce = True
        unique = ["year", "indicator_code", "grouping", "group_name"]

    @pa.dataframe_check(error="minimum above maximum")
    def min_not_above_max(cls, frame: pd.DataFrame) -> pd.Series:
        return frame["value_min"] <= frame["value_max"]


def validate(model: type[pa.DataFrameModel], frame: pd.DataFrame) -> pd.DataFrame:
    """The failure cases of a frame under a model (empty when it passes), every one of them."""
    try:
        model.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        return cases[[c for c in FAILURE_COLUMNS if c in cases.columns]]
    return no_failures()


FAILURE_COLUMNS = ("schema_context", "column", "check", "index", "failure_case")


def no_failures() -> pd.DataFrame:
    """validate's answer for a frame that passes."""
    return pd.DataFrame(columns=list(FAILURE_COLUMNS))


MAX_FAILURE_CASES = 1000  # enough to see what is wrong; a broken rule can fail millions of rows


# Rows pandera validates at once: it copies the frame to coerce it and builds columns for every check, so
# 200,000 mentions took ~550 MB beside the frame (issue 22: 100,000 articles under 1 GB); 50,000 take a quarter.
VALIDATE_ROWS = 50_000


def validate_chunks(model: type[pa.DataFrameModel], chunks: Iterable[pd.DataFrame]) -> tuple[pd.DataFrame, int]:
    """Failure cases over a table read in chunks (uniqueness holds within VALIDATE_ROWS rows), and the rows checked."""
    found: list[pd.DataFrame] = []
    rows = 0
    for chunk in chunks:
        for start in range(0, len(chunk), VALIDATE_ROWS):
            part = chunk.iloc[start:start + VALIDATE_ROWS]
            failures = validate(model, part.set_axis(range(rows, rows + len(part))))
            rows += len(part)
            if len(failures) and sum(len(f) for f in found) < MAX_FAILURE_CASES:
                found.append(failures)
    if not found:
        return no_failures(), rows
    return pd.concat(found, ignore_index=True).head(MAX_FAILURE_CASES), rows


def model_columns(model: type[pa.DataFrameModel]) -> list[str]:
    return list(model.to_schema().columns)
