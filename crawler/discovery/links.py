"""Which links on a search or list page are articles, and which outlet a URL belongs to."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urldefrag, urlsplit

from scrapy.http import TextResponse
from scrapy.linkextractors import LinkExtractor
from w3lib.url import canonicalize_url

from crawler.discovery.domains import registered_domain
from crawler.sources.base import Source

# Article URLs carry an id or a date; navigation pages (sections, tags, about) do not.
ARTICLE_HINT = re.compile(r"\d{3,}")
NOT_PAGES = re.compile(r"\.(xml|rss|gz|jpe?g|png|gif|webp|svg|pdf|mp[34]|zip|css|js)$", re.I)


def canonical(url: str) -> str:
    """The form URLs are compared and stored in: sorted query, no fragment."""
    return canonicalize_url(url, keep_fragments=False)


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _bare(host: str) -> str:
    return host.removeprefix("www.")


def belongs_to(url: str, source: Source) -> bool:
    """True when the URL (http or https) is on one of the outlet's domains.

    When the base URL has a path (BBC's /arabic/, an outlet moved onto the fixture site), URLs on the
    base URL's own host must lie under that path (and on its port, when it names one); the outlet's
    other hosts (a feed host, a second domain) are not restricted.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return False
    host = (parts.hostname or "").lower()
    if not any(host == d or host.endswith("." + d) for d in source.domains):
        return False
    base = urlsplit(source.base_url)
    if _bare(host) != _bare((base.hostname or "").lower()):
        return True
    if base.port is not None and parts.port != base.port:
        return False
    base_path = base.path.rstrip("/")
    return not base_path or parts.path == base_path or parts.path.startswith(base_path + "/")


def source_for_url(url: str, sources: Iterable[Source]) -> Source | None:
    """The outlet a URL belongs to (the longest matching base URL wins), or None."""
    matches = [s for s in sources if belongs_to(url, s)]
    return max(matches, key=lambda s: len(s.base_url), default=None)


@dataclass(frozen=True)
class Outlet:
    """Who published a URL: a catalogue outlet (declared), or the registered domain of its host."""

    name: str  # the catalogue key (xinhua_arabic), or the registered domain (example.com.eg)
    display_name: str
    declared: bool
    source: Source | None = None


def outlet_for_url(url: str, sources: Iterable[Source]) -> Outlet:
    """The outlet of a URL on every route (feeds, archives, aggregators).

    A host in no catalogue entry is still an outlet (the open world): named by its registered domain,
    so that `news.example.com.eg` and `www.example.com.eg` count as one, and marked undeclared.
    """
    src = source_for_url(url, sources)
    if src is not None:
        return Outlet(src.name, src.display_name, True, src)
    domain = registered_domain(_host(url)) or "unknown"
    return Outlet(domain, domain, False)


def looks_like_article(url: str, source: Source) -> bool:
    """An outlet's article URL: its pattern when declared, else a path with an id and no file suffix."""
    url = urldefrag(url).url  # "#comments", "#" and the like do not make another page
    if not belongs_to(url, source):
        return False
    if source.article_url_pattern:
        return re.search(source.article_url_pattern, url) is not None
    path = urlsplit(url).path
    base_path = urlsplit(source.base_url).path
    below = path[len(base_path):] if path.startswith(base_path) else path
    return bool(ARTICLE_HINT.search(below)) and not NOT_PAGES.search(below)


def article_links(response: TextResponse, source: Source) -> list[str]:
    """Article links of a search-results or list page, in page order, without duplicates."""
    own = {canonical(u) for u in (*source.feeds, *source.sitemaps, *source.list_pages)}
    own.add(canonical(response.url))
    seen: set[str] = set()
    out = []
    for link in LinkExtractor(unique=True).extract_links(response):
        c = canonical(link.url)
        if c in seen or c in own or not looks_like_article(link.url, source):
            continue
        seen.add(c)
        out.append(link.url)
    return out
