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
from scrapy.http import HtmlResponse, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.config import ArchiveConfig
from crawler.discovery.archives import CC, IA, WARC, commoncrawl, wayback
from crawler.discovery.archives.captures import Capture, CdxError, parse_cdx, unique_content
from crawler.discovery.archives.commoncrawl import CommonCrawlError
from crawler.discovery.archives.filters import keyword_forms, reject_reason
from crawler.discovery.archives.state import BackfillState, query_key
from crawler.discovery.archives.warc import WarcFileError, html_pages
from crawler.discovery.links import canonical, source_for_url
from crawler.items import Article
from crawler.spiders.ccarchive import CommonCrawlRoutes
from crawler.spiders.news import PERMANENT, NewsSpider, now_iso

log = logging.getLogger(__name__)


class BackfillSpider(CommonCrawlRoutes, NewsSpider):
    """One backfill over web archives and local WARC files.

    Args (besides NewsSpider's):
        until: end of the window (captures after it are not fetched).
        archives: "ia" and/or "cc".
        warc_files: local WARC files read without network.
        warc_window: whether --from/--to were given (WARC files are read whole otherwise).
        archive: the `[archive]` configuration (endpoints, limits).
        url_keywords: words an archived address's slug may carry (with the topic's keywords).
        state_path: the file of finished archive queries.
    """

    name = "backfill"

    def __init__(self, sources: Iterable[Any], since: datetime, *, until: datetime, archives: Iterable[str] = (),
                 warc_files: Iterable[str] = (), warc_window: bool = False, archive: ArchiveConfig | None = None,
                 url_keywords: Iterable[str] = (), state_path: str = "var/backfill-state.json", **kwargs: Any):
        super().__init__(sources, since, **kwargs)
        self.until = until
        self.archives = list(archives)
        self.warc_files = list(warc_files)
        self.warc_window = warc_window
        self.archive = archive or ArchiveConfig()
        self.forms = keyword_forms(url_keywords)
        self.state = BackfillState(state_path)
        self.pending: Counter[str] = Counter()  # capture requests in flight per query
        self.listing: set[str] = set()  # queries whose CDX answers are still coming
        self.unfinished: set[str] = set()  # queries with a transient failure: not checkpointed
        self.listed: Counter[str] = Counter()

    # -- requests ------------------------------------------------------------------------------

    def _index_request(self, url: str, callback: Any, source: str | None, via: str, key: str | None,
                       **cb_kwargs: Any) -> scrapy.Request:
        """A request to an archive's index (collinfo.json, a CDX query)."""
        if key:
            self.listing.add(key)
        return scrapy.Request(
            url, callback=callback, errback=self.on_index_error, cb_kwargs={"source": source, "key": key, **cb_kwargs},
            meta={"rasad_source": source, "rasad_page": callback.__name__, "rasad_via": via, "rasad_archive_query": key,
                  "autothrottle_dont_adjust_delay": True},
            priority=10, dont_filter=True,
        )

    def capture_request(self, capture: Capture, source: str | None, via: str, key: str, fetch_url: str,
                        callback: Any, headers: dict[str, str] | None = None) -> scrapy.Request | None:
        """A request for an archived capture, unless the cheap filters reject it or its page is known."""
        src = self.by_name.get(source or "") or source_for_url(capture.url, self.catalog)
        reason = reject_reason(capture, src, self.since, self.until, self.forms)
        if reason:
            self._inc(f"archive/filtered/{reason}")
            return None
        name = src.name if src else (urlsplit(capture.url).hostname or "unknown")
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
                  "autothrottle_dont_adjust_delay": True},
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
                log.error("%s", exc)
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

    async def warc_articles(self, path: str) -> AsyncIterator[Article]:
        """Articles of a local WARC file: its HTML responses go straight to the article callback."""
        start, end = (self.since, self.until) if self.warc_window else (None, None)
        count = 0
        for page in html_pages(path, start, end):
            count += 1
            src = source_for_url(page.url, self.catalog)
            name = src.name if src else (urlsplit(page.url).hostname or "unknown")
            c = canonical(page.url)
            if c in self.known or page.url in self.known:
                self._inc("skipped/known", name)
                continue
            if c in self.requested:
                self._inc("skipped/duplicate_link")
                continue
            self.requested.add(c)
            self._inc("discovered", name)
            self._inc(f"discovered_via/{WARC}")
            meta = {"rasad_source": name, "rasad_page": "article", "rasad_via": WARC, "rasad_original_url": page.url,
                    "rasad_captured_at": page.captured_at.isoformat() if page.captured_at else None}
            request = scrapy.Request(page.url, meta=meta)
            response = HtmlResponse(url=page.url, body=page.body, request=request,
                                    headers={"Content-Type": page.content_type})
            for article in await self.parse_article(response, name, WARC, now_iso()):
                yield article
        log.info("%s: %d archived HTML pages read", path, count)

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
        self._settle(key)
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
        self._settle(key)
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
                page = commoncrawl.parse_record(response.body)
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
        try:
            captures, resume = parse_cdx(response.body)
        except CdxError as exc:
            self._inc("errors/archive_index")
            self._inc(f"route/{via}/errors")
            self.unfinished.add(key)
            log.warning("%s: %s", response.url, exc)
            return [], None
        captures = unique_content(captures)
        self.listed[key] += len(captures)
        self.crawler.stats.inc_value(f"rasad/route/{via}/listed", len(captures))
        return captures, resume

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
            self._settle(key)

    def _settle(self, key: str | None) -> None:
        """Checkpoint a query once its listing is read and every capture it led to is done."""
        if not key or key in self.listing or self.pending[key] > 0 or key in self.unfinished:
            return
        if self.state.is_done(key):
            return
        self.state.finish(key, captures=self.listed[key])
        log.info("%s: finished (%d captures listed)", key, self.listed[key])

    def on_index_error(self, failure: Failure) -> None:
        self.on_error(failure)
        key = failure.request.meta.get("rasad_archive_query")
        if key:
            self.unfinished.add(key)
            self.listing.discard(key)

    def on_capture_error(self, failure: Failure) -> None:
        """A capture that failed: counted; a transient failure leaves its query unfinished."""
        self.on_error(failure)
        key = failure.request.meta.get("rasad_archive_query")
        permanent = isinstance(failure.value, HttpError) and failure.value.response.status in PERMANENT
        if key and not permanent:
            self.unfinished.add(key)
        self._capture_done(key)
