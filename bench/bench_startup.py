"""Start-up time of the `rasad` command: the fast commands against `python -c pass`, before and after.

"Before" is the whole tree of BEFORE (the commit before imports were made lazy), exported with
`git archive`; "after" is the working tree. Each command runs as `python -m jobs.cli ...` from its
tree's root (which puts that tree first on sys.path), in the project's virtualenv, with no
configuration file and no ES_URL; the sides alternate, run after run, so both see the same machine.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEFORE = "80fbc80a356b3af68c08fe885c6cdbc008e6252d"
COMMANDS: dict[str, list[str]] = {
    "python -c pass": ["-c", "pass"],
    "rasad --help": ["-m", "jobs.cli", "--help"],
    "rasad sources list": ["-m", "jobs.cli", "sources", "list"],
}


def _export(dest: Path, commit: str) -> None:
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)


def _time(args: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, *args], cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=True, timeout=120)
    return time.perf_counter() - started


def bench_startup(runs: int = 10, before: str | None = BEFORE) -> dict:
    """Median and fastest wall time in seconds per command and side: {"after": {cmd: (median, min)}, ...}."""
    env = {k: v for k, v in os.environ.items() if k not in ("ES_URL", "RASAD_CONFIG", "PYTHONPATH")}
    with tempfile.TemporaryDirectory() as tmp:
        sides = {"after": ROOT}
        if before:
            _export(Path(tmp), before)
            sides["before"] = Path(tmp)
        env["HOME"] = tmp
        samples: dict[str, dict[str, list[float]]] = {s: {c: [] for c in COMMANDS} for s in sides}
        for cwd in sides.values():  # warm the page cache and the .pyc files once
            for args in COMMANDS.values():
                _time(args, cwd, env)
        for _ in range(runs):
            for side, cwd in sides.items():
                for name, args in COMMANDS.items():
                    samples[side][name].append(_time(args, cwd, env))
    return {side: {name: (statistics.median(v), min(v)) for name, v in cmds.items()} for side, cmds in samples.items()}
