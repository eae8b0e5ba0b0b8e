# Downloader middlewares. https://docs.scrapy.org/en/latest/topics/downloader-middleware.html
"""Address safety (no private/loopback targets unless allowed) and retries with backoff + Retry-After."""

from __future__ import annotations

import ipaddress
import logging
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message

log = logging.getLogger(__name__)

WAIT_STEP_S = 0.25  # how often a waiting retry checks whether the crawl is shutting down

IP = ipaddress.IPv4Address | ipaddress.IPv6Address


class RetryAfterTooLong(IgnoreRequest):
    """A host asked to wait longer than the request's ceiling (meta `rasad_retry_after_max`): given up."""


class PrivateAddressRefused(IgnoreRequest):
    """The request's host is (or resolves to) a private, loopback, link-local or reserved address."""


def is_public(ip: IP) -> bool:
    """True for a globally routable address (the only kind a discovered link may point to)."""
    return ip.is_global and not ip.is_multicast


def origin(url: str) -> str:
    """scheme://host:port of an URL, lower-cased, the port always written (80/443 when implied)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").strip("[]").lower()
    try:
        port = parts.port
    except ValueError:  # a malformed port matches no origin
        return ""
    return f"{scheme}://{host}:{port or {'http': 80, 'https': 443}.get(scheme, 0)}"


async def _resolve(host: str) -> IP | None:
    """The host as an IP address, resolving names through Twisted (non-blocking); None on failure."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    from twisted.internet import reactor  # late: importing it installs a reactor

    try:
        addr = await maybe_deferred_to_future(reactor.resolve(host))  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - the download itself will report the DNS failure
        return None
    return ipaddress.ip_address(addr)


class PrivateAddressMiddleware:
    """Refuses requests to non-public addresses unless `crawl.allow_private_addresses` is set.

    Links come from untrusted pages (feeds, search results, aggregators), so a page could point the
    crawler at internal services; every request is checked. The check is per host and cached.

    RASAD_TRUSTED_ORIGINS lists the scheme://host:port of endpoints the configuration itself names
    (a backfill's archive endpoints, which may be a local mirror): requests to exactly those origins
    pass, everything else is still checked. A redirect is a new request through this middleware, so a
    replay on a trusted archive that redirects to 127.0.0.1:<another port> or 169.254.169.254 is refused.
    """

    def __init__(self, crawler: Crawler):
        if crawler.settings.getbool("RASAD_ALLOW_PRIVATE_ADDRESSES"):
            raise NotConfigured("private addresses allowed by configuration")
        self.stats = crawler.stats
        self._verdict: dict[str, bool] = {}
        self.trusted = {o for o in (origin(u) for u in crawler.settings.getlist("RASAD_TRUSTED_ORIGINS")) if o}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateAddressMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request, spider: Spider) -> None:
        if origin(request.url) in self.trusted:
            return
        host = (urlsplit(request.url).hostname or "").strip("[]").lower()
        if host not in self._verdict:
            ip = await _resolve(host)
            self._verdict[host] = ip is None or is_public(ip)
        if not self._verdict[host]:
            self.stats.inc_value("rasad/refused/private_address")
            log.warning("refused %s: %s is not a public address", request.url, host)
            raise PrivateAddressRefused(f"{request.url}: host {host} is not a public address")

    def process_response(self, request: Request, response: Response, spider: Spider) -> Response:
        """The address actually connected to must be public too: a name may re-resolve (DNS rebinding)."""
        connected = getattr(response, "ip_address", None)
        if connected is not None and not is_public(connected) and origin(request.url) not in self.trusted:
            host = urlsplit(request.url).hostname
            self.stats.inc_value("rasad/refused/private_address")
            log.warning("refused %s: %s connected to non-public address %s", request.url, host, connected)
            raise PrivateAddressRefused(f"{request.url}: host {host} connected to non-public address {connected}")
        return response


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None when absent or invalid."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, but waiting before each one: Retry-After when given, else exponential backoff.

    Scrapy's own RetryMiddleware re-queues at once, which hammers a server that just said 429/503.
    The wait is capped by RETRY_BACKOFF_MAX so one server cannot stall the crawl.
    """

    def __init__(self, settings):  # type: ignore[no-untyped-def]
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)
        # Hosts given up in this crawl: host -> the Retry-After (seconds) they asked for.
        self.given_up: dict[str, float] = {}

    @staticmethod
    def ceiling(request: Request) -> float | None:
        """The longest Retry-After this request may wait (meta `rasad_retry_after_max`: web archives)."""
        value = request.meta.get("rasad_retry_after_max")
        return None if value is None else float(value)

    def process_request(self, request: Request, spider: Spider) -> None:
        """A request to a host given up in this crawl is refused before it is sent."""
        host = urlsplit(request.url).netloc
        if self.ceiling(request) is not None and host in self.given_up:
            raise RetryAfterTooLong(f"{host} asked to wait {self.given_up[host]:.0f}s (Retry-After); given up")

    def _gives_up(self, request: Request, response: Response) -> bool:
        """True (and the host remembered) when the response asks for longer than the request's ceiling."""
        ceiling = self.ceiling(request)
        if ceiling is None or response.status not in (429, 503):
            return False
        host = urlsplit(request.url).netloc  # host and port: two archives may share a host name
        if host in self.given_up:
            return True
        hinted = retry_after_seconds(response.headers.get("Retry-After"))
        if hinted is None or hinted <= ceiling:
            return False
        self.given_up[host] = hinted
        log.error("%s asks to wait %.0fs (Retry-After on %s), more than the %.0fs allowed "
                  "(archive.max_retry_after): no further request to it in this run", host, hinted, request.url, ceiling)
        self._refuse_queued(host)
        return True

    def _refuse_queued(self, host: str) -> None:
        """Requests to `host` already past this middleware wait in the downloader's slot queues; they
        are refused there too, or up to CONCURRENT_REQUESTS of them would still reach the host."""
        from twisted.python.failure import Failure

        downloader = getattr(getattr(getattr(self, "crawler", None), "engine", None), "downloader", None)
        for slot in list(getattr(downloader, "slots", {}).values()):
            queue = getattr(slot, "queue", None)
            if not queue:
                continue
            for entry in [e for e in queue if urlsplit(e[0].url).netloc == host]:
                queue.remove(entry)
                entry[1].errback(Failure(RetryAfterTooLong(f"{host} asked to wait {self.given_up[host]:.0f}s "
                                                           "(Retry-After); given up")))

    def delay_for(self, request: Request, response: Response | None = None) -> float:
        """Seconds to wait before retrying this request."""
        attempt = request.meta.get("retry_times", 0)
        delay = self.base * (2**attempt)
        cap = self.cap
        if response is not None and response.status in (429, 503):
            hinted = retry_after_seconds(response.headers.get("Retry-After"))
            if hinted is not None:
                delay = hinted
                cap = max(cap, self.ceiling(request) or 0.0)  # an archive's Retry-After: up to its ceiling
        return min(delay, cap)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        mw = cls(crawler.settings)
        mw.crawler = crawler
        # Fired before the downloader takes the next request of the slot: a host asking for too long
        # a wait is given up before another request to it leaves.
        crawler.signals.connect(mw.on_response_downloaded, signal=signals.response_downloaded)
        return mw

    def on_response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        self._gives_up(request, response)

    def _running(self) -> bool:
        engine = getattr(getattr(self, "crawler", None), "engine", None)
        return engine is None or engine.running

    async def _wait(self, seconds: float) -> bool:
        """Sleep without blocking the reactor; False when the crawl is shutting down meanwhile.

        A graceful shutdown waits for requests in progress, and a waiting retry is one: sleeping in
        short steps lets SIGTERM end the crawl promptly instead of after the whole backoff.
        """
        from twisted.internet import reactor
        from twisted.internet.task import deferLater

        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if not self._running():
                return False
            await maybe_deferred_to_future(deferLater(reactor, min(left, WAIT_STEP_S), lambda: None))
        return self._running()

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Spider
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        if self._gives_up(request, response):
            return response
        retry = self._retry(request, response_status_message(response.status), spider)
        if retry is None:
            return response
        delay = self.delay_for(request, response)
        log.info("retrying %s (HTTP %d) in %.1fs", request.url, response.status, delay)
        return retry if await self._wait(delay) else response

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception, spider: Spider
    ) -> Request | Response | None:
        if request.meta.get("dont_retry", False) or not isinstance(exception, self.exceptions_to_retry):
            return None
        retry = self._retry(request, exception, spider)
        if retry is None:
            return None
        return retry if await self._wait(self.delay_for(request)) else None
