"""Fault drill, the private-address guard on the archive path: the configured archive may be local, nothing else.

A backfill whose archive is on 127.0.0.1 (pywb for the CDX API, a local replay server for the
captures), with `crawl.allow_private_addresses` left off. The replay answers some captures with a
redirect to another local port (a target server that counts every request it gets) and to the cloud
metadata address 169.254.169.254. Those hops are refused and counted as private_address, the target
is never reached, and the captures served by the archive itself (directly or through a redirect on
the archive's own address) are stored: the run completes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from crawler.backfill import archive_origins, plan_backfill
from crawler.config import load_config
from crawler.store import Store
from jobs import tasks
from jobs.local_archive import ArchivedPage, LocalArchive, write_warc
from tests.conftest import write_config
from tests.drill_helpers import drop_indices
from tests.test_backfill import page_html, real_pages

pytestmark = [pytest.mark.es, pytest.mark.slow]

CAPTURED = datetime(2020, 11, 23, 10, 0, tzinfo=UTC)
# Xinhua's id-only addresses: one per way the replay answers it.
IDS = {kind: f"https://arabic.news.cn/20201123/{n:032x}/c.html" for n, kind in enumerate(
    ("served", "served-2", "same-origin", "other-port", "other-port-2", "metadata", "metadata-2"), start=0xabc0)}


class Server:
    """A local HTTP server answering with `handle(path) -> (status, headers, body)`; counts requests."""

    def __init__(self, handle: Any):
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                server.requests.append(self.path)
                status, headers, body = handle(self.path)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def drill(tmp_path: Path, es_url: str) -> Iterator[dict[str, Any]]:
    wic = next(p for p in real_pages() if p["kind"] == "wic")
    html = page_html(wic)
    pages = {u: html.replace(b"</article>", f"<p>{k}</p></article>".encode()) for k, u in IDS.items()}  # one digest each
    archive = LocalArchive(tmp_path / "archive")
    archive.add("ia", write_warc(tmp_path / "xinhua.warc.gz", [ArchivedPage(u, CAPTURED, pages[u]) for u in IDS.values()]))
    archive.start()
    target = Server(lambda path: (404, {"Content-Type": "text/plain"}, b"not found"))  # must never be reached
    by_url = {u: k for k, u in IDS.items()}

    def replay(path: str) -> tuple[int, dict[str, str], bytes]:
        # /web/<timestamp>id_/<original URL>, as crawler.discovery.archives.wayback.replay_url writes it
        if path.startswith("/web/again/"):
            return 200, {"Content-Type": "text/html; charset=utf-8"}, pages[path[len("/web/again/"):]]
        original = path.split("id_/", 1)[-1]
        kind = by_url.get(original)
        if kind is None:  # robots.txt and anything else
            return 404, {"Content-Type": "text/plain"}, b"not found"
        if kind.startswith("served"):
            return 200, {"Content-Type": "text/html; charset=utf-8"}, pages[original]
        if kind == "same-origin":  # pywb's way to a closer capture: a redirect on the archive's own address
            return 302, {"Location": "/web/again/" + original}, b""
        if kind.startswith("other-port"):
            return 302, {"Location": f"{target.base}/stolen/{kind}"}, b""
        return 302, {"Location": f"http://169.254.169.254/latest/meta-data/{kind}"}, b""

    replayer = Server(replay)
    prefix = f"rasad-ag{datetime.now(UTC).strftime('%H%M%S%f')}"
    config = load_config(write_config(tmp_path, es_url, prefix, extra=f"""
[crawl]
download_delay = 0
sources = ["xinhua_arabic"]

[archive]
wayback_cdx_url = "{archive.cdx_url('ia')}"
wayback_replay_url = "{replayer.base}/web/"
wayback_cdx_rate = 0
wayback_replay_rate = 0
state_file = "{tmp_path / 'backfill-state.json'}"
"""), env={})
    store = Store(config)
    try:
        yield {"config": config, "store": store, "target": target, "replayer": replayer, "prefix": prefix}
    finally:
        replayer.stop()
        target.stop()
        archive.stop()
        drop_indices(store, prefix)
        store.close()


def test_only_the_configured_archive_endpoints_pass_the_guard(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, "http://127.0.0.1:9", "p", extra="""
[archive]
wayback_cdx_url = "http://127.0.0.1:8081/ia/cdx"
wayback_replay_url = "http://LOCALHOST:8082/ia/"
cc_index_url = "https://index.example.org/collinfo.json"
cc_data_url = "https://data.example.org:8443/"
"""), env={})
    assert not config.crawl.allow_private_addresses
    assert archive_origins(config) == ["http://127.0.0.1:8081", "http://localhost:8082",
                                       "https://data.example.org:8443", "https://index.example.org:443"]


def test_replay_redirects_to_private_addresses_are_refused_and_the_run_completes(drill: dict[str, Any]) -> None:
    config, store = drill["config"], drill["store"]
    assert not config.crawl.allow_private_addresses  # the guard is on for all but the archive endpoints
    plan = plan_backfill(config, start=datetime(2020, 11, 1, tzinfo=UTC), end=datetime(2020, 11, 30, tzinfo=UTC),
                         topic="wic-2020", archives=["ia"], warc_files=None, source_names=["xinhua_arabic"])
    run = tasks.backfill(config, plan)
    counts = run["counts"]
    # Every replay was asked for (the archive is trusted), the four redirect hops off it were refused.
    replays = [p for p in drill["replayer"].requests if "id_/" in p]
    assert len(replays) == len(IDS)
    assert counts.get("errors_private_address") == 4, counts
    assert drill["target"].requests == []  # nothing reached the other port
    store.client.indices.refresh(index=f"{drill['prefix']}-*")
    stored = {d["url"] for d in store.scan("articles", fields=["url"])}
    assert stored == {IDS["served"], IDS["served-2"], IDS["same-origin"]}
    assert run["status"] in ("ok", "partial"), run
