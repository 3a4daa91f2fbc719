"""Score the extractor on real articles read and annotated by hand, and record the result as facts.

The articles themselves stay outside the repository (no sentence of a page goes into the project):
point this at a folder of their texts, the articles' list (file,url,province,published,title) and the
gold (spec/ANNOTATION.md columns). It prints the team scorer's figures and, with --record, appends one
row per owed figure and per extra prediction to readings.csv: url, figure, and the extractor's answer.

    python -m indicators_pipeline_tests.realtext.first_reading TEXTS ARTICLES.csv GOLD.csv \
        --session 4-first [--record indicators_pipeline_tests/realtext/readings.csv]
"""
from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from indicators_pipeline_tests.devset.evaluate import predictions
from indicators_pipeline_tests.scoring import attributed, load_gold, score

READINGS = Path(__file__).parent / "readings.csv"
COLUMNS = ["session", "file", "url", "article_province", "published", "indicator", "value", "province", "year",
           "optional", "outcome", "extractor_indicator", "extractor_value", "extractor_province", "extractor_year"]


def _articles(paths: list[str]) -> dict[str, dict]:
    out = {}
    for path in paths:
        with open(path, encoding="utf-8", newline="") as handle:
            out.update({row["file"]: row for row in csv.DictReader(handle)})
    return out


def readings(session: str, gold: list[dict], result: dict, articles: dict[str, dict]) -> list[dict]:
    """One fact row per gold figure (right, wrong place or year, missed, optional) and per extra prediction."""
    matched = {id(g): p for g, p in result["matches"]}
    rows = []

    def base(file: str) -> dict:
        article = articles.get(file, {})
        return dict(session=session, file=file, url=article.get("url", ""),
                    article_province=article.get("province", ""), published=article.get("published", ""))

    for g in gold:
        p = matched.get(id(g))
        outcome = ("missed" if p is None and not g["optional"] else "optional_missed" if p is None
                   else "optional_read" if g["optional"] else "right" if attributed(g, p) else "wrong_place_or_year")
        rows.append({**base(g["file"]), "indicator": g["indicator"], "value": g["value"], "province": g["province"],
                     "year": g["year"], "optional": int(g["optional"]), "outcome": outcome,
                     "extractor_indicator": p["indicator"] if p else "", "extractor_value": p["value"] if p else "",
                     "extractor_province": p["province"] if p else "", "extractor_year": p["year"] if p else ""})
    for p in result["unmatched_predictions"]:
        rows.append({**base(p["file"]), "indicator": "", "value": "", "province": "", "year": "", "optional": "",
                     "outcome": "false_positive", "extractor_indicator": p["indicator"], "extractor_value": p["value"],
                     "extractor_province": p["province"], "extractor_year": p["year"]})
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("texts", type=Path)
    parser.add_argument("articles", help="file,url,province,published,title (several: comma-separated)")
    parser.add_argument("gold")
    parser.add_argument("--session", required=True, help="e.g. 4-first (before rule changes) or 4-after")
    parser.add_argument("--record", type=Path, help="append the per-figure facts to this readings.csv")
    args = parser.parse_args(argv)
    gold = load_gold(args.gold)
    result = score(gold, predictions(args.texts))
    print(f"{args.session}: {len({g['file'] for g in gold})} articles, gold {result['gold']} owed | value-level "
          f"P={result['P']:.3f} R={result['R']:.3f} F1={result['F1']:.3f} | attributed P={result['P_attr']:.3f} "
          f"R={result['R_attr']:.3f} F1={result['F1_attr']:.3f} (pred {result['pred']}, tp {result['tp']}, fp {result['fp']})")
    if args.record:
        rows = readings(args.session, gold, result, _articles(args.articles.split(",")))
        new = not args.record.exists()
        with open(args.record, "a", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
            if new:
                writer.writeheader()
            writer.writerows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
