"""Score the extractor on real articles read and annotated by hand, fed as a crawler feeds them, and
record the result as facts.

The articles stay outside the repository (no sentence of a page goes into the project): point this at
JSON Lines feeds (one page a line: url, title, date, sitename, text, as the page shows them) and the
gold (spec/ANNOTATION.md columns, `file` being the page's url). It prints the team scorer's figures for
the mentions and for the yearly facts those mentions would publish, and with --record appends one row
per owed figure and per extra prediction to readings.csv: url, figure, the extractor's answer, the
rule that read it and where its year and province came from.

    python -m indicators_pipeline_tests.realtext.first_reading FEED.jsonl[,FEED2.jsonl] GOLD.csv[,GOLD2.csv] \
        --session 5-first [--record indicators_pipeline_tests/realtext/readings.csv]

A release that cannot read feeds (before issue 19) is fed each page as a plain-text file would give it:
title, date and text, the address left unread.
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import pandas as pd

from indicators_pipeline.extraction.records import article_rows
from indicators_pipeline.marts.facts import build_facts
from indicators_pipeline.warehouse import tables
from indicators_pipeline_tests.scoring import attributed, load_gold, score, value_match

READINGS = Path(__file__).parent / "readings.csv"
COLUMNS = ["session", "file", "url", "article_province", "published", "indicator", "value", "province", "year",
           "optional", "outcome", "extractor_indicator", "extractor_value", "extractor_province", "extractor_year",
           "extractor_rule", "year_source", "province_source", "extractor_cue"]


def feed_records(paths: list[str]) -> list[dict]:
    """The records of every line of the feeds."""
    out = []
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            out.extend(json.loads(line) for line in handle if line.strip())
    return out


def article_row(record: dict) -> dict:
    """The raw.articles row the pipeline makes of one feed line."""
    try:
        from indicators_pipeline.ingest.feed import article_from_record
    except ImportError:  # a release before feeds: the page as a plain-text file would give it
        from indicators_pipeline.ingest.article import parse_article
        text = "\n\n".join(part for part in (record.get("title"), record.get("date"), record.get("text")) if part)
        article = parse_article(text.encode("utf-8"))
        return dict(article_id=article.article_id, source_path=record["url"], text=article.text,
                    content_sha256=article.content_sha256, province_code=article.province_code,
                    province_name=article.province_name, reference_year=article.reference_year,
                    published_date=article.published_date)
    article = article_from_record(record)
    return {**article.row(), "source_path": record["url"]}


def predictions(records: list[dict]) -> tuple[list[dict], pd.DataFrame, dict[str, dict]]:
    """(the scorer's predictions, every fact row, each url's article row)."""
    preds, rows, articles = [], [], {}
    for record in records:
        article = article_row(record)
        articles[record["url"]] = article
        for mention in article_rows(article):
            if mention["is_target"]:
                continue
            rows.append(mention)
            preds.append(dict(file=record["url"], indicator=mention["indicator_code"], value=float(mention["value"]),
                              province=mention["province_name"] or "", year=mention["year"], rule=mention["rule"],
                              year_source=mention.get("year_source", ""),
                              province_source=mention.get("province_source", ""), cue=mention.get("cue") or ""))
    frame = pd.DataFrame(rows)
    frame = frame.reindex(columns=[c for c in tables.MENTIONS.column_names if c in frame.columns or not rows])
    return preds, frame, articles


def score_facts(gold: list[dict], mentions: pd.DataFrame, min_confidence: float = 0.0) -> dict:
    """The yearly facts the mentions would publish at a minimum confidence, against the gold of every article.

    A fact is right when some gold figure has its indicator, province, a listed year and its value;
    an owed gold figure is covered when some fact is right for it.
    """
    if len(mentions) and "confidence" in mentions.columns:
        mentions = mentions[mentions["confidence"].fillna(1.0) >= min_confidence]
    facts = build_facts(mentions) if len(mentions) else pd.DataFrame(columns=["indicator_code"])
    right, covered = 0, set()
    for fact in facts.itertuples(index=False):
        p = dict(indicator=fact.indicator_code, value=float(fact.value), province=fact.province_name, year=fact.year)
        hits = [i for i, g in enumerate(gold) if g["indicator"] == p["indicator"] and value_match(g, p) and attributed(g, p)]
        right += bool(hits)
        covered.update(i for i in hits if not gold[i]["optional"])
    owed = sum(not g["optional"] for g in gold)
    return dict(facts=len(facts), right=right, P=right / len(facts) if len(facts) else 0.0,
                owed=owed, covered=len(covered), R=len(covered) / owed if owed else 0.0)


def readings(session: str, gold: list[dict], result: dict, articles: dict[str, dict]) -> list[dict]:
    """One fact row per gold figure (right, wrong place or year, missed, optional) and per extra prediction."""
    matched = {id(g): p for g, p in result["matches"]}
    rows = []

    def base(url: str) -> dict:
        article = articles.get(url, {})
        published = article.get("published_date")
        return dict(session=session, file="", url=url, article_province=article.get("province_name") or "",
                    published=str(published)[:10] if published is not None and str(published) != "NaT" else "")

    def answer(p: dict | None) -> dict:
        keys = ("indicator", "value", "province", "year", "rule", "year_source", "province_source", "cue")
        names = ("extractor_indicator", "extractor_value", "extractor_province", "extractor_year", "extractor_rule",
                 "year_source", "province_source", "extractor_cue")
        return {name: (p.get(k, "") if p else "") for name, k in zip(names, keys)}

    for g in gold:
        p = matched.get(id(g))
        outcome = ("missed" if p is None and not g["optional"] else "optional_missed" if p is None
                   else "optional_read" if g["optional"] else "right" if attributed(g, p) else "wrong_place_or_year")
        rows.append({**base(g["file"]), "indicator": g["indicator"], "value": g["value"], "province": g["province"],
                     "year": g["year"], "optional": int(g["optional"]), "outcome": outcome, **answer(p)})
    for p in result["unmatched_predictions"]:
        rows.append({**base(p["file"]), "indicator": "", "value": "", "province": "", "year": "", "optional": "",
                     "outcome": "false_positive", **answer(p)})
    return rows


def record(path: Path, rows: list[dict]) -> None:
    """Append rows to readings.csv, widening an older file's header to today's columns."""
    old = []
    if path.exists():
        with open(path, encoding="utf-8", newline="") as handle:
            old = list(csv.DictReader(handle))
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n", restval="")
        writer.writeheader()
        writer.writerows(old + rows)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("feeds", help="JSON Lines feeds, comma-separated")
    parser.add_argument("gold", help="gold files (file = the page's url), comma-separated")
    parser.add_argument("--session", required=True, help="e.g. 5-first (before rule changes) or 5-after")
    parser.add_argument("--record", type=Path, help="append the per-figure facts to this readings.csv")
    parser.add_argument("--curve", help="minimum confidences to print the published facts' precision and recall at, "
                                        "comma-separated (e.g. 0,0.5,0.6,0.7)")
    args = parser.parse_args(argv)
    gold = [row for path in args.gold.split(",") for row in load_gold(path)]
    records = feed_records(args.feeds.split(","))
    preds, mentions, articles = predictions(records)
    result = score(gold, preds)
    facts = score_facts(gold, mentions)
    print(f"{args.session}: {len(records)} articles, gold {result['gold']} owed | value-level "
          f"P={result['P']:.3f} R={result['R']:.3f} F1={result['F1']:.3f} | attributed P={result['P_attr']:.3f} "
          f"R={result['R_attr']:.3f} F1={result['F1_attr']:.3f} (pred {result['pred']}, tp {result['tp']}, "
          f"fp {result['fp']}) | facts: {facts['right']} of {facts['facts']} right (P={facts['P']:.3f}), "
          f"{facts['covered']} of {facts['owed']} owed covered (R={facts['R']:.3f})")
    for threshold in (float(t) for t in args.curve.split(",")) if args.curve else ():
        at = score_facts(gold, mentions, threshold)
        print(f"  min confidence {threshold:.2f}: facts {at['right']} of {at['facts']} right (P={at['P']:.3f}), "
              f"{at['covered']} of {at['owed']} owed covered (R={at['R']:.3f})")
    if args.record:
        record(args.record, readings(args.session, gold, result, articles))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
