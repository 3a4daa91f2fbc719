"""marts.quality_findings written a batch at a time (issue 22).

Where every fact of 100,000 articles conflicts, each sources_agree finding names ~200 articles and the table
holds ~200 M characters (article ids, paths, every source's headline). Built whole in pandas it was held four
or five times over (finding dicts, a joined copy, the headlines, the acknowledged records, the insert: 1.2 GB).
Here the findings come one at a time in the table's order and go in by batches: the headlines are joined in
SQL, the acknowledgements applied to each batch, so Python holds one batch of findings.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Iterable, Iterator

import duckdb
import pandas as pd

from indicators_pipeline.quality.acknowledgements import STALE, Acknowledgement, acknowledge, matches
from indicators_pipeline.quality.rules import ERROR, WARN, frame_of, titles_of
from indicators_pipeline.warehouse import tables
from indicators_pipeline.warehouse.store import apply_changes, empty_frame, replace_rows, table_exists, transaction

# A batch ends at this many characters of its long cells (at 100,000 articles where every fact conflicts, ~100
# sources_agree findings of ~40,000: ~10 MB of Python strings) or this many rows; each batch costs a few queries.
_BATCH_CHARS = 4_000_000
_BATCH_ROWS = 10_000
_LONG = ("article_id", "source_path", "detail")
BUILDING = dataclasses.replace(tables.QUALITY_FINDINGS, name="marts._quality_findings_building")  # comments and all


def records(frame: pd.DataFrame, slice_rows: int = 1_000) -> Iterator[dict]:
    """The rows of a frame of findings as dicts, a slice at a time (not all of them at once)."""
    for start in range(0, len(frame), slice_rows):
        yield from frame.iloc[start:start + slice_rows].to_dict("records")


def _batches(findings: Iterable[dict], chars: int, rows: int) -> Iterator[list[dict]]:
    batch, size = [], 0
    for finding in findings:
        batch.append(finding)
        size += sum(len(finding[c]) for c in _LONG if isinstance(finding[c], str))
        if size >= chars or len(batch) >= rows:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def write_findings(con: duckdb.DuckDBPyConnection, findings: Iterable[dict], acks: list[Acknowledgement],
                   articles_table: str = tables.ARTICLES.name, batch_chars: int = _BATCH_CHARS,
                   batch_rows: int = _BATCH_ROWS) -> None:
    """marts.quality_findings replaced by findings (rows in the table's order) with their articles' headlines and
    their acknowledgements, as acknowledge() fills them, then one finding per acknowledgement that matched none.

    The rows go into a table of their own, a batch a transaction, which takes the table's place at the end in one
    transaction: a failure leaves the old table. (Written inside that one transaction, every row waited uncommitted
    in memory, outside DuckDB's memory_limit: +300 MB at 100,000 articles.)"""
    used: set[int] = set()
    usable: dict[str, list[Acknowledgement]] = {}  # an acknowledgement matches only findings of its rule
    for ack in acks:
        if not ack.problem:
            usable.setdefault(ack.rule, []).append(ack)
    with transaction(con):
        drop_leftover(con)
        apply_changes(con, [], replaced={BUILDING: empty_frame(BUILDING)})
    try:
        for batch in _batches(findings, batch_chars, batch_rows):
            for row in batch:
                covering = [a for a in usable.get(row["rule"], ()) if matches(a, row)]
                row["acknowledged"] = bool(covering)
                row["acknowledgement"] = "; ".join(f"{a.reason} ({a.who})" for a in covering) or None
                used.update(a.line for a in covering)
            frame = frame_of(batch)
            frame["source_titles"] = titles_of(con, frame["article_id"], articles_table)
            replace_rows(con, BUILDING, "rule", [], frame)
        # acknowledge() of no findings: a finding for each acknowledgement no batch used, as it makes them
        replace_rows(con, BUILDING, "rule", [], acknowledge(frame_of([]), [a for a in acks if a.line not in used]))
        with transaction(con):
            con.execute(f"DROP TABLE IF EXISTS {tables.QUALITY_FINDINGS.name}")
            con.execute(f"ALTER TABLE {BUILDING.name} RENAME TO {tables.QUALITY_FINDINGS.name.split('.')[1]}")
    except BaseException:
        con.execute(f"DROP TABLE IF EXISTS {BUILDING.name}")
        raise


def drop_leftover(con: duckdb.DuckDBPyConnection) -> bool:
    """Drop the table a run killed while writing the findings left (a publication would copy it); whether one was."""
    if not table_exists(con, BUILDING):
        return False
    con.execute(f"DROP TABLE {BUILDING.name}")
    return True


@dataclass(frozen=True)
class Counts:
    errors: int  # open (not acknowledged) findings of severity error
    warnings: int
    acknowledged: int
    stale_acknowledgements: int


def counts(con: duckdb.DuckDBPyConnection) -> Counts:
    """What the findings step's metadata counts, counted where the table is."""
    return Counts(*(int(n) for n in con.execute(
        f"SELECT count(*) FILTER (NOT acknowledged AND severity = '{ERROR}'), "
        f"count(*) FILTER (NOT acknowledged AND severity = '{WARN}'), count(*) FILTER (acknowledged), "
        f"count(*) FILTER (rule = '{STALE}') FROM {tables.QUALITY_FINDINGS.name}").fetchall()[0]))
