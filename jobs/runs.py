"""Run records: one document per job run in the runs index, written at start and at the end.

The store spools a record to disk when Elasticsearch is unreachable and replays it on the next run,
so a record is never lost; any other failure to write it is logged and never breaks the job itself.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from crawler.redact import redact
from crawler.store import Store

log = logging.getLogger(__name__)

RUNNING, OK, PARTIAL, FAILED, INTERRUPTED = "running", "ok", "partial", "failed", "interrupted"
MAX_ERRORS = 50  # keep the document small; error_count still counts them all


def _now() -> datetime:
    return datetime.now(UTC)


def new_run_id(kind: str, at: datetime | None = None) -> str:
    """A sortable, unique id such as ``crawl-20201123T100000Z-1a2b3c``."""
    at = at or _now()
    return f"{kind}-{at.strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:6]}"


@dataclass
class Run:
    """The state of one run; `status` is decided at the end unless set explicitly."""

    kind: str
    trigger: str
    run_id: str = ""
    started_at: datetime = field(default_factory=_now)
    finished_at: datetime | None = None
    status: str = RUNNING
    counts: dict[str, int | float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    error_count: int = 0
    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)  # lets the next run tell a dead run from a live one
    # What each discovery route and outlet found (crawler.found rows): the digest footer reads them.
    routes: list[dict[str, Any]] = field(default_factory=list)
    outlets: list[dict[str, Any]] = field(default_factory=list)
    _t0: float = field(default_factory=time.monotonic, repr=False)
    _forced: str | None = field(default=None, repr=False)
    _duration: float | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.run_id = self.run_id or new_run_id(self.kind, self.started_at)

    def count(self, name: str, n: int | float = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + n

    def add_counts(self, counts: Mapping[str, Any]) -> None:
        for name, value in counts.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                self.count(name, value)

    def error(self, message: str, *, echo: bool = True) -> None:
        """Note a non-fatal error: the run ends `partial` instead of `ok`.

        echo=False: the caller prints the message itself, so it is logged at INFO (the log file only).
        """
        message = redact(message)  # records are read by anyone with Kibana access
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(message)
        log.log(logging.WARNING if echo else logging.INFO, "%s %s: %s", self.kind, self.run_id, message)

    def mark(self, status: str) -> None:
        """Force the final status (e.g. `failed` without an exception, or `interrupted`)."""
        self._forced = status

    @property
    def duration_s(self) -> float:
        if self._duration is not None:
            return self._duration
        return round(time.monotonic() - self._t0, 3)

    def finish(self, exc: BaseException | None = None) -> None:
        self.finished_at = _now()
        self._duration = round(time.monotonic() - self._t0, 3)
        if exc is not None:
            self.error(f"{type(exc).__name__}: {exc}")
            self.status = INTERRUPTED if isinstance(exc, KeyboardInterrupt) else FAILED
        elif self._forced:
            self.status = self._forced
        else:
            self.status = PARTIAL if self.error_count else OK

    def to_doc(self) -> dict[str, Any]:
        """The runs-index document (fields of crawler.store.schema.RUN_PROPERTIES)."""
        doc: dict[str, Any] = {
            "run_id": self.run_id,
            "kind": self.kind,
            "status": self.status,
            "trigger": self.trigger,
            "host": self.host,
            "pid": self.pid,
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "counts": dict(self.counts),
            "errors": list(self.errors),
            "error_count": self.error_count,
        }
        if self.routes:
            doc["routes"] = [dict(r) for r in self.routes]
        if self.outlets:
            doc["outlets"] = [dict(r) for r in self.outlets]
        if self.finished_at is not None:
            doc["finished_at"] = self.finished_at.isoformat(timespec="seconds")
            doc["duration_s"] = self.duration_s
        return doc


def write_record(store: Store, run: Run) -> None:
    """Upsert the run's record; failures other than an outage (which spools) are logged, not raised."""
    try:
        result = store.record_run(run.to_doc())
    except Exception as exc:  # noqa: BLE001 - a bookkeeping failure must not fail the job
        log.error("run %s: could not record status %s: %s", run.run_id, run.status, exc)
        return
    if result.failed:
        log.error("run %s: record rejected by Elasticsearch: %s", run.run_id, "; ".join(result.errors))
    elif result.spooled:
        log.warning("run %s: Elasticsearch unreachable, record (%s) spooled to disk", run.run_id, run.status)


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def close_abandoned(store: Store) -> int:
    """Mark `interrupted` the records left `running` on this host by a process that no longer exists.

    Called under the run lock: no other run of this host is going, so a `running` record whose process
    is gone was killed before it could write its end. Returns how many records were closed.
    """
    host = socket.gethostname()
    try:
        if not store.ping():
            return 0
        stale = [d for d in store.scan("runs", query={"term": {"status": RUNNING}})
                 if d.get("host") == host and d.get("pid") != os.getpid() and not _alive(d.get("pid"))]
        for doc in stale:
            doc.pop("id", None)
            note = f"closed by a later run: process {doc.get('pid', '?')} ended without recording an end"
            doc.update(status=INTERRUPTED, finished_at=_now().isoformat(timespec="seconds"),
                       errors=[*(doc.get("errors") or []), note][:MAX_ERRORS], error_count=int(doc.get("error_count") or 0) + 1)
            store.record_run(doc)
            log.warning("run %s was left running by a dead process: recorded as %s", doc.get("run_id"), INTERRUPTED)
        return len(stale)
    except Exception as exc:  # noqa: BLE001 - bookkeeping must not stop the run
        log.error("could not close abandoned run records: %s", exc)
        return 0


@contextmanager
def track_run(store: Store, kind: str, trigger: str, *, run_id: str | None = None) -> Iterator[Run]:
    """Record a run: `running` at start, then `ok`/`partial`/`failed` with counts, errors and duration.

    An exception inside the block marks the run `failed` and is re-raised after the record is written.
    """
    run = Run(kind=kind, trigger=trigger, run_id=run_id or "")
    log.info("%s run %s started (trigger: %s)", kind, run.run_id, trigger)
    write_record(store, run)
    try:
        yield run
    except BaseException as exc:
        run.finish(exc)
        write_record(store, run)
        log.error("%s run %s %s after %.1fs: %s", kind, run.run_id, run.status, run.duration_s, exc)
        raise
    run.finish()
    write_record(store, run)
    # The log file's line: the command prints its own status line, and each error was logged as it came.
    log.info(
        "%s run %s %s in %.1fs; counts %s; %d errors",
        kind, run.run_id, run.status, run.duration_s, run.counts, run.error_count,
    )
