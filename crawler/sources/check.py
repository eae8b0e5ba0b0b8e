"""Health check of outlet feeds, sitemaps and list pages: HTTP status, item count, newest date.

Every failure (DNS, refused connection, timeout, HTTP error, oversized or malformed answer) becomes a
result line, never an exception, so one broken outlet does not hide the others. XML is parsed with
defusedxml first, which refuses entity declarations (no billion-laughs expansion, no external
entities); well-formed feeds then go to feedparser, sitemaps are read from the safe tree.
"""

from __future__ import annotations

import http.client
import io
import logging
import re
import socket
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from urllib.parse import urlsplit

import defusedxml.ElementTree as SafeET
import feedparser
import lxml.html
from defusedxml import DefusedXmlException
from lxml.etree import ParserError
from protego import Protego

from crawler.sources.base import Source

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_USER_AGENT = "RasadBot/0.1 (+https://example.org/rasad; news monitoring)"
SITEMAP_ROOTS = {"urlset", "sitemapindex"}
FEED_ROOTS = {"rss", "feed", "RDF"}


@dataclass(frozen=True)
class Fetched:
    """What one GET returned: status (None when no HTTP answer), body, and an error if any."""

    url: str
    status: int | None
    body: bytes = b""
    error: str | None = None


Fetch = Callable[[str, float], Fetched]

# The start of a Fetched.error when the host name did not resolve (no DNS: typically an offline machine).
DNS_ERROR = "host name not resolved"


def is_dns_error(error: str | None) -> bool:
    return bool(error) and str(error).startswith(DNS_ERROR)


@dataclass(frozen=True)
class UrlCheck:
    """The check of one feed, sitemap or list page."""

    url: str
    kind: str  # "feed", "sitemap" or "list"
    status: int | None
    items: int = 0
    newest: datetime | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.error is None


@dataclass
class SourceCheck:
    """All checks of one outlet; OK when it has something to check and every check passed."""

    name: str
    display_name: str
    checks: list[UrlCheck] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)


def fetch_url(
    url: str,
    timeout: float = DEFAULT_TIMEOUT,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    user_agent: str = DEFAULT_USER_AGENT,
) -> Fetched:
    """GET ``url`` with a timeout and a size limit; every failure is returned, not raised."""
    req = urllib.request.Request(url, headers={"User-Agent": user_agent, "Accept": "*/*"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - configured outlet URLs
            body = resp.read(max_bytes + 1)
            if len(body) > max_bytes:
                return Fetched(url, resp.status, b"", f"answer larger than {max_bytes} bytes")
            return Fetched(url, resp.status, body)
    except urllib.error.HTTPError as exc:
        return Fetched(url, exc.code, b"", f"HTTP {exc.code} {exc.reason}")
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, socket.gaierror):
            return Fetched(url, None, b"", f"{DNS_ERROR}: {exc.reason}")
        return Fetched(url, None, b"", f"cannot connect: {exc.reason}")
    except TimeoutError:
        return Fetched(url, None, b"", f"timed out after {timeout:g}s")
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return Fetched(url, None, b"", f"{type(exc).__name__}: {exc}")


def _local(tag: object) -> str:
    """Tag name without its namespace."""
    return str(tag).rsplit("}", 1)[-1]


def _parse_date(text: str | None) -> datetime | None:
    """An ISO 8601 date or datetime (sitemap lastmod), as an aware UTC datetime."""
    if not text:
        return None
    try:
        dt = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return dt.astimezone(UTC) if dt.tzinfo else dt.replace(tzinfo=UTC)


def parse_sitemap(root: ET.Element) -> tuple[int, datetime | None]:
    """(number of URLs or child sitemaps, newest lastmod / news publication date)."""
    entry = "sitemap" if _local(root.tag) == "sitemapindex" else "url"
    items = sum(1 for el in root if _local(el.tag) == entry)
    dates = [_parse_date(el.text) for el in root.iter() if _local(el.tag) in {"lastmod", "publication_date"}]
    return items, max((d for d in dates if d), default=None)


def parse_feed(body: bytes) -> tuple[int, datetime | None, str | None]:
    """(entries, newest entry date, error) of an RSS/Atom document, via feedparser."""
    parsed = feedparser.parse(io.BytesIO(body))
    if not parsed.entries:
        reason = parsed.get("bozo_exception")
        if parsed.bozo and reason is not None:
            return 0, None, f"bad XML: {reason}"
        if not parsed.get("version"):
            return 0, None, "not an RSS or Atom feed"
    stamps = [e.get("published_parsed") or e.get("updated_parsed") for e in parsed.entries]
    newest = max((datetime(*t[:6], tzinfo=UTC) for t in stamps if t), default=None)
    return len(parsed.entries), newest, None


def parse_list_page(body: bytes, url: str, pattern: str | None) -> int:
    """Distinct links on an HTML list page that look like articles (all links when no pattern)."""
    try:
        doc = lxml.html.fromstring(body, base_url=url)
    except (ValueError, ParserError):
        return 0
    doc.make_links_absolute(url)
    regex = re.compile(pattern) if pattern else None
    links = {
        href
        for _el, attr, href, _pos in doc.iterlinks()
        if attr == "href"
        and href.startswith(("http://", "https://"))
        and (regex is None or regex.search(href))
    }
    return len(links)


def _check_xml(url: str, kind: str, fetched: Fetched) -> UrlCheck:
    """Parse a feed or sitemap answer safely, whichever it turns out to be."""
    try:
        root = SafeET.fromstring(fetched.body, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        return UrlCheck(url, kind, fetched.status, error=f"unsafe XML refused ({type(exc).__name__})")
    except ET.ParseError as exc:
        # Not well-formed: a failure, but say how many entries a lenient reader still salvages.
        items, newest, _ = parse_feed(fetched.body) if kind == "feed" else (0, None, None)
        return UrlCheck(url, kind, fetched.status, items, newest, f"bad XML: {exc}")
    name = _local(root.tag)
    if name in SITEMAP_ROOTS:
        items, newest = parse_sitemap(root)
        return UrlCheck(url, kind, fetched.status, items, newest)
    if name in FEED_ROOTS:
        items, newest, error = parse_feed(fetched.body)
        return UrlCheck(url, kind, fetched.status, items, newest, error)
    return UrlCheck(url, kind, fetched.status, error=f"not a feed or sitemap (root element <{name}>)")


def check_url(url: str, kind: str, fetch: Fetch, timeout: float, pattern: str | None = None) -> UrlCheck:
    """Fetch one URL and read it as ``kind``; failures are reported in the result."""
    fetched = fetch(url, timeout)
    if fetched.error or fetched.status != 200:
        return UrlCheck(url, kind, fetched.status, error=fetched.error or f"HTTP {fetched.status}")
    if kind == "list":
        return UrlCheck(url, kind, fetched.status, parse_list_page(fetched.body, url, pattern))
    return _check_xml(url, kind, fetched)


def check_source(
    source: Source,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    fetch: Fetch | None = None,
    include_list_pages: bool = True,
) -> SourceCheck:
    """Check every feed and sitemap of an outlet (and its list pages); one result per outlet."""
    fetch = fetch or fetch_url
    targets = [(u, "feed") for u in source.feeds] + [(u, "sitemap") for u in source.sitemaps]
    if include_list_pages:
        targets += [(u, "list") for u in source.list_pages]
    result = SourceCheck(source.name, source.display_name)
    for url, kind in targets:
        check = check_url(url, kind, fetch, timeout, source.article_url_pattern)
        if not check.ok:
            log.debug("%s: %s %s failed: %s", source.name, kind, url, check.error)
        result.checks.append(check)
    return result


def check_sources(
    sources: Iterable[Source],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    user_agent: str = DEFAULT_USER_AGENT,
    workers: int = 4,
    fetch: Fetch | None = None,
) -> list[SourceCheck]:
    """Check outlets concurrently (a small pool: each outlet's own URLs go one after another)."""
    fetch = fetch or partial(fetch_url, max_bytes=max_bytes, user_agent=user_agent)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(lambda s: check_source(s, timeout=timeout, fetch=fetch), sources))


# -- aggregator routes: what their robots.txt says -------------------------------------------------


@dataclass(frozen=True)
class RouteCheck:
    """The robots.txt verdict on one aggregator route (a URL the crawl would request)."""

    name: str
    url: str
    enabled: bool
    robots_url: str
    status: int | None
    allowed: bool | None  # None when robots.txt could not be read
    error: str | None = None

    @property
    def verdict(self) -> str:
        if self.allowed is None:
            return f"robots.txt unreadable ({self.error})"
        return "allowed by robots.txt" if self.allowed else "blocked by robots.txt"


def robots_url(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/robots.txt"


def check_route_robots(
    name: str, url: str, *, enabled: bool, user_agent: str = DEFAULT_USER_AGENT,
    timeout: float = DEFAULT_TIMEOUT, fetch: Fetch | None = None,
) -> RouteCheck:
    """Fetch the route's robots.txt and ask Protego (Scrapy's robots.txt parser) whether ``url`` may be
    fetched with ``user_agent``. As in RFC 9309, a 4xx robots.txt allows everything."""
    fetch = fetch or fetch_url
    where = robots_url(url)
    got = fetch(where, timeout)
    if got.status is not None and 400 <= got.status < 500:
        return RouteCheck(name, url, enabled, where, got.status, True)
    if got.status != 200 or got.error:
        return RouteCheck(name, url, enabled, where, got.status, None, got.error or f"HTTP {got.status}")
    rules = Protego.parse(got.body.decode("utf-8", errors="replace"))
    return RouteCheck(name, url, enabled, where, got.status, rules.can_fetch(url, user_agent))
