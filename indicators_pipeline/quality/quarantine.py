"""Rows that fail their pandera model are set aside, not fatal: one absurd figure never stops a refresh.

A row-level failure (a value out of range, above the catalogue's plausible maximum, a year after the
publication) is the article's problem: the row goes to `staging.quarantined_rows` with the check,
the column and the value, and stays out of facts and rollups. What makes a whole table untrustworthy
(a column missing, a type that does not coerce, or more than a set share of rows invalid, which
says a rule is broken rather than an article odd) still fails the blocking check.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa

from indicators_pipeline.quality.schemas import validate
from indicators_pipeline.warehouse import tables

# The blocking check fails when more than this share of a table's rows is quarantined ...
DEFAULT_MAX_INVALID_SHARE = 0.01
# ... and more than this many rows are: a few odd articles in a small corpus are findings, not a broken rule.
MIN_INVALID_ROWS_TO_BLOCK = 10


def max_invalid_share() -> float:
    """INDICATORS_MAX_INVALID_SHARE (default 1 %), read when a check runs."""
    configured = os.environ.get("INDICATORS_MAX_INVALID_SHARE")
    return float(configured) if configured else DEFAULT_MAX_INVALID_SHARE


@dataclass
class Screened:
    valid: pd.DataFrame  # the rows that passed, in their order
    quarantined: pd.DataFrame  # tables.QUARANTINED_ROWS: one row per failed check of a set-aside row
    table_failures: pd.DataFrame  # failures with no row (a missing column, a type): the table is untrustworthy


def screen(model: type[pa.DataFrameModel], frame: pd.DataFrame, source_table: tables.Table,
           row_id: pd.Series) -> Screened:
    """Split a frame into the rows its model accepts and quarantine rows for the others.

    row_id gives each row's id in the quarantine (a mention_id, or a fact's key written out).
    """
    frame = frame.reset_index(drop=True)
    failures = validate(model, frame)
    row_level = failures[pd.to_numeric(failures["index"], errors="coerce").notna()] if len(failures) else failures
    table_level = failures.drop(row_level.index) if len(failures) else failures
    if row_level.empty:
        return Screened(frame, pd.DataFrame(columns=tables.QUARANTINED_ROWS.column_names), table_level)
    # A check across columns reports every column of the row: one quarantine row per row and check.
    across = row_level["schema_context"].astype(str) == "DataFrameSchema"
    bad = (row_level.assign(index=row_level["index"].astype(int), across=across, column=row_level["column"].where(~across, None))
           .drop_duplicates(["index", "check"]).reset_index(drop=True))
    rows = frame.loc[bad["index"]]
    row_id = row_id.reset_index(drop=True)

    def column(*names: str) -> list:
        """The rows' values of the first of names the frame has (rollups name their value and place otherwise)."""
        present = next((n for n in names if n in rows.columns), None)
        return list(rows[present]) if present else [None] * len(rows)

    values = column("value", "value_max")
    quarantined = pd.DataFrame({
        "source_table": source_table.name,
        "row_id": list(row_id.loc[bad["index"]]),
        "article_id": column("article_id"),
        "source_path": column("source_path"),
        "indicator_code": column("indicator_code"),
        "province_name": column("province_name", "group_name"),
        "year": column("year"),
        "value": values,
        "check_name": list(bad["check"].astype(str)),
        "column_name": [None if c is None or pd.isna(c) else str(c) for c in bad["column"]],
        # A check across columns names no one value: the row's value is what failed.
        "failure_case": [str(v) if row_across else str(case) for v, row_across, case in
                         zip(values, bad["across"], bad["failure_case"])],
    }, columns=tables.QUARANTINED_ROWS.column_names)
    valid = frame.drop(index=sorted(set(bad["index"]))).reset_index(drop=True)
    return Screened(valid, quarantined, table_level)


@dataclass(frozen=True)
class Verdict:
    blocked: bool
    rows: int  # rows kept in the table
    quarantined: int  # distinct rows set aside
    share: float
    reason: str


def verdict(kept_rows: int, quarantined_rows: int, table_failures: int, max_share: float | None = None) -> Verdict:
    """Whether a table is trustworthy as a whole, given what was set aside from it."""
    limit = max_invalid_share() if max_share is None else max_share
    total = kept_rows + quarantined_rows
    share = quarantined_rows / total if total else 0.0
    if table_failures:
        return Verdict(True, kept_rows, quarantined_rows, share, f"{table_failures} failures of the table itself (a column or type)")
    if share > limit and quarantined_rows > MIN_INVALID_ROWS_TO_BLOCK:
        return Verdict(True, kept_rows, quarantined_rows, share,
                       f"{quarantined_rows} of {total} rows invalid ({share:.1%} > {limit:.1%}): a rule is broken, not an article")
    return Verdict(False, kept_rows, quarantined_rows, share,
                   f"{quarantined_rows} rows quarantined ({share:.2%}, limit {limit:.1%})" if quarantined_rows else "all rows valid")
