"""Helpers for the fault drills and the bad-input corpus: crawl configs, page overrides, gates, bombs."""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crawler.config import Config, load_config
from crawler.run import _config_payload
from crawler.store import Store
from crawler.store.schema import INDICES
from jobs.fixture_site import FixtureServer, FixtureSite, Response
from tests.conftest import write_config

BAD_DIR = Path(__file__).resolve().parent / "fixtures" / "bad"

Answer = Response | Callable[[str], Response]  # a function gets the raw path (with query)


def crawl_config(tmp: Path, es_url: str, prefix: str, server: FixtureServer, extra: str = "", **crawl: Any) -> Config:
    """A crawl of the fixture site (loopback allowed, no delay) into `prefix`; `crawl` overrides keys."""
    keys: dict[str, Any] = {"base_url_override": server.outlet_base, "allow_private_addresses": True,
                            "download_delay": 0, "concurrent_requests_per_domain": 8,
                            "sources": list(server.site.outlets), **crawl}
    body = "\n".join(f"{k} = {json.dumps(v)}" for k, v in keys.items())
    return load_config(write_config(tmp, es_url, prefix, extra=f"\n[crawl]\n{body}\n{extra}"), env={})


def drop_indices(store: Store, prefix: str) -> None:
    """Delete the indices and templates of one test prefix."""
    store.client.options(ignore_status=404).indices.delete(index=f"{prefix}-*")
    for kind in INDICES:
        store.client.options(ignore_status=404).indices.delete_index_template(name=f"{prefix}-{kind}")


def canonical_urls(store: Store) -> list[str]:
    """Canonical URLs of every stored article (a list: duplicates would show)."""
    return sorted(d["canonical_url"] for d in store.scan("articles", fields=["canonical_url"]))


class Overrides:
    """Answers chosen paths of a running fixture site differently (bad inputs, slow or held pages).

    Wraps the site's `handle` on the instance; `close()` restores it. Requests are still logged.
    """

    def __init__(self, site: FixtureSite):
        self.site = site
        self.answers: dict[str, Answer] = {}
        self.after: dict[str, Callable[[], None]] = {}
        self._original = site.handle
        site.handle = self._handle  # type: ignore[method-assign]

    def _handle(self, raw_path: str, host: str) -> Response:
        path = raw_path.split("?")[0]
        answer = self.answers.get(path)
        if answer is None:
            # The site logs the request on arrival; a delayed or held page waits after that.
            response = self._original(raw_path, host)
            wait = self.after.get(path)
            if wait is not None:
                wait()
            return response
        with self.site._lock:
            self.site.requests.append(raw_path)
            self.site.request_times.append((time.monotonic(), raw_path))
        return answer(raw_path) if callable(answer) else answer

    def serve(self, path: str, answer: Answer) -> None:
        """Answer `path` with `answer` (a Response, or a function making one) instead of the site."""
        self.answers[path] = answer

    def delay(self, path: str, seconds: float) -> None:
        """Answer `path` normally, but only after `seconds`."""
        self.after[path] = lambda: time.sleep(seconds)

    def hold(self, path: str) -> Gate:
        """Hold every request of `path` until the returned gate is opened."""
        gate = Gate()

        def held() -> None:
            gate.reached.set()
            gate.opened.wait(timeout=120)
        self.after[path] = held
        return gate

    def close(self) -> None:
        self.site.handle = self._original  # type: ignore[method-assign]


class Gate:
    """A held page: `reached` is set when the crawler asked for it, `open()` lets it through."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.opened = threading.Event()

    def open(self) -> None:
        self.opened.set()


def start_crawl_child(config: Config, run_id: str, source_names: list[str] | None = None,
                      env: dict[str, str] | None = None) -> subprocess.Popen:
    """`python -m crawler.run` started the way run_crawl starts it, so a test can kill it."""
    payload = {"config": _config_payload(config), "source_names": source_names, "since": None, "run_id": run_id}
    proc = subprocess.Popen([sys.executable, "-m", "crawler.run", "--payload", "-"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, encoding="utf-8", env=env)
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(payload, ensure_ascii=False))
    proc.stdin.close()
    return proc


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `condition` until true; AssertionError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.05)


# -- generated bad inputs (never committed: big ones are built in tmp_path) ---------------------

LAUGHS = "\n".join(
    [' <!ENTITY lol0 "lol">']
    + [f' <!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)]
)


def billion_laughs(root: str) -> bytes:
    """`root` (XML using &lol9;) behind a DTD whose entities expand to 10^9 'lol's."""
    return f'<?xml version="1.0"?>\n<!DOCTYPE r [\n{LAUGHS}\n]>\n{root}'.encode()


def external_entity(root: str, target: str = "/etc/passwd") -> bytes:
    """`root` (XML using &xxe;) behind a DTD declaring &xxe; as the file `target`."""
    return f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY xxe SYSTEM "file://{target}">]>\n{root}'.encode()


def gzip_bomb(expanded_bytes: int, member_bytes: int = 16 * 1024 * 1024) -> bytes:
    """A gzip stream of zeros expanding to `expanded_bytes`: one compressed member, repeated.

    gzip allows concatenated members and every reader (GzipFile, Scrapy's gunzip) joins them, so a
    ~1 MB file expanding to 1 GB costs one 16 MB compression instead of a 1 GB one.
    """
    member = gzip.compress(b"\0" * member_bytes, compresslevel=9)
    return member * (expanded_bytes // member_bytes)


def big_html(size: int) -> bytes:
    """An Arabic HTML page of about `size` bytes (a huge article body)."""
    para = "<p>" + "افتتح المؤتمر العالمي للإنترنت في ووتشن " * 40 + "</p>\n"
    out = io.StringIO()
    out.write('<html lang="ar"><head><meta charset="utf-8"><title>صفحة ضخمة</title></head><body><article>')
    unit = len(para.encode())
    for _ in range(size // unit + 1):
        out.write(para)
    out.write("</article></body></html>")
    return out.getvalue().encode()


# -- a listing of many articles behind an ETag (interrupted-crawl drills) ------------------------

REFERENCE_PARAS = [p.strip(" |") for p in (Path(__file__).resolve().parent.parent / "reports" / "reference"
                                              / "wic-2020.txt").read_text(encoding="utf-8").splitlines() if p.strip(" |")]


# A news sentence whose UTF-8 bytes, read as windows-1256, give mostly Arabic-script mojibake (61 %
# of the non-ASCII characters): the kind of page a charset guess used to take for windows-1256.
OPENING = ("تفتتح في مدينة ووتشن الصينية فعاليات المؤتمر العالمي للإنترنت، وتستمر ثلاثة أيام، ويشارك فيها "
           "ممثلون عن أكثر من مئة دولة، وتتناول التنمية الرقمية والتعاون في الفضاء الإلكتروني.")


def drill_article(i: int, published: str, paragraphs: list[str] | None = None) -> bytes:
    """A relevant Arabic article page (number `i`), UTF-8, published at `published` (ISO).

    `paragraphs` replaces the body (default: paragraphs of the reference article)."""
    title = f"المؤتمر العالمي للإنترنت في ووتشن: متابعة رقم {i}"
    paras = "".join(f"<p>{p}</p>" for p in (paragraphs or REFERENCE_PARAS[1:5]))
    unique = "" if paragraphs else f"<p>وهذا هو التقرير رقم {i} من سلسلة المتابعة اليومية لأعمال المؤتمر في مدينة ووتشن.</p>"
    return (f'<html lang="ar"><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta property="article:published_time" content="{published}"></head>'
            f"<body><article><h1>{title}</h1>{unique}{paras}</article></body></html>").encode()


class ListingSite:
    """One outlet's sitemap of `count` articles behind a fixed ETag, served on 127.0.0.1.

    The sitemap answers 304 to a matching If-None-Match, as a real server does. Article requests
    after the first `hold_after` wait until `release()` (a crawl can be caught in the middle of the
    listing). `pages` replaces the bytes of chosen article numbers (bad encodings).
    """

    def __init__(self, outlet: str, sitemap_path: str, count: int, hold_after: int | None = None,
                 pages: dict[int, tuple[bytes, str]] | None = None):
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.outlet, self.sitemap_path, self.count = outlet, sitemap_path, count
        self.hold_after = hold_after
        self.served = 0
        self.pages = pages or {}
        self.etag = '"listing-v1"'
        self.gate = threading.Event()
        self.hits: dict[str, int] = {}
        self.sitemap_answers: list[int] = []
        self._lock = threading.Lock()
        self.published = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() - 3600))
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                status, body, headers = site.answer(self.path, self.headers)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def article_url(self, i: int) -> str:
        return f"{self.base}/{self.outlet}/news/{i}.html"

    def answer(self, path: str, headers: Any) -> tuple[int, bytes, dict[str, str]]:
        with self._lock:
            self.hits[path] = self.hits.get(path, 0) + 1
        if path == f"/{self.outlet}{self.sitemap_path}":
            status = 304 if headers.get("If-None-Match") == self.etag else 200
            with self._lock:
                self.sitemap_answers.append(status)
            if status == 304:
                return 304, b"", {"ETag": self.etag}
            urls = "".join(f"<url><loc>{self.article_url(i)}</loc></url>" for i in range(self.count))
            body = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
            return 200, body.encode(), {"Content-Type": "application/xml", "ETag": self.etag}
        prefix = f"/{self.outlet}/news/"
        if path.startswith(prefix) and path.endswith(".html"):
            i = int(path[len(prefix):-5])
            with self._lock:
                self.served += 1
                held = self.hold_after is not None and self.served > self.hold_after
            if held:
                self.gate.wait(timeout=120)
            body, ctype = self.pages.get(i, (drill_article(i, self.published), "text/html; charset=utf-8"))
            return 200, body, {"Content-Type": ctype}
        return 404, b"not found", {"Content-Type": "text/plain"}

    def article_hits(self) -> int:
        with self._lock:
            return sum(n for p, n in self.hits.items() if p.startswith(f"/{self.outlet}/news/"))

    def release(self) -> None:
        self.gate.set()

    def stop(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()


def listing_config(tmp: Path, es_url: str, prefix: str, site: ListingSite, extra: str = "", **crawl: Any) -> Config:
    """A crawl of the listing site's one outlet, loopback allowed, no delay, no aggregators."""
    keys: dict[str, Any] = {"base_url_override": f"{site.base}/{{source}}", "allow_private_addresses": True,
                            "download_delay": 0, "concurrent_requests_per_domain": 8, "aggregators": False,
                            "sources": [site.outlet], **crawl}
    body = "\n".join(f"{k} = {json.dumps(v)}" for k, v in keys.items())
    return load_config(write_config(tmp, es_url, prefix, extra=f"\n[crawl]\n{body}\n{extra}"), env={})
