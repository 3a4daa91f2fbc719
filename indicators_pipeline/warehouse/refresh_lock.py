"""One refresh at a time, whatever starts it (`make run`, the schedule, the sensor, the UI).

Two refreshes writing one working database interleave their steps: one run published rows the
other's blocking check had rejected (issue 13). A refresh therefore holds an exclusive `flock` on
`.refresh.lock` beside the working database from its first step to publication; a second refresh
waits for it, saying whose it is (pid, start time), and gives up after a timeout with a message a
person can act on. The kernel drops the lock when its process dies (even by `kill -9`), so a lock
is never stale; the file itself stays (deleting a lock file races with its next holder).

Within one process the lock is re-entrant: the CLI takes it before starting its run, and the
run's `warehouse` resource takes it again in the same process.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

LOCK_NAME = ".refresh.lock"

_guard = threading.Lock()
_held: dict[str, list] = {}  # lock path -> [file descriptor, depth]: what this process holds


@dataclass(frozen=True)
class Holder:
    """Who holds (or last held) the lock, as it wrote itself into the lock file."""
    pid: Optional[int]
    started_at: Optional[str]
    host: Optional[str] = None
    label: Optional[str] = None

    def describe(self) -> str:
        if self.pid is None:
            return "a process that has not yet written its name"
        where = f" on {self.host}" if self.host and self.host != socket.gethostname() else ""
        what = f", {self.label}" if self.label else ""
        return f"pid {self.pid}{where}, started {self.started_at}{what}"


class RefreshLockTimeout(RuntimeError):
    """Another refresh held the lock for longer than the wait allowed."""

    def __init__(self, path: Path, holder: Holder, waited: float):
        self.path, self.holder, self.waited = path, holder, waited
        super().__init__(
            f"another refresh is running ({holder.describe()}); waited {waited:.{0 if waited >= 10 else 1}f} s for {path} "
            f"(INDICATORS_REFRESH_LOCK_TIMEOUT). Let it finish, or stop that process, then run again.")


def lock_path(working_database: Path) -> Path:
    return working_database.parent / LOCK_NAME


def read_holder(path: Path) -> Holder:
    try:
        data = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        data = {}
    pid = data.get("pid")
    return Holder(int(pid) if pid is not None else None, data.get("started_at"), data.get("host"), data.get("label"))


def is_held_here(path: Path) -> bool:
    with _guard:
        return str(path) in _held


def acquire(path: Path, timeout: float, label: str = "", poll: float = 0.2,
            on_wait: Optional[Callable[[Holder], None]] = None) -> None:
    """Take the lock at path, waiting up to timeout seconds; on_wait is told once whom we wait for."""
    key = str(path)
    with _guard:
        if key in _held:
            _held[key][1] += 1
            return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    started = time.monotonic()
    told = False
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                waited = time.monotonic() - started
                if waited >= timeout:
                    raise RefreshLockTimeout(path, read_holder(path), waited) from None
                if not told and on_wait is not None:
                    on_wait(read_holder(path))
                    told = True
                time.sleep(min(poll, max(0.0, timeout - waited)))
        record = {"pid": os.getpid(), "host": socket.gethostname(), "label": label,
                  "started_at": dt.datetime.now().astimezone().isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(record) + "\n").encode(), 0)
    except BaseException:
        os.close(fd)
        raise
    with _guard:
        _held[key] = [fd, 1]


def release(path: Path) -> None:
    """Give back one level of the lock; the last one unlocks the file (its content is left for the record)."""
    key = str(path)
    with _guard:
        entry = _held.get(key)
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] > 0:
            return
        del _held[key]
    fcntl.flock(entry[0], fcntl.LOCK_UN)
    os.close(entry[0])


class RefreshLock:
    """The lock as a context manager: `with RefreshLock(path, timeout): ...`."""

    def __init__(self, path: Path, timeout: float, label: str = "",
                 on_wait: Optional[Callable[[Holder], None]] = None):
        self.path, self.timeout, self.label, self.on_wait = path, timeout, label, on_wait

    def __enter__(self) -> "RefreshLock":
        acquire(self.path, self.timeout, self.label, on_wait=self.on_wait)
        return self

    def __exit__(self, *exc) -> None:
        release(self.path)
