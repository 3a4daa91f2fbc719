"""A copy of the published file brought to the working database's content by rewriting only the rows that differ.

Copying the whole working database costs seconds at 10,000 articles, also when ten articles arrived.
A file-level copy of the published file costs a few hundredths; what differs is then written into it:
a table whose fingerprint equals the working table's stays as it is; in a table with an `article_id`
column, the rows of the articles whose rows differ (an order-free hash of each article's rows, on both
sides) are deleted and inserted again; in a table whose rows have no order (BY_ROW: the quality findings, ~13 MB
at 10,000 articles of which a night of ten new articles changes a few rows), the rows with no equal on the other
side, each row its own key (its hash); any other table that differs (the facts and rollups: small, and in an
order of their own) is replaced whole.
Every table written is fingerprinted again afterwards and must equal the working one.

The copy's side of that comparison need not be hashed when the last publication kept its hashes: after a
publication the published rows are the working rows they were checked against, so the working side's hashes
are theirs (save_row_hashes; publish.py says when they may be read).

The catalogue (schemas, tables, columns, types, views, constraints, comments, ...) is not patched:
when it changed, publish.py copies the whole database instead. Works on one connection with the
working database attached as `work` and the copy as `pub`; no Dagster here.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from indicators_pipeline.warehouse import tables
from indicators_pipeline.warehouse.fingerprint import combined, hash_sums, of_tables, sums_fingerprint

ARTICLE_KEY = "article_id"
# BI's tables: their steps write them whole, in an order of their own, where the working database's other tables
# change article by article. Replaced whole when they changed, they keep that order ...
WRITTEN_WHOLE_SCHEMAS = ("marts",)
# ... but for these, whose rows are in no order (their step appends what it computes again): keyed by row.
BY_ROW = (tables.QUALITY_FINDINGS.name,)
_ROW_KEY = "hash(f)"
# How save_row_hashes keys each table: a side file of another layout is not comparable.
HASHES_LAYOUT = f"by article but {', '.join(WRITTEN_WHOLE_SCHEMAS)}; by row: {', '.join(BY_ROW)}"
PUBLICATION_TABLE = ("meta", "publication")  # written by publish.py, not copied from the working database

# DuckDB's catalogue functions, and which of their rows are the database's own (not built in).
_CATALOGUE = {
    "duckdb_schemas": "NOT internal",
    "duckdb_tables": "NOT internal",
    "duckdb_columns": "NOT internal",
    "duckdb_views": "NOT internal",
    "duckdb_constraints": "true",
    "duckdb_indexes": "true",
    "duckdb_sequences": "true",
    "duckdb_functions": "NOT internal",
    "duckdb_types": "NOT internal",
}
# Columns of those functions that change with the rows or the session, not with the catalogue.
_NOT_CATALOGUE = {"database_name", "estimated_size", "is_bound"}


class RowsDiffer(Exception):
    """A table of the updated copy does not hold the working table's rows: the copy must not be published."""


@dataclass
class RowsChanged:
    """What write_differences wrote into the copy."""
    tables_replaced: list[str] = field(default_factory=list)  # changed tables without article_id, rewritten whole
    articles_by_table: dict[str, int] = field(default_factory=dict)  # article-keyed tables: articles rewritten
    rows_by_table: dict[str, int] = field(default_factory=dict)  # BY_ROW tables: distinct rows deleted or inserted
    articles: int = 0  # distinct articles whose rows were rewritten, over all tables
    rows_written: int = 0
    tables_unchanged: int = 0

    @property
    def tables_touched(self) -> int:
        return len(self.tables_replaced) + len(self.articles_by_table) + len(self.rows_by_table)


def catalogue_fingerprint(con: duckdb.DuckDBPyConnection, database: str) -> str:
    """Everything of a database but its rows: schemas, tables, columns and types, views, constraints, indexes,
    sequences, macros, types and every comment. Compared only with the same database's earlier fingerprint:
    a copied view's SQL is printed differently from the original's."""
    parts = []
    for function, own in _CATALOGUE.items():
        rows = con.execute(f"SELECT {_catalogue_columns(con, function)} FROM {function}() "
                           f"WHERE database_name = ? AND {own}", [database]).fetchall()
        parts.append(f"{function}:{sorted(repr(row) for row in rows)}")
    return combined(*parts)


_CATALOGUE_COLUMNS: dict[str, str] = {}


def _catalogue_columns(con: duckdb.DuckDBPyConnection, function: str) -> str:
    """The columns of a catalogue function that describe the catalogue (looked up once: they depend on DuckDB's
    version only)."""
    if function not in _CATALOGUE_COLUMNS:
        _CATALOGUE_COLUMNS[function] = ", ".join(
            _quoted(name) for name, *_ in con.execute(f"DESCRIBE SELECT * FROM {function}()").fetchall()
            if not name.endswith("oid") and name not in _NOT_CATALOGUE)
    return _CATALOGUE_COLUMNS[function]


@dataclass
class WorkingHashes:
    """The working database's rows hashed once: each article's rows of the tables keyed by article (temp tables
    work_articles_<number>), the other tables whole. They say what the database holds (content(): the fingerprint
    of every table the publish step compares with the last publication's) and, against the published side's,
    which rows differ (differences())."""
    names: list[tuple[str, str]]  # (schema, table) of every table, in order
    numbers: dict[str, int]  # keyed tables (quoted schema.table): the number of their temp table
    keys: dict[str, str]  # keyed tables: their key, article_id or the row's hash (BY_ROW)
    fingerprints: dict[str, tuple[int, int, int]]  # every table: (rows, sum, xor), a keyed one's summed over its articles

    @property
    def sizes(self) -> dict[str, int]:
        return {table: rows for table, (rows, _, _) in self.fingerprints.items()}

    def content(self) -> str:
        """fingerprint.database_fingerprint of the working database, from these hashes."""
        return of_tables((f"{schema}.{name}", sums_fingerprint(*self.fingerprints[_qualified(schema, name)]))
                         for schema, name in self.names)


def working_hashes(con: duckdb.DuckDBPyConnection) -> WorkingHashes:
    """Every table of `work` hashed (see WorkingHashes): one pass over each, the sums in one statement."""
    hashes = WorkingHashes([], {}, {}, {})
    sums = {}
    for schema, name, by_article in con.execute(
            "SELECT schema_name, table_name, bool_or(column_name = ?) FROM duckdb_columns() "
            "WHERE database_name = 'work' AND (schema_name, table_name) IN "
            "(SELECT (schema_name, table_name) FROM duckdb_tables() WHERE database_name = 'work' AND NOT internal) "
            "GROUP BY ALL ORDER BY 1, 2", [ARTICLE_KEY]).fetchall():
        table = _qualified(schema, name)
        hashes.names.append((schema, name))
        if (key := _key(schema, name, by_article)) is not None:
            number = hashes.numbers[table] = len(hashes.numbers)
            hashes.keys[table] = key
            con.execute(f"CREATE OR REPLACE TEMP TABLE work_articles_{number} AS {_article_hashes('work', table, key=key)}")
            sums[table] = (f"SELECT coalesce(sum(n), 0), coalesce(sum(total), 0), coalesce(bit_xor(mixed), 0) "
                           f"FROM work_articles_{number}")
        else:
            sums[table] = f"SELECT {hash_sums()} FROM work.{table} AS f"
    hashes.fingerprints = _fingerprints(con, sums)
    return hashes


def _key(schema: str, name: str, by_article: bool) -> str | None:
    """What a table's rows are compared by: each article's (ARTICLE_KEY), each row alike (_ROW_KEY), or None: the
    table whole."""
    if f"{schema}.{name}" in BY_ROW:
        return _ROW_KEY
    return ARTICLE_KEY if by_article and schema not in WRITTEN_WHOLE_SCHEMAS else None


def _fingerprints(con: duckdb.DuckDBPyConnection, sums: dict[str, str]) -> dict[str, tuple[int, int, int]]:
    """The (rows, sum, xor) each query of sums gives, in one statement (a statement a table took as long as the
    hashing of a small database)."""
    if not sums:
        return {}
    tables = list(sums)
    rows = con.execute(" UNION ALL ".join(f"SELECT {i} AS i, * FROM ({query})" for i, query in enumerate(sums.values()))
                       ).fetchall()
    return {tables[i]: _numbers(numbers) for i, *numbers in rows}


@dataclass
class Differences:
    """What differs between work and pub, table by table (found by differences(), written by write_differences())."""
    sizes: dict[str, int]  # working rows of every table
    changed: RowsChanged
    tables: list[str] = field(default_factory=list)  # the tables that differ
    by_article: dict[str, int] = field(default_factory=dict)  # keyed tables: the number of their temp tables
    fingerprints: dict[str, tuple] = field(default_factory=dict)  # the other tables: the working fingerprint
    null_differs: set[str] = field(default_factory=set)  # keyed tables whose rows without an article differ
    keys: dict[str, str] = field(default_factory=dict)  # keyed tables: their key (WorkingHashes.keys)


def differences(con: duckdb.DuckDBPyConnection, working: WorkingHashes, most_rows_share: float = 1.0,
                few_rows: int = 0, published_hashes: str | None = None) -> Differences:
    """The tables of `pub` that differ from `work`'s (same catalogue, checked by the caller; working: their
    hashes) and, in tables keyed by article, the articles whose rows differ (temp tables differing_<number>).
    published_hashes: an attached database written by save_row_hashes for pub's very rows, read instead of
    hashing pub.

    Raises RowsDiffer as soon as more than most_rows_share of the working rows, and more than few_rows, would be
    written: a full copy is then smaller and as quick (the largest tables are compared first)."""
    if PUBLICATION_TABLE in working.names:
        raise RowsDiffer("the working database has a table meta.publication of its own")
    sizes = working.sizes
    rows_total, rows_to_write = sum(sizes.values()), 0
    found = Differences(sizes, RowsChanged(), keys=working.keys)
    for table in sorted(sizes, key=lambda t: (-sizes[t], t)):
        if table in working.numbers:
            number = found.by_article[table] = working.numbers[table]
            articles, rows, null_differs = _differing_articles(con, table, number, published_hashes, working.keys[table])
            if null_differs:
                found.null_differs.add(table)
            if articles:
                found.tables.append(table)
                by = found.changed.rows_by_table if working.keys[table] == _ROW_KEY else found.changed.articles_by_table
                by[_plain(table)] = articles
        else:
            work_print = found.fingerprints[table] = working.fingerprints[table]
            differs = work_print != (_fingerprint(con, f"{published_hashes}.{table}", kept=True) if published_hashes
                                     else _fingerprint(con, f"pub.{table}"))
            rows = work_print[0] if differs else 0
            if differs:
                found.tables.append(table)
                found.changed.tables_replaced.append(_plain(table))
        rows_to_write += rows
        if rows_to_write > max(most_rows_share * rows_total, few_rows):
            raise RowsDiffer(f"more than {most_rows_share:.0%} of the {rows_total:,} working rows differ "
                             f"({_plain(table)} and larger tables: {rows_to_write:,}): a full copy is as quick and smaller")
    found.changed.tables_unchanged = len(sizes) - len(found.tables)
    found.changed.rows_written = rows_to_write
    by_article = [f"SELECT article_id FROM differing_{found.by_article[table]}" for table in found.tables
                  if table in found.by_article and working.keys[table] == ARTICLE_KEY]
    if by_article:
        found.changed.articles = con.execute(f"SELECT count(DISTINCT coalesce(article_id::VARCHAR, '')) FROM "
                                             f"({' UNION ALL '.join(by_article)})").fetchall()[0][0]
    return found


def write_differences(con: duckdb.DuckDBPyConnection, found: Differences) -> RowsChanged:
    """Write into `pub` what differences() found, inside the caller's transaction (which writes to pub only):
    the differing articles' rows deleted and inserted, the other differing tables replaced whole. Raises
    RowsDiffer when a table written does not hold the working table's rows afterwards. (Each table is checked by
    statements of its own: the checks of every table in one statement saved ~0.05 s at 10,000 articles but ran out
    of the publication's 128 MB at 100,000, beside the transaction's uncommitted rows.)"""
    for table in found.tables:
        if table in found.by_article:
            key = found.keys[table]
            rewritten = _in_differing(found.by_article[table], table in found.null_differs, key)
            con.execute(f"DELETE FROM pub.{table} AS f WHERE {rewritten}")
            con.execute(f"INSERT INTO pub.{table} BY NAME SELECT * FROM work.{table} AS f WHERE {rewritten}")
            still = _rewritten_articles_differing(con, table, found.by_article[table], table in found.null_differs, key)
            rows_now = con.execute(f"SELECT count(*) FROM pub.{table}").fetchall()[0][0]
            if still or rows_now != found.sizes[table]:
                raise RowsDiffer(f"{_plain(table)} differs from the working table after its articles' rows were "
                                 f"rewritten ({still} articles differ; {rows_now:,} rows, {found.sizes[table]:,} working)")
        else:
            con.execute(f"DELETE FROM pub.{table}")
            con.execute(f"INSERT INTO pub.{table} BY NAME SELECT * FROM work.{table}")
            if _fingerprint(con, f"pub.{table}") != found.fingerprints[table]:
                raise RowsDiffer(f"{_plain(table)} differs from the working table after it was rewritten")
    return found.changed


def save_row_hashes(con: duckdb.DuckDBPyConnection, working: WorkingHashes, database: str) -> None:
    """The working side's hashes, into an attached empty database, under the working database's table names: each
    keyed table's per-article hashes, each other table's fingerprint. Once pub is known to hold the working rows
    (write_differences checked what it wrote, or copy_differs found nothing), they are pub's hashes too, which the
    next publication reads instead of hashing pub."""
    for (schema,) in con.execute("SELECT schema_name FROM duckdb_schemas() WHERE database_name = 'work' "
                                 "AND NOT internal").fetchall():
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {database}.{_quoted(schema)}")
    for table, number in working.numbers.items():
        con.execute(f"CREATE TABLE {database}.{table} AS FROM work_articles_{number}")
    for table, (rows, total, mixed) in working.fingerprints.items():
        if table not in working.numbers:
            con.execute(f"CREATE TABLE {database}.{table} AS "
                        f"SELECT ?::BIGINT AS n, ?::HUGEINT AS total, ?::UBIGINT AS mixed", [rows, total, mixed])


def copy_differs(con: duckdb.DuckDBPyConnection, working: WorkingHashes) -> list[str]:
    """The tables of a full copy `pub` whose rows are not the working ones (hashed whole; meta.publication, which the
    copy writes its own of, aside): none, or its hashes must not be kept for it."""
    publication = _qualified(*PUBLICATION_TABLE)  # replaced by design
    copied = _fingerprints(con, {table: f"SELECT {hash_sums()} FROM pub.{table} AS f"
                                 for table in working.fingerprints if table != publication})
    return [_plain(table) for table, numbers in copied.items() if numbers != working.fingerprints[table]]


def _article_hashes(side: str, table: str, where: str = "true", key: str = ARTICLE_KEY) -> str:
    """Each article's rows hashed: count, sum and xor of the row hashes (as fingerprint.py hashes a table); keyed by
    the row's hash (BY_ROW), the rows alike of each hash. The key is named article_id either way."""
    return (f"SELECT {key} AS article_id, {hash_sums()} FROM {side}.{table} AS f WHERE {where} "
            f"GROUP BY {key}")


_DIFFERENT = "w.n IS DISTINCT FROM p.n OR w.total IS DISTINCT FROM p.total OR w.mixed IS DISTINCT FROM p.mixed"


def _in_differing(number: int, null_differs: bool, column: str = ARTICLE_KEY) -> str:
    """The rows of the articles in temp table differing_<number>; a NULL article_id is one more article, named only
    when it differs (an OR beside the IN keeps DuckDB from filtering the scan: it would read every column)."""
    return (f"({column} IN (SELECT article_id FROM differing_{number} WHERE article_id IS NOT NULL)"
            + (f" OR {column} IS NULL)" if null_differs else ")"))


def _differing_articles(con: duckdb.DuckDBPyConnection, table: str, number: int,
                        published_hashes: str | None, key: str = ARTICLE_KEY) -> tuple[int, int, bool]:
    """The articles whose rows differ between work and pub (the working side's hashes in work_articles_<number>,
    working_hashes(); pub's hashed, or read from published_hashes when given), into temp table differing_<number>.
    Returns how many articles differ, how many working rows they have and whether the rows without an article are
    among them."""
    published_side = f"FROM {published_hashes}.{table}" if published_hashes else _article_hashes('pub', table, key=key)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE differing_{number} AS
        WITH p AS ({published_side})
        SELECT CASE WHEN w.n IS NOT NULL THEN w.article_id ELSE p.article_id END AS article_id,
               coalesce(w.n, 0) AS working_rows
        FROM work_articles_{number} AS w FULL OUTER JOIN p ON w.article_id IS NOT DISTINCT FROM p.article_id
        WHERE {_DIFFERENT}""")
    articles, rows, null_differs = con.execute(f"SELECT count(*), coalesce(sum(working_rows), 0), "
                                               f"bool_or(article_id IS NULL) FROM differing_{number}").fetchall()[0]
    return int(articles), int(rows), bool(null_differs)


def _rewritten_articles_differing(con: duckdb.DuckDBPyConnection, table: str, number: int, null_differs: bool,
                                  key: str = ARTICLE_KEY) -> int:
    """How many of the rewritten articles still differ from the working ones. Only theirs are hashed again: the
    other articles' rows were equal and the rewrite's statements select rows of differing articles only (and
    the caller checks both tables have as many rows, which a row deleted or inserted beside them would change)."""
    return con.execute(f"""
        WITH p AS ({_article_hashes('pub', table, _in_differing(number, null_differs, key), key)}),
             w AS (SELECT * FROM work_articles_{number} WHERE {_in_differing(number, null_differs, 'article_id')})
        SELECT count(*) FROM w FULL OUTER JOIN p ON w.article_id IS NOT DISTINCT FROM p.article_id
        WHERE {_DIFFERENT}""").fetchall()[0][0]


def _fingerprint(con: duckdb.DuckDBPyConnection, table: str, kept: bool = False) -> tuple:
    """(rows, sum, xor) of the row hashes: fingerprint.table_fingerprint's numbers, comparable with the per-article
    sums (kept: read from the table save_row_hashes wrote them into)."""
    return _numbers(con.execute(f"SELECT n, total, mixed FROM {table}" if kept
                                else f"SELECT {hash_sums()} FROM {table} AS f").fetchall()[0])


def _numbers(row) -> tuple[int, int, int]:
    rows, total, mixed = row
    return int(rows), int(total), int(mixed)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _qualified(schema: str, name: str) -> str:
    return f"{_quoted(schema)}.{_quoted(name)}"


def _plain(table: str) -> str:
    return table.replace('"', "")
