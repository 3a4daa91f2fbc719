"""One measured run in a process of its own, so its peak memory is its own: a refresh or a no-op baseline.

usage: python -m indicators_pipeline_tests.bench.refresh_process (refresh RAW WAREHOUSE | noop)
Prints one JSON line: seconds, peak_mb, success, and the parse counts of the run.
"""
from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import dagster as dg


@dg.asset
def noop_asset() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"rows": 0})


def _high_water_mb() -> float:
    """This process's peak resident memory (VmHWM: reset by exec, unlike ru_maxrss on Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str]) -> int:
    started = time.perf_counter()
    if argv[1] == "noop":
        result = dg.materialize([noop_asset], instance=dg.DagsterInstance.ephemeral())
        extra = {}
    else:
        from indicators_pipeline_tests.pipeline_runs import materialization_metadata, materialize_all

        result = materialize_all(Path(argv[2]), Path(argv[3]))
        meta = materialization_metadata(result, ["staging", "indicator_mentions"])
        extra = {"articles_parsed": meta["articles_parsed"].value, "articles_reused": meta["articles_reused"].value}
    seconds = time.perf_counter() - started
    peak_mb = _high_water_mb()
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "success": result.success, **extra}))
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
