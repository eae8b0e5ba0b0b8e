"""HTTP to Common Crawl's data server outside Scrapy: one request at a time per host, backoff on 503.

The CC-NEWS scan streams whole WARC files (about 1 GB each) and the columnar index is read by byte
ranges of Parquet files: neither fits a Scrapy response, so they use this small client (urllib, a
bounded read timeout). Common Crawl answers an overloaded moment with "503 Slow Down" and asks for
retries no more than once a second (https://status.commoncrawl.org/): a 503 or 429 is retried after
`Retry-After` or an exponential pause from 1 s, up to `retries` times; other errors are not retried.
Each host's robots.txt is read once (protego, the parser Scrapy uses) and obeyed, as the crawl does.
"""

from __future__ import annotations

import logging
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

SLOW_DOWN = (429, 503)
MAX_PAUSE_S = 60.0


class ArchiveHTTPError(OSError):
    """A request that failed for good (the message names the URL and the status or error)."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class HostTurns:
    """One request at a time per host, at least `interval` seconds between the starts of two."""

    def __init__(self, interval: float):
        self.interval = interval
        self._locks: dict[str, threading.Lock] = {}
        self._last: dict[str, float] = {}
        self._guard = threading.Lock()

    @contextmanager
    def turn(self, host: str) -> Iterator[None]:
        with self._guard:
            lock = self._locks.setdefault(host, threading.Lock())
        with lock:
            wait = self._last.get(host, 0.0) + self.interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self._last[host] = time.monotonic()
            yield


class ArchiveClient:
    """GET with pacing and 503 backoff; `requests` counts what was asked per host (the run's stats)."""

    def __init__(self, user_agent: str, rate: float = 1.0, timeout: float = 60.0, retries: int = 8,
                 backoff: float = 1.0):
        self.user_agent = user_agent
        self.turns = HostTurns(1.0 / rate if rate > 0 else 0.0)
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.requests: Counter[str] = Counter()
        self.slowdowns = 0
        self._robots: dict[str, Any] = {}
        self._robots_lock = threading.Lock()

    def allowed(self, url: str) -> bool:
        """Whether the host's robots.txt lets this client fetch `url` (no robots.txt: yes)."""
        from protego import Protego

        parts = urlsplit(url)
        with self._robots_lock:
            if parts.netloc not in self._robots:
                try:
                    text = self._fetch(f"{parts.scheme}://{parts.netloc}/robots.txt", {}, 512 * 1024)
                except ArchiveHTTPError as exc:
                    if exc.status is None or exc.status >= 500:
                        raise
                    text = b""  # 4xx: no robots.txt, nothing disallowed
                self._robots[parts.netloc] = Protego.parse(text.decode("utf-8", errors="replace"))
            return bool(self._robots[parts.netloc].can_fetch(url, self.user_agent))

    @contextmanager
    def open(self, url: str, headers: dict[str, str] | None = None) -> Iterator[IO[bytes]]:
        """The response body as a stream (read it in pieces); the host's turn is held while it is open."""
        if not self.allowed(url):
            raise ArchiveHTTPError(f"{url}: disallowed by the host's robots.txt")
        with self._stream(url, headers) as r:
            yield r

    def _fetch(self, url: str, headers: dict[str, str], limit: int) -> bytes:
        with self._stream(url, headers) as r:
            return r.read(limit)

    @contextmanager
    def _stream(self, url: str, headers: dict[str, str] | None = None) -> Iterator[IO[bytes]]:
        host = urlsplit(url).netloc
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent, **(headers or {})})
        attempt = 0
        while True:
            with self.turns.turn(host):
                self.requests[host] += 1
                try:
                    response = urllib.request.urlopen(request, timeout=self.timeout)  # noqa: S310 - configured archive URL
                except urllib.error.HTTPError as exc:
                    status, retry_after = exc.code, exc.headers.get("Retry-After")
                    exc.close()
                    if status not in SLOW_DOWN or attempt >= self.retries:
                        raise ArchiveHTTPError(f"{url}: HTTP {status}", status) from None
                except (urllib.error.URLError, OSError) as exc:
                    raise ArchiveHTTPError(f"{url}: {getattr(exc, 'reason', exc)}") from None
                else:
                    with response:
                        yield response
                    return
            attempt += 1
            self.slowdowns += 1
            pause = _pause(retry_after, self.backoff * 2 ** (attempt - 1))
            log.warning("%s: HTTP %d (slow down); retry %d/%d in %.1fs", url, status, attempt, self.retries, pause)
            time.sleep(pause)

    def get(self, url: str, headers: dict[str, str] | None = None, limit: int = 256 * 1024 * 1024) -> bytes:
        """A whole (small) answer: listings, index files' footers. More than `limit` bytes is an error."""
        with self.open(url, headers) as r:
            data = r.read(limit + 1)
        if len(data) > limit:
            raise ArchiveHTTPError(f"{url}: answer larger than {limit} bytes")
        return data


def _pause(retry_after: str | None, fallback: float) -> float:
    try:
        asked = float(retry_after) if retry_after else None
    except ValueError:
        asked = None
    # At least a second between retries, as Common Crawl asks, whatever Retry-After says.
    return min(MAX_PAUSE_S, max(asked if asked is not None else fallback, fallback, 1.0))
