"""A scaled news site for crawl benchmarks: N generated article pages behind registered outlets' paths.

Each outlet of OUTLETS lives under /<outlet>/ (so `crawl.base_url_override = "<base>/{source}"` points
it here, as with jobs/fixture_site.py) and answers its registry's sitemap path with a news sitemap of
its share of the articles, its feed paths with an RSS feed of its newest articles, a JSON search
API path (when the outlet's search answers JSON) with no results, and every other path (search,
list pages) with an empty listing. Pages are rendered once, before serving, so the
server costs the crawl as little CPU as possible.
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from bench.pages import make_page
from crawler.sources.registry import get_source

OUTLETS = ("aljazeera", "sky_news_arabia")
FEED_ITEMS = 20
EMPTY_LISTING = '<html lang="ar"><body><p>لا توجد نتائج</p></body></html>'.encode()


def _rel(url: str) -> str:
    parts = urlsplit(url)
    return re.sub(r"/{2,}", "/", parts.path or "/") + (f"?{parts.query}" if parts.query else "")


@dataclass
class ScaledSite:
    """Pre-rendered responses by path (with query), and how many pages are relevant."""

    pages: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    json_search_paths: set[str] = field(default_factory=set)  # answered with an empty JSON result list
    articles: int = 0
    relevant: int = 0
    hits: int = 0


def build_site(count: int, host: str, seed: int = 3) -> ScaledSite:
    """Render `count` articles spread over OUTLETS, with each outlet's sitemap and feeds."""
    rng = random.Random(seed)
    site = ScaledSite(articles=count)
    now = datetime.now(UTC).replace(microsecond=0)
    listed: dict[str, list[tuple[str, str, datetime]]] = {o: [] for o in OUTLETS}
    for n in range(count):
        outlet = OUTLETS[n % len(OUTLETS)]
        when = now - timedelta(minutes=n % 2880 + 5)
        path = f"/{outlet}/news/{when:%Y/%m/%d}/bench-story-{n}"
        page = make_page(rng, n, base_url=f"http://{host}", path=path, when=when)
        site.pages[path] = (page.html, page.content_type)
        site.relevant += page.relevant
        listed[outlet].append((page.url, page.title, when))
    for outlet, items in listed.items():
        source = get_source(outlet)
        if source.search_url and source.search_json:
            site.json_search_paths.add(re.sub(r"/{2,}", "/", f"/{outlet}{urlsplit(source.search_url).path}"))
        urls = "".join(
            f"<url><loc>{escape(u)}</loc><lastmod>{w.isoformat()}</lastmod></url>" for u, _, w in items)
        sitemap = ('<?xml version="1.0" encoding="UTF-8"?>'
                   f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>')
        for url in source.sitemaps:
            site.pages[f"/{outlet}{_rel(url)}"] = (sitemap.encode(), "application/xml")
        newest = sorted(items, key=lambda i: i[2], reverse=True)[:FEED_ITEMS]
        entries = "".join(f"<item><title>{escape(t)}</title><link>{escape(u)}</link>"
                          f"<pubDate>{format_datetime(w)}</pubDate></item>" for u, t, w in newest)
        rss = (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{outlet}</title>'
               f"<link>http://{host}/{outlet}/</link>{entries}</channel></rss>")
        for url in source.feeds:
            site.pages[f"/{outlet}{_rel(url)}"] = (rss.encode(), "application/rss+xml; charset=utf-8")
    site.pages["/robots.txt"] = (b"User-agent: *\nAllow: /\n", "text/plain")
    return site


class _Handler(BaseHTTPRequestHandler):
    site: ScaledSite
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.site.hits += 1  # approximate under threads; only reported, never asserted
        path = re.sub(r"/{2,}", "/", self.path)
        if urlsplit(path).path in self.site.json_search_paths:
            body, ctype = b'{"contentItems": []}', "application/json"
        else:
            body, ctype = self.site.pages.get(path, (EMPTY_LISTING, "text/html; charset=utf-8"))
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of the base class
        pass


@dataclass
class ScaledServer:
    """A running scaled site: base URL, the site and `stop()`."""

    base_url: str
    site: ScaledSite
    server: ThreadingHTTPServer
    thread: threading.Thread

    @property
    def outlet_base(self) -> str:
        return f"{self.base_url}/{{source}}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def start_scaled_site(count: int, seed: int = 3) -> ScaledServer:
    """Serve `count` generated articles on 127.0.0.1 (a free port) in a background thread."""
    handler = type("ScaledHandler", (_Handler,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    host, port = server.server_address[:2]
    handler.site = build_site(count, f"{host}:{port}", seed)
    thread = threading.Thread(target=server.serve_forever, name="bench-site", daemon=True)
    thread.start()
    return ScaledServer(f"http://{host}:{port}", handler.site, server, thread)
