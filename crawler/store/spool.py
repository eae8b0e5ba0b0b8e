"""Disk spool for Elasticsearch writes made while the cluster is unreachable.

Each batch is one JSON Lines file, written to a temporary name, fsynced and renamed: a crash or a
full disk leaves either a complete file or none, never a truncated one. Replay reads files oldest first.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class SpoolError(Exception):
    """The spool cannot be written or read (names the path)."""


class Spool:
    def __init__(self, directory: Path):
        self.dir = Path(directory)

    def write(self, actions: list[dict[str, Any]]) -> Path:
        """Persist one batch of bulk actions atomically; returns the spool file."""
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SpoolError(f"cannot create spool directory {self.dir}: {exc}") from exc
        name = f"{time.time_ns():020d}-{os.getpid()}.jsonl"
        tmp = self.dir / f".{name}.tmp"
        final = self.dir / name
        try:
            with open(tmp, "w", encoding="utf-8") as fh:
                for action in actions:
                    fh.write(json.dumps(action, ensure_ascii=False) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, final)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise SpoolError(f"cannot write spool file {final} ({len(actions)} actions kept in memory only): {exc}") from exc
        return final

    def files(self) -> list[Path]:
        if not self.dir.exists():
            return []
        return sorted(p for p in self.dir.glob("*.jsonl") if not p.name.startswith("."))

    def read(self, path: Path) -> list[dict[str, Any]]:
        actions = []
        with open(path, encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    actions.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise SpoolError(f"{path}:{lineno}: corrupt spool line: {exc}") from exc
        return actions

    def remove(self, path: Path) -> None:
        path.unlink(missing_ok=True)

    def pending(self) -> int:
        """Number of actions waiting in the spool."""
        return sum(len(self.read(p)) for p in self.files())
