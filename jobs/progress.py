"""A one-line live progress display for commands that run the crawl child (crawl, run-once, demo, ...).

Feed it the crawl child's count snapshots::

    from crawler.run import run_crawl
    from jobs.progress import CrawlProgress

    with CrawlProgress("backfill") as progress:
        stats = run_crawl(config, ..., on_progress=progress.update)
        progress.set_label("backfill 2020-11")   # optional: what is running now

`update(snapshot)` takes what `crawler.run.run_crawl` passes to `on_progress`: the CrawlStats
fields as a dict (fetched, relevant, indexed, per_source, error_kinds, ...) plus "outlets", the
number of outlets the crawl covers. It may be called from any thread. The display (rich, on stderr)
reads, for example::

    ⠋ crawl  outlets 4/6  pages 37  articles kept 9  errors 3  0:00:12

"outlets 4/6": outlets reached so far (at least one page fetched) of the outlets crawled; "pages":
listing pages (feeds, sitemaps, list and search pages) and articles fetched; "articles kept":
relevant articles handed to the store; "errors": failed requests of every kind. The display is off
(nothing is written) when stderr is not a terminal, and with -v (the log lines scroll instead). It
is cleared when the block ends: the command prints its summary after it.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Mapping
from types import TracebackType
from typing import IO, Any

from jobs import logs


def progress_counts(snapshot: Mapping[str, Any]) -> dict[str, int]:
    """The displayed numbers from one snapshot: outlets reached / total, pages, articles kept, errors."""
    per_source: Mapping[str, Mapping[str, float]] = snapshot.get("per_source") or {}
    reached = sum(1 for c in per_source.values() if c.get("pages", 0) or c.get("fetched", 0) or
                  any(k.startswith("errors/") for k in c))
    listings = sum(int(c.get("pages", 0)) for c in per_source.values())
    total = int(snapshot.get("outlets") or 0) or len(per_source)
    counts = {
        "outlets_reached": min(reached, total) if total else reached,
        "outlets": total,
        "pages": listings + int(snapshot.get("fetched", 0)),
        "kept": max(int(snapshot.get("relevant", 0)), int(snapshot.get("indexed", 0))),
        "errors": int(sum((snapshot.get("error_kinds") or {}).values())),
    }
    archive = snapshot.get("archive") or {}
    if archive.get("scanned_records"):  # a backfill streaming whole WARC files (CC-NEWS): bytes and records read
        counts["scanned_records"] = int(archive["scanned_records"])
        counts["scanned_mb"] = int(archive.get("scanned_bytes", 0) // 1_000_000)
    return counts


def progress_text(label: str, counts: Mapping[str, int]) -> str:
    text = (f"{label}  outlets {counts['outlets_reached']}/{counts['outlets']}  pages {counts['pages']}  "
            f"articles kept {counts['kept']}  errors {counts['errors']}")
    if "scanned_records" in counts:
        text += f"  scanned {counts['scanned_mb']} MB, {counts['scanned_records']} records"
    return text


class CrawlProgress:
    """Context manager around a crawl: a live line on a terminal, nothing otherwise."""

    def __init__(self, label: str = "crawl", *, stream: IO[str] | None = None, enabled: bool | None = None):
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            enabled = _is_terminal(self.stream) and not logs.verbose()
        self.enabled = enabled
        self.last: dict[str, int] | None = None  # the latest displayed numbers (also when disabled)
        self._lock = threading.Lock()
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> CrawlProgress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            console = Console(file=self.stream, force_terminal=True)
            self._progress = Progress(
                SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                console=console, transient=True, redirect_stdout=False, redirect_stderr=False,
            )
            self._progress.start()
            self._task = self._progress.add_task(f"{self.label}  starting", total=None)
        return self

    def set_label(self, label: str) -> None:
        """What is running now (shown before the counts)."""
        with self._lock:
            self.label = label
            if self._progress is not None:
                text = progress_text(label, self.last) if self.last else f"{label}  starting"
                self._progress.update(self._task, description=text)

    def update(self, snapshot: Mapping[str, Any]) -> None:
        """A count snapshot of the running crawl (run_crawl's on_progress)."""
        counts = progress_counts(snapshot)
        with self._lock:
            self.last = counts
            if self._progress is not None:
                self._progress.update(self._task, description=progress_text(self.label, counts))

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
