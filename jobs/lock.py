"""Inter-process run lock: cron's `rasad run-once`, `rasad crawl` and the scheduler service never overlap.

An advisory `fcntl.flock` on ``schedule.lock_file``: the kernel releases it when the holder exits or
crashes, so a stale file never blocks the next run. The holder writes its pid, command and start time
into the file so that a refused run can say who holds the lock.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from crawler.config import Config

EX_TEMPFAIL = 75  # sysexits.h: "try again later"; cron mails it like any failure but the log says why


class LockHeld(Exception):
    """Another process holds the run lock; the message names its pid and start time."""

    def __init__(self, path: Path, holder: dict[str, Any]):
        self.path = path
        self.holder = holder
        pid = holder.get("pid", "?")
        since = holder.get("since", "?")
        command = holder.get("command", "")
        detail = f"; command: {command}" if command else ""
        super().__init__(f"another run holds the lock (pid {pid}, since {since}){detail} [{path}]")


class RunLock:
    """A non-blocking exclusive lock on a file; use as a context manager or acquire()/release()."""

    def __init__(
        self, path: Path | str, *, wait: float = 0.0, poll: float = 0.5, cancel: threading.Event | None = None
    ):
        self.path = Path(path)
        self.wait = wait
        self.poll = poll
        self.cancel = cancel or threading.Event()  # set: stop waiting (e.g. on SIGTERM)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock, waiting up to `wait` seconds (or until `cancel`); raises LockHeld if not free."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline or self.cancel.wait(self.poll):
                    holder = read_holder(self.path)
                    os.close(fd)
                    raise LockHeld(self.path, holder) from None
        info = {
            "pid": os.getpid(),
            "command": " ".join(sys.argv),
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode("utf-8"), 0)
        self._fd = fd

    def release(self) -> None:
        """Clear the holder information and unlock (the file stays: removing it would race)."""
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def read_holder(path: Path) -> dict[str, Any]:
    """What the current holder wrote into the lock file ({} when unreadable or empty)."""
    try:
        text = path.read_text(encoding="utf-8").strip()
        return json.loads(text) if text else {}
    except (OSError, ValueError):
        return {}


def run_lock(config: Config, *, wait: float = 0.0, cancel: threading.Event | None = None) -> RunLock:
    """The run lock configured by ``schedule.lock_file`` (relative paths resolved from the config)."""
    return RunLock(config.path(config.schedule.lock_file), wait=wait, cancel=cancel)
