"""`make review`: the top of the review queue in the terminal, and a decision appended to the corrections file.

    .venv/bin/python -m indicators_pipeline.review [--province "Gia Lai"] [--indicator dti_rank] [--top 10]
    .venv/bin/python -m indicators_pipeline.review --accept MENTION_ID --who an --reason "read against the article"
    .venv/bin/python -m indicators_pipeline.review --reject MENTION_ID --who an --reason "a department's figure"

It reads the published warehouse (read-only, as BI does); a decision takes effect at the next refresh.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys

import duckdb

from indicators_pipeline import settings
from indicators_pipeline.curation.corrections import COLUMNS


def queue(con: duckdb.DuckDBPyConnection, province: str | None, indicator: str | None, top: int) -> list[tuple]:
    where, params = [], []
    if province:
        where.append("province_name = ?")
        params.append(province)
    if indicator:
        where.append("indicator_code = ?")
        params.append(indicator)
    sql = ("SELECT mention_id, priority, province_name, year, indicator_code, value, rule, evidence, title, source_path, "
           "held, confidence "
           "FROM marts.review_queue" + (" WHERE " + " AND ".join(where) if where else "") + " LIMIT ?")
    return con.execute(sql, [*params, top]).fetchall()


def decision_row(con: duckdb.DuckDBPyConnection, mention_id: str, action: str, who: str, reason: str) -> dict:
    """The corrections-file row that accepts or rejects one mention, keyed by what survives re-parsing."""
    found = con.execute("SELECT m.article_id, a.title, m.source_path, m.indicator_code, m.value, m.evidence "
                        "FROM staging.indicator_mentions m JOIN raw.articles a USING (article_id) WHERE m.mention_id = ?",
                        [mention_id]).fetchall()
    if not found:
        raise SystemExit(f"no mention {mention_id!r} in the published warehouse")
    article_id, title, path, indicator, value, evidence = found[0]
    return dict.fromkeys(COLUMNS, "") | dict(article_id=article_id, title=title, source_path=path, indicator=indicator,
                                              value=f"{value:g}", evidence=evidence, action=action, reason=reason,
                                              who=who, when=dt.date.today().isoformat())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--province")
    parser.add_argument("--indicator")
    parser.add_argument("--top", type=int, default=10)
    decision = parser.add_mutually_exclusive_group()
    decision.add_argument("--accept", metavar="MENTION_ID")
    decision.add_argument("--reject", metavar="MENTION_ID")
    parser.add_argument("--who")
    parser.add_argument("--reason")
    args = parser.parse_args(argv)
    con = duckdb.connect(str(settings.warehouse_path()), read_only=True)
    try:
        if args.accept or args.reject:
            if not (args.who and args.reason):
                parser.error("a decision needs --who and --reason")
            row = decision_row(con, args.accept or args.reject, "accept" if args.accept else "reject", args.who, args.reason)
            path = settings.corrections_path()
            new = not path.exists() or not path.read_text(encoding="utf-8").strip()
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "a", encoding="utf-8", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
                if new:
                    writer.writeheader()
                writer.writerow(row)
            print(f"{row['action']} {args.accept or args.reject} appended to {path}; `make run` applies it")
            return 0
        for mention_id, priority, province, year, indicator, value, rule, evidence, title, path, held, confidence in queue(
                con, args.province, args.indicator, args.top):
            sure = f", confidence {confidence:.2f}" if confidence is not None else ""
            print(f"[{'held, ' if held else ''}{priority}] {province} {year} {indicator} = {value:g}  (rule {rule}{sure})\n"
                  f"    «{evidence}»\n    {title} — {path}\n    id {mention_id}")
        return 0
    finally:
        con.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
