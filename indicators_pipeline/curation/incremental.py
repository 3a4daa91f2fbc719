"""The review step over what changed only (issue 22): the same tables as a full pass, without reading every mention.

A full pass reads every mention into memory, applies every correction and rewrites
`staging.reviewed_mentions` and the review columns of every mention, every night. Most nights nothing
it depends on changed. What a mention's review depends on, and how a change of each is seen:

- its article's mentions and metadata (parsed again, renamed, removed): the review keeps, per
  article, a hash of the article's metadata and of every row of its mentions *as the review left
  them* (`staging.review_state_articles`); any difference — rows re-inserted by a new parse, a
  renamed file, an article gone — makes the article be reviewed again;
- the correction rows naming it: the review keeps each row's fingerprint (its fields and line) and
  the articles it named (`staging.review_state_corrections`); a row added, edited, moved or removed,
  or naming other articles than before (a title now shared), makes those articles be reviewed again;
- INDICATORS_MIN_CONFIDENCE: `held` is a function of the row's status and confidence, so a change is
  one UPDATE of the rows whose `held` changes.

A correction's outcome depends on every article it names, so the set of articles reviewed again is
closed over the corrections naming them. No state (a first run, a warehouse of an older release) is a
full pass. No Dagster here: the asset in defs/staging/review.py calls `review`.
"""
from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import Optional

import duckdb
import pandas as pd

from indicators_pipeline.confidence import held
from indicators_pipeline.curation.corrections import Correction, _articles_for, apply
from indicators_pipeline.warehouse import tables
from indicators_pipeline.warehouse.store import empty_frame, replace_rows, table_exists, transaction

ARTICLE_COLUMNS = ["article_id", "title", "source_path", "published_date", "province_name", "reference_year"]
_STATE = (tables.REVIEW_STATE_ARTICLES, tables.REVIEW_STATE_CORRECTIONS)

# Per article: its metadata a correction or an added figure reads, and every row of its mentions as stored
# (review columns included), order-free. Mentions whose article is gone count under their article_id.
_FINGERPRINTS = """
WITH a AS (SELECT article_id,
                  hash(source_path, title, published_date, province_name, reference_year, content_sha256) AS h
           FROM raw.articles),
     m AS (SELECT article_id, bit_xor(hash(m)) AS x, count(*) AS n FROM staging.indicator_mentions AS m GROUP BY article_id)
SELECT coalesce(a.article_id, m.article_id) AS article_id, hash(a.h, m.x, m.n) AS fingerprint
FROM a FULL OUTER JOIN m ON a.article_id = m.article_id
"""


# The reviewed rows of mentions no correction touches, as `apply` and `held` make them: every column as
# read, unreviewed, held below the minimum confidence.
_UNCORRECTED = ("INSERT INTO staging.reviewed_mentions BY NAME SELECT {columns} FROM staging.indicator_mentions AS m "
                "SEMI JOIN _affected AS a ON m.article_id = a.k ANTI JOIN _named AS n ON m.article_id = n.k")
_UNCORRECTED_COLUMNS = {"review_status": "'unreviewed' AS review_status",
                        "held": "coalesce(m.confidence, 1) < ? AS held"}


@dataclass
class Reviewed:
    """What a review pass did."""

    full: bool  # every article reviewed (no state, or asked for)
    articles_reviewed: int  # articles whose review was computed again
    articles_changed: int  # of them, those whose metadata or mentions changed since the last review
    corrections_changed: int  # correction rows added, edited or removed (or naming other articles)
    corrections_evaluated: int  # correction rows applied again (the others kept their outcome)
    held_changed: int  # rows whose `held` changed without a review (the threshold moved)
    stale: list[str] = field(default_factory=list)  # corrections that match nothing, for the log


def fingerprint(correction: Correction) -> str:
    """A correction row's identity: every field and its line (a row moved is a row changed)."""
    return hashlib.sha256(repr(dataclasses.astuple(correction)).encode("utf-8")).hexdigest()


def _targets(corrections: list[Correction], articles: pd.DataFrame) -> list[frozenset[str]]:
    return [frozenset(_articles_for(c, articles)["article_id"].astype(str)) for c in corrections]


def _closed(affected: set[str], targets: list[frozenset[str]], always: set[int]) -> tuple[set[str], set[int]]:
    """The articles to review and the corrections to evaluate: a correction naming an affected article is
    evaluated, and every article it names is reviewed too (its outcome depends on all of them)."""
    affected, evaluated = set(affected), set(always)
    grew = True
    while grew:
        grew = False
        for i, named in enumerate(targets):
            if i not in evaluated and named & affected:
                evaluated.add(i)
            if i in evaluated and not named <= affected:
                affected |= named
                grew = True
    return affected, evaluated


def _has_state(con: duckdb.DuckDBPyConnection) -> bool:
    return all(table_exists(con, t) for t in (*_STATE, tables.REVIEWED_MENTIONS, tables.CORRECTIONS_APPLIED))


def review(con: duckdb.DuckDBPyConnection, corrections: list[Correction], minimum: float, full: bool = False) -> Reviewed:
    """Apply corrections and the confidence threshold; the tables come out as a full pass writes them."""
    for table in (tables.REVIEWED_MENTIONS, tables.CORRECTIONS_APPLIED):
        if not table_exists(con, table):
            full = True
    full = full or not _has_state(con)
    articles = con.execute(f"SELECT {', '.join(ARTICLE_COLUMNS)} FROM raw.articles").df()
    articles = articles.sort_values(["source_path", "article_id"], kind="stable").reset_index(drop=True)
    targets = _targets(corrections, articles)
    prints = [fingerprint(c) for c in corrections]
    now_keys = {(p, "|".join(sorted(t))) for p, t in zip(prints, targets)}

    if full:
        ids = con.execute(f"SELECT article_id FROM ({_FINGERPRINTS})").fetchall()
        changed_articles = {r[0] for r in ids}
        affected = set(changed_articles)
        evaluated = set(range(len(corrections)))
        corrections_changed = len(corrections)
    else:
        changed_articles = {r[0] for r in con.execute(
            f"SELECT coalesce(n.article_id, s.article_id) FROM ({_FINGERPRINTS}) AS n "
            "FULL OUTER JOIN staging.review_state_articles AS s ON n.article_id = s.article_id "
            "WHERE n.fingerprint IS DISTINCT FROM s.fingerprint").fetchall()}
        before = con.execute("SELECT fingerprint, targets FROM staging.review_state_corrections").fetchall()
        before_keys = {(p, t or "") for p, t in before}
        affected = set(changed_articles)
        for _, named in before_keys - now_keys:  # removed or edited rows: the articles they named
            affected |= {a for a in named.split("|") if a}
        new_rows = {i for i, key in enumerate(zip(prints, ("|".join(sorted(t)) for t in targets))) if key not in before_keys}
        for i in new_rows:
            affected |= targets[i]
        corrections_changed = len(before_keys - now_keys) + len(new_rows)
        # rows naming no article match nothing whatever the mentions: cheap, evaluated every time
        affected, evaluated = _closed(affected, targets, new_rows | {i for i, t in enumerate(targets) if not t})

    chosen = [corrections[i] for i in sorted(evaluated)]
    # Only the mentions of articles an evaluated correction names are read into Python and corrected; the
    # other affected articles' mentions are copied as the extractor read them, in SQL (a full pass over
    # 1,000,000 mentions held ~3 GB of frames).
    named = set().union(*(targets[i] for i in evaluated)) & affected
    con.register("_affected", pd.DataFrame({"k": pd.Series(sorted(affected), dtype="object")}))
    con.register("_named", pd.DataFrame({"k": pd.Series(sorted(named), dtype="object")}))
    try:
        listed = ", ".join(f'm."{c}"' for c in tables.MENTIONS.column_names)
        mentions = con.execute(f"SELECT {listed} FROM staging.indicator_mentions AS m "
                               "SEMI JOIN _named AS a ON m.article_id = a.k").df() if named \
            else empty_frame(tables.MENTIONS)

        def text_of(article_id: str) -> str:
            return con.execute("SELECT text FROM raw.articles WHERE article_id = ?", [article_id]).fetchall()[0][0]

        applied = apply(chosen, mentions, articles, text_of)
        reviewed = applied.reviewed
        reviewed["held"] = held(reviewed, minimum) if len(reviewed) else pd.Series(dtype=bool)
        kept_lines = [c.line for i, c in enumerate(corrections) if i not in evaluated]
        with transaction(con):  # the extractor's rows keep their reading; only their review columns change
            for table, key in ((tables.REVIEWED_MENTIONS, "mention_id"), (tables.CORRECTIONS_APPLIED, "line")):
                replace_rows(con, table, key, [], empty_frame(table).iloc[0:0])  # created when missing
            scope = "true" if full else "article_id IN (SELECT k FROM _affected)"
            con.execute(f"UPDATE staging.indicator_mentions SET review_status = 'unreviewed', review_reason = NULL "
                        f"WHERE {scope}")
            reviewed_now = applied.status[applied.status["review_status"] != "unreviewed"]
            if len(reviewed_now):
                con.register("_review", reviewed_now)
                con.execute("UPDATE staging.indicator_mentions AS m SET review_status = r.review_status, "
                            "review_reason = r.review_reason FROM _review AS r WHERE m.mention_id = r.mention_id")
                con.unregister("_review")
            con.execute(f"DELETE FROM staging.reviewed_mentions WHERE {scope}")
            replace_rows(con, tables.REVIEWED_MENTIONS, "mention_id", [], reviewed[tables.REVIEWED_MENTIONS.column_names])
            con.execute(_UNCORRECTED.format(columns=", ".join(
                _UNCORRECTED_COLUMNS.get(c, f'm."{c}"') for c in tables.REVIEWED_MENTIONS.column_names)), [minimum])
            con.register("_kept", pd.DataFrame({"line": pd.Series(kept_lines, dtype="int64")}))
            con.execute("DELETE FROM staging.corrections_applied WHERE line NOT IN (SELECT line FROM _kept)")
            con.unregister("_kept")
            replace_rows(con, tables.CORRECTIONS_APPLIED, "line", [], applied.outcomes)
            # the threshold: only rows whose `held` changes are written (none on a night the setting is unchanged)
            held_changed = 0
            for table, status in (("staging.indicator_mentions", "review_status"),
                                  ("staging.reviewed_mentions", "coalesce(review_status, 'unreviewed')")):
                rule = f"({status} = 'unreviewed' AND coalesce(confidence, 1) < ?)"
                held_changed += con.execute(f"UPDATE {table} SET held = {rule} WHERE held IS DISTINCT FROM {rule}",
                                            [minimum, minimum]).fetchall()[0][0]
            if full or affected or held_changed or corrections_changed:
                _write_state(con, prints, targets, corrections)
    finally:
        con.unregister("_affected")
        con.unregister("_named")
    outcomes = con.execute("SELECT line, problem FROM staging.corrections_applied WHERE NOT applied ORDER BY line").fetchall()
    by_line = {c.line: c for c in corrections}
    stale = [f"{by_line[line].key}: {problem}" for line, problem in outcomes if line in by_line]
    return Reviewed(full=full, articles_reviewed=len(affected), articles_changed=len(changed_articles),
                    corrections_changed=corrections_changed, corrections_evaluated=len(evaluated),
                    held_changed=int(held_changed) if not full else 0, stale=stale)


def _write_state(con: duckdb.DuckDBPyConnection, prints: list[str], targets: list[frozenset[str]],
                 corrections: list[Correction]) -> None:
    """The state the next review compares with, written with the tables it describes (same transaction)."""
    for table in _STATE:
        replace_rows(con, table, table.columns[0].name, [], empty_frame(table).iloc[0:0])
    con.execute("DELETE FROM staging.review_state_articles")
    con.execute(f"INSERT INTO staging.review_state_articles SELECT article_id, fingerprint FROM ({_FINGERPRINTS})")
    con.execute("DELETE FROM staging.review_state_corrections")
    state = pd.DataFrame({"line": pd.Series([c.line for c in corrections], dtype="int64"),
                          "fingerprint": pd.Series(prints, dtype="object"),
                          "targets": pd.Series(["|".join(sorted(t)) for t in targets], dtype="object")})
    replace_rows(con, tables.REVIEW_STATE_CORRECTIONS, "line", [], state)
