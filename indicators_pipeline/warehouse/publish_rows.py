"""A copy of the published file brought to the working database's content by rewriting only the rows that differ.

Copying the whole working database costs seconds at 10,000 articles, also when ten articles arrived.
A file-level copy of the published file costs a few hundredths; what differs is then written into it:
a table whose fingerprint equals the working table's stays as it is; in a table with an `article_id`
column, the rows of the articles whose rows differ (an order-free hash of each article's rows, on both
sides) are deleted and inserted again; any other table that differs (the marts: small, and in an order of
their own) is replaced whole.
Every table written is fingerprinted again afterwards and must equal the working one.

The catalogue (schemas, tables, columns, types, views, constraints, comments, ...) is not patched:
when it changed, publish.py copies the whole database instead. Works on one connection with the
working database attached as `work` and the copy as `pub`; no Dagster here.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from indicators_pipeline.warehouse.fingerprint import combined

ARTICLE_KEY = "article_id"
# BI's tables: their steps write them whole, in an order of their own (the quality findings most important
# first), where the working database's other tables change article by article. Replaced whole when they
# changed, they keep that order.
WRITTEN_WHOLE_SCHEMAS = ("marts",)
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
    """What bring_up_to_date wrote into the copy."""
    tables_replaced: list[str] = field(default_factory=list)  # changed tables without article_id, rewritten whole
    articles_by_table: dict[str, int] = field(default_factory=dict)  # article-keyed tables: articles rewritten
    articles: int = 0  # distinct articles whose rows were rewritten, over all tables
    rows_written: int = 0
    tables_unchanged: int = 0

    @property
    def tables_touched(self) -> int:
        return len(self.tables_replaced) + len(self.articles_by_table)


def catalogue_fingerprint(con: duckdb.DuckDBPyConnection, database: str) -> str:
    """Everything of a database but its rows: schemas, tables, columns and types, views, constraints, indexes,
    sequences, macros, types and every comment. Compared only with the same database's earlier fingerprint:
    a copied view's SQL is printed differently from the original's."""
    parts = []
    for function, own in _CATALOGUE.items():
        columns = [name for name, *_ in con.execute(f"DESCRIBE SELECT * FROM {function}()").fetchall()
                   if not name.endswith("oid") and name not in _NOT_CATALOGUE]
        rows = con.execute(f"SELECT {', '.join(_quoted(c) for c in columns)} FROM {function}() "
                           f"WHERE database_name = ? AND {own}", [database]).fetchall()
        parts.append(f"{function}:{sorted(repr(row) for row in rows)}")
    return combined(*parts)


def tables_of(con: duckdb.DuckDBPyConnection, database: str) -> list[tuple[str, str]]:
    return con.execute("SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? AND NOT internal "
                       "ORDER BY 1, 2", [database]).fetchall()


def bring_up_to_date(con: duckdb.DuckDBPyConnection, most_rows_share: float = 1.0, few_rows: int = 0) -> RowsChanged:
    """Write into `pub` the rows by which its tables differ from `work`'s (same catalogue, checked by the caller).

    Raises RowsDiffer as soon as more than most_rows_share of the working rows, and more than few_rows, would be
    written (a full copy is then smaller and as quick: the largest tables are compared first), or when a table
    written does not hold the working table's rows afterwards."""
    changed = RowsChanged()
    sizes, keyed = {}, {}
    for schema, name, by_article in con.execute(
            "SELECT schema_name, table_name, bool_or(column_name = ?) FROM duckdb_columns() "
            "WHERE database_name = 'work' AND (schema_name, table_name) IN "
            "(SELECT (schema_name, table_name) FROM duckdb_tables() WHERE database_name = 'work' AND NOT internal) "
            "GROUP BY ALL ORDER BY 1, 2", [ARTICLE_KEY]).fetchall():
        if (schema, name) == PUBLICATION_TABLE:
            raise RowsDiffer("the working database has a table meta.publication of its own")
        table = f"{_quoted(schema)}.{_quoted(name)}"
        sizes[table] = con.execute(f"SELECT count(*) FROM work.{table}").fetchall()[0][0]
        keyed[table] = by_article and schema not in WRITTEN_WHOLE_SCHEMAS
    rows_total, rows_to_write = sum(sizes.values()), 0
    pending = []  # (table, keyed by article, number, the working table's fingerprint)
    con.execute("CREATE OR REPLACE TEMP TABLE changed_articles (article_id VARCHAR)")
    for number, table in enumerate(sorted(sizes, key=lambda t: (-sizes[t], t))):
        if keyed[table]:
            articles, rows = _differing_articles(con, table, number)
            if articles:
                pending.append((table, True, number, None))
        else:
            work_print = _fingerprint(con, f"work.{table}")
            differs = work_print != _fingerprint(con, f"pub.{table}")
            rows = work_print[0] if differs else 0
            if differs:
                pending.append((table, False, number, work_print))
        rows_to_write += rows
        if rows_to_write > max(most_rows_share * rows_total, few_rows):
            raise RowsDiffer(f"more than {most_rows_share:.0%} of the {rows_total:,} working rows differ "
                             f"({_plain(table)} and larger tables: {rows_to_write:,}): a full copy is as quick and smaller")
    changed.tables_unchanged = len(sizes) - len(pending)
    for table, by_article, number, work_print in pending:
        if by_article:
            changed.articles_by_table[_plain(table)] = _rewrite_articles(con, table, number)
            still, _ = _differing_articles(con, table, number, again=True)
            if still:
                raise RowsDiffer(f"{_plain(table)}: {still} articles differ from the working table after their rows were rewritten")
        else:
            con.execute(f"DELETE FROM pub.{table}")
            con.execute(f"INSERT INTO pub.{table} BY NAME SELECT * FROM work.{table}")
            changed.tables_replaced.append(_plain(table))
            if _fingerprint(con, f"pub.{table}") != work_print:
                raise RowsDiffer(f"{_plain(table)} differs from the working table after it was rewritten")
    changed.rows_written = rows_to_write
    changed.articles = con.execute("SELECT count(DISTINCT coalesce(article_id, '')) FROM changed_articles").fetchall()[0][0]
    return changed


def _differing_articles(con: duckdb.DuckDBPyConnection, table: str, number: int, again: bool = False) -> tuple[int, int]:
    """The articles whose rows differ between work and pub into temp table differing_<number>: each article's
    rows hashed on both sides (count, sum and xor of the row hashes, as fingerprint.py hashes a table; a NULL
    article_id is one more article). Returns how many differ and how many working rows they have. again:
    the working side's hashes of the first call are reused (the check after the rewrite)."""
    hashed = (f"SELECT {ARTICLE_KEY} AS article_id, count(*) AS n, sum(hash(f)::HUGEINT) AS total, "
              f"bit_xor(hash(f)) AS mixed FROM {{side}}.{table} AS f GROUP BY {ARTICLE_KEY}")
    if not again:
        con.execute(f"CREATE OR REPLACE TEMP TABLE work_articles_{number} AS {hashed.format(side='work')}")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {'still_' if again else ''}differing_{number} AS
        WITH p AS ({hashed.format(side='pub')})
        SELECT CASE WHEN w.n IS NOT NULL THEN w.article_id ELSE p.article_id END AS article_id,
               coalesce(w.n, 0) AS working_rows
        FROM work_articles_{number} AS w FULL OUTER JOIN p ON w.article_id IS NOT DISTINCT FROM p.article_id
        WHERE w.n IS DISTINCT FROM p.n OR w.total IS DISTINCT FROM p.total OR w.mixed IS DISTINCT FROM p.mixed""")
    articles, rows = con.execute(f"SELECT count(*), coalesce(sum(working_rows), 0) FROM "
                                 f"{'still_' if again else ''}differing_{number}").fetchall()[0]
    return int(articles), int(rows)


def _rewrite_articles(con: duckdb.DuckDBPyConnection, table: str, number: int) -> int:
    """Delete the differing articles' rows from the copy and insert the working ones (the rows of a NULL
    article_id together, as one more article)."""
    differing = (f"({ARTICLE_KEY} IN (SELECT article_id FROM differing_{number} WHERE article_id IS NOT NULL) OR "
                 f"({ARTICLE_KEY} IS NULL AND EXISTS (SELECT 1 FROM differing_{number} WHERE article_id IS NULL)))")
    con.execute(f"DELETE FROM pub.{table} WHERE {differing}")
    con.execute(f"INSERT INTO pub.{table} BY NAME SELECT * FROM work.{table} WHERE {differing}")
    con.execute(f"INSERT INTO changed_articles SELECT article_id::VARCHAR FROM differing_{number}")
    return con.execute(f"SELECT count(*) FROM differing_{number}").fetchall()[0][0]


def _fingerprint(con: duckdb.DuckDBPyConnection, table: str) -> tuple:
    """(rows, sum, xor) of the row hashes: fingerprint.table_fingerprint's numbers, comparable with the per-article sums."""
    rows, total, mixed = con.execute(f"SELECT count(*), coalesce(sum(hash(f)::HUGEINT), 0), coalesce(bit_xor(hash(f)), 0) "
                                     f"FROM {table} AS f").fetchall()[0]
    return int(rows), int(total), int(mixed)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _plain(table: str) -> str:
    return table.replace('"', "")
