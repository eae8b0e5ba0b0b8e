"""GDELT discovery in a real crawl: one request at a time, GDELT's 5 seconds apart, one per (query,
time slice), with counts per query in the run's stats.

A local HTTP server stands in for api.gdeltproject.org (the crawl's base URL override puts its path
under /gdelt/) and records when each request arrives and when its answer ends: the spacing is measured
at the server, not with a stopwatch in the client.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from crawler.config import PROJECT_ROOT, load_config
from crawler.run import run_crawl
from tests.conftest import drop_prefix, write_config

pytestmark = [pytest.mark.es, pytest.mark.slow]

GDELT_PATH = "/gdelt/api/v2/doc/doc"
REFERENCE = PROJECT_ROOT / "reports" / "reference" / "wic-2020.txt"
ANSWER_SECONDS = 0.5  # each answer takes this long, so overlapping requests would show


class GdeltStandIn(BaseHTTPRequestHandler):
    """Answers the GDELT artlist path with two articles per time slice; everything else is a 404."""

    spans: list[tuple[float, float, dict[str, list[str]]]] = []
    lock = threading.Lock()

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        parts = urlsplit(self.path)
        if parts.path != GDELT_PATH:
            self.send_error(404)
            return
        arrived = time.monotonic()
        query = parse_qs(parts.query)
        time.sleep(ANSWER_SECONDS)
        start = query["startdatetime"][0]
        host = self.headers["Host"]
        articles = [{"url": f"http://{host}/elsewhere/{start}-{i}.html", "title": "x", "seendate": f"{start[:8]}T000000Z",
                     "domain": "127.0.0.1", "language": "Arabic"} for i in range(2)]
        body = json.dumps({"articles": articles}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        with self.lock:
            self.spans.append((arrived, time.monotonic(), query))

    def log_message(self, *args: object) -> None:
        pass


def test_gdelt_requests_are_one_at_a_time_five_seconds_apart(tmp_path: Path, es_url: str) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), GdeltStandIn)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    GdeltStandIn.spans.clear()
    extra = f"""
[crawl]
base_url_override = "{base}/{{source}}"
allow_private_addresses = true
download_delay = 0
sources = ["crik"]
gdelt_slice_days = 5

[topics.wic-2020]
reference = "{REFERENCE}"
queries = ["ووتشن"]
gdelt_queries = ["World Internet Conference"]
"""
    config = load_config(write_config(tmp_path, es_url, f"rasad-gd{uuid.uuid4().hex[:8]}", extra=extra), env={})
    try:
        stats = run_crawl(config, since=datetime.now(UTC) - timedelta(days=15), run_id="gdelt-pacing")
    finally:
        server.shutdown()
        drop_prefix(config)  # the crawl remembered its URLs in <prefix>-seen
    spans = sorted(GdeltStandIn.spans, key=lambda s: s[0])
    # 15 days in 5-day slices: three requests for the one query, each over its own slice.
    assert len(spans) == 3
    slices = [(q["startdatetime"][0], q["enddatetime"][0]) for _, _, q in spans]
    assert len(set(slices)) == 3
    assert all(q["query"] == ['"World Internet Conference" sourcelang:arabic'] for _, _, q in spans)
    for (a_start, a_end, _), (b_start, _, _) in zip(spans, spans[1:], strict=False):
        assert b_start >= a_end, "a GDELT request arrived while another was being answered"
        assert b_start - a_start >= 5.0 - 0.05, f"GDELT requests only {b_start - a_start:.2f}s apart"
    # Counts per query reach the run's stats: three requests answered, six articles, six new.
    counts = stats.gdelt_queries["World Internet Conference"]
    assert counts["requests"] == 3 and counts["answered"] == 3
    assert counts["returned"] == 6 and counts["new"] == 6
    assert stats.discovered_via.get("gdelt") == 6
    assert (stats.counts["gdelt_requests"], stats.counts["gdelt_returned"], stats.counts["gdelt_new"]) == (3, 6, 6)
