"""The offline fixture news site (tests/fixtures/site/) served over HTTP on 127.0.0.1.

Used by the crawl tests and by `rasad demo`. Pages are rendered at request time from the manifest,
the article texts and the layout templates, so every date is relative to "now" and the crawl's date
window works whatever day it runs. Each outlet lives under /<outlet name>/ and answers at the paths
its registry entry declares (feeds, sitemaps, search, list pages), so
``Source.with_base(f"{base_url}/{{source}}")`` points a registered outlet at its part of the site.

Fault drills: `FixtureSite.inject(path, status, times, retry_after)` makes any page fail the next
`times` requests; /_drill/status/<code>?times=N&retry_after=S&key=K answers <code>
(with Retry-After when given) to the first N requests of a key, then 200; /_drill/slow?seconds=S
answers after S seconds.

Conditional GET: feeds and sitemaps carry an ETag and a Last-Modified; a request whose
If-None-Match (or, without it, If-Modified-Since) matches gets 304 (`FixtureSite.conditional`).
`touch(path)` changes a page's validators, as a new item would. Pagination: an article on channel
"list:N" or "search:N" is listed on page N (``?page=N``) of that listing, each page linking the next
with rel="next". Redirects: an article with `redirect_from` is listed under that path, which answers
301 to the article; one with `redirect_loop` answers 301 to that path, which answers 301 back.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import logging
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape

from crawler.sources.base import Source
from crawler.sources.registry import get_source

log = logging.getLogger(__name__)

SITE_DIR = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "site"
AUTHOR = "فريق التحرير"  # the byline of every article page whose layout shows one
OUTLET_CHANNELS = ("feed", "sitemap", "search", "list")
# Where an article goes when its outlet lacks the channel the manifest names.
FALLBACK_ORDER = ("sitemap", "feed", "list", "search")
MAX_SLOW_S = 30.0
PAGE_PARAM = re.compile(r"[?&]page=(\d+)$")


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] | None = None


def _rel(url: str) -> str:
    """Path (+query) of a registry URL, with repeated slashes collapsed."""
    parts = urlsplit(url)
    path = re.sub(r"/{2,}", "/", parts.path or "/")
    return path + (f"?{parts.query}" if parts.query else "")


class FixtureSite:
    """Renders the fixture site; `handle(path, host)` answers one GET. Thread-safe request log."""

    def __init__(self, root: Path = SITE_DIR, now: datetime | None = None):
        self.root = root
        self.manifest: dict[str, Any] = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
        self.outlets: dict[str, dict[str, Any]] = self.manifest["outlets"]
        self.articles: dict[str, dict[str, Any]] = {a["id"]: a for a in self.manifest["articles"]}
        self.sources: dict[str, Source] = {name: get_source(name) for name in self.outlets}
        self.env = Environment(
            loader=FileSystemLoader(root / "templates"), autoescape=select_autoescape(["html", "xml"])
        )
        self.now = now
        self._lock = threading.Lock()
        self.requests: list[str] = []
        self.request_times: list[tuple[float, str]] = []  # (monotonic time, path) for pacing checks
        self._drills: Counter[str] = Counter()
        self._faults: dict[str, list[Any]] = {}
        # Validators: a version per path (bumped by `touch`) and the time it last changed.
        self.started = datetime.now(UTC).replace(microsecond=0)
        self._versions: dict[str, tuple[int, datetime]] = {}
        self.not_modified: list[str] = []  # requests (path and query) answered 304

    # -- facts for tests ------------------------------------------------------------------------

    def clock(self) -> datetime:
        return self.now or datetime.now(UTC)

    def path_of(self, article_id: str) -> str:
        a = self.articles[article_id]
        return f"/{a['outlet']}{a['path']}"

    def outlet_channels(self, outlet: str) -> set[str]:
        """Discovery channels the outlet's registry entry offers."""
        s = self.sources[outlet]
        have = set()
        if s.feeds and any(k != "404" for k in self.outlets[outlet]["feeds"]):
            have.add("feed")
        if s.sitemaps:
            have.add("sitemap")
        if s.search_url:
            have.add("search")
        if s.list_pages:
            have.add("list")
        return have

    def channels(self, article_id: str) -> list[str]:
        """Where the article is actually advertised (manifest channels, with fallbacks applied)."""
        a = self.articles[article_id]
        have = self.outlet_channels(a["outlet"])
        out: list[str] = []
        for ch in a["channels"]:
            base = "sitemap" if ch.startswith("sitemap") else ch.split(":")[0]
            if base not in OUTLET_CHANNELS or base in have:
                out.append(ch)
        if not any(c.split("-")[0] in OUTLET_CHANNELS for c in out) and any(
            c in OUTLET_CHANNELS or c.startswith("sitemap") for c in a["channels"]
        ):
            out.append(next(c for c in FALLBACK_ORDER if c in have))
        return out

    def discovered_via_options(self, article_id: str) -> set[str]:
        """The discovered_via values the crawl may record for this article."""
        return {"sitemap" if c.startswith("sitemap") else c.split(":")[0] for c in self.channels(article_id)}

    def listed_url_of(self, article_id: str, base_url: str) -> str:
        """The URL listings give for the article (its old URL when it moved with a redirect)."""
        a = self.articles[article_id]
        return f"{base_url}/{a['outlet']}{a.get('redirect_from') or a['path']}"

    def text_of(self, article_id: str) -> tuple[str, list[str]]:
        """The headline and body paragraphs the article page carries."""
        return self._text(self.articles[article_id])

    def layout_of(self, article_id: str) -> str:
        a = self.articles[article_id]
        return "amp" if a["kind"] == "amp" else self.outlets[a["outlet"]]["layout"]

    def has_page(self, article_id: str) -> bool:
        """True when the article's URL serves an article page (not an error, an empty page or a loop)."""
        a = self.articles[article_id]
        return a.get("status") is None and not a.get("redirect_loop")

    def expected_article(self, article_id: str, base_url: str) -> dict[str, Any]:
        """What extraction should find on the article page: the values render_article puts in it.

        Dates follow the site's clock: build the site with a fixed `now` to compare them exactly.
        """
        a = self.articles[article_id]
        title, paras = self._text(a)
        layout = self.layout_of(article_id)
        template = (self.root / "templates" / f"{layout}.html").read_text(encoding="utf-8")
        target = a.get("amp_of") or a.get("canonical_of") or article_id
        return {
            "title": title,
            "published_at": self.published(a).isoformat(),
            "modified_at": None,  # no page states one
            "authors": [AUTHOR] if "{{ author }}" in template else [],
            "canonical_url": base_url + self.path_of(target),
            "body_start": paras[0][:40],
            "body_end": paras[-1][-40:],
            "language": "en" if a["kind"] == "language" else "ar",
        }

    def title_of(self, article_id: str) -> str:
        """The headline the article page carries."""
        return self._text(self.articles[article_id])[0]

    def hits(self, path: str) -> int:
        """How many times a path (without query) was requested."""
        with self._lock:
            return sum(1 for p in self.requests if urlsplit(p).path == path)

    def inject(self, path: str, status: int, times: int = 1, retry_after: str | None = None) -> None:
        """Answer the next `times` GETs of `path` (no query) with `status` (and Retry-After when given)."""
        with self._lock:
            self._faults[path] = [status, times, retry_after]

    def touch(self, path: str) -> None:
        """Change the validators of `path` (no query), as a feed gaining an item would."""
        with self._lock:
            version = self._versions.get(path, (0, self.started))[0] + 1
            # Last-Modified has second precision: step past the previous value.
            self._versions[path] = (version, max(datetime.now(UTC), self.started + timedelta(seconds=version)))

    def validators(self, path: str, content_key: str) -> dict[str, str]:
        """ETag and Last-Modified of a feed or sitemap: stable while its items and version stay the same.

        The bodies carry times relative to now, so a hash of the bytes would change every second.
        """
        with self._lock:
            version, modified = self._versions.get(path, (0, self.started))
        tag = hashlib.sha1(f"{path}|{content_key}|{version}".encode()).hexdigest()[:16]
        return {"ETag": f'"{tag}"', "Last-Modified": format_datetime(modified.replace(microsecond=0), usegmt=True)}

    def conditional(self, raw_path: str, response: Response, request_headers: Any) -> Response:
        """304 when the request's validators match the response's (If-None-Match wins, RFC 9110 13.2.2)."""
        headers = response.headers or {}
        if response.status != 200 or "ETag" not in headers:
            return response
        inm = request_headers.get("If-None-Match")
        ims = request_headers.get("If-Modified-Since")
        if inm is not None:
            match = headers["ETag"] in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
        elif ims is not None:
            try:
                match = parsedate_to_datetime(headers["Last-Modified"]) <= parsedate_to_datetime(ims)
            except (TypeError, ValueError):
                match = False
        else:
            match = False
        if not match:
            return response
        with self._lock:
            self.not_modified.append(raw_path)
        return Response(304, b"", headers=headers)

    def _fault(self, path: str) -> Response | None:
        with self._lock:
            fault = self._faults.get(path)
            if not fault or fault[1] <= 0:
                return None
            fault[1] -= 1
        headers = {"Retry-After": fault[2]} if fault[2] else None
        return Response(fault[0], b"injected fault", headers=headers)

    # -- rendering ------------------------------------------------------------------------------

    def published(self, a: dict[str, Any]) -> datetime:
        return (self.clock() - timedelta(hours=a["age_hours"])).replace(microsecond=0)

    def _text(self, a: dict[str, Any]) -> tuple[str, list[str]]:
        lines = [ln.strip() for ln in (self.root / "articles" / f"{a['text']}.txt").read_text(encoding="utf-8").splitlines()]
        lines = [ln for ln in lines if ln]
        return lines[0], lines[1:]

    def _items(self, host: str, ids: list[str]) -> list[dict[str, Any]]:
        out = []
        for i in ids:
            a = self.articles[i]
            title, paras = self._text(a)
            when = self.published(a)
            out.append({
                "url": self.listed_url_of(i, f"http://{host}"), "title": title, "lead": paras[0][:200] if paras else "",
                "iso": when.isoformat(), "rfc822": format_datetime(when), "when": when,
                "source_url": f"http://{host}/{a['outlet']}/", "source_name": self.sources[a["outlet"]].display_name,
            })
        return out

    def _ids(self, channel: str, outlet: str | None = None) -> list[str]:
        return [i for i, a in self.articles.items()
                if (outlet is None or a["outlet"] == outlet) and channel in self.channels(i)]

    def render_article(self, article_id: str, host: str) -> Response:
        a = self.articles[article_id]
        o = self.outlets[a["outlet"]]
        status = a.get("status")
        if status in (404, 500):
            return Response(status, b"<html><body><h1>Error</h1></body></html>", "text/html; charset=utf-8")
        if status == "empty":
            return Response(200, b"", "text/html; charset=utf-8")
        title, paras = self._text(a)
        when = self.published(a)
        home = f"http://{host}/{a['outlet']}/"
        own = f"http://{host}{self.path_of(article_id)}"
        canonical = own
        if a.get("canonical_of"):
            canonical = f"http://{host}{self.path_of(a['canonical_of'])}"
        if a.get("amp_of"):
            canonical = f"http://{host}{self.path_of(a['amp_of'])}"
        layout = "amp" if a["kind"] == "amp" else o["layout"]
        charset = "utf-8" if layout == "amp" else o["charset"]
        json_ld = json.dumps({
            "@context": "https://schema.org", "@type": "NewsArticle", "headline": title,
            "datePublished": when.isoformat(), "author": {"@type": "Person", "name": AUTHOR},
            "publisher": {"@type": "Organization", "name": self.sources[a["outlet"]].display_name},
        }, ensure_ascii=False).replace("</", "<\\/")
        html = self.env.get_template(f"{layout}.html").render(
            charset=charset, title=title, lead=paras[0][:200] if paras else "", paragraphs=paras,
            published=when.isoformat(), published_display=when.strftime("%Y-%m-%d %H:%M"),
            canonical=canonical, home=home, json_ld=json_ld, author=AUTHOR,
            amp_url=f"http://{host}/{a['outlet']}{a['amp']}" if a.get("amp") else None,
            outlet={"display": self.sources[a["outlet"]].display_name},
        )
        body = html.encode(charset, errors="xmlcharrefreplace")
        if status == "truncated":
            # Cut inside <head>: the connection delivered only the first bytes of the page.
            body = body[: body.index(b"<title>") + 40]
        ctype = f"text/html; charset={charset}" if o["header_charset"] or layout == "amp" else "text/html"
        return Response(200, body, ctype)

    def render_feed(self, outlet: str, kind: str, host: str, path: str = "") -> Response:
        if kind == "404":
            return Response(404, b"not found")
        items = self._items(host, self._ids("feed", outlet))
        body = self.env.get_template(f"{kind}.xml").render(
            title=self.sources[outlet].display_name, home=f"http://{host}/{outlet}/", items=items,
            now_rfc822=format_datetime(self.clock()), now_iso=self.clock().isoformat(),
        )
        ctype = "application/atom+xml; charset=utf-8" if kind == "atom" else "application/rss+xml; charset=utf-8"
        return Response(200, body.encode("utf-8"), ctype, self.validators(path, ",".join(i["url"] for i in items)))

    def render_sitemap(self, outlet: str, name: str, host: str) -> Response:
        """The index at the registry path, and its children under /<outlet>/sitemaps/."""
        base = f"http://{host}/{outlet}/sitemaps/"
        now = self.clock()
        index = self.env.get_template("sitemap_index.xml")
        if name == "index":
            top = [{"url": base + "news.xml", "lastmod": now.isoformat()},
                   {"url": base + "archive.xml.gz", "lastmod": now.isoformat()},
                   {"url": base + "nested.xml", "lastmod": now.isoformat()},
                   # Not modified within any sensible window: must not be fetched.
                   {"url": base + "stale.xml", "lastmod": (now - timedelta(days=400)).isoformat()}]
            return Response(200, index.render(sitemaps=top).encode(), "application/xml")
        if name == "nested.xml":
            # Points back at the top index (a loop) and down a chain deeper than the crawl follows.
            top_url = f"http://{host}/{outlet}{_rel(self.sources[outlet].sitemaps[0])}"
            items = [{"url": top_url, "lastmod": None}, {"url": base + "level-1.xml", "lastmod": None}]
            return Response(200, index.render(sitemaps=items).encode(), "application/xml")
        m = re.fullmatch(r"level-(\d+)\.xml", name)
        if m:
            n = int(m.group(1))
            items = [{"url": base + f"level-{n + 1}.xml", "lastmod": None}] if n < 6 else []
            return Response(200, index.render(sitemaps=items).encode(), "application/xml")
        news = self.env.get_template("sitemap_news.xml")
        outlet_meta = {"display": self.sources[outlet].display_name}
        path = f"/{outlet}/sitemaps/{name}"
        if name == "news.xml":
            items = self._items(host, self._ids("sitemap", outlet))
            body = news.render(items=items, outlet=outlet_meta)
            return Response(200, body.encode(), "application/xml", self.validators(path, ",".join(i["url"] for i in items)))
        if name == "archive.xml.gz":
            items = self._items(host, self._ids("sitemap-archive", outlet))
            body = news.render(items=items, outlet=outlet_meta)
            return Response(200, gzip.compress(body.encode()), "application/x-gzip",
                            self.validators(path, ",".join(i["url"] for i in items)))
        if name == "stale.xml":
            return Response(200, news.render(items=[], outlet=outlet_meta).encode(), "application/xml")
        return Response(404, b"no such sitemap")

    def last_page(self, outlet: str, channel: str) -> int:
        """The highest page number any article of the outlet is listed on for this channel."""
        pages = [int(c.split(":")[1]) for i in self._ids_all(outlet) for c in self.channels(i)
                 if c.startswith(channel + ":")]
        return max(pages, default=1)

    def _ids_all(self, outlet: str) -> list[str]:
        return [i for i, a in self.articles.items() if a["outlet"] == outlet]

    def render_listing(self, outlet: str, channel: str, host: str, heading: str, url: str = "", page: int = 1) -> Response:
        """Page `page` of a list or search page; pages before the last link the next with rel="next"."""
        if channel == "search" and self.sources[outlet].search_json is not None:
            return self.render_search_json(outlet)
        items = self._items(host, self._ids(channel if page == 1 else f"{channel}:{page}", outlet))
        next_url = None
        if page < self.last_page(outlet, channel):
            next_url = f"http://{host}/{outlet}{url}{'&' if '?' in url else '?'}page={page + 1}"
        html = self.env.get_template("listing.html").render(
            heading=heading, items=items, home=f"http://{host}/{outlet}/", next_url=next_url,
            outlet={"display": self.sources[outlet].display_name})
        return Response(200, html.encode("utf-8"), "text/html; charset=utf-8")

    def render_search_json(self, outlet: str) -> Response:
        """A JSON search answer shaped like the outlet's live API (Sky News Arabia's contentItems)."""
        results: list[dict[str, Any]] = [{"type": "VIDEO", "id": "99", "headline": "فيديو بلا رابط مقال"}]
        for i in self._ids("search", outlet):
            a = self.articles[i]
            section, ident, suffix = re.fullmatch(r"(.*)/(\d+)-([^/]+)", a["path"]).groups()
            title, _ = self._text(a)
            results.append({"type": "ARTICLE", "id": ident, "urlFriendlySuffix": suffix, "sectionUrl": section,
                            "headline": title, "date": self.published(a).isoformat()})
        body = json.dumps({"contentItems": results}, ensure_ascii=False).encode("utf-8")
        return Response(200, body, "application/json; charset=utf-8")

    def render_google_news(self, host: str) -> Response:
        """Google News RSS search: links are news.google.com-style ids, the first of the older kind
        (the URL inside the id), the others of the newer kind (decoded through the two requests below)."""
        ids = self._ids("google-news")
        items = self._items(host, ids)
        for n, (i, item) in enumerate(zip(ids, items, strict=True)):
            token = item["url"].encode() if n == 0 else f"AU_yqL-{i}".encode()
            gn_id = base64.urlsafe_b64encode(b"\x08\x13\x22" + bytes([len(token)]) + token).decode().rstrip("=")
            item["url"] = f"http://{host}/google-news/rss/articles/{gn_id}?oc=5"
        body = self.env.get_template("rss.xml").render(
            title="Google News", home=f"http://{host}/google-news/", items=items,
            now_rfc822=format_datetime(self.clock()))
        return Response(200, body.encode("utf-8"), "application/rss+xml; charset=utf-8")

    def _gn_article(self, gn_id: str) -> str | None:
        """The fixture article behind a newer Google News id ("AU_yqL-<article id>")."""
        try:
            raw = base64.urlsafe_b64decode(gn_id + "=" * (-len(gn_id) % 4))
        except ValueError:
            return None
        token = raw[4:].decode("utf-8", "replace")
        return token.removeprefix("AU_yqL-") if token.startswith("AU_yqL-") else None

    def render_google_news_page(self, gn_id: str) -> Response:
        """The Google News article page: only the decoding parameters matter to the crawler."""
        article = self._gn_article(gn_id)
        if article not in self.articles:
            return Response(404, b"not found")
        html = (f'<html><body><c-wiz><div jscontroller="x" data-n-a-id="{gn_id}" data-n-a-ts="1732780800" '
                f'data-n-a-sg="sig-{article}"></div></c-wiz></body></html>')
        return Response(200, html.encode(), "text/html; charset=utf-8")

    def answer_batchexecute(self, body: bytes, host: str) -> Response:
        """Google's batchexecute answer for a "garturlreq" with the right signature."""
        try:
            req = json.loads(parse_qs(body.decode())["f.req"][0])
            gn_id, _, signature = json.loads(req[0][0][1])[2:5]
        except (KeyError, IndexError, TypeError, ValueError):
            return Response(400, b"bad request")
        article = self._gn_article(gn_id)
        if article not in self.articles or signature != f"sig-{article}":
            return Response(400, b"bad signature")
        url = self.listed_url_of(article, f"http://{host}")
        row = ["wrb.fr", "Fbv4je", json.dumps(["garturlres", url, 1]), None, None, None, "generic"]
        text = ")]}'\n\n" + json.dumps([row, ["di", 42], ["af.httprm", 41, "0", 7]]) + "\n"
        return Response(200, text.encode(), "application/json; charset=utf-8")

    def render_gdelt(self, host: str) -> Response:
        arts = [{"url": it["url"], "url_mobile": "", "title": it["title"],
                 "seendate": it["when"].astimezone(UTC).strftime("%Y%m%dT%H%M%SZ"), "socialimage": "",
                 "domain": host.split(":")[0], "language": "Arabic", "sourcecountry": ""}
                for it in self._items(host, self._ids("gdelt"))]
        return Response(200, json.dumps({"articles": arts}, ensure_ascii=False).encode("utf-8"), "application/json")

    def robots(self) -> Response:
        lines = ["User-agent: *"]
        for name, o in self.outlets.items():
            lines += [f"Disallow: /{name}{p}" for p in o["disallow"]]
        lines.append("Disallow: /_drill/blocked")
        return Response(200, ("\n".join(lines) + "\n").encode(), "text/plain")

    def drill(self, rest: str, query: dict[str, list[str]]) -> Response:
        m = re.fullmatch(r"/status/(\d{3})", rest)
        if m:
            code = int(m.group(1))
            key = f"{code}:{query.get('key', [''])[0]}"
            with self._lock:
                self._drills[key] += 1
                n = self._drills[key]
            if n <= int(query.get("times", ["1"])[0]):
                headers = {"Retry-After": query["retry_after"][0]} if "retry_after" in query else None
                return Response(code, b"try later", headers=headers)
            return Response(200, b"<html><body><p>ok</p></body></html>", "text/html; charset=utf-8")
        if rest == "/slow":
            time.sleep(min(float(query.get("seconds", ["1"])[0]), MAX_SLOW_S))
            return Response(200, b"<html><body><p>slow</p></body></html>", "text/html; charset=utf-8")
        return Response(404, b"no such drill")

    # -- routing --------------------------------------------------------------------------------

    def handle(self, raw_path: str, host: str) -> Response:
        """Answer one GET of `raw_path` (path and query as sent) for the Host `host`."""
        with self._lock:
            self.requests.append(raw_path)
            self.request_times.append((time.monotonic(), raw_path))
        parts = urlsplit(raw_path)
        path = re.sub(r"/{2,}", "/", parts.path)
        fault = self._fault(path)
        if fault is not None:
            return fault
        query = parse_qs(parts.query)
        if path == "/robots.txt":
            return self.robots()
        head, _, rest = path.lstrip("/").partition("/")
        rest = "/" + rest
        rest_q = rest + (f"?{parts.query}" if parts.query else "")
        if head == "google-news" and rest == "/rss/search":
            return self.render_google_news(host)
        if head == "google-news" and rest.startswith("/articles/"):
            return self.render_google_news_page(rest.removeprefix("/articles/"))
        if head == "gdelt" and rest == "/api/v2/doc/doc":
            return self.render_gdelt(host)
        if head == "_drill":
            return self.drill(rest, query)
        if head not in self.outlets:
            return Response(404, b"not found")
        return self._outlet(head, rest, rest_q, host)

    def _redirect(self, outlet: str, rest: str, host: str) -> Response | None:
        """301 for an article's old path, and for both ends of a redirect loop."""
        for a in self.articles.values():
            if a["outlet"] != outlet:
                continue
            target = None
            if rest == a.get("redirect_from"):
                target = a["path"]
            elif a.get("redirect_loop") and rest == a["path"]:
                target = a["redirect_loop"]
            elif a.get("redirect_loop") and rest == a["redirect_loop"]:
                target = a["path"]
            if target is not None:
                return Response(301, b"moved", headers={"Location": f"http://{host}/{outlet}{target}"})
        return None

    def _outlet(self, outlet: str, rest: str, rest_q: str, host: str) -> Response:
        s = self.sources[outlet]
        for i, url in enumerate(s.feeds):
            if rest_q == _rel(url):
                kinds = self.outlets[outlet]["feeds"] or ["rss"]
                return self.render_feed(outlet, kinds[min(i, len(kinds) - 1)], host, path=f"/{outlet}{rest}")
        if any(rest_q == _rel(u) for u in s.sitemaps):
            return self.render_sitemap(outlet, "index", host)
        if rest.startswith("/sitemaps/"):
            return self.render_sitemap(outlet, rest.removeprefix("/sitemaps/"), host)
        m = PAGE_PARAM.search(rest_q)
        # As declared first (a search URL may carry its own page=1), then as page N of it.
        for page, first in [(1, rest_q), *([(int(m.group(1)), rest_q[: m.start()])] if m else [])]:
            if s.search_url:
                pattern = re.escape(_rel(s.search_url.replace("{query}", "QUERYSLOT"))).replace("QUERYSLOT", "[^&/]*")
                if re.fullmatch(pattern, first):
                    return self.render_listing(outlet, "search", host, "نتائج البحث", first, page)
            if any(first == _rel(u) for u in s.list_pages):
                return self.render_listing(outlet, "list", host, "آخر الأخبار", first, page)
        moved = self._redirect(outlet, rest, host)
        if moved is not None:
            return moved
        for i, a in self.articles.items():
            if a["outlet"] == outlet and a["path"] == rest:
                return self.render_article(i, host)
        return Response(404, b"not found")


class _Handler(BaseHTTPRequestHandler):
    site: FixtureSite
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        try:
            r = self.site.handle(self.path, self.headers.get("Host") or "127.0.0.1")
            r = self.site.conditional(self.path, r, self.headers)
        except Exception:  # noqa: BLE001 - a fixture bug must show up as a 500, not a hung test
            log.exception("fixture site failed on %s", self.path)
            r = Response(500, b"fixture error")
        self.send_response(r.status)
        self.send_header("Content-Type", r.content_type)
        self.send_header("Content-Length", str(len(r.body)))
        for k, v in (r.headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(r.body)

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        """Only the Google News stand-in's batchexecute endpoint answers POST."""
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.site._lock:
            self.site.requests.append(self.path)
        if urlsplit(self.path).path == "/google-news/_/DotsSplashUi/data/batchexecute":
            r = self.site.answer_batchexecute(body, self.headers.get("Host") or "127.0.0.1")
        else:
            r = Response(405, b"method not allowed")
        self.send_response(r.status)
        self.send_header("Content-Type", r.content_type)
        self.send_header("Content-Length", str(len(r.body)))
        self.end_headers()
        self.wfile.write(r.body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of the base class
        log.debug("fixture site: " + format, *args)


@dataclass
class FixtureServer:
    """A running fixture site: its base URL, the site (request log) and `stop()`."""

    base_url: str
    site: FixtureSite
    server: ThreadingHTTPServer
    thread: threading.Thread

    @property
    def outlet_base(self) -> str:
        """The base URL override that points every registered outlet at its part of the site."""
        return f"{self.base_url}/{{source}}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def start_fixture_site(port: int = 0, root: Path = SITE_DIR, now: datetime | None = None) -> FixtureServer:
    """Serve the fixture site on 127.0.0.1:`port` (0: a free port) in a background thread.

    `now` fixes the site's clock (article dates are relative to it); default: the real time.
    """
    site = FixtureSite(root, now=now)
    handler = type("FixtureHandler", (_Handler,), {"site": site})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="fixture-site", daemon=True)
    thread.start()
    host, bound = server.server_address[:2]
    return FixtureServer(f"http://{host}:{bound}", site, server, thread)


def serve_fixture_site(port: int = 0) -> tuple[str, Any]:
    """Start the fixture site; returns (base_url, stop_fn)."""
    srv = start_fixture_site(port)
    return srv.base_url, srv.stop
