"""Finding the worker-pool processes a test run left behind: spawn workers and resource trackers.

Every process of a test run carries the run's marker in its environment (tests/conftest.py sets it
before any test; children inherit it, and keep it after they are orphaned and re-parented to init),
so a leftover is found by its environment and command line, whatever became of its parents.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

MARK = "RASAD_TEST_RUN"
# The command lines of multiprocessing's spawned children (multiprocessing/spawn.py, resource_tracker.py).
POOL_MARKS = ("multiprocessing.spawn import spawn_main", "multiprocessing.resource_tracker import main")


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:  # gone meanwhile, or not ours to read
        return b""


def _state(pid: int) -> str:
    stat = _read(Path(f"/proc/{pid}/stat")).decode(errors="replace")
    return stat.rpartition(")")[2].split()[0] if ")" in stat else ""


def _ppid(pid: int) -> int:
    stat = _read(Path(f"/proc/{pid}/stat")).decode(errors="replace")
    fields = stat.rpartition(")")[2].split()
    return int(fields[1]) if len(fields) > 1 else 0


def pool_processes(marker: str) -> dict[int, str]:
    """pid -> command line of every live spawn worker / resource tracker whose environment has `marker`."""
    needle = f"{MARK}={marker}".encode()
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        cmdline = _read(entry / "cmdline").replace(b"\0", b" ").decode(errors="replace")
        if not any(m in cmdline for m in POOL_MARKS):
            continue
        if needle not in _read(entry / "environ").split(b"\0"):
            continue
        pid = int(entry.name)
        if _state(pid) not in ("", "Z", "X"):  # a zombie has ended; only its parent's wait is missing
            found[pid] = cmdline.strip()
    return found


def is_tracker(cmdline: str) -> bool:
    return POOL_MARKS[1] in cmdline


def leftovers(marker: str, ignore_parent: int | None = None) -> dict[int, str]:
    """pool_processes(marker), less the resource tracker that `ignore_parent` itself started (it ends
    with that process, which is still running)."""
    return {pid: cmd for pid, cmd in pool_processes(marker).items()
            if not (ignore_parent is not None and is_tracker(cmd) and _ppid(pid) == ignore_parent)}


def wait_gone(marker: str, timeout: float, ignore_parent: int | None = None) -> dict[int, str]:
    """Wait up to `timeout` seconds for leftovers(marker) to be empty; the ones still alive then."""
    deadline = time.monotonic() + timeout
    while True:
        alive = leftovers(marker, ignore_parent)
        if not alive or time.monotonic() >= deadline:
            return alive
        time.sleep(0.2)


def children(pid: int) -> list[int]:
    """Direct children of `pid` (from /proc/<pid>/task/*/children)."""
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        kids += [int(k) for k in _read(task / "children").split()]
    return kids


def environment_with_marker(marker: str) -> dict[str, str]:
    return {**os.environ, MARK: marker}
