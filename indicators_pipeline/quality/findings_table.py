"""marts.quality_findings written a batch at a time, the rows still true kept from the last table (issue 22).

Where every fact of 100,000 articles conflicts, each sources_agree finding names ~200 articles and the table
holds ~200 M characters (article ids, paths, every source's headline). Built whole in pandas it was held four
or five times over (finding dicts, a joined copy, the headlines, the acknowledged records, the insert: 1.2 GB).
Here the findings computed come one at a time and go in by batches, their headlines joined in SQL, so Python
holds one batch of findings.

A full pass builds the table whole, in its order (per-article findings by article, then sources_agree in the
facts' order, ...), sorted a bounded slice at a time (DuckDB sorts a 300 MB table of long strings only with more
than 256 MB). A night that computes a few findings again changes the table in place: the rows no longer true are
deleted, the computed ones appended, the acknowledgements of the kept rows set where they changed. Rebuilding
the table to keep its order cost the step and the publication each a rewrite of the whole table (0.25 s of ~13 MB
at 10,000 articles, ~200 MB at 100,000); its rows carry no order of their own, and readers sort (README, "Example
queries").
"""
from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from typing import Iterable, Iterator

import duckdb
import pandas as pd

from indicators_pipeline.quality.acknowledgements import STALE, Acknowledgement, acknowledge, matches
from indicators_pipeline.quality.rules import ERROR, WARN, frame_of, titles_of
from indicators_pipeline.warehouse import tables
from indicators_pipeline.warehouse.store import apply_changes, empty_frame, replace_rows, transaction

# A batch ends at this many characters of its long cells (at 100,000 articles where every fact conflicts, ~100
# sources_agree findings of ~40,000: ~10 MB of Python strings) or this many rows; each batch costs a few queries.
_BATCH_CHARS = 4_000_000
_BATCH_ROWS = 10_000
# The characters of the rows merged into the table by one statement: DuckDB sorts a statement's rows whole in
# memory (60 MB of strings sorted within its memory_limit of 256 MB, 300 MB did not), and a statement costs ~30 ms.
_SLICE_CHARS = 16_000_000
_LONG = ("article_id", "source_path", "detail", "source_titles")
FINDINGS = tables.QUALITY_FINDINGS.name
BUILDING = dataclasses.replace(tables.QUALITY_FINDINGS, name="marts._quality_findings_building")  # comments and all
# The sections of a full pass's table, in its order: per-article findings in group order (article, file, place,
# year; a group's own order kept), sources_agree in the facts' order, set-aside rows, corrections not applied; then
# the acknowledgements that matched nothing. Rows computed on a later night are appended in that order.
PER_ARTICLE, SOURCES_AGREE, SET_ASIDE, NOT_APPLIED = range(4)
_KEPT_SECTION = -1  # the rows kept of a table built anew: first, in their order
# The findings computed this run, with their place: section and position in it.
COMPUTED = dataclasses.replace(
    tables.QUALITY_FINDINGS, name="marts._quality_findings_computed",
    columns=(*tables.QUALITY_FINDINGS.columns, tables.Column("section", "INTEGER", "The table's section"),
             tables.Column("position", "BIGINT", "Place in the section")))
# The order over rows placed by section and position, the per-article ones by group first (rules.py reads their
# figures in group order).
_GROUP = ("f.article_id", "f.source_path", "coalesce(f.province_code, '')", "f.province_name", "f.year")
_ORDER_KEYS = ", ".join(f"CASE WHEN {{section}} = {PER_ARTICLE} THEN {c} END AS group_{i}" for i, c in enumerate(_GROUP))
_ORDER = ", ".join(["section", *(f"group_{i}" for i in range(len(_GROUP))), "position"])
# The order readers are shown findings in, whatever order the table's rows are in: by place in the alphabet's order
# (accents aside; Đ after D, not after Y where its code point puts it), then year (SQL expressions, NULLs last).
READING_ORDER = ("replace(strip_accents(province_name), 'Đ', 'D~')", "province_name", "year", "rule",
                 "indicator_codes", "source_path", "detail", "expected", "observed")
_COMBO = ("rule", "province_code", "province_name", "year", "indicator_codes")  # what an acknowledgement matches on
_CHARS = " + ".join(f"coalesce(length(f.{c}), 0)" for c in _LONG)
_COLUMNS = ", ".join(f"f.{c}" for c in tables.QUALITY_FINDINGS.column_names)
_TYPES = {c.name: c.type for c in tables.QUALITY_FINDINGS.columns}


def typed(column: str) -> str:
    """SQL selecting a column as the findings table types it (a frame's column arrives as what pandas made of it)."""
    return f"CAST({column} AS {_TYPES[column]}) AS {column}"


def records(frame: pd.DataFrame, slice_rows: int = 1_000) -> Iterator[dict]:
    """The rows of a frame of findings as dicts, a slice at a time (not all of them at once)."""
    for start in range(0, len(frame), slice_rows):
        yield from frame.iloc[start:start + slice_rows].to_dict("records")


def placed(section: int, findings: Iterable[dict]) -> Iterator[tuple[int, int, dict]]:
    """Findings of one section, in its order: (section, position, finding)."""
    for position, finding in enumerate(findings):
        yield section, position, finding


def _batches(findings: Iterable[tuple[int, int, dict]], chars: int, rows: int) -> Iterator[list[tuple[int, int, dict]]]:
    batch, size = [], 0
    for item in findings:
        batch.append(item)
        size += sum(len(item[2][c]) for c in _LONG if isinstance(item[2][c], str))
        if size >= chars or len(batch) >= rows:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def reading_order(*leading: str) -> str:
    """ORDER BY of READING_ORDER after the leading expressions, NULLs last: the checks and the asset preview alike."""
    return ", ".join(f"{c} NULLS LAST" for c in (*leading, *READING_ORDER))


def write_findings(con: duckdb.DuckDBPyConnection, findings: Iterable[tuple[int, int, dict]],
                   acks: list[Acknowledgement], kept: str | None = None,
                   articles_table: str = tables.ARTICLES.name, batch_chars: int = _BATCH_CHARS,
                   batch_rows: int = _BATCH_ROWS) -> None:
    """marts.quality_findings made of the findings computed, (section, position, finding), with their articles'
    headlines, and the rows of the old table that kept names (a table of old_rowid; None: none is kept),
    acknowledged as acknowledge() does it; then one finding per acknowledgement that matched none. A failure
    leaves the old table.

    The computed rows go into a table of their own, a batch a transaction. When they are few (one slice), the old
    table is changed in place in one transaction: the rows not kept deleted, the computed ones appended. Else the
    new table is built beside it, the kept rows in their order then the computed ones in the table's order, a slice
    a transaction, and takes its place in one transaction. (Written inside one transaction, every row waited
    uncommitted in memory, outside DuckDB's memory_limit: +300 MB at 100,000 articles.) The rowids kept names stay
    the table's until its own rows change: a checkpoint renumbers only the rows of a table it writes changes of."""
    with transaction(con):
        drop_leftover(con)
        apply_changes(con, [], replaced={COMPUTED: empty_frame(COMPUTED)})
    try:
        for batch in _batches(findings, batch_chars, batch_rows):
            frame = frame_of([finding for _, _, finding in batch])
            frame["source_titles"] = titles_of(con, frame["article_id"], articles_table)
            frame["section"] = [section for section, _, _ in batch]
            frame["position"] = [position for _, position, _ in batch]
            replace_rows(con, COMPUTED, "rule", [], frame)
        computed = {"computed": (f"{COMPUTED.name} AS f", "f.section", "f.position")}
        sources = computed if kept is None else \
            {"kept": (f"{FINDINGS} AS f JOIN {kept} AS k ON f.rowid = k.old_rowid", str(_KEPT_SECTION), "f.rowid"),
             **computed}
        used = _acknowledgements(con, _rows(sources), acks)
        # acknowledge() of no findings: a finding for each acknowledgement no row used, as it makes them
        stale = acknowledge(frame_of([]), [a for a in acks if a.line not in used])
        if kept is not None and _computed_chars(con) <= _SLICE_CHARS:
            with transaction(con):
                con.execute(f"DELETE FROM {FINDINGS} WHERE rowid NOT IN (SELECT old_rowid FROM {kept})")
                _acknowledge_kept(con)
                _merge(con, computed, FINDINGS)
                replace_rows(con, tables.QUALITY_FINDINGS, "rule", [], stale)
                con.execute(f"DROP TABLE {COMPUTED.name}")
            return
        with transaction(con):
            apply_changes(con, [], replaced={BUILDING: empty_frame(BUILDING)})
        _merge(con, sources, BUILDING.name)
        replace_rows(con, BUILDING, "rule", [], stale)
        with transaction(con):
            con.execute(f"DROP TABLE {COMPUTED.name}")
            con.execute(f"DROP TABLE IF EXISTS {FINDINGS}")
            con.execute(f"ALTER TABLE {BUILDING.name} RENAME TO {FINDINGS.split('.')[1]}")
    except BaseException:
        drop_leftover(con)
        raise


def _computed_chars(con: duckdb.DuckDBPyConnection) -> int:
    """The characters of the computed rows' long cells."""
    return con.execute(f"SELECT coalesce(sum({_CHARS}), 0) FROM {COMPUTED.name} AS f").fetchall()[0][0]


def _rows(sources: dict[str, tuple[str, str, str]]) -> str:
    """SQL of the rows of sources (name -> FROM clause, its findings table as f; section; position): (source, ref:
    its rowid there, section, position, the table's columns)."""
    return " UNION ALL ".join(f"SELECT '{name}' AS source, f.rowid AS ref, {section} AS section, {position} AS position, "
                              f"{_COLUMNS} FROM {from_}" for name, (from_, section, position) in sources.items())


def _order_keys(sources: dict[str, tuple[str, str, str]]) -> str:
    """SQL of what the table's order and its slices need of every row: (source, ref, section, position, the group
    keys: NULL but for per-article findings, chars: the long cells' length), not the long cells themselves. A window
    holds every column of its input in memory: over _rows(), the headlines of 5,400 sources_agree findings at
    100,000 articles (140 M characters) did not fit DuckDB's 256 MB."""
    return " UNION ALL ".join(f"SELECT '{name}' AS source, f.rowid AS ref, {section} AS section, {position} AS position, "
                              f"{_ORDER_KEYS.format(section=section)}, {_CHARS} AS chars FROM {from_}"
                              for name, (from_, section, position) in sources.items())


def _acknowledgements(con: duckdb.DuckDBPyConnection, rows: str, acks: list[Acknowledgement]) -> set[int]:
    """The temp table _acknowledged: acknowledge()'s acknowledgement for each combination of the columns an
    acknowledgement matches on that some acknowledgement covers; returns the lines of the acknowledgements used.
    Matched per combination, not per row: kept rows stay in SQL, and 10,000 findings have a few thousand."""
    usable: dict[str, list[Acknowledgement]] = {}  # an acknowledgement matches only findings of its rule
    for ack in acks:
        if not ack.problem:
            usable.setdefault(ack.rule, []).append(ack)
    acknowledged, used = [], set()
    if usable:
        rules = ", ".join(f"'{rule}'" for rule in usable)
        for combo in con.execute(f"SELECT DISTINCT {', '.join(_COMBO)} FROM ({rows}) WHERE rule IN ({rules})").fetchall():
            row = dict(zip(_COMBO, combo))
            covering = [a for a in usable[row["rule"]] if matches(a, row)]
            if covering:
                acknowledged.append((*combo, "; ".join(f"{a.reason} ({a.who})" for a in covering)))
                used.update(a.line for a in covering)
    con.register("_acknowledged_frame", pd.DataFrame(acknowledged, columns=[*_COMBO, "acknowledgement"], dtype=object))
    con.execute("CREATE OR REPLACE TEMP TABLE _acknowledged AS SELECT "
                + ", ".join(typed(c) for c in (*_COMBO, "acknowledgement"))
                + " FROM _acknowledged_frame")
    con.unregister("_acknowledged_frame")
    return used


def _merge(con: duckdb.DuckDBPyConnection, sources: dict[str, tuple[str, str, str]], target: str) -> None:
    """The rows of sources (see _rows) appended to target in the table's order, acknowledged, about _SLICE_CHARS
    characters a statement: the order is computed over keys alone, the long cells are read and sorted a slice at a
    time (a slice's rows lie in a range of rowids of each source, which the scans skip to)."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _findings_order AS
        SELECT source, ref, rank, (sum(chars) OVER (ORDER BY rank) - chars) // {_SLICE_CHARS} AS slice
        FROM (SELECT source, ref, chars, row_number() OVER (ORDER BY {_ORDER}) AS rank FROM ({_order_keys(sources)}))""")
    ranges = con.execute("SELECT slice, source, min(ref), max(ref) FROM _findings_order GROUP BY ALL ORDER BY ALL")
    same = _acknowledging("r")
    for part, slices in itertools.groupby(ranges.fetchall(), key=lambda r: r[0]):
        rows = " UNION ALL ".join(
            f"SELECT o.rank, {_COLUMNS} FROM {sources[name][0]} JOIN _findings_order AS o ON o.source = '{name}' "
            f"AND o.ref = f.rowid WHERE o.slice = {part} AND f.rowid BETWEEN {low} AND {high}"
            for _, name, low, high in slices)
        con.execute(f"""INSERT INTO {target} BY NAME
            SELECT r.* EXCLUDE (rank, acknowledged, acknowledgement), a.acknowledgement IS NOT NULL AS acknowledged,
                   a.acknowledgement
            FROM ({rows}) AS r LEFT JOIN _acknowledged AS a ON {same} ORDER BY r.rank""")


def _acknowledge_kept(con: duckdb.DuckDBPyConnection) -> None:
    """The rows of the table (those kept, inside the caller's transaction) whose acknowledgement is not
    _acknowledged's now (the file changed) get it; only they are written."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _acknowledged_again AS
        SELECT f.rowid AS ref, a.acknowledgement FROM {FINDINGS} AS f LEFT JOIN _acknowledged AS a
        ON {_acknowledging("f")}
        WHERE f.acknowledgement IS DISTINCT FROM a.acknowledgement""")
    if con.execute("SELECT count(*) FROM _acknowledged_again").fetchall()[0][0]:
        con.execute(f"""UPDATE {FINDINGS} AS f SET acknowledgement = r.acknowledgement,
                        acknowledged = r.acknowledgement IS NOT NULL
                        FROM _acknowledged_again AS r WHERE f.rowid = r.ref""")
    con.execute("DROP TABLE _acknowledged_again")


def _acknowledging(rows: str) -> str:
    """SQL joining rows (an alias) to their acknowledgement in _acknowledged (as a): alike in what it matches on."""
    return " AND ".join(f"{rows}.{c} IS NOT DISTINCT FROM a.{c}" for c in _COMBO)


def drop_leftover(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the tables a run killed while writing the findings left (a publication would copy them)."""
    for table in (COMPUTED, BUILDING):
        con.execute(f"DROP TABLE IF EXISTS {table.name}")


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
