"""Extraction accuracy on the seed gold and on our own dev set, with the team scorer's rules.

Run `python -m indicators_pipeline_tests.devset.evaluate` to print P/R/F1 per set and the misses.
"""
from __future__ import annotations

import sys
from pathlib import Path

from indicators_pipeline.extraction.records import article_rows
from indicators_pipeline.ingest.article import parse_article
from indicators_pipeline_tests.scoring import load_gold, score

HERE = Path(__file__).parent
REPO = HERE.parent.parent
SETS = {
    "seed": (REPO / "data" / "raw", HERE.parent / "gold" / "seed_mentions.csv"),
    "dev": (HERE / "articles", HERE / "dev_mentions.csv"),
    # Written in the second session, after the extractor: its first reading is recorded in the README.
    "dev2": (HERE / "articles2", HERE / "dev2_mentions.csv"),
    # Written at the end of the second session (document systems, digital signatures); first reading in the README.
    "dev3": (HERE / "articles3", HERE / "dev3_mentions.csv"),
    # A fourth set, written after the second session's speed work and read once before any rule changed.
    "dev4": (HERE / "articles4", HERE / "dev4_mentions.csv"),
}


def article_bytes(path: Path) -> bytes:
    """The article without the fixture header ('# source: ...' lines)."""
    lines = path.read_bytes().split(b"\n")
    while lines and lines[0].startswith(b"# "):
        lines.pop(0)
    return b"\n".join(lines)


def predictions(folder: Path) -> list[dict]:
    out = []
    for path in sorted(folder.glob("*.txt")):
        article = parse_article(article_bytes(path))
        row = dict(article_id=article.article_id, source_path=path.name, text=article.text,
                   province_code=article.province_code, reference_year=article.reference_year,
                   published_date=article.published_date)
        for mention in article_rows(row):
            if not mention["is_target"]:
                out.append(dict(file=path.name, indicator=mention["indicator_code"], value=float(mention["value"]),
                                province=mention["province_name"] or "", year=mention["year"]))
    return out


def evaluate(name: str, optional_owed: bool = False) -> dict:
    """The team scorer on one set; optional_owed counts the optional gold as owed too (the strict reading)."""
    folder, gold = SETS[name]
    rows = load_gold(str(gold))
    if optional_owed:
        for row in rows:
            row["optional"] = False
    return score(rows, predictions(folder))


def main() -> int:
    for name in SETS:
        result = evaluate(name)
        for fp in result["false_positives"]:
            print(f"{name} FP  ", *fp)
        for miss in result["missed"]:
            print(f"{name} MISS", *miss)
        strict = evaluate(name, optional_owed=True)
        print(f"{name}: value-level P={result['P']:.3f} R={result['R']:.3f} F1={result['F1']:.3f} | attributed "
              f"P={result['P_attr']:.3f} R={result['R_attr']:.3f} F1={result['F1_attr']:.3f} "
              f"(gold {result['gold']}, pred {result['pred']}) | optional owed too: attributed F1={strict['F1_attr']:.3f} "
              f"(gold {strict['gold']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
