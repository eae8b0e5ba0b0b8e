"""BackfillSpider: routes web-archive discovery (crawler/discovery/archives) to the crawl's article callback.

It is a NewsSpider, so archived captures go through the same extraction, pipelines (language,
relevance, compare, store), politeness (robots.txt of the archive hosts, per-host rates, backoff on
429/503), retries and stats as a crawl. A capture keeps its outlet's own address (`url`), its capture
time (`captured_at`) and `discovered_via` = archive:ia, archive:cc or archive:warc.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse, Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from crawler.config import ArchiveConfig
from crawler.discovery.archives import CC, IA, WARC, commoncrawl, wayback
from crawler.discovery.archives.captures import Capture, CdxError, read_cdx, unique_content
from crawler.discovery.archives.commoncrawl import CommonCrawlError, PayloadTooLarge
from crawler.discovery.archives.filters import keyword_forms, reject_reason
from crawler.discovery.archives.state import BackfillState, query_key
from crawler.discovery.archives.warc import WarcEntry, WarcFileError, read_records
from crawler.discovery.links import canonical, outlet_for_url
from crawler.items import Article
from crawler.middlewares import RetryAfterTooLong, retry_after_seconds
from crawler.spiders.ccarchive import CommonCrawlRoutes
from crawler.spiders.news import PERMANENT, NewsSpider, now_iso

log = logging.getLogger(__name__)

# WARC items in the item pipelines at once: reading the file waits below this (back-pressure).
MAX_ITEMS_IN_FLIGHT = 32
MAX_RUN_ERRORS = 20  # error messages kept for the run record


class BackfillSpider(CommonCrawlRoutes, NewsSpider):
    """One backfill over web archives and local WARC files.

    Args (besides NewsSpider's):
        until: end of the window (captures after it are not fetched).
        archives: "ia" and/or "cc".
        warc_files: local WARC files read without network.
        warc_window: whether --from/--to were given (WARC files are read whole otherwise).
        warc_via: the route the WARC files' articles count under (archive:ccnews for a scan engine's pages).
        archive: the `[archive]` configuration (endpoints, limits).
        url_keywords: words an archived address's slug may carry (with the topic's keywords).
        state_path: the file of finished archive queries.
    """

    name = "backfill"

    def __init__(self, sources: Iterable[Any], since: datetime, *, until: datetime, archives: Iterable[str] = (),
                 warc_files: Iterable[str] = (), warc_window: bool = False, warc_via: str = WARC, archive: ArchiveConfig | None = None,
                 url_keywords: Iterable[str] = (), state_path: str = "var/backfill-state.json", **kwargs: Any):
        super().__init__(sources, since, **kwargs)
        self.until = until
        self.archives = list(archives)
        self.warc_files = list(warc_files)
        self.warc_window = warc_window
        self.warc_via = warc_via
        self.archive = archive or ArchiveConfig()
        self.forms = keyword_forms(url_keywords)
        self.state = BackfillState(state_path)
        self.pending: Counter[str] = Counter()  # capture requests in flight per query
        self.listing: set[str] = set()  # queries whose CDX answers are still coming
        self.unfinished: set[str] = set()  # queries with a transient failure: not checkpointed
        self.listed: Counter[str] = Counter()
        self.max_bytes = 0  # crawl.max_response_bytes (DOWNLOAD_MAXSIZE): the limit of a decoded WARC payload
        # WARC accounting: every record read ends stored, dropped (a reason) or failed (an error).
        self.warc_in_pipeline: set[str] = set()  # article URLs in the item pipelines (start() waits for them)
        self.warc_unsettled: set[str] = set()  # article URLs not yet stored, dropped or failed
        self._pipeline_moved: Deferred[None] | None = None
        self.hosts_given_up: set[str] = set()  # archive hosts that asked for a longer wait than allowed
        self.run_errors: list[str] = []  # for the run record: damaged files, records skipped, archives given up

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> BackfillSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.max_bytes = crawler.settings.getint("DOWNLOAD_MAXSIZE", 0)
        crawler.signals.connect(spider.on_item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(spider.on_item_error, signal=signals.item_error)
        return spider

    # -- requests ------------------------------------------------------------------------------

    def _index_request(self, url: str, callback: Any, source: str | None, via: str, key: str | None,
                       **cb_kwargs: Any) -> scrapy.Request:
        """A request to an archive's index (collinfo.json, a CDX query)."""
        if key:
            self.listing.add(key)
        return scrapy.Request(
            url, callback=callback, errback=self.on_index_error, cb_kwargs={"source": source, "key": key, **cb_kwargs},
            meta={"rasad_source": source, "rasad_page": callback.__name__, "rasad_via": via, "rasad_archive_query": key,
                  "autothrottle_dont_adjust_delay": True, "rasad_retry_after_max": self.archive.max_retry_after},
            priority=10, dont_filter=True,
        )

    def capture_request(self, capture: Capture, source: str | None, via: str, key: str, fetch_url: str,
                        callback: Any, headers: dict[str, str] | None = None) -> scrapy.Request | None:
        """A request for an archived capture, unless the cheap filters reject it or its page is known."""
        outlet = outlet_for_url(capture.url, self.catalog)
        src = self.by_name.get(source or "") or outlet.source
        reason = reject_reason(capture, src, self.since, self.until, self.forms)
        if reason:
            self._inc(f"archive/filtered/{reason}")
            return None
        name = src.name if src else outlet.name
        c = canonical(capture.url)
        if c in self.known or capture.url in self.known:
            self._inc("skipped/known", name)
            return None
        if c in self.requested:
            self._inc("skipped/duplicate_link")
            return None
        self.requested.add(c)
        self._inc("discovered", name)
        self._inc(f"discovered_via/{via}")
        self.pending[key] += 1
        return scrapy.Request(
            fetch_url, callback=callback, errback=self.on_capture_error, headers=headers or {},
            cb_kwargs={"source": name, "via": via, "discovered_at": now_iso()},
            meta={"rasad_source": name, "rasad_page": "article", "rasad_via": via, "rasad_archive_query": key,
                  "rasad_original_url": capture.url, "rasad_captured_at": capture.captured_at.isoformat(),
                  "autothrottle_dont_adjust_delay": True, "rasad_retry_after_max": self.archive.max_retry_after},
            # Byte ranges of one WARC file share its address: the duplicate filter must not merge them.
            dont_filter=True,
        )

    # -- routing -------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        for path in self.warc_files:
            try:
                async for item in self.warc_articles(path):
                    yield item
            except WarcFileError as exc:  # damaged further in than the command's check read
                self._inc("errors/warc_file")
                self._inc(f"route/{WARC}/errors")
                self._inc("archive/warc/read")  # the damaged record, so that the counts add up
                self._warc_outcome("failed", "damaged")
                self._run_error(str(exc))
                log.error("%s (the records before it are kept)", exc)
        if "ia" in self.archives:
            for src in self.sources:
                for prefix in wayback.url_prefixes(src.base_url, src.domains):
                    key = query_key("ia", "wayback", prefix, self.since, self.until)
                    if self.state.is_done(key):
                        self._inc("archive/already_done")
                        log.info("%s: finished by an earlier backfill; skipped", key)
                        continue
                    url = wayback.cdx_query_url(self.archive.wayback_cdx_url, prefix, self.since, self.until,
                                                self.archive.cdx_limit)
                    yield self._index_request(url, self.parse_wayback_cdx, src.name, IA, key, page=1, prefix=prefix)
        if "cc" in self.archives:
            yield self._index_request(self.archive.cc_index_url, self.parse_collinfo, None, CC, None)
        if "ccnews" in self.archives:  # crawler/spiders/ccarchive.py
            async for article in self.ccnews_articles():
                yield article
        if "ccindex" in self.archives:
            async for request in self.ccindex_requests():
                yield request
        # Scrapy does not wait for the pipelines of items yielded here (scrapy/scrapy#7029): the spider
        # would close, and its worker pool shut down, under the last WARC records. start() ends only
        # once they have left the pipelines, so the engine cannot find the spider idle before that.
        await self._pipeline_below(1)

    async def warc_articles(self, path: str) -> AsyncIterator[Article]:
        """Articles of a local WARC file: its HTML responses go straight to the article callback.

        Every record is counted (rasad/archive/warc/read) and ends stored, dropped with a reason or
        failed with an error (rasad/archive/warc/<outcome>/<why>).
        """
        start, end = (self.since, self.until) if self.warc_window else (None, None)
        count = 0
        for entry in read_records(path, start, end, max_bytes=self.max_bytes):
            count += 1
            self._inc("archive/warc/read")
            page = entry.page
            if page is None:
                self._warc_skipped(path, entry)
                continue
            name = outlet_for_url(page.url, self.catalog).name
            c = canonical(page.url)
            if c in self.known or page.url in self.known:
                self._inc("skipped/known", name)
                self._warc_outcome("dropped", "known")
                continue
            if c in self.requested:
                self._inc("skipped/duplicate_link")
                self._warc_outcome("dropped", "duplicate_link")
                continue
            self.requested.add(c)
            self._inc("discovered", name)
            self._inc(f"discovered_via/{self.warc_via}")
            meta = {"rasad_source": name, "rasad_page": "article", "rasad_via": self.warc_via, "rasad_original_url": page.url,
                    "rasad_captured_at": page.captured_at.isoformat() if page.captured_at else None}
            request = scrapy.Request(page.url, meta=meta)
            response = HtmlResponse(url=page.url, body=page.body, request=request,
                                    headers={"Content-Type": page.content_type})
            articles = await self.parse_article(response, name, self.warc_via, now_iso())
            if not articles:
                self._warc_outcome("failed", "extraction")
            for article in articles:
                # Back-pressure: reading waits while many records are in the pipelines' hands.
                await self._pipeline_below(MAX_ITEMS_IN_FLIGHT)
                self.warc_in_pipeline.add(article.url)
                self.warc_unsettled.add(article.url)
                yield article
        log.info("%s: %d WARC records read", path, count)

    def _warc_skipped(self, path: str, entry: WarcEntry) -> None:
        """A record without a page to extract: dropped with its reason, or failed when it is too large."""
        reason = entry.skipped or "not_html"
        if reason == "too_large":
            self._inc("errors/too_large")
            self._inc(f"route/{WARC}/errors")
            self._warc_outcome("failed", "too_large")
            self._run_error(f"{path}: record at byte {entry.offset} skipped: {entry.detail[:300]}")
            log.warning("%s: record at byte %d skipped: %s", path, entry.offset, entry.detail[:300])
            return
        self._warc_outcome("dropped", reason)

    def _run_error(self, message: str) -> None:
        if len(self.run_errors) < MAX_RUN_ERRORS:
            self.run_errors.append(message)

    def _warc_outcome(self, outcome: str, why: str) -> None:
        """One WARC record's end: stored, or dropped / failed with a reason word."""
        self._inc(f"archive/warc/{outcome}")
        if outcome != "stored":
            self._inc(f"archive/warc/{outcome}/{why}")

    async def _pipeline_below(self, n: int) -> None:
        """Wait until fewer than `n` WARC articles are in the item pipelines."""
        while len(self.warc_in_pipeline) >= n:
            self._pipeline_moved = Deferred()
            await maybe_deferred_to_future(self._pipeline_moved)

    def _left_pipeline(self, url: str | None) -> None:
        if url in self.warc_in_pipeline:
            self.warc_in_pipeline.discard(url)
            moved, self._pipeline_moved = self._pipeline_moved, None
            if moved is not None and not moved.called:
                moved.callback(None)

    def on_item_scraped(self, item: Any, response: Any, spider: scrapy.Spider) -> None:
        """Through every pipeline: stored once its batch is written (items_stored)."""
        self._left_pipeline(getattr(item, "url", None))

    def on_item_dropped(self, item: Any, response: Any, exception: BaseException, spider: scrapy.Spider) -> None:
        super().on_item_dropped(item, response, exception, spider)
        url = getattr(item, "url", None)
        if url in self.warc_unsettled:
            self.warc_unsettled.discard(url)
            self._warc_outcome("dropped", getattr(exception, "reason", "dropped"))
        self._left_pipeline(url)

    def on_item_error(self, item: Any, response: Any, spider: scrapy.Spider, failure: Failure) -> None:
        """A pipeline raised: the article is lost, counted as an error."""
        url = getattr(item, "url", None)
        self._inc("errors/pipeline")
        if url in self.warc_unsettled:
            self.warc_unsettled.discard(url)
            self._inc(f"route/{WARC}/errors")
            self._warc_outcome("failed", "pipeline")
        self._left_pipeline(url)

    def items_stored(self, urls: Iterable[str], ok: bool) -> None:
        urls = list(urls)
        super().items_stored(urls, ok)
        for url in urls:
            if url in self.warc_unsettled:
                self.warc_unsettled.discard(url)
                self._warc_outcome("stored" if ok else "failed", "not_stored")

    def closed(self, reason: str) -> None:
        """Articles still unsettled when the spider closes (stopped midway) are counted as failed."""
        for _ in range(len(self.warc_unsettled)):
            self._warc_outcome("failed", "unfinished")
        if self.warc_unsettled:
            log.warning("%d WARC articles neither stored nor dropped when the backfill stopped (%s)",
                        len(self.warc_unsettled), reason)
        self.warc_unsettled.clear()

    def parse_wayback_cdx(self, response: Response, source: str | None, key: str, page: int,
                          prefix: str) -> list[scrapy.Request]:
        """A page of Wayback CDX results: captures worth fetching, then the next page (resume key)."""
        captures, resume = self._captures(response, IA, key)
        out = self._capture_requests(
            captures, source, IA, key, lambda c: (wayback.replay_url(self.archive.wayback_replay_url, c), None),
            self.parse_capture)
        if resume and page < self.archive.max_cdx_pages:
            url = wayback.cdx_query_url(self.archive.wayback_cdx_url, prefix, self.since, self.until,
                                        self.archive.cdx_limit, resume_key=resume)
            out.append(self._index_request(url, self.parse_wayback_cdx, source, IA, key, page=page + 1, prefix=prefix))
        else:
            if resume:
                self._inc("archive/page_limited")
                self.unfinished.add(key)
            self.listing.discard(key)
        self._settle_query(key)
        return out

    def parse_collinfo(self, response: Response, source: str | None, key: str | None) -> list[scrapy.Request]:
        """Common Crawl's list of crawls: an index query per overlapping crawl and outlet."""
        try:
            crawls = commoncrawl.overlapping(commoncrawl.parse_collinfo(response.body), self.since, self.until)
        except CommonCrawlError as exc:
            self._inc("errors/archive_index")
            self._inc(f"route/{CC}/errors")
            log.warning("%s: %s", response.url, exc)
            return []
        log.info("Common Crawl: %d crawls overlap %s..%s: %s", len(crawls), self.since.date(), self.until.date(),
                 ", ".join(c.id for c in crawls) or "none")
        out = []
        for crawl in crawls:
            for src in self.sources:
                for prefix in wayback.url_prefixes(src.base_url, src.domains):
                    qkey = query_key("cc", crawl.id, prefix, self.since, self.until)
                    if self.state.is_done(qkey):
                        self._inc("archive/already_done")
                        continue
                    url = commoncrawl.cdx_query_url(crawl.cdx_api, prefix, self.since, self.until,
                                                    self.archive.cdx_limit)
                    out.append(self._index_request(url, self.parse_cc_cdx, src.name, CC, qkey))
        return out

    def parse_cc_cdx(self, response: Response, source: str | None, key: str) -> list[scrapy.Request]:
        """A Common Crawl index answer: WARC records worth fetching, each by byte range."""
        captures, _ = self._captures(response, CC, key)
        located = [c for c in captures if c.filename and c.offset >= 0 and c.length > 0]
        out = self._capture_requests(
            located, source, CC, key,
            lambda c: (commoncrawl.record_url(self.archive.cc_data_url, c), {"Range": commoncrawl.range_header(c)}),
            self.parse_cc_record)
        self.listing.discard(key)
        self._settle_query(key)
        return out

    async def parse_capture(self, response: Response, source: str, via: str, discovered_at: str) -> list[Article]:
        """A raw Wayback capture: the article callback, then the query's bookkeeping."""
        try:
            return await self.parse_article(response, source, via, discovered_at)
        finally:
            self._capture_done(response.meta.get("rasad_archive_query"))

    async def parse_cc_record(self, response: Response, source: str, via: str, discovered_at: str) -> list[Article]:
        """A WARC record fetched by byte range: its HTML payload goes to the article callback."""
        try:
            try:
                page = commoncrawl.parse_record(response.body, self.max_bytes)
            except PayloadTooLarge as exc:
                self._inc("errors/too_large", source)
                self._inc(f"route/{via}/errors")
                where = f"{response.url} {response.request.headers.get('Range', b'').decode('latin-1')}"
                self._run_error(f"{response.meta['rasad_original_url']} ({where}): record skipped: {str(exc)[:300]}")
                log.warning("%s (%s): record skipped: %s", response.meta["rasad_original_url"], where, str(exc)[:300])
                return []
            except CommonCrawlError as exc:
                self._inc("errors/warc_record", source)
                self._inc(f"route/{via}/errors")
                log.warning("%s (%s): %s", response.url, response.request.headers.get("Range"), exc)
                return []
            if page is None:
                self._inc("archive/not_html", source)
                return []
            html = HtmlResponse(url=response.meta["rasad_original_url"], body=page.body, request=response.request,
                                headers={"Content-Type": page.content_type})
            return await self.parse_article(html, source, via, discovered_at)
        finally:
            self._capture_done(response.meta.get("rasad_archive_query"))

    # -- bookkeeping ---------------------------------------------------------------------------

    def _captures(self, response: Response, via: str, key: str) -> tuple[list[Capture], str | None]:
        """The captures of a CDX answer; each bad row is one counted error, the rest of the page is kept."""
        try:
            answer = read_cdx(response.body)
        except CdxError as exc:
            self._inc("errors/archive_index")
            self._inc(f"route/{via}/errors")
            self.unfinished.add(key)
            log.warning("%s: %s", response.url, exc)
            return [], None
        for err in answer.errors:
            self._inc("errors/cdx_row")
            self._inc(f"route/{via}/errors")
            log.warning("%s: CDX row skipped: %s", response.url, err)
        if answer.errors:
            self._run_error(f"{response.url}: {len(answer.errors)} CDX rows unreadable (first: {answer.errors[0]})")
        captures = unique_content(answer.captures)
        self.listed[key] += len(captures)
        self.crawler.stats.inc_value(f"rasad/route/{via}/listed", len(captures))
        return captures, answer.resume

    def _capture_requests(self, captures: list[Capture], source: str | None, via: str, key: str, where: Any,
                          callback: Any) -> list[scrapy.Request]:
        out = []
        for c in captures:
            fetch_url, headers = where(c)
            r = self.capture_request(c, source, via, key, fetch_url, callback, headers)
            if r is not None:
                out.append(r)
        log.info("%s: %d captures listed, %d to fetch (progress: %d requested so far)", key, len(captures), len(out),
                 len(self.requested))
        return out

    def _capture_done(self, key: str | None) -> None:
        if key:
            self.pending[key] -= 1
            self._settle_query(key)

    def _settle_query(self, key: str | None) -> None:
        """Checkpoint a query once its listing is read and every capture it led to is done."""
        if not key or key in self.listing or self.pending[key] > 0 or key in self.unfinished:
            return
        if self.state.is_done(key):
            return
        self.state.finish(key, captures=self.listed[key])
        log.info("%s: finished (%d captures listed)", key, self.listed[key])

    def _given_up(self, failure: Failure) -> bool:
        """An archive asked to wait longer than archive.max_retry_after: counted once, and every later
        request to it (refused before it is sent) only leaves its query unfinished."""
        request = failure.request
        host = urlsplit(request.url).netloc
        if failure.check(RetryAfterTooLong):
            self._inc("archive/given_up_requests")
            return True
        value = failure.value
        if isinstance(value, HttpError) and value.response.status in (429, 503) and host not in self.hosts_given_up:
            asked = retry_after_seconds(value.response.headers.get("Retry-After"))
            if asked is not None and asked > self.archive.max_retry_after:
                self.hosts_given_up.add(host)
                via = request.meta.get("rasad_via") or "archive"
                self._inc("archive/given_up")
                self._run_error(f"{via}: {host} asked to wait {asked:.0f}s (Retry-After), more than "
                                f"archive.max_retry_after = {self.archive.max_retry_after:.0f}s; that archive was given "
                                "up for this run, and its unfinished queries are asked again by the next backfill")
        return False

    def on_index_error(self, failure: Failure) -> None:
        if not self._given_up(failure):
            self.on_error(failure)
        key = failure.request.meta.get("rasad_archive_query")
        if key:
            self.unfinished.add(key)
            self.listing.discard(key)

    def on_capture_error(self, failure: Failure) -> None:
        """A capture that failed: counted; a transient failure leaves its query unfinished."""
        given_up = self._given_up(failure)
        if not given_up:
            self.on_error(failure)
        key = failure.request.meta.get("rasad_archive_query")
        permanent = isinstance(failure.value, HttpError) and failure.value.response.status in PERMANENT
        if key and not permanent:
            self.unfinished.add(key)
        self._capture_done(key)
