"""The backfill routes through Common Crawl's bulk data: CC-NEWS files streamed, the columnar index queried.

How a 1 GB WARC file is streamed inside Scrapy: it cannot be a response body, so the spider's
`start()` runs the plain scan function (crawler.discovery.archives.ccnews.scan_file) as an iterator
in Twisted's thread pool, one `next()` at a time: the thread reads the HTTP stream until the next
page that passes the cheap filter, the reactor turns that page into an HtmlResponse and hands it to
the crawl's article callback (NewsSpider.parse_article), and the article goes through the same
pipelines as any other (language, relevance, compare, store). Memory holds one record at a time.

Resume per file: a file is checkpointed (crawler.discovery.archives.state) once it was read to its end
and every article it yielded was stored or dropped; a file cut off midway is read again, and what it
already stored is skipped as known (document ids are idempotent besides). The columnar index's unit
is one Parquet partition, checkpointed once every capture it listed was fetched, like a CDX query.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any, TypeVar

import scrapy
from scrapy import signals
from scrapy.http import HtmlResponse
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import task, threads

from crawler.discovery.archives import CCINDEX, CCNEWS, ccindex, ccnews, commoncrawl
from crawler.discovery.archives.captures import Capture
from crawler.discovery.archives.commoncrawl import ArchivedPage
from crawler.discovery.archives.http import ArchiveClient, ArchiveHTTPError
from crawler.discovery.archives.prefilter import Prefilter
from crawler.discovery.archives.state import query_key
from crawler.discovery.links import canonical, outlet_for_url
from crawler.items import Article
from crawler.spiders.news import now_iso

log = logging.getLogger(__name__)
T = TypeVar("T")
SETTLE_POLL_S = 0.5
DRAIN_TIMEOUT_S = 600.0


class CommonCrawlRoutes:
    """Mixed into BackfillSpider: `ccnews_articles()` and `ccindex_requests()`, driven by its start()."""

    # -- shared ----------------------------------------------------------------------------------

    def _cc_setup(self) -> None:
        if getattr(self, "_cc_ready", False):
            return
        self._cc_ready = True
        config = self.settings["RASAD_CONFIG"]
        self.cc_topic = config.topic(self.settings.get("RASAD_TOPIC"))
        a = self.archive
        self.cc_client = ArchiveClient(config.crawl.user_agent, rate=a.cc_data_rate, timeout=a.stream_timeout,
                                       retries=a.slowdown_retries, backoff=a.slowdown_backoff)
        self.cc_prefilter = Prefilter(self.cc_topic, self.cc_topic.url_keywords)
        self.ccnews_pending: Counter[str] = Counter()  # articles of a file not yet stored or dropped
        self.ccnews_key_of: dict[str, str] = {}  # article URL -> its file's key
        self.ccnews_read: dict[str, ccnews.ScanStats] = {}  # files read to their end, until checkpointed
        self.ccnews_failed: set[str] = set()  # files with an article lost: read again next run
        self._cc_synced = ccnews.ScanStats()
        self.crawler.signals.connect(self._ccnews_item_error, signal=signals.item_error)

    async def _in_thread(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await maybe_deferred_to_future(threads.deferToThread(fn, *args, **kwargs))

    def _cc_error(self, via: str, message: str) -> None:
        self._inc("errors/archive_index")
        self._inc(f"route/{via}/errors")
        log.error("%s", message)

    # -- CC-NEWS ---------------------------------------------------------------------------------

    def _ccnews_files(self) -> list[ccnews.NewsFile]:
        """In a thread: the files of the window from the monthly listings."""
        return ccnews.window_files(self.cc_client, self.archive.ccnews_url, self.since, self.until)

    async def ccnews_articles(self) -> AsyncIterator[Article]:
        """Articles of the window's CC-NEWS files, file by file."""
        self._cc_setup()
        try:
            files = await self._in_thread(self._ccnews_files)
        except (ArchiveHTTPError, ccnews.CCNewsError) as exc:
            self._cc_error(CCNEWS, f"CC-NEWS listing: {exc}")
            return
        log.info("CC-NEWS: %d files cover %s..%s", len(files), self.since.date(), self.until.date())
        self.crawler.stats.inc_value("rasad/route/archive:ccnews/listed", len(files))
        loop = task.LoopingCall(self._ccnews_tick)
        loop.start(1.0, now=False)
        try:
            for f in files:
                key = query_key("ccnews", "CC-NEWS", f.path, self.since, self.until)
                if self.state.is_done(key):
                    self._inc("archive/already_done")
                    log.info("%s: finished by an earlier backfill; skipped", f.path)
                    continue
                async for article in self._ccnews_file(f, key):
                    yield article
            await self._ccnews_drain()
        finally:
            loop.stop()
            self._ccnews_sync()

    async def _ccnews_drain(self) -> None:
        """Wait until every article yielded is stored or dropped. Scrapy closes a spider whose start()
        is exhausted and whose downloader is empty, without waiting for items still in the pipelines:
        start() returns only once they are through, so that the last files are checkpointed."""
        from twisted.internet import (
            reactor,  # late: importing it at module level would install the default one
        )

        deadline = reactor.seconds() + DRAIN_TIMEOUT_S
        while any(n > 0 for n in self.ccnews_pending.values()) and reactor.seconds() < deadline:
            self._flush_store()
            await maybe_deferred_to_future(task.deferLater(reactor, SETTLE_POLL_S, lambda: None))
        left = sum(n for n in self.ccnews_pending.values() if n > 0)
        if left:
            log.error("CC-NEWS: %d articles still unstored after %.0fs; their files will be read again", left,
                      DRAIN_TIMEOUT_S)

    async def _ccnews_file(self, f: ccnews.NewsFile, key: str) -> AsyncIterator[Article]:
        url = ccnews.file_url(self.archive.ccnews_url, f.path)
        stats = ccnews.ScanStats()
        self._cc_synced = ccnews.ScanStats()  # what of this file is already in the run's stats
        self._cc_scanning = stats
        pages: Iterator[ArchivedPage] = ccnews.scan_file(self.cc_client, url, self.cc_prefilter, self.since,
                                                         self.until, stats, self.archive.ccnews_max_record_bytes)
        try:
            while True:
                page = await self._in_thread(next, pages, None)
                if page is None:
                    break
                self._ccnews_sync()
                for article in await self._ccnews_page(page, key):
                    self.ccnews_pending[key] += 1
                    self.ccnews_key_of[article.url] = key
                    yield article
        except (ArchiveHTTPError, ccnews.CCNewsError) as exc:
            self.ccnews_failed.add(key)
            self._inc("errors/warc_file")
            self._inc(f"route/{CCNEWS}/errors")
            log.error("%s (read again by the next backfill)", exc)
            return
        finally:
            self._ccnews_sync()
            self._cc_scanning = None
            for reason, n in stats.dropped.items():
                self.crawler.stats.inc_value(f"rasad/archive/ccnews_dropped/{reason}", n)
        log.info("%s: %d records, %.1f MB read, %d pages to extract", f.path, stats.records, stats.bytes / 1e6,
                 stats.pages)
        self.ccnews_read[key] = stats
        self._ccnews_settle_when_stored(key)

    async def _ccnews_page(self, page: ArchivedPage, key: str) -> list[Article]:
        """One page out of a CC-NEWS file through the article callback, unless its address is known."""
        # A host in no catalogue entry is named by its registered domain, marked undeclared (the open world).
        name = outlet_for_url(page.url, self.catalog).name
        c = canonical(page.url)
        if c in self.known or page.url in self.known:
            self._inc("skipped/known", name)
            return []
        if c in self.requested:
            self._inc("skipped/duplicate_link")
            return []
        self.requested.add(c)
        self._inc("discovered", name)
        self._inc(f"discovered_via/{CCNEWS}")
        meta = {"rasad_source": name, "rasad_page": "article", "rasad_via": CCNEWS, "rasad_original_url": page.url,
                "rasad_captured_at": page.captured_at.isoformat() if page.captured_at else None}
        response = HtmlResponse(url=page.url, body=page.body, request=scrapy.Request(page.url, meta=meta),
                                headers={"Content-Type": page.content_type})
        return await self.parse_article(response, name, CCNEWS, now_iso())

    def _ccnews_tick(self) -> None:
        """Each second of a scan: the progress counts, and the store asked to write the articles it holds
        (hits are rare in a scan: a batch would otherwise wait long, and a killed run lose it)."""
        self._ccnews_sync()
        if any(n > 0 for n in self.ccnews_pending.values()):
            self._flush_store()

    def _ccnews_sync(self) -> None:
        """Bytes and records read so far into the run's stats (the progress display reads them)."""
        stats = getattr(self, "_cc_scanning", None)
        synced = self._cc_synced
        if stats is None:
            return
        self.crawler.stats.inc_value("rasad/archive/scanned_bytes", stats.bytes - synced.bytes)
        self.crawler.stats.inc_value("rasad/archive/scanned_records", stats.records - synced.records)
        synced.bytes, synced.records = stats.bytes, stats.records

    def _ccnews_settle_when_stored(self, key: str) -> None:
        """Checkpoint a file read to its end once its articles are stored; the store writes in batches,
        so it is asked to write what it holds until they are."""
        if self._ccnews_settle(key):
            return

        def poll() -> None:
            if self._ccnews_settle(key) or key in self.ccnews_failed:
                if loop.running:
                    loop.stop()
                return
            self._flush_store()

        loop = task.LoopingCall(poll)
        loop.start(SETTLE_POLL_S, now=False).addErrback(lambda f: log.error("%s: %s", key, f.getErrorMessage()))

    def _ccnews_settle(self, key: str) -> bool:
        if key not in self.ccnews_read or self.ccnews_pending[key] > 0 or key in self.ccnews_failed:
            return False
        stats = self.ccnews_read.pop(key)
        self.state.finish(key, records=stats.records, bytes=stats.bytes, pages=stats.pages)
        self._inc("archive/ccnews_files_finished")
        log.info("%s: finished", key)
        return True

    def _flush_store(self) -> None:
        from crawler.pipelines import StorePipeline

        engine = getattr(self.crawler, "engine", None)
        itemproc = getattr(getattr(engine, "scraper", None), "itemproc", None)
        for stage in getattr(itemproc, "middlewares", ()):
            if isinstance(stage, StorePipeline) and stage.batch:
                stage.flush(self)

    def _ccnews_item_done(self, url: str | None, ok: bool) -> None:
        key = self.ccnews_key_of.pop(url, None) if url and hasattr(self, "ccnews_key_of") else None
        if key is None:
            return
        self.ccnews_pending[key] -= 1
        if not ok:
            self.ccnews_failed.add(key)
        self._ccnews_settle(key)

    def _ccnews_item_error(self, item: Any, response: Any, spider: scrapy.Spider, failure: Any) -> None:
        self._ccnews_item_done(getattr(item, "url", None), False)

    def items_stored(self, urls: Iterable[str], ok: bool) -> None:
        urls = list(urls)
        for url in urls:  # first: the file's checkpoint must not depend on the listing bookkeeping below
            self._ccnews_item_done(url, ok)
        super().items_stored(urls, ok)  # type: ignore[misc]

    def on_item_dropped(self, item: Any, response: Any, exception: BaseException, spider: scrapy.Spider) -> None:
        self._ccnews_item_done(getattr(item, "url", None), getattr(exception, "remembered", True))
        super().on_item_dropped(item, response, exception, spider)  # type: ignore[misc]

    # -- columnar index --------------------------------------------------------------------------

    def _ccindex_partitions(self) -> list[tuple[str, str]]:
        """In a thread: (crawl, partition path) of every crawl overlapping the window."""
        return ccindex.window_partitions(self.cc_client, self.archive.cc_index_url, self.archive.ccindex_url,
                                         self.since, self.until)

    def _ccindex_hosts(self) -> list[str]:
        return ccindex.source_hosts(self.sources)

    async def ccindex_requests(self) -> AsyncIterator[scrapy.Request]:
        """Byte-range requests for the Arabic captures the index lists, partition by partition."""
        self._cc_setup()
        try:
            partitions = await self._in_thread(self._ccindex_partitions)
        except (ArchiveHTTPError, ccindex.CCIndexError, commoncrawl.CommonCrawlError) as exc:
            self._cc_error(CCINDEX, f"columnar index listing: {exc}")
            return
        keywords = [*self.cc_topic.url_keywords, *self.cc_topic.keywords]
        hosts = self._ccindex_hosts()
        for crawl_id, path in partitions:
            key = query_key("ccindex", crawl_id, path, self.since, self.until)
            if self.state.is_done(key):
                self._inc("archive/already_done")
                continue
            self.listing.add(key)
            try:
                captures: list[Capture] = await self._in_thread(
                    ccindex.query_partition, self.cc_client, ccnews.file_url(self.archive.ccindex_url, path),
                    start=self.since, end=self.until, keywords=keywords, hosts=hosts)
            except (ArchiveHTTPError, ccindex.CCIndexError) as exc:
                self.unfinished.add(key)
                self.listing.discard(key)
                self._cc_error(CCINDEX, f"{exc}")
                continue
            self.listed[key] += len(captures)
            self.crawler.stats.inc_value(f"rasad/route/{CCINDEX}/listed", len(captures))
            for r in self._capture_requests(
                    captures, None, CCINDEX, key,
                    lambda c: (commoncrawl.record_url(self.archive.cc_data_url, c), {"Range": commoncrawl.range_header(c)}),
                    self.parse_cc_record):
                yield r
            self.listing.discard(key)
            # Through the captures' own bookkeeping: a partition with nothing left to fetch is finished now.
            self.pending[key] += 1
            self._capture_done(key)
