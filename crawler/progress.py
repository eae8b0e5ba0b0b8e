"""Live counts of a running crawl for the parent's progress display (a Scrapy extension).

Enabled by crawler.run when the parent asked for progress (RASAD_PROGRESS_INTERVAL > 0): every
interval, and once when the spider closes, it writes one line to stdout,
``{"progress": {...CrawlStats fields..., "outlets": N, "elapsed_s": S}}``, which
crawler.run.run_crawl hands to its `on_progress` callback. Nothing else of the child writes to stdout
but the final counts, so the two never mix.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task


class ProgressReporter:
    """Writes count snapshots to stdout while the spider runs."""

    def __init__(self, crawler: Crawler, interval: float, outlets: int):
        self.crawler = crawler
        self.interval = interval
        self.outlets = outlets
        self.started = time.monotonic()
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressReporter:
        interval = crawler.settings.getfloat("RASAD_PROGRESS_INTERVAL", 0.0)
        if interval <= 0:
            raise NotConfigured
        ext = cls(crawler, interval, crawler.settings.getint("RASAD_PROGRESS_OUTLETS", 0))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def snapshot(self) -> dict[str, Any]:
        from crawler.run import stats_from_scrapy  # the same reading of the stats as the final counts

        elapsed = time.monotonic() - self.started
        raw = self.crawler.stats.get_stats() if self.crawler.stats else {}
        data = stats_from_scrapy(raw, elapsed).to_dict()
        data.pop("counts", None)
        return {**data, "outlets": self.outlets, "elapsed_s": round(elapsed, 1)}

    def emit(self) -> None:
        sys.stdout.write(json.dumps({"progress": self.snapshot()}, ensure_ascii=False) + "\n")
        sys.stdout.flush()

    def spider_opened(self, spider: Any) -> None:
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.emit)
        self.loop.start(self.interval, now=True)

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.emit()
