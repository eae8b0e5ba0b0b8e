"""Which archive queries a backfill has finished: a JSON file under var/, so a re-run skips them.

A query is one (archive, index, URL prefix, window); it counts as finished once every capture it
listed has been fetched or judged without a transient error. Pages already indexed or remembered are
skipped through the seen index as in any crawl, so even an unfinished query costs little to re-run.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def query_key(archive: str, index: str, prefix: str, start: datetime, end: datetime) -> str:
    return f"{archive}|{index}|{prefix}|{start.date().isoformat()}|{end.date().isoformat()}"


class BackfillState:
    """The finished queries, written atomically after each one finishes."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self.done: dict[str, dict[str, Any]] = {}
        if self.path.exists():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                raise ValueError(f"{self.path}: backfill state unreadable ({exc}); delete it to start over") from None
            self.done = dict(data.get("done", {}))

    def is_done(self, key: str) -> bool:
        return key in self.done

    def finish(self, key: str, **facts: Any) -> None:
        with self._lock:
            self.done[key] = {"at": datetime.now(UTC).isoformat(timespec="seconds"), **facts}
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"done": self.done}, ensure_ascii=False, indent=1), encoding="utf-8")
            os.replace(tmp, self.path)
