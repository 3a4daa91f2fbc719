"""The Great Expectations suite in a process of its own, begun as soon as the facts change (issue 22).

Importing great_expectations costs ~2 s of a refresh (every core expectation, scipy.stats among
them); the suite itself ~0.5 s. When the facts step has written facts the suite has not seen, it
exports them (a few thousand rows) and starts this module as a process: the import and the suite
run on the other core while the rollups, findings and publication go on (after a large full pass, while the
consistency rules and the publication go on: below). The suite's check runs last
in its run, waits for the process and reads the outcome it kept (`suite_state`). If the process
failed, the check runs the suite itself, so an error shows in its step's log.

A process of its own saves only the import: a process that has great_expectations loaded already (one that
ran the suite before, like a test session's) runs the suite itself (`worth_a_process`). A refresh's own
process (`make run`, a run launched from the UI) has not.

A thread was tried first: it shares the interpreter lock with the steps, and a refresh of ten new
articles got slower, not faster.

On a night with a handful of new articles the steps up to the facts take less than the import, so the
import waited on the critical path. The raw step then begins the process early (`begin`): it imports
great_expectations and waits on its standard input for the facts to check; the facts step hands it
them (`start`) or, when the facts did not change, lets it go (`release`). A process never handed
anything ends when its parent does (its input closes), at once, even in the middle of its import.

A refresh that computes every fact again over DEFER_FROM_MENTIONS mentions or more defers the process until its
findings step has ended (`start(defer=True)`, then `start_deferred`): the findings are the refresh's largest
step in memory, and the process holds ~280 MB once great_expectations is imported. At 100,000 articles that
overlap made the refresh and its processes hold 1,040-1,060 MB together; started after them, at most 940 MB.
The check starts a deferred process itself when no step did (the findings not selected, or failed).
"""
from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb

from indicators_pipeline.quality import suite_state
from indicators_pipeline.warehouse.fingerprint import combined

LOG_FILE = "suite_process.log"
# The suite takes seconds; a process still at it after this long is stuck (a hung file system, a stopped
# process): it is ended and the check runs the suite itself, rather than the refresh waiting for ever.
WAIT_SECONDS = 600
# Files to read up to which the raw step begins the process: reading and parsing more takes longer than the
# import (~2.5 s: ~2,500 articles on two cores), and the facts step begins it then without the wait.
BEGIN_EARLY_UP_TO = 2_000
# Mentions from which a full pass of the facts defers the process until the findings step has ended: 100,000
# articles (1.06 million mentions) went over 1 GB with the overlap; at 10,000 (106,000 mentions) the refresh and
# its processes hold ~850 MB with it, and the earlier start keeps the import off the critical path.
DEFER_FROM_MENTIONS = 200_000
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the child imports the very package its parent runs

_started: dict[tuple[Path, str], subprocess.Popen] = {}  # handed facts, by (quality folder, their fingerprint)
_waiting: dict[Path, subprocess.Popen] = {}  # begun, importing or waiting for facts, by quality folder
_let_go: list[subprocess.Popen] = []  # released or no longer waited for, reaped once they end (no zombies)
_deferred: dict[Path, tuple[Path, str]] = {}  # exported facts (file, fingerprint) whose process starts later


@dataclass(frozen=True)
class Finished:
    """How a suite process ended: exit code, and the end of its log when it failed."""
    returncode: int
    log_tail: str = ""


def worth_a_process() -> bool:
    """Whether a process of its own would save anything: not when this one has great_expectations loaded."""
    return "great_expectations" not in sys.modules


def begin(quality_dir: Path) -> None:
    """Start a process that imports the suite and waits for facts (one per quality folder)."""
    _reap()
    if quality_dir in _waiting and _waiting[quality_dir].poll() is None:
        return
    release(quality_dir)  # one that ended already (its import failed): its input closed, its exit collected
    quality_dir.mkdir(parents=True, exist_ok=True)
    environment = {**os.environ,
                   "PYTHONPATH": os.pathsep.join(filter(None, [str(_PACKAGE_ROOT), os.environ.get("PYTHONPATH")]))}
    with open(quality_dir / LOG_FILE, "wb") as log:
        _waiting[quality_dir] = subprocess.Popen(
            [sys.executable, "-m", __name__, str(quality_dir)], stdin=subprocess.PIPE, stdout=log,
            stderr=subprocess.STDOUT, env=environment)


def release(quality_dir: Path) -> None:
    """Let a begun process go without facts (the facts did not change): it ends without running the suite. A
    deferred start is dropped with its export."""
    process = _waiting.pop(quality_dir, None)
    if process is not None:
        _close_input(process)
        _let_go.append(process)
    deferred = _deferred.pop(quality_dir, None)
    if deferred is not None:
        deferred[0].unlink(missing_ok=True)
    _reap()


def start(con: duckdb.DuckDBPyConnection, facts_table: str, columns: list[str], quality_dir: Path,
          fingerprint: str, defer: bool = False) -> None:
    """Export the facts and have the suite run over them in a process of its own (the one begun for this quality
    folder, else a new one). defer: when none was begun, only export them; `start_deferred` (or the check's
    `wait_for`) starts the process. The caller owns `con`."""
    quality_dir.mkdir(parents=True, exist_ok=True)
    _deferred.pop(quality_dir, None)  # an earlier run's, never started: its export goes with the stale ones
    for stale in quality_dir.glob(".facts_for_suite.*.parquet"):  # a killed run's export
        stale.unlink(missing_ok=True)
    facts_file = quality_dir / f".facts_for_suite.{combined(fingerprint)}.parquet"
    listed = ", ".join(f'"{c}"' for c in columns)
    con.execute(f"COPY (SELECT {listed} FROM {facts_table}) TO '{_sql(facts_file)}' (FORMAT parquet)")
    # a process started for this folder in an earlier run of this interpreter whose check never waited for it
    # (not selected, or the run failed first): it still keeps its outcome, but nobody will collect its exit
    for stale in [started for started in _started if started[0] == quality_dir]:
        _let_go.append(_started.pop(stale))
    if defer and quality_dir not in _waiting:
        _deferred[quality_dir] = (facts_file, fingerprint)
        return
    _hand(quality_dir, facts_file, fingerprint)


def start_deferred(quality_dir: Path) -> None:
    """Start the process of the facts `start` exported and deferred for this quality folder (if any). When it
    cannot be started (no memory for a process), the check runs the suite itself."""
    deferred = _deferred.pop(quality_dir, None)
    if deferred is not None:
        try:
            _hand(quality_dir, *deferred)
        except OSError:
            deferred[0].unlink(missing_ok=True)


def _hand(quality_dir: Path, facts_file: Path, fingerprint: str) -> None:
    """The process begun for this quality folder (else a new one) handed the exported facts."""
    begin(quality_dir)  # collects those that ended
    process = _waiting.pop(quality_dir)
    try:
        process.stdin.write((json.dumps({"facts_file": str(facts_file), "fingerprint": fingerprint}) + "\n").encode())
    except OSError:  # it ended already (its import failed): wait_for reports how, and the check runs the suite
        pass
    _close_input(process)
    _started[(quality_dir, fingerprint)] = process


def _reap() -> None:
    """Collect the exit of every let-go process that has ended."""
    _let_go[:] = [process for process in _let_go if process.poll() is None]


def _close_input(process: subprocess.Popen) -> None:
    try:
        process.stdin.close()
    except OSError:
        pass


def wait_for(quality_dir: Path, fingerprint: str) -> Finished | None:
    """Wait for the process started over these very facts (a deferred one started now); None when none was
    (nothing to wait for)."""
    if _deferred.get(quality_dir, (None, None))[1] == fingerprint:
        start_deferred(quality_dir)
    process = _started.pop((quality_dir, fingerprint), None)
    if process is None:
        return None
    try:
        returncode = process.wait(timeout=WAIT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        returncode = -9
    if returncode == 0:
        return Finished(0)
    for leftover in quality_dir.glob(f".facts_for_suite.{combined(fingerprint)}.parquet"):
        leftover.unlink(missing_ok=True)
    try:
        tail = (quality_dir / LOG_FILE).read_text(encoding="utf-8", errors="replace")[-2000:]
    except OSError:
        tail = ""
    return Finished(returncode, tail)


def _sql(path: Path) -> str:
    return str(path).replace("'", "''")


LET_GO_IMPORTING = "let go while importing the suite: ended without finishing the import"
LET_GO = "let go: no facts to check"


def main(quality_dir: str) -> None:
    """The process: import the suite, then run it over the facts named on standard input and keep its outcome
    for the check; nothing named (input closed), nothing run.

    The request is read beside the import: a process let go (or whose refresh failed or was killed) ends as soon
    as its input closes, not after the import's ~2.5 s of CPU, which a refresh's other steps or BI readers need."""
    requests: queue.Queue[str] = queue.Queue(maxsize=1)
    imported = threading.Event()

    def read_request() -> None:
        request = sys.stdin.readline()
        if not request:
            print(LET_GO if imported.is_set() else LET_GO_IMPORTING, flush=True)
            os._exit(0)  # nothing written yet but this log: no cleanup owed, the import need not finish
        requests.put(request)

    threading.Thread(target=read_request, name="suite-request", daemon=True).start()
    from indicators_pipeline.quality.expectations import run_fact_suite

    imported.set()
    named = json.loads(requests.get())
    facts = duckdb.connect().execute("SELECT * FROM read_parquet(?)", [named["facts_file"]]).df()
    outcome = run_fact_suite(facts, Path(quality_dir))
    suite_state.remember(Path(quality_dir), named["fingerprint"], outcome)
    Path(named["facts_file"]).unlink(missing_ok=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
