"""NewsSpider: feeds, sitemaps, site search, list pages and aggregators -> the generic article callback."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import DNSLookupError, TCPTimedOutError, TimeoutError
from twisted.python.failure import Failure

from crawler.feeds import FeedError, parse_feed
from crawler.items import Article
from crawler.sitemaps import SitemapError, in_window, parse_sitemap
from crawler.sources.base import Source
from crawler.spiders.links import article_links, canonical, source_for_url

log = logging.getLogger(__name__)

# discovered_via values of the index.
FEED, SITEMAP, SEARCH, LIST, GOOGLE_NEWS, GDELT = "feed", "sitemap", "search", "list", "google-news", "gdelt"
# HTTP statuses that mean "gone for good": remembered so they are not fetched again.
PERMANENT = {404, 410}


@dataclass(frozen=True)
class AggregatorQuery:
    """One aggregator request: kind is "google-news" (RSS) or "gdelt" (JSON artlist)."""

    kind: str
    url: str


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def error_kind(failure: Failure) -> str:
    """A short stable name for a failed request (stats key and run record)."""
    exc = failure.value
    if isinstance(exc, HttpError):
        return f"http_{exc.response.status}"
    if failure.check(TimeoutError, TCPTimedOutError):
        return "timeout"
    if failure.check(DNSLookupError):
        return "dns"
    if isinstance(exc, IgnoreRequest):
        text = str(exc).lower()
        if "robots" in text:
            return "robots"
        if "public address" in text:
            return "private_address"
        return "ignored"
    return type(exc).__name__.lower()


class NewsSpider(scrapy.Spider):
    """One crawl cycle over outlets and aggregators.

    Args:
        sources: outlets to crawl (already moved onto a base URL override where configured).
        catalog: every known outlet, to attribute aggregator links (defaults to `sources`).
        since: articles published before this instant are skipped where the listing gives a date.
        queries: site-search and aggregator queries of the topic.
        known: canonical URLs already indexed or remembered; never fetched again.
        aggregators: aggregator requests (Google News RSS, GDELT) built by crawler.run.
        parse_gdelt: turns a GDELT JSON body into article URLs (crawler.sources.aggregators).
    """

    name = "news"

    def __init__(
        self,
        sources: Iterable[Source],
        since: datetime,
        catalog: Iterable[Source] = (),
        queries: Iterable[str] = (),
        known: Iterable[str] = (),
        aggregators: Iterable[AggregatorQuery] = (),
        parse_gdelt: Any = None,
        run_id: str | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.sources = list(sources)
        self.catalog = list(catalog) or self.sources
        self.by_name = {s.name: s for s in (*self.catalog, *self.sources)}
        self.since = since
        self.queries = list(queries)
        self.known = set(known)
        self.aggregators = list(aggregators)
        self.parse_gdelt = parse_gdelt
        self.run_id = run_id
        self.requested: set[str] = set()  # canonical article URLs requested in this run
        self.sitemaps_seen: set[str] = set()
        # Pages fetched but not worth fetching again (404, unextractable); written by StorePipeline.
        self.to_remember: list[dict[str, str]] = []

    # -- helpers --------------------------------------------------------------------------------

    def _inc(self, key: str, source: str | None = None) -> None:
        stats = self.crawler.stats
        stats.inc_value(f"rasad/{key}")
        if source:
            stats.inc_value(f"rasad/source/{source}/{key}")

    def _page(self, url: str, callback: Any, source: str | None, **cb_kwargs: Any) -> scrapy.Request:
        """A request for a listing page (feed, sitemap, search, list, aggregator)."""
        return scrapy.Request(
            url, callback=callback, errback=self.on_error, cb_kwargs={"source": source, **cb_kwargs},
            meta={"rasad_source": source, "rasad_page": callback.__name__}, priority=10,
        )

    def article_request(self, url: str, source: str | None, via: str) -> scrapy.Request | None:
        """A request for an article unless it is known from earlier runs or already requested."""
        if not url.startswith(("http://", "https://")):
            return None
        if source is None:
            found = source_for_url(url, self.catalog)
            source = found.name if found else (urlsplit(url).hostname or "unknown")
        c = canonical(url)
        if c in self.known or url in self.known:
            self._inc("skipped/known", source)
            return None
        if c in self.requested:
            self._inc("skipped/duplicate_link")
            return None
        self.requested.add(c)
        self._inc("discovered", source)
        self._inc(f"discovered_via/{via}")
        return scrapy.Request(
            url, callback=self.parse_article, errback=self.on_error,
            cb_kwargs={"source": source, "via": via, "discovered_at": now_iso()},
            meta={"rasad_source": source, "rasad_page": "article"},
        )

    def _articles(self, urls: Iterable[str], source: str | None, via: str) -> list[scrapy.Request]:
        return [r for r in (self.article_request(u, source, via) for u in urls) if r is not None]

    # -- routing --------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        """Listing requests of every outlet and aggregator; article requests follow from them."""
        for src in self.sources:
            log.info("outlet %s: %d feeds, %d sitemaps, %d list pages, search %s", src.name, len(src.feeds),
                     len(src.sitemaps), len(src.list_pages), "yes" if src.search_url else "no")
            for url in src.feeds:
                yield self._page(url, self.parse_feed, src.name)
            for url in src.sitemaps:
                yield self._page(url, self.parse_sitemap, src.name, depth=0)
            for url in src.search_urls(self.queries):
                yield self._page(url, self.parse_listing, src.name, via=SEARCH)
            for url in src.list_pages:
                yield self._page(url, self.parse_listing, src.name, via=LIST)
        for agg in self.aggregators:
            callback = self.parse_gdelt_json if agg.kind == GDELT else self.parse_google_news
            yield self._page(agg.url, callback, None)

    def parse_feed(self, response: Response, source: str | None) -> list[scrapy.Request]:
        """RSS/Atom: entries in the date window become article requests."""
        try:
            entries = parse_feed(response.body, response.url, self.since)
        except FeedError as exc:
            self._inc("errors/feed", source)
            log.warning("%s", exc)
            return []
        return self._articles((e.url for e in entries), source, FEED)

    def parse_google_news(self, response: Response, source: str | None) -> list[scrapy.Request]:
        """Google News RSS search: items link to articles on any outlet."""
        try:
            entries = parse_feed(response.body, response.url, self.since)
        except FeedError as exc:
            self._inc("errors/aggregator")
            log.warning("%s", exc)
            return []
        return self._articles((e.url for e in entries), None, GOOGLE_NEWS)

    def parse_gdelt_json(self, response: Response, source: str | None) -> list[scrapy.Request]:
        """GDELT DOC API artlist: article URLs on any outlet."""
        try:
            urls = list(self.parse_gdelt(response.body)) if self.parse_gdelt else []
        except ValueError as exc:
            self._inc("errors/aggregator")
            log.warning("%s: GDELT answer not readable: %s", response.url, exc)
            return []
        return self._articles((u if isinstance(u, str) else u["url"] for u in urls), None, GDELT)

    def parse_sitemap(self, response: Response, source: str | None, depth: int) -> list[scrapy.Request]:
        """Sitemap or sitemap index; indexes are followed to a depth limit, each sitemap once."""
        self.sitemaps_seen.add(canonical(response.url))
        try:
            sitemap = parse_sitemap(response.body, response.url)
        except SitemapError as exc:
            self._inc("errors/sitemap", source)
            log.warning("%s", exc)
            return []
        entries = [e for e in sitemap.entries if in_window(e, self.since)]
        if sitemap.kind == "urlset":
            return self._articles((e.loc for e in entries), source, SITEMAP)
        max_depth = self.crawler.settings.getint("RASAD_SITEMAP_MAX_DEPTH", 3)
        if depth >= max_depth:
            self._inc("sitemap/depth_limited", source)
            log.warning("%s: sitemap index nested deeper than %d; not followed", response.url, max_depth)
            return []
        out = []
        for e in entries:
            c = canonical(e.loc)
            if c in self.sitemaps_seen:
                self._inc("sitemap/loop_skipped", source)
                continue
            self.sitemaps_seen.add(c)
            out.append(self._page(e.loc, self.parse_sitemap, source, depth=depth + 1))
        return out

    def parse_listing(self, response: Response, source: str | None, via: str) -> list[scrapy.Request]:
        """Site-search results or a list page: links that look like the outlet's articles."""
        src = self.by_name.get(source or "")
        if src is None or not isinstance(response, TextResponse):
            return []
        return self._articles(article_links(response, src), source, via)

    # -- articles -------------------------------------------------------------------------------

    def parse_article(self, response: Response, source: str, via: str, discovered_at: str) -> Iterable[Article]:
        """Extract one article; an unextractable page is counted and remembered, and the crawl goes on."""
        from crawler.extract import ExtractionError, extract  # late: heavy imports (trafilatura)

        self._inc("fetched", source)
        src = self.by_name.get(source)
        ctype = response.headers.get("Content-Type", b"").decode("latin-1") or None
        try:
            article = extract(response.body, response.url, selectors=src.selectors if src else None, content_type=ctype)
        except ExtractionError as exc:
            self._inc("errors/extraction", source)
            log.info("discarding %s: %s", response.url, exc)
            self.to_remember.append({"url": canonical(response.url), "status": "failed", "reason": str(exc)[:200]})
            return
        article.source = source
        article.source_name = src.display_name if src else source
        article.domain = urlsplit(response.url).hostname
        article.discovered_via = via
        article.discovered_at = discovered_at
        article.fetched_at = now_iso()
        article.run_id = self.run_id
        self._inc("extracted", source)
        yield article

    def on_error(self, failure: Failure) -> None:
        """Count a failed request by kind; a page gone for good is remembered."""
        request = failure.request
        source = request.meta.get("rasad_source")
        kind = error_kind(failure)
        self._inc(f"errors/{kind}", source)
        if request.meta.get("rasad_page") == "article" and isinstance(failure.value, HttpError):
            if failure.value.response.status in PERMANENT:
                self.to_remember.append({"url": canonical(request.url), "status": "failed", "reason": kind})
        level = logging.DEBUG if kind == "robots" else logging.WARNING
        log.log(level, "%s failed: %s", request.url, kind)
