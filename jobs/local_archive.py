"""A web archive on 127.0.0.1 speaking the real protocols, for `rasad demo` and the tests.

- Wayback: pywb (the software behind Common Crawl's index server and many web archives) serves a CDX
  API at /<collection>/cdx and raw captures at /<collection>/<timestamp>id_/<url> over WARC files
  written with warcio.
- Common Crawl: a small HTTP server answers /collinfo.json (each crawl's `cdx-api` is a pywb
  collection) and serves the collections' WARC files under /data/ with HTTP Range requests.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from typing import Any

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

log = logging.getLogger(__name__)

START_TIMEOUT_S = 60.0
RANGE = re.compile(r"bytes=(\d+)-(\d+)?$")


class LocalArchiveError(RuntimeError):
    """pywb could not be set up or did not start (the message says which step)."""


@dataclass(frozen=True)
class ArchivedPage:
    """A page to write into a WARC file as a `response` record."""

    url: str
    captured_at: datetime
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: str = "200 OK"


def write_warc(path: str | Path, pages: Iterable[ArchivedPage], gzip: bool = True) -> Path:
    """A WARC file (gzip per record when `gzip`) with one response record per page."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with p.open("wb") as fh:
        writer = WARCWriter(fh, gzip=gzip)
        for page in pages:
            headers = StatusAndHeaders(page.status, [("Content-Type", page.content_type),
                                                     ("Content-Length", str(len(page.body)))], protocol="HTTP/1.1")
            when = page.captured_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            record = writer.create_warc_record(page.url, "response", payload=BytesIO(page.body), http_headers=headers,
                                               warc_headers_dict={"WARC-Date": when})
            writer.write_record(record)
    return p


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tool(name: str) -> str:
    """A console script installed beside this Python (pywb's wb-manager and wayback)."""
    path = Path(sys.executable).parent / name
    found = str(path) if path.exists() else shutil.which(name)
    if not found:
        raise LocalArchiveError(f"{name} not found beside {sys.executable}: is pywb installed (make setup)?")
    return found


class _DataHandler(BaseHTTPRequestHandler):
    """collinfo.json and WARC files with byte ranges, as data.commoncrawl.org serves them."""

    archive: LocalArchive

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        a = self.archive
        a.data_requests.append((self.path, self.headers.get("Range") or ""))
        fault = a.take_fault(self.path)
        if fault:
            self._send(fault[0], b"slow down", "text/plain", {"Retry-After": fault[1]})
            return
        if self.path == "/collinfo.json":
            self._send(200, json.dumps(a.collinfo()).encode(), "application/json")
            return
        if self.path == "/robots.txt":
            self._send(200, b"User-agent: *\nDisallow:\n", "text/plain")
            return
        name = self.path.removeprefix("/data/")
        file = a.data_file(name)
        if file is None:
            self._send(404, b"not found", "text/plain")
            return
        data = file.read_bytes()
        m = RANGE.match(self.headers.get("Range") or "")
        if not m:
            self._send(200, data, "application/octet-stream")
            return
        start = int(m.group(1))
        end = min(int(m.group(2)) if m.group(2) else len(data) - 1, len(data) - 1)
        if start > end:
            self._send(416, b"", "text/plain")
            return
        self._send(206, data[start:end + 1], "application/octet-stream",
                   {"Content-Range": f"bytes {start}-{end}/{len(data)}"})

    def _send(self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of the base class
        log.debug("local archive data: " + format, *args)


class LocalArchive:
    """pywb collections plus a Common Crawl-style data server, both on 127.0.0.1.

    `add(collection, warc)` indexes a WARC file into a collection (call before `start`); a collection
    registered with `crawl(...)` is listed in collinfo.json as a Common Crawl crawl.
    """

    def __init__(self, root: str | Path | None = None):
        self._tmp = None if root else tempfile.mkdtemp(prefix="rasad-archive-")
        self.root = Path(root or self._tmp)  # type: ignore[arg-type]
        self.root.mkdir(parents=True, exist_ok=True)
        self.crawls: list[dict[str, str]] = []
        self.data_requests: list[tuple[str, str]] = []  # (path, Range) of every data-server request
        self._faults: list[list] = []  # [path part, status, times left]: fault drills (429, 503)
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._server: ThreadingHTTPServer | None = None

    # -- content -----------------------------------------------------------------------------

    def add(self, collection: str, warc: str | Path) -> None:
        if not (self.root / "collections" / collection).exists():
            self._manager("init", collection)
        self._manager("add", collection, str(Path(warc).resolve()))

    def crawl(self, crawl_id: str, collection: str, start: datetime, end: datetime) -> None:
        self.crawls.append({"id": crawl_id, "collection": collection, "from": start.isoformat(), "to": end.isoformat()})

    def _manager(self, *args: str) -> None:
        done = subprocess.run([_tool("wb-manager"), *args], cwd=self.root, capture_output=True, text=True)
        if done.returncode != 0:
            raise LocalArchiveError(f"wb-manager {' '.join(args)} failed in {self.root}: {done.stderr.strip()[-500:]}")

    def fail_next(self, status: int, times: int = 1, path_part: str = "/data/", retry_after: str = "0") -> None:
        """The next `times` data-server requests whose path contains `path_part` answer `status`
        (with `Retry-After: retry_after`)."""
        self._faults.append([path_part, status, times, retry_after])

    def clear_faults(self) -> None:
        self._faults.clear()

    def take_fault(self, path: str) -> tuple[int, str] | None:
        """(status, Retry-After) of the fault drill answering `path`, if any."""
        for fault in self._faults:
            if fault[0] in path and fault[2] > 0:
                fault[2] -= 1
                return int(fault[1]), str(fault[3])
        return None

    def data_file(self, name: str) -> Path | None:
        """A WARC file of any collection, by its name in the index (the `filename` field)."""
        if "/" in name or name.startswith("."):
            return None
        for f in (self.root / "collections").glob(f"*/archive/{name}"):
            return f
        return None

    def collinfo(self) -> list[dict[str, str]]:
        return [{"id": c["id"], "name": f"{c['id']} Index", "timegate": f"{self.base}/{c['collection']}/",
                 "cdx-api": self.cdx_url(c["collection"]), "from": c["from"], "to": c["to"]} for c in self.crawls]

    # -- addresses ---------------------------------------------------------------------------

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cdx_url(self, collection: str) -> str:
        return f"{self.base}/{collection}/cdx"

    def replay_url(self, collection: str) -> str:
        return f"{self.base}/{collection}/"

    @property
    def data_base(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def cc_index_url(self) -> str:
        return f"{self.data_base}/collinfo.json"

    @property
    def cc_data_url(self) -> str:
        return f"{self.data_base}/data/"

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> LocalArchive:
        self.port = free_port()
        log_file = (self.root / "pywb.log").open("wb")
        self._proc = subprocess.Popen([_tool("wayback"), "-p", str(self.port), "-b", "127.0.0.1"], cwd=self.root,
                                      stdout=log_file, stderr=subprocess.STDOUT)
        handler = type("Handler", (_DataHandler,), {"archive": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self._proc.poll() is not None:
                raise LocalArchiveError(f"pywb exited with status {self._proc.returncode}; see {self.root / 'pywb.log'}")
            try:
                with urllib.request.urlopen(f"{self.base}/", timeout=2) as r:  # noqa: S310 - loopback
                    if r.status < 500:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise LocalArchiveError(f"pywb did not answer on {self.base} within {START_TIMEOUT_S:.0f}s")
            time.sleep(0.3)
        log.info("local archive: pywb at %s, Common Crawl data at %s", self.base, self.data_base)
        return self

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> LocalArchive:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
