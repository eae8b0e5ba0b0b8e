"""One backfill: `run_backfill(config, plan, ...)` runs BackfillSpider in a child process (as crawls do).

The plan says which window, archives, WARC files and outlets; the child gets the configuration as JSON
on stdin and answers its counts as JSON on stdout (crawler.run.run_child).
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any
from urllib.parse import urlsplit

from crawler.config import Config, ConfigError, TopicConfig
from crawler.middlewares import origin
from crawler.run import (
    PROGRESS_INTERVAL_S,
    CrawlError,
    CrawlStats,
    _config_from_payload,
    _config_payload,
    catalog,
    crawler_process,
    run_child,
    select_sources,
    stats_from_scrapy,
    stop_when_running,
)

log = logging.getLogger(__name__)

ARCHIVES = ("ia", "cc", "ccnews", "ccindex")
# A WARC file read without --from/--to: every capture counts, whatever its date.
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)


@dataclass
class BackfillPlan:
    """What one backfill searches. `start`/`end` are the window (aware datetimes)."""

    start: datetime
    end: datetime
    archives: list[str] = field(default_factory=list)
    warc_files: list[str] = field(default_factory=list)
    source_names: list[str] | None = None
    topic: str | None = None
    dated: bool = True  # --from/--to given: WARC files are read for that window only, else whole
    # The route the WARC files' articles are counted under: archive:warc, or archive:ccnews for the pages a
    # scan engine (crawler.engine) picked out of CC-NEWS files.
    warc_via: str = "archive:warc"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["start"], d["end"] = self.start.isoformat(), self.end.isoformat()
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> BackfillPlan:
        d = dict(d)
        d["start"], d["end"] = datetime.fromisoformat(d["start"]), datetime.fromisoformat(d["end"])
        return cls(**d)


def _day_start(d: date) -> datetime:
    return datetime.combine(d, dtime.min, tzinfo=UTC)


def _day_end(d: date) -> datetime:
    return datetime.combine(d, dtime.max, tzinfo=UTC).replace(microsecond=0)


def plan_backfill(config: Config, *, start: datetime | None, end: datetime | None, topic: str | None,
                  archives: list[str] | None, warc_files: list[str] | None,
                  source_names: list[str] | None) -> BackfillPlan:
    """The window and routes of a backfill from its options, the topic's event window and the config.

    Without --from/--to the topic's event window is widened by archive.days_before/days_after; archive
    queries need a window, so a topic without event dates and no dates given is a ConfigError. Local
    WARC files alone are read whole when no dates are given.
    """
    t: TopicConfig = config.topic(topic)
    warcs = list(warc_files or [])
    chosen = list(archives) if archives else ([] if warcs else list(config.archive.archives))
    dated = start is not None or end is not None  # WARC files are read whole unless dates are given
    if not dated and chosen and t.event_start:
        start = _day_start(t.event_start) - timedelta(days=config.archive.days_before)
        end = _day_end(t.event_end or t.event_start) + timedelta(days=config.archive.days_after)
    if chosen and start is None and end is None:
        raise ConfigError(f"{config.source_file}: topics.{t.name}.event_start is not set; give --from and --to "
                          "to search the archives")
    start = start or EARLIEST
    end = end or datetime.now(UTC)
    if start > end:
        raise ConfigError(f"backfill window is empty: --from {start.isoformat()} is after --to {end.isoformat()}")
    return BackfillPlan(start=start, end=end, archives=chosen, warc_files=warcs, source_names=source_names,
                        topic=t.name, dated=dated)


def archive_slots(config: Config) -> dict[str, dict[str, float]]:
    """Scrapy DOWNLOAD_SLOTS: one request at a time per archive host, paced at its configured rate."""
    a = config.archive
    slots: dict[str, dict[str, float]] = {}
    for url, rate in ((a.wayback_cdx_url, a.wayback_cdx_rate), (a.wayback_replay_url, a.wayback_replay_rate),
                      (a.cc_index_url, a.cc_index_rate), (a.cc_data_url, a.cc_data_rate)):
        host = urlsplit(url).hostname or ""
        delay = 1.0 / rate if rate > 0 else 0.0
        slot = slots.setdefault(host, {"concurrency": 1, "delay": delay, "randomize_delay": False})
        slot["delay"] = max(slot["delay"], delay)  # two endpoints on one host: the slower rate holds
    return slots


def archive_origins(config: Config) -> list[str]:
    """The configured archive endpoints: the only origins a backfill may reach on a private address
    without `crawl.allow_private_addresses` (a local mirror); captures and redirects are still checked."""
    a = config.archive
    return sorted({origin(u) for u in (a.wayback_cdx_url, a.wayback_replay_url, a.cc_index_url, a.cc_data_url)} - {""})


def backfill_in_process(config: Config, plan: BackfillPlan, *, run_id: str | None = None,
                        stopping: threading.Event | None = None, progress_interval: float = 0.0) -> CrawlStats:
    """Run one backfill with Scrapy in this process (once per process: Twisted's reactor).

    `progress_interval` > 0: write count snapshots to stdout that often (crawler/progress.py), as a crawl does.
    """

    from crawler.settings import settings_for
    from crawler.spiders.backfill import BackfillSpider
    from crawler.store import Store

    topic = config.topic(plan.topic)
    sources = select_sources(config, plan.source_names)
    store = Store(config)
    try:
        # Pages a crawl remembered as too old are exactly what a backfill of past years looks for.
        known = store.known_urls(ignore_statuses=("old",)) if store.ping() else set()
    finally:
        store.close()
    log.info("backfill %s: %s..%s, archives %s, %d WARC files, %d outlets, %d known URLs", run_id or "-",
             plan.start.date(), plan.end.date(), ",".join(plan.archives) or "none", len(plan.warc_files),
             len(sources), len(known))
    settings = settings_for(config)
    settings.update(RASAD_CONFIG=config, RASAD_TOPIC=topic.name, LOG_FORMATTER="crawler.pipelines.DropLogFormatter",
                    DOWNLOAD_SLOTS={**settings.get("DOWNLOAD_SLOTS", {}), **archive_slots(config)},
                    RASAD_TRUSTED_ORIGINS=archive_origins(config), LOGSTATS_INTERVAL=30.0)
    process = crawler_process(settings, progress_interval, len(sources))
    crawler = process.create_crawler(BackfillSpider)
    started = time.monotonic()
    failures: list[str] = []
    done = process.crawl(
        crawler, sources=sources, catalog=catalog(config), since=plan.start, until=plan.end, archives=plan.archives,
        warc_files=plan.warc_files, warc_window=plan.dated, warc_via=plan.warc_via, archive=config.archive,
        url_keywords=[*topic.url_keywords, *topic.keywords], state_path=str(config.path(config.archive.state_file)),
        queries=topic.queries, known=known, run_id=run_id,
    )
    done.addErrback(lambda f: failures.append(f.getTraceback()))
    if stopping is not None:
        stop_when_running(process, crawler, stopping, done)
    process.start()
    if failures:
        raise CrawlError(f"backfill {run_id or '-'} failed:\n{failures[0]}")
    stats = stats_from_scrapy(crawler.stats.get_stats() if crawler.stats else {}, time.monotonic() - started)
    stats.errors.extend(getattr(crawler.spider, "run_errors", []))
    unaccounted = warc_unaccounted(stats.archive)
    if unaccounted:
        stats.errors.append(f"{unaccounted} WARC records read but neither stored, dropped nor failed")
    log.info("backfill done in %.1fs: discovered=%d fetched=%d relevant=%d indexed=%d routes=%s", stats.duration_s,
             stats.discovered, stats.fetched, stats.relevant, stats.indexed, stats.routes)
    return stats


def warc_unaccounted(archive: dict[str, float]) -> int:
    """WARC records read that ended neither stored, dropped nor failed (0 when the counts add up)."""
    read = int(archive.get("warc_read", 0))
    ended = sum(int(archive.get(f"warc_{k}", 0)) for k in ("stored", "dropped", "failed"))
    return read - ended


def run_backfill(config: Config, plan: BackfillPlan, *, run_id: str | None = None,
                 stop: threading.Event | None = None,
                 on_progress: Callable[[dict[str, Any]], None] | None = None) -> CrawlStats:
    """Run one backfill in a child process and return its counts (CrawlError when it fails).

    `on_progress` receives the running backfill's count snapshots (jobs.progress.CrawlProgress.update).
    """
    payload = {"config": _config_payload(config), "plan": plan.to_dict(), "run_id": run_id,
               "progress_interval": PROGRESS_INTERVAL_S if on_progress else 0.0}
    return run_child("crawler.backfill", payload, stop, on_progress)


def main(argv: list[str] | None = None) -> int:
    """`python -m crawler.backfill --payload -`: the child side of run_backfill."""
    parser = argparse.ArgumentParser(prog="python -m crawler.backfill", description=__doc__)
    parser.add_argument("--payload", default="-", help="JSON payload file ('-' for stdin)")
    args = parser.parse_args(argv)
    text = sys.stdin.read() if args.payload == "-" else open(args.payload, encoding="utf-8").read()
    payload = json.loads(text)
    config = _config_from_payload(payload["config"])
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    stats = backfill_in_process(config, BackfillPlan.from_dict(payload["plan"]), run_id=payload.get("run_id"),
                                stopping=stopping, progress_interval=float(payload.get("progress_interval") or 0.0))
    sys.stdout.write(json.dumps(stats.to_dict(), ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
