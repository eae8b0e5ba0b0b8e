"""NewsSpider: routes the discovery routes of crawler/discovery (feeds, sitemaps, site search, list pages,
aggregators) to the generic article callback."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.error import DNSLookupError, TCPTimedOutError, TimeoutError
from twisted.python.failure import Failure

from crawler.discovery import google_news
from crawler.discovery.feeds import FeedError, parse_feed
from crawler.discovery.links import article_links, canonical, outlet_for_url
from crawler.discovery.search import json_search_links, next_page_url
from crawler.discovery.sitemaps import SitemapError, in_window, parse_sitemap
from crawler.items import Article
from crawler.sources.base import Source

log = logging.getLogger(__name__)

# discovered_via values of the index.
FEED, SITEMAP, SEARCH, LIST, GOOGLE_NEWS, GDELT = "feed", "sitemap", "search", "list", "google-news", "gdelt"
# HTTP statuses that mean "gone for good": remembered so they are not fetched again.
PERMANENT = {404, 410}
# Failures a later run cannot cure: they do not make a feed worth reading in full again.
NOT_RETRYABLE = {"robots", "private_address"}
# seen-index status of the stored ETag / Last-Modified of a feed or sitemap (Store.feed_validators).
VALIDATORS = "feed-validators"
# Pages of one list or search listing followed through its "next" link (the first page counts).
MAX_LISTING_PAGES = 3


# GDELT requests share one download slot (crawler.settings: concurrency 1, GDELT's published delay).
GDELT_SLOT = "gdelt"


@dataclass(frozen=True)
class AggregatorQuery:
    """One aggregator request: kind is "google-news" (RSS) or "gdelt" (JSON artlist).

    ``label`` names the topic query it serves: GDELT counts are kept per label.
    """

    kind: str
    url: str
    label: str = ""


def query_key(label: str) -> str:
    """A query label usable inside a stats key (which "/" separates)."""
    return " ".join(label.replace("/", " ").split()) or "-"


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
    text = str(exc).lower()
    # Scrapy's size limits: CancelledError naming the Content-Length, or IgnoreRequest (decompressed body).
    if "max size" in text or "download_maxsize" in text:
        return "too_large"
    if isinstance(exc, IgnoreRequest):
        if "max redirections" in text:
            return "redirect_loop"
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
        parse_gdelt: turns a GDELT JSON body into article URLs (crawler.discovery.aggregators).
        validators: canonical feed/sitemap URL -> its stored etag, last_modified and window_since
            (Store.feed_validators); sent as If-None-Match / If-Modified-Since, a 304 is not parsed.
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
        validators: Mapping[str, Mapping[str, str]] | None = None,
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
        # Feed validators travel the same way (status VALIDATORS, with etag and last_modified).
        self.to_remember: list[dict[str, str]] = []
        self.validators = {k: dict(v) for k, v in (validators or {}).items()}
        self.invalidated: set[str] = set()
        self.cpu: Any = None  # crawler.workers.CpuPool when the crawl has worker processes
        # A listing's new validators are withheld until every article it listed has been stored or
        # remembered (StorePipeline.close_spider commits them): committed early, a killed crawl would
        # leave the rest of the listing behind a 304 for good.
        self.listing_validators: dict[str, dict[str, str]] = {}
        self.listing_pending: dict[str, int] = {}
        self.listing_of_url: dict[str, str] = {}  # fetched article URL -> its listing, until settled
        self.validators_unsafe = False  # set when remembering pages failed: commit no validator
        self.redirects_of: dict[str, list[dict[str, str]]] = {}  # article URL -> its old URLs, until settled

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        # A redirect back to an URL already requested is dropped by the dupefilter: that is a loop.
        crawler.signals.connect(spider.on_dropped, signal=signals.request_dropped)
        crawler.signals.connect(spider.on_item_dropped, signal=signals.item_dropped)
        workers = crawler.settings.get("RASAD_CPU_WORKERS")
        if workers is not None:
            from crawler.workers import CpuPool

            spider.cpu = CpuPool(int(workers))
            crawler.signals.connect(spider.close_workers, signal=signals.spider_closed)
        return spider

    def close_workers(self) -> None:
        if self.cpu is not None:
            self.cpu.close()

    # -- helpers --------------------------------------------------------------------------------

    def _inc(self, key: str, source: str | None = None) -> None:
        stats = self.crawler.stats
        stats.inc_value(f"rasad/{key}")
        if source:
            stats.inc_value(f"rasad/source/{source}/{key}")

    def _page(self, url: str, callback: Any, source: str | None, **cb_kwargs: Any) -> scrapy.Request:
        """A request for a listing page (feed, sitemap, search, list, aggregator)."""
        meta: dict[str, Any] = {"rasad_source": source, "rasad_page": callback.__name__}
        headers: dict[str, str] = {}
        if callback in (self.parse_feed, self.parse_sitemap):
            meta["handle_httpstatus_list"] = [304]  # "unchanged" reaches the callback, not HttpError
            headers = self._conditional_headers(url)
        return scrapy.Request(
            url, callback=callback, errback=self.on_error, cb_kwargs={"source": source, **cb_kwargs},
            meta=meta, headers=headers, priority=10,
        )

    def _conditional_headers(self, url: str) -> dict[str, str]:
        """If-None-Match / If-Modified-Since from the last run, unless this run's window is wider."""
        v = self.validators.get(canonical(url)) or {}
        window = v.get("window_since")
        # A feed read for a shorter window may hold older entries this run wants: read it in full.
        if window and datetime.fromisoformat(window) > self.since:
            return {}
        headers = {}
        if v.get("etag"):
            headers["If-None-Match"] = v["etag"]
        if v.get("last_modified"):
            headers["If-Modified-Since"] = v["last_modified"]
        return headers

    def _not_modified(self, response: Response, kind: str, source: str | None) -> bool:
        """True (and counted as rasad/<kind>/not_modified) when the server answered 304."""
        if response.status != 304:
            return False
        self._inc(f"{kind}/not_modified", source)
        log.info("%s: not modified since the last run", response.url)
        return True

    def _remember_validators(self, response: Response) -> None:
        """Keep the response's ETag / Last-Modified (keyed by the requested URL) until its articles settle."""
        etag = response.headers.get("ETag", b"").decode("latin-1")
        modified = response.headers.get("Last-Modified", b"").decode("latin-1")
        if not (etag or modified):
            return
        key = canonical(listing_url(response))
        self.listing_validators[key] = {"url": key, "status": VALIDATORS, "etag": etag, "last_modified": modified,
                                        "window_since": self.since.isoformat()}

    def _invalidate(self, listing: str | None) -> None:
        """Forget a listing's validators: an article it led to failed and must be found again next run."""
        if not listing or listing in self.invalidated:
            return
        self.invalidated.add(listing)

    def _settle(self, listing: str | None, ok: bool = True) -> None:
        """One article request of `listing` reached its end; not `ok`: the listing must be read again."""
        if not listing:
            return
        self.listing_pending[listing] = self.listing_pending.get(listing, 0) - 1
        if not ok:
            self._invalidate(listing)

    def items_stored(self, urls: Iterable[str], ok: bool) -> None:
        """StorePipeline: these fetched articles were indexed or spooled (`ok`), or lost (not `ok`)."""
        for url in urls:
            self._settle(self.listing_of_url.pop(url, None), ok)
            moved = self.redirects_of.pop(url, [])
            if ok:
                self.to_remember.extend(moved)

    def on_item_dropped(self, item: Any, response: Any, exception: BaseException, spider: scrapy.Spider) -> None:
        """A dropped article is settled; when its page was not remembered, its listing must be read again."""
        url = getattr(item, "url", None)
        if url is not None:
            remembered = getattr(exception, "remembered", True)
            self._settle(self.listing_of_url.pop(url, None), remembered)
            moved = self.redirects_of.pop(url, [])
            if remembered:
                self.to_remember.extend(moved)

    def settled_validators(self) -> list[dict[str, str]]:
        """Validators to commit at the end of the crawl (StorePipeline.close_spider).

        A listing's new validators are committed only when every article request it made ended in a
        stored article, a remembered page or a permanent failure. A listing with an article still in
        flight (killed, stopped) or lost keeps nothing, and its old validators are cleared, so the
        next run reads it in full and fetches what is missing.
        """
        out: list[dict[str, str]] = []
        for listing in sorted({*self.listing_validators, *self.invalidated}):
            complete = self.listing_pending.get(listing, 0) <= 0 and listing not in self.invalidated
            if complete and not self.validators_unsafe and listing in self.listing_validators:
                out.append(self.listing_validators[listing])
            elif listing in self.validators or listing in self.invalidated:
                out.append({"url": listing, "status": VALIDATORS, "etag": "", "last_modified": ""})
        return out

    def article_request(self, url: str, source: str | None, via: str, listing: str | None = None) -> scrapy.Request | None:
        """A request for an article unless it is known from earlier runs or already requested."""
        if not url.startswith(("http://", "https://")):
            return None
        if source is None:
            source = outlet_for_url(url, self.catalog).name
        c = canonical(url)
        if c in self.known or url in self.known:
            self._inc("skipped/known", source)
            return None
        if c in self.requested:
            self._inc("skipped/duplicate_link")
            return None
        self.requested.add(c)
        if listing:
            self.listing_pending[listing] = self.listing_pending.get(listing, 0) + 1
        self._inc("discovered", source)
        self._inc(f"discovered_via/{via}")
        return scrapy.Request(
            url, callback=self.parse_article, errback=self.on_error,
            cb_kwargs={"source": source, "via": via, "discovered_at": now_iso()},
            meta={"rasad_source": source, "rasad_page": "article", "rasad_listing": listing, "rasad_via": via},
        )

    def _articles(self, urls: Iterable[str], source: str | None, via: str, listing: str | None = None) -> list[scrapy.Request]:
        return [r for r in (self.article_request(u, source, via, listing) for u in urls) if r is not None]

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
            if agg.kind == GDELT:
                yield self._gdelt_request(agg)
            else:
                yield self._page(agg.url, self.parse_google_news, None)

    def _gdelt_request(self, agg: AggregatorQuery) -> scrapy.Request:
        """A GDELT request in its own download slot; AutoThrottle must not shorten that slot's delay."""
        request = self._page(agg.url, self.parse_gdelt_json, None, query=agg.label)
        request.meta.update(download_slot=GDELT_SLOT, autothrottle_dont_adjust_delay=True, rasad_query=agg.label)
        self._inc(f"gdelt_query/{query_key(agg.label)}/requests")
        return request

    def parse_feed(self, response: Response, source: str | None) -> list[scrapy.Request]:
        """RSS/Atom: entries in the date window become article requests; a 304 has nothing new."""
        self._inc("pages", source)
        if self._not_modified(response, "feed", source):
            return []
        try:
            entries = parse_feed(response.body, response.url, self.since)
        except FeedError as exc:
            self._inc("errors/feed", source)
            log.warning("%s", exc)
            return []
        self._remember_validators(response)
        return self._articles((e.url for e in entries), source, FEED, canonical(listing_url(response)))

    def parse_google_news(self, response: Response, source: str | None) -> list[scrapy.Request]:
        """Google News RSS search: items link to articles on any outlet."""
        try:
            entries = parse_feed(response.body, response.url, self.since)
        except FeedError as exc:
            self._inc("errors/aggregator")
            log.warning("%s", exc)
            return []
        out: list[scrapy.Request] = []
        for e in entries:
            found = google_news.article_id(e.url)
            decoded = google_news.decode_offline(found[1]) if found else e.url
            if decoded:
                out += self._articles([decoded], None, GOOGLE_NEWS)
            elif found and self._new_link(e.url):
                # A newer id: its article page gives the parameters of the decoding request.
                base, gn_id = found
                out.append(self._page(google_news.page_url(base, gn_id), self.parse_google_news_page, None,
                                      base=base, gn_id=gn_id))
        return out

    def parse_google_news_page(self, response: Response, source: str | None, base: str, gn_id: str) -> list[scrapy.Request]:
        """A Google News article page: ask its batchexecute endpoint for the article URL."""
        params = google_news.decoding_params(response.text) if isinstance(response, TextResponse) else None
        if params is None:
            self._inc("errors/aggregator")
            log.warning("%s: no decoding parameters in the Google News page; item skipped", response.url)
            return []
        request = scrapy.Request(
            google_news.batchexecute_url(base), method="POST", body=google_news.batchexecute_body(gn_id, *params),
            headers={"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"},
            callback=self.parse_google_news_decoded, errback=self.on_error, cb_kwargs={"source": None, "gn_id": gn_id},
            meta={"rasad_source": None, "rasad_page": "parse_google_news_decoded"}, priority=10,
        )
        return [request]

    def parse_google_news_decoded(self, response: Response, source: str | None, gn_id: str) -> list[scrapy.Request]:
        """The batchexecute answer: the article URL, requested like any discovered article."""
        url = google_news.parse_batchexecute(response.text) if isinstance(response, TextResponse) else None
        if url is None:
            self._inc("errors/aggregator")
            log.warning("%s: no article URL for Google News id %s…; item skipped", response.url, gn_id[:24])
            return []
        self._inc("aggregator/google_news_decoded")
        return self._articles([url], None, GOOGLE_NEWS)

    def _new_link(self, url: str) -> bool:
        """True the first time a Google News link is seen in this run (feeds repeat items across queries)."""
        c = canonical(url)
        if c in self.requested:
            return False
        self.requested.add(c)
        return True

    def parse_gdelt_json(self, response: Response, source: str | None, query: str = "") -> list[scrapy.Request]:
        """GDELT DOC API artlist: article URLs on any outlet, counted per topic query."""
        key = f"gdelt_query/{query_key(query)}"
        try:
            urls = list(self.parse_gdelt(response.body)) if self.parse_gdelt else []
        except ValueError as exc:
            self._inc("errors/aggregator")
            self._inc(f"{key}/errors")
            log.warning("%s: GDELT answer not readable: %s", response.url, exc)
            return []
        found = [u if isinstance(u, str) else u["url"] for u in urls]
        requests = self._articles(found, None, GDELT)
        stats = self.crawler.stats
        stats.inc_value(f"rasad/{key}/answered")
        stats.inc_value(f"rasad/{key}/returned", len(found))
        stats.inc_value(f"rasad/{key}/new", len(requests))
        log.info("GDELT %r: %d articles returned, %d new (%s)", query, len(found), len(requests), response.url)
        return requests

    def parse_sitemap(self, response: Response, source: str | None, depth: int) -> list[scrapy.Request]:
        """Sitemap or sitemap index; indexes are followed to a depth limit, each sitemap once."""
        self.sitemaps_seen.add(canonical(response.url))
        self._inc("pages", source)
        if self._not_modified(response, "sitemap", source):
            return []
        try:
            sitemap = parse_sitemap(response.body, response.url)
        except SitemapError as exc:
            self._inc("errors/sitemap", source)
            log.warning("%s", exc)
            return []
        entries = [e for e in sitemap.entries if in_window(e, self.since)]
        if sitemap.kind == "urlset":
            # Only leaf sitemaps keep validators: an unchanged index may still point at changed children.
            self._remember_validators(response)
            return self._articles((e.loc for e in entries), source, SITEMAP, canonical(listing_url(response)))
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

    def parse_listing(self, response: Response, source: str | None, via: str, page: int = 1) -> list[scrapy.Request]:
        """Site-search results or a list page: links that look like the outlet's articles, then the next page."""
        src = self.by_name.get(source or "")
        self._inc("pages", source)
        if src is not None and via == SEARCH and src.search_json is not None:
            try:
                return self._articles(json_search_links(response.body, src), source, via)
            except ValueError as exc:
                self._inc("errors/search", source)
                log.warning("%s: search answer unreadable: %s", response.url, exc)
                return []
        if src is None or not isinstance(response, TextResponse):
            return []
        out = self._articles(article_links(response, src), source, via)
        following = next_page_url(response, src)
        if following is None:
            return out
        limit = self.crawler.settings.getint("RASAD_MAX_LISTING_PAGES", MAX_LISTING_PAGES)
        if page >= limit:
            self._inc("listing/page_limited", source)
            log.info("%s: page %d of %d; next page %s not followed", response.url, page, limit, following)
            return out
        self._inc("listing/next_page", source)
        return [*out, self._page(following, self.parse_listing, source, via=via, page=page + 1)]

    # -- articles -------------------------------------------------------------------------------

    async def parse_article(self, response: Response, source: str, via: str, discovered_at: str) -> list[Article]:
        """Extract one article; an unextractable page is counted and remembered, and the crawl goes on.

        Extraction runs in the crawl's worker processes (crawler.workers) when it has them.
        """
        from crawler.text.extract import ExtractionError, extract  # late: heavy imports (trafilatura)
        from crawler.workers import extract_page

        self._inc("fetched", source)
        self._inc(f"route/{via}/fetched")
        listing = response.meta.get("rasad_listing")
        src = self.by_name.get(source)
        ctype = response.headers.get("Content-Type", b"").decode("latin-1") or None
        selectors = src.selectors if src else None
        # An archived capture is fetched from the archive but stands for the outlet's own address.
        url = response.meta.get("rasad_original_url") or response.url
        started = time.perf_counter()
        try:
            if self.cpu is not None:
                d = self.cpu.run_timed(extract_page, response.body, url, selectors, ctype)
                article, seconds = await maybe_deferred_to_future(d)
            else:
                article = extract(response.body, url, selectors=selectors, content_type=ctype)
                seconds = time.perf_counter() - started
        except ExtractionError as exc:
            self._inc("errors/extraction", source)
            self._inc(f"route/{via}/errors")
            log.info("discarding %s: %s", url, exc)
            self.to_remember.append({"url": canonical(url), "status": "failed", "reason": str(exc)[:200]})
            self._settle(listing)
            return []
        # Seconds spent per stage (rasad/time/<stage>; in a worker, that worker's time): `make bench`.
        self.crawler.stats.inc_value("rasad/time/extract", seconds)
        article.source = source
        article.source_name = src.display_name if src else source
        # A name the crawl has no outlet for is an undeclared host's registered domain (outlet_for_url).
        article.outlet_declared = src is not None
        article.domain = urlsplit(url).hostname
        article.discovered_via = via
        article.discovered_at = discovered_at
        article.fetched_at = now_iso()
        article.captured_at = response.meta.get("rasad_captured_at")
        article.run_id = self.run_id
        # The listed URL moved: remember it, so the next run does not fetch it to land here again; but
        # only once the article is stored or remembered itself (items_stored, on_item_dropped), else a
        # lost article would stay hidden behind its remembered old URL. An archived capture's redirects
        # are the archive's, not the outlet's.
        redirects = [] if "rasad_original_url" in response.meta else response.meta.get("redirect_urls", [])
        moved = [{"url": canonical(old), "status": "redirected", "reason": canonical(response.url)} for old in redirects]
        if moved:
            self.redirects_of[article.url] = moved
        self._inc("extracted", source)
        if listing:
            self.listing_of_url[article.url] = listing
        return [article]

    def on_error(self, failure: Failure) -> None:
        """Count a failed request by kind; a page gone for good is remembered."""
        request = failure.request
        source = request.meta.get("rasad_source")
        kind = error_kind(failure)
        self._inc(f"errors/{kind}", source)
        if request.meta.get("rasad_query") is not None:
            self._inc(f"gdelt_query/{query_key(request.meta['rasad_query'])}/errors")
        if request.meta.get("rasad_via"):
            self._inc(f"route/{request.meta['rasad_via']}/errors")
        if request.meta.get("rasad_page") == "article":
            permanent = isinstance(failure.value, HttpError) and failure.value.response.status in PERMANENT
            if permanent or kind == "redirect_loop":
                first = (request.meta.get("redirect_urls") or [request.url])[0]
                self.to_remember.append({"url": canonical(first), "status": "failed", "reason": kind})
            self._settle(request.meta.get("rasad_listing"), ok=permanent or kind in NOT_RETRYABLE or kind == "redirect_loop")
        elif source:
            # A listing of an outlet that did not answer: the run status counts outlets with none answering.
            self._inc("listing_failed", source)
        level = logging.DEBUG if kind == "robots" else logging.WARNING
        # The exception says why (size limit, redirect chain); an HTTP error's kind already does.
        detail = "" if isinstance(failure.value, HttpError) else f" ({failure.value})"
        log.log(level, "%s failed: %s%s", request.url, kind, detail)

    def on_dropped(self, request: scrapy.Request, spider: scrapy.Spider) -> None:
        """An article redirect that comes back to an URL of its own chain: a loop, recorded and remembered."""
        chain = request.meta.get("redirect_urls") or []
        if request.meta.get("rasad_page") != "article" or canonical(request.url) not in {canonical(u) for u in chain}:
            return
        source = request.meta.get("rasad_source")
        self._inc("errors/redirect_loop", source)
        self.to_remember.append({"url": canonical(chain[0]), "status": "failed", "reason": "redirect_loop"})
        self._settle(request.meta.get("rasad_listing"))
        log.warning("%s failed: redirect_loop (%s)", chain[0], " -> ".join([*chain, request.url]))


def listing_url(response: Response) -> str:
    """The URL a listing was requested at, before any redirect (its validators are kept under it)."""
    return (response.meta.get("redirect_urls") or [response.url])[0]
