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
from crawler.schema import INDICES
from crawler.store import Store
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
    store.client.indices.delete(index=f"{prefix}-*", ignore=[404])
    for kind in INDICES:
        store.client.indices.delete_index_template(name=f"{prefix}-{kind}", ignore=[404])


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


def start_crawl_child(config: Config, run_id: str, source_names: list[str] | None = None) -> subprocess.Popen:
    """`python -m crawler.run` started the way run_crawl starts it, so a test can kill it."""
    payload = {"config": _config_payload(config), "source_names": source_names, "since": None, "run_id": run_id}
    proc = subprocess.Popen([sys.executable, "-m", "crawler.run", "--payload", "-"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, encoding="utf-8")
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
