"""One measured run in a process of its own, so its peak memory is its own.

usage: python -m indicators_pipeline_tests.bench.refresh_process MODE ...
  noop                      a no-op Dagster materialization
  cli RAW WAREHOUSE HOME    what `make run` does: the CLI, its DAGSTER_HOME instance, lock and summary
  naive RAW                 the naive regex pass: every file read, decoded, and its numbers near a catalogue cue listed
  scan RAW                  the same pass as cheap as it gets (a floor)
Prints one JSON line: seconds (from this process's start, imports included), peak_mb (this process's VmHWM),
peak_with_children_mb (sampled: with its worker and suite processes), success, and counts.
"""
from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import resource
import sys
import time
from pathlib import Path

STARTED = time.perf_counter()
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*%?")


def _high_water_mb() -> float:
    """This process's peak resident memory (VmHWM: reset by exec, unlike ru_maxrss on Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class TreePeak:
    """The most memory this process and its children (parsing workers, the suite's process) held at once:
    their resident sets summed every 50 ms. A child's own peak is not in VmHWM, and ru_maxrss of children
    cannot say it (a child started by vfork+exec inherits its parent's high-water mark)."""

    def __init__(self) -> None:
        import threading

        self.peak_kb, self._done = 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def stop(self) -> float:
        self._done.set()
        self._thread.join()
        return self.peak_kb / 1024

    def _sample(self) -> None:
        while not self._done.wait(0.05):
            self.peak_kb = max(self.peak_kb, sum(_rss_kb(pid) for pid in _tree(os.getpid())))


def _tree(pid: int) -> list[int]:
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        try:  # a process that ended since it was listed has no /proc entry left
            tasks = list(Path(f"/proc/{current}/task").glob("*/children"))
        except OSError:
            continue
        for task in tasks:
            try:
                stack += [int(child) for child in task.read_text().split()]
            except OSError:
                pass
    return found


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def noop() -> dict:
    import dagster as dg

    @dg.asset
    def noop_asset():
        return dg.MaterializeResult(metadata={"rows": 0})

    return {"success": dg.materialize([noop_asset], instance=dg.DagsterInstance.ephemeral()).success}


def cli(raw: str, warehouse: str, home: str) -> dict:
    """`make run` as a user runs it, its settings pointed at the bench's folders."""
    folder = Path(warehouse).parent
    os.environ.update(INDICATORS_RAW_DIR=raw, INDICATORS_WAREHOUSE=warehouse, DAGSTER_HOME=home,
                      INDICATORS_QUALITY_DIR=str(folder / "quality"),
                      INDICATORS_CORRECTIONS=str(folder / "corrections.csv"),
                      INDICATORS_ACKNOWLEDGED=str(folder / "acknowledged.csv"))
    from indicators_pipeline import cli as make_run

    with contextlib.redirect_stdout(io.StringIO()):
        code = make_run.run()
    import dagster as dg

    with dg.DagsterInstance.get() as instance:
        event = instance.get_latest_materialization_event(dg.AssetKey(["staging", "indicator_mentions"]))
        meta = event.asset_materialization.metadata
    return {"success": code == 0, "articles_parsed": meta["articles_parsed"].value,
            "articles_reused": meta["articles_reused"].value}


def _catalogue_cues() -> list[str]:
    catalogue = Path(__file__).resolve().parents[2] / "indicators_pipeline" / "reference" / "indicators.csv"
    with catalogue.open(encoding="utf-8") as rows:
        return sorted({part.strip() for row in csv.DictReader(rows) for cue in row["cues"].split(";")
                       for part in cue.split("X") if len(part.strip()) > 2}, key=len, reverse=True)


def _numbers_near_cues(raw: str, prepare, cue: re.Pattern) -> dict:
    found = []
    for path in sorted(Path(raw).rglob("*")):
        if path.is_file():
            text = prepare(path.read_bytes().decode("utf-8", errors="replace"))
            found += [(path.name, n.group()) for s in _SENTENCE.split(text) if cue.search(s)
                      for n in _NUMBER.finditer(s)]
    return {"success": True, "numbers_found": len(found)}


def naive(raw: str) -> dict:
    """What a person would write in an afternoon: each file read and decoded, split into sentences, and
    every number of a sentence that holds one of the catalogue's cue words (case-insensitive) kept."""
    cue = re.compile("|".join(re.escape(s) for s in _catalogue_cues()), re.IGNORECASE)
    return _numbers_near_cues(raw, lambda text: text, cue)


def scan(raw: str) -> dict:
    """The same pass made as cheap as it gets (the text lowercased once, no case-insensitive matching):
    a floor no pipeline that reads every file beats."""
    cue = re.compile("|".join(re.escape(s.lower()) for s in _catalogue_cues()))
    return _numbers_near_cues(raw, str.lower, cue)


def main(argv: list[str]) -> int:
    mode, args = argv[1], argv[2:]
    tree = TreePeak()
    outcome = {"noop": noop, "cli": cli, "naive": naive, "scan": scan}[mode](*args)
    seconds = time.perf_counter() - STARTED
    print(json.dumps({"seconds": seconds, "peak_mb": _high_water_mb(), "peak_with_children_mb": tree.stop(), **outcome}))
    return 0 if outcome["success"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
