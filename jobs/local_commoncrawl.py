"""Common Crawl's data server on 127.0.0.1, for the tests and the demo: files under a root, with Range.

Serves `root` as data.commoncrawl.org serves its bucket: CC-NEWS listings and WARC files, the
columnar index's partition listings and Parquet files, collinfo.json, and byte ranges of any file.
Fault drills: `fail_next(path_part, status, times)` answers "503 Slow Down" (or any status) to the
next requests; `stall(path_part, at_byte)` sends a file up to a byte and then holds the connection
until `release()`, as a server that stops answering mid-file.
"""

from __future__ import annotations

import gzip
import logging
import re
import threading
import time
from collections.abc import Iterable
from datetime import UTC
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from typing import Any

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from jobs.local_archive import ArchivedPage

log = logging.getLogger(__name__)

RANGE = re.compile(r"bytes=(\d+)-(\d+)?$")


def write_listing(path: str | Path, lines: Iterable[str]) -> Path:
    """A gzipped list of paths, one a line (warc.paths.gz, cc-index-table.paths.gz)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(gzip.compress("".join(f"{line}\n" for line in lines).encode("utf-8")))
    return p


def write_records(path: str | Path, pages: Iterable[ArchivedPage | tuple[str, str]]) -> list[tuple[int, int]]:
    """A gzipped WARC file; each item a page (a response record) or (url, "request") for a request
    record. Returns each record's (offset, length), as the columnar index gives them."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    spans = []
    with p.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for page in pages:
            start = fh.tell()
            if isinstance(page, tuple):
                headers = StatusAndHeaders(f"GET {page[0]} HTTP/1.1", [("Host", "example")], is_http_request=True)
                record = writer.create_warc_record(page[0], "request", payload=BytesIO(b""), http_headers=headers)
            else:
                headers = StatusAndHeaders(page.status, [("Content-Type", page.content_type),
                                                         ("Content-Length", str(len(page.body)))], protocol="HTTP/1.1")
                when = page.captured_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                record = writer.create_warc_record(page.url, "response", payload=BytesIO(page.body),
                                                   http_headers=headers, warc_headers_dict={"WARC-Date": when})
            writer.write_record(record)
            spans.append((start, fh.tell() - start))
    return spans


class _Handler(BaseHTTPRequestHandler):
    server_of: LocalCommonCrawl

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        cc = self.server_of
        rng = self.headers.get("Range") or ""
        cc.record(self.path, rng)
        with cc._lock:
            cc.inflight += 1
            cc.max_inflight = max(cc.max_inflight, cc.inflight)
            cc.starts.append(time.monotonic())
        try:
            self._answer(cc, rng)
        finally:
            with cc._lock:
                cc.inflight -= 1

    def _answer(self, cc: LocalCommonCrawl, rng: str) -> None:
        fault = cc.take_fault(self.path)
        if fault:
            self._send(fault, b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>",
                       {"Retry-After": "0", "Content-Type": "application/xml"})
            return
        if self.path == "/robots.txt":
            self._send(200, cc.robots, {"Content-Type": "text/plain"})
            return
        file = (cc.root / self.path.split("?")[0].lstrip("/")).resolve()
        if cc.root not in file.parents or not file.is_file():
            self._send(404, b"<Error><Code>NoSuchKey</Code></Error>", {"Content-Type": "application/xml"})
            return
        data = file.read_bytes()
        m = RANGE.match(rng)
        if m:
            start = int(m.group(1))
            end = min(int(m.group(2)) if m.group(2) else len(data) - 1, len(data) - 1)
            if start > end:
                self._send(416, b"", {"Content-Range": f"bytes */{len(data)}"})
                return
            self._send(206, data[start:end + 1], {"Content-Range": f"bytes {start}-{end}/{len(data)}",
                                                  "Content-Type": "application/octet-stream"})
            return
        stall = cc.take_stall(self.path)
        if stall is not None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[:stall])
            self.wfile.flush()
            cc.stalled.set()
            cc.released.wait(120)
            self.close_connection = True
            return
        self._send(200, data, {"Content-Type": "application/octet-stream"})

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of the base class
        log.debug("local Common Crawl: " + format, *args)


class LocalCommonCrawl:
    """A static Common Crawl-style data server rooted at `root`; `requests` lists (path, Range) asked."""

    def __init__(self, root: str | Path):
        self.root = Path(root).resolve()
        self.requests: list[tuple[str, str]] = []
        self.robots = b"User-agent: *\nDisallow:\n"
        self.inflight = self.max_inflight = 0  # requests being answered now / at most at once
        self.starts: list[float] = []  # when each request arrived (monotonic)
        self._faults: list[list[Any]] = []
        self._stalls: list[list[Any]] = []
        self._lock = threading.Lock()
        self.stalled = threading.Event()
        self.released = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    def record(self, path: str, rng: str) -> None:
        with self._lock:
            self.requests.append((path, rng))

    def fail_next(self, path_part: str, status: int = 503, times: int = 1) -> None:
        self._faults.append([path_part, status, times])

    def take_fault(self, path: str) -> int | None:
        with self._lock:
            for fault in self._faults:
                if fault[0] in path and fault[2] > 0:
                    fault[2] -= 1
                    return int(fault[1])
        return None

    def stall(self, path_part: str, at_byte: int) -> None:
        """The next whole-file GET of a matching path sends `at_byte` bytes, then hangs until release()."""
        self._stalls.append([path_part, at_byte, 1])

    def take_stall(self, path: str) -> int | None:
        with self._lock:
            for s in self._stalls:
                if s[0] in path and s[2] > 0:
                    s[2] -= 1
                    return int(s[1])
        return None

    def release(self) -> None:
        self.released.set()

    def asked(self, path_part: str) -> int:
        """How many requests named a path containing `path_part`."""
        with self._lock:
            return sum(1 for p, _ in self.requests if path_part in p)

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def start(self) -> LocalCommonCrawl:
        handler = type("Handler", (_Handler,), {"server_of": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.release()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> LocalCommonCrawl:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
