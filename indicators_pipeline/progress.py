"""Progress of long work (reading files, parsing articles): a bar on a terminal, a log line every few seconds.

`make run` over 100,000 files was silent for minutes (issue 22). A stage of work is a `Progress`: it
counts what is done of what is queued, draws a tqdm bar when its stream is a terminal (nothing at all
otherwise: logs and pipes stay clean), and every INDICATORS_PROGRESS_SECONDS (5 s) hands a line
"done of total, rate, time left" to a callback — the asset passes its Dagster logger, so the line is in
the run's log in the UI. This module knows nothing of Dagster.

The code doing the work does not take a Progress argument: the caller opens one with `tracking(...)`,
and `parallel.map_batches` (or `map_ordered`), which reads and parses every batch, reports each item
done to the one open (`current()`), if any.
"""
from __future__ import annotations

import contextlib
import contextvars
import os
import sys
import time
from typing import Callable, Iterator, TextIO

DEFAULT_LOG_SECONDS = 5.0


def log_seconds() -> float:
    """INDICATORS_PROGRESS_SECONDS: seconds between progress lines in the run's log (default 5)."""
    configured = os.environ.get("INDICATORS_PROGRESS_SECONDS")
    return float(configured) if configured else DEFAULT_LOG_SECONDS


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _is_terminal(stream: TextIO | None) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError):  # a closed or odd stream is no terminal
        return False


class Progress:
    """One stage of work: done of total, its rate and the time left, on a terminal bar and in log lines.

    total may be given (`expect`) or grow as work is queued (`queue`: each batch handed to the workers).
    """

    def __init__(self, label: str, unit: str = "items", total: int | None = None,
                 on_log: Callable[[str], None] | None = None, log_every: float | None = None,
                 stream: TextIO | None = None, clock: Callable[[], float] = time.monotonic):
        self.label, self.unit = label, unit
        self.done = 0
        self.total = total or 0
        self._fixed_total = total is not None
        self._on_log = on_log
        self._log_every = log_seconds() if log_every is None else log_every
        self._clock = clock
        self._started = clock()
        self._last_log = self._started
        self._logged_any = False
        self._bar = None
        stream = sys.stderr if stream is None else stream
        if _is_terminal(stream):
            from tqdm import tqdm  # only on a terminal

            self._bar = tqdm(total=total, desc=label, unit=f" {unit}", file=stream, mininterval=0.5, dynamic_ncols=True,
                             leave=True)

    def expect(self, total: int) -> None:
        """The whole stage's size, when the caller knows it."""
        self.total, self._fixed_total = total, True
        if self._bar is not None:
            self._bar.total = total
            self._bar.refresh()

    def queue(self, n: int) -> None:
        """n more items handed over: they count in the total unless the total was given."""
        if not self._fixed_total:
            self.total += n
            if self._bar is not None:
                self._bar.total = self.total
                self._bar.refresh()

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(n)
        now = self._clock()
        if self._on_log is not None and now - self._last_log >= self._log_every:
            self._last_log = now
            self._logged_any = True
            self._on_log(self.line(now))

    def line(self, now: float | None = None) -> str:
        """'parsing articles: 1,200 of 10,000 articles (12%), 350 articles/s, about 25 s left'."""
        elapsed = max((self._clock() if now is None else now) - self._started, 1e-9)
        rate = self.done / elapsed
        total = max(self.total, self.done)
        text = f"{self.label}: {self.done:,} of {total:,} {self.unit}"
        if total:
            text += f" ({100 * self.done / total:.0f}%)"
        text += f", {rate:,.0f} {self.unit}/s"
        if self.done < total and rate > 0:
            text += f", about {_duration((total - self.done) / rate)} left"
        return text

    def close(self) -> None:
        """The bar is finished; the log gets a last line when it got any, or when there was work."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        if self._on_log is not None and (self.done or self._logged_any):
            elapsed = self._clock() - self._started
            self._on_log(f"{self.label}: {self.done:,} of {max(self.total, self.done):,} {self.unit} done in "
                         f"{_duration(elapsed)} ({self.done / max(elapsed, 1e-9):,.0f} {self.unit}/s)")


_CURRENT: contextvars.ContextVar[Progress | None] = contextvars.ContextVar("indicators_progress", default=None)


def current() -> Progress | None:
    """The stage of work open in this thread, if any (parallel.map_batches and map_ordered report to it)."""
    return _CURRENT.get()


@contextlib.contextmanager
def tracking(progress: Progress) -> Iterator[Progress]:
    """Open a stage: work done inside reports to it; it is closed (last log line, bar finished) at the end."""
    token = _CURRENT.set(progress)
    try:
        yield progress
    finally:
        _CURRENT.reset(token)
        progress.close()
