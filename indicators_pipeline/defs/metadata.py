"""Metadata every table asset shows in the UI: row count, column schema, a preview."""

from typing import Any

import dagster as dg
import pandas as pd

from indicators_pipeline.warehouse.store import read_table, row_count
from indicators_pipeline.warehouse.tables import Table

_PREVIEW_ROWS = 10
_CELL_CHARS = 160  # a cell longer than this is cut at a word and ends with '…'


def column_schema(table: Table) -> dg.TableSchema:
    return dg.TableSchema(columns=[dg.TableColumn(c.name, c.type, description=c.description) for c in table.columns])


def shorten(text: str, limit: int = _CELL_CHARS) -> str:
    """text cut at the last word boundary before limit, marked with '…' (never mid-word)."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return (cut if len(cut) > limit // 2 else text[:limit]).rstrip(" ,;:") + " …"


def _cell(value) -> str | None:
    """Every cell as text: years are labels, not measures to chart, and nothing can break the table."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return shorten(str(value))


def table_value(frame: pd.DataFrame, columns: list[str] | dict[str, str] | None = None,
                limit: int | None = _PREVIEW_ROWS) -> dg.TableMetadataValue:
    """Rows of a frame as a table the UI renders (not markdown): columns renamed by a dict {column: header}."""
    names = dict(columns) if isinstance(columns, dict) else {c: c for c in (columns or frame.columns)}
    shown = frame[list(names)] if limit is None else frame[list(names)].head(limit)
    records = [dg.TableRecord({names[c]: _cell(v) for c, v in zip(names, row)})
               for row in shown.itertuples(index=False, name=None)]
    schema = dg.TableSchema(columns=[dg.TableColumn(header, "string") for header in names.values()])
    return dg.MetadataValue.table(records=records, schema=schema)


def preview(frame: pd.DataFrame, columns: list[str] | None = None) -> dg.TableMetadataValue:
    return table_value(frame, columns)


def _metadata(table: Table, rows: int, sample: pd.DataFrame, extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "dagster/row_count": rows,
        "dagster/column_schema": column_schema(table),
        "dagster/table_name": table.name,
        "preview": preview(sample),
        **extra,
    }


def table_metadata(table: Table, frame: pd.DataFrame, preview_columns: list[str] | None = None,
                   **extra: Any) -> dict[str, Any]:
    return _metadata(table, len(frame), frame[preview_columns] if preview_columns else frame, extra)


def coverage(frame: pd.DataFrame) -> dict[str, Any]:
    """Provinces and years a table covers, for a reader who does not want to query."""
    if frame.empty:
        return {"provinces": 0, "years": "none"}
    years = pd.to_numeric(frame["year"], errors="coerce").dropna().astype(int)
    return {
        "provinces": int(frame["province_name"].nunique()),
        "years": f"{years.min()}–{years.max()}" if len(years) else "none",
    }


def stored_table_metadata(con, table: Table, preview_columns: list[str], order_by: str, **extra: Any) -> dict[str, Any]:
    """Metadata of a large table read from the warehouse itself: its size and first rows, not the whole."""
    sample = read_table(con, table, preview_columns, where=f"true ORDER BY {order_by} LIMIT {_PREVIEW_ROWS}")
    return _metadata(table, row_count(con, table), sample, extra)


def stored_coverage(con, table: Table) -> dict[str, Any]:
    """coverage() of a large table, computed where it is stored."""
    provinces, first, last = con.execute(
        f"SELECT count(DISTINCT province_name), min(year), max(year) FROM {table.name}").fetchall()[0]
    return {"provinces": int(provinces), "years": f"{first}–{last}" if first is not None else "none"}
