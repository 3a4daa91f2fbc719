"""Metadata every table asset shows in the UI: row count, column schema, a preview."""

from typing import Any

import dagster as dg
import pandas as pd

from indicators_pipeline.warehouse.tables import Table

_PREVIEW_ROWS = 10
_PREVIEW_CHARS = 60


def column_schema(table: Table) -> dg.TableSchema:
    return dg.TableSchema(columns=[dg.TableColumn(c.name, c.type, description=c.description) for c in table.columns])


def preview(frame: pd.DataFrame, columns: list[str] | None = None) -> dg.MarkdownMetadataValue:
    shown = frame[columns] if columns else frame
    shown = shown.head(_PREVIEW_ROWS).astype(str).apply(lambda col: col.str.slice(0, _PREVIEW_CHARS))
    return dg.MetadataValue.md(shown.to_markdown(index=False) if len(shown) else "_no rows_")


def table_metadata(table: Table, frame: pd.DataFrame, preview_columns: list[str] | None = None,
                   **extra: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "dagster/row_count": len(frame),
        "dagster/column_schema": column_schema(table),
        "dagster/table_name": table.name,
        "preview": preview(frame, preview_columns),
    }
    metadata.update(extra)
    return metadata


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
    from indicators_pipeline.warehouse.store import read_table, row_count

    sample = read_table(con, table, preview_columns, where=f"true ORDER BY {order_by} LIMIT {_PREVIEW_ROWS}")
    metadata: dict[str, Any] = {
        "dagster/row_count": row_count(con, table),
        "dagster/column_schema": column_schema(table),
        "dagster/table_name": table.name,
        "preview": preview(sample),
    }
    metadata.update(extra)
    return metadata
