"""`make bench`: extraction throughput, synthetic accuracy and refresh times, as ratios against baselines.

Baselines are measured in the same run on the same machine: a plain regex scan of the same text
for extraction; for refreshes (each `make run` as a user runs it, in a process of its own, wall time
with its imports), the naive regex pass over the same files (issue 22's baseline), the same pass as
cheap as it gets, and a no-op Dagster materialization. Sizes come from BENCH_SIZES
(default 10000; the full study is BENCH_SIZES=10000,100000). Corpora are cached under data/bench/.
"""
from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from indicators_pipeline.extraction.mentions import ArticleContext, extract_mentions
from indicators_pipeline.ingest.article import parse_article
from indicators_pipeline.extraction.records import article_rows
from indicators_pipeline_tests.bench.synthetic import write_corpus
from indicators_pipeline_tests.scoring import load_gold, score

REPO = Path(__file__).resolve().parents[2]
BENCH_DIR = REPO / "data" / "bench"
_PLAIN_NUMBERS = re.compile(r"\d+(?:[.,]\d+)*%?")
_EXTRACTION_SAMPLE = 2000  # articles timed for throughput (enough for a stable MB/s)
_PASSES = 5  # throughput is the fastest of these passes
_SEED_REPEATS = 30  # the five real seed articles, read this many times (about 1 MB)


def corpus(size: int) -> tuple[Path, Path]:
    folder, truth = BENCH_DIR / f"corpus_{size}" / "raw", BENCH_DIR / f"corpus_{size}" / "truth.csv"
    if not (folder.is_dir() and truth.exists() and sum(1 for _ in folder.iterdir()) == size):
        shutil.rmtree(folder.parent, ignore_errors=True)
        write_corpus(folder, size, truth)
    return folder, truth


def _best_cpu_seconds(*works) -> list[float]:
    """CPU time of the fastest of a few passes of each work, passes interleaved so that every work
    meets the same neighbours on a shared machine (they only ever slow a pass down)."""
    best = [float("inf")] * len(works)
    for _ in range(_PASSES):
        for i, work in enumerate(works):
            started = time.process_time()
            work()
            best[i] = min(best[i], time.process_time() - started)
    return best


def _seed_texts() -> list[str]:
    """The real seed articles as the pipeline reads them (decoded, HTML stripped)."""
    names = [row.split(",", 1)[0] for row in (REPO / "indicators_pipeline_tests" / "gold" / "seed_articles.csv")
             .read_text(encoding="utf-8").splitlines()[1:]]
    return [parse_article((REPO / "data" / "raw" / name).read_bytes()).text
            for name in names if (REPO / "data" / "raw" / name).exists()]


def extraction(folder: Path, truth: Path) -> dict:
    paths = sorted(folder.iterdir())[:_EXTRACTION_SAMPLE]
    texts = [p.read_text(encoding="utf-8") for p in paths]
    megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    context = ArticleContext("01", 2020)
    seeds = _seed_texts() * _SEED_REPEATS
    seed_megabytes = sum(len(t.encode("utf-8")) for t in seeds) / 1e6
    extract_seconds, baseline_seconds, seed_seconds = _best_cpu_seconds(
        lambda: [extract_mentions(text, context) for text in texts],
        lambda: [sum(1 for _ in _PLAIN_NUMBERS.finditer(t)) for t in texts],
        lambda: [extract_mentions(text, context) for text in seeds],
    )

    predictions = []
    for path in paths:
        article = parse_article(path.read_bytes())
        row = dict(article_id=article.article_id, source_path=path.name, text=article.text,
                   province_code=article.province_code, reference_year=article.reference_year,
                   published_date=article.published_date)
        predictions += [dict(file=path.name, indicator=m["indicator_code"], value=float(m["value"]),
                             province=m["province_name"] or "", year=m["year"])
                        for m in article_rows(row) if not m["is_target"]]
    names = {p.name for p in paths}
    gold = [g for g in load_gold(str(truth)) if g["file"] in names]
    result = score(gold, predictions)
    return {"sample_mb": round(megabytes, 1), "extract_mb_per_s": round(megabytes / extract_seconds, 2),
            "seed_articles_mb_per_s": round(seed_megabytes / seed_seconds, 2) if seeds else None,
            "regex_scan_mb_per_s": round(megabytes / baseline_seconds, 1),
            "extract_vs_regex": round(baseline_seconds / extract_seconds, 3),
            "synthetic_f1": round(result["F1"], 4), "synthetic_f1_attributed": round(result["F1_attr"], 4)}


def measured(*args: str) -> dict:
    """One run in a process of its own: its wall time as the caller sees it, and its peak memory."""
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "indicators_pipeline_tests.bench.refresh_process", *args],
                         capture_output=True, text=True, cwd=REPO)
    wall = time.perf_counter() - started
    if out.returncode:
        raise RuntimeError(out.stderr[-3000:])
    return {**json.loads(out.stdout.strip().splitlines()[-1]), "wall": wall}


def refreshes(size: int, folder: Path) -> dict:
    """`make run` as a user runs it (a process, its instance, lock and summary), each against the naive
    regex pass over the same files, its cheapest form, and a no-op Dagster run."""
    work = BENCH_DIR / f"refresh_{size}"
    shutil.rmtree(work, ignore_errors=True)
    raw = work / "raw"
    shutil.copytree(folder, raw)
    make_run = ("cli", str(raw), str(work / "warehouse" / "indicators.duckdb"), str(work / "dagster_home"))
    naive, scan, noop = measured("naive", str(raw)), measured("scan", str(raw)), measured("noop")
    full = measured(*make_run)
    unchanged = measured(*make_run)
    write_corpus(raw, 10, work / "extra_truth.csv", seed=11, start=size)
    ten_new = measured(*make_run)
    shutil.rmtree(work, ignore_errors=True)
    figures = {"naive_regex_pass_s": naive["wall"], "cheapest_pass_s": scan["wall"], "noop_dagster_s": noop["wall"]}
    for name, run in (("full_refresh", full), ("no_change", unchanged), ("ten_new", ten_new)):
        figures |= {f"{name}_s": run["wall"], f"{name}_vs_naive": run["wall"] / naive["wall"],
                    f"{name}_vs_cheapest": run["wall"] / scan["wall"], f"{name}_peak_mb": run["peak_mb"],
                    f"{name}_peak_with_children_mb": run["peak_with_children_mb"]}
    figures |= {"ten_new_vs_no_change": ten_new["wall"] / unchanged["wall"], "ten_new_parsed": ten_new["articles_parsed"],
                "peak_mb_noop": noop["peak_mb"], "peak_full_vs_noop": full["peak_mb"] / noop["peak_mb"]}
    return {key: round(value, 2) if isinstance(value, float) else value for key, value in figures.items()}


def main() -> int:
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "10000").split(",") if s.strip()]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    for size in sizes:
        folder, truth = corpus(size)
        corpus_mb = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
        print(f"\n== {size} synthetic articles ({corpus_mb:.0f} MB)")
        for key, value in {**extraction(folder, truth), **refreshes(size, folder)}.items():
            print(f"  {key:28} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
