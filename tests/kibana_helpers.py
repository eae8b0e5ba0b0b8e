"""A local HTTP server answering as Kibana's status API does, for the digest's Kibana check.

The only stand-in for Kibana in the tests: a real HTTP server on 127.0.0.1 that answers GET
/api/status with the JSON a Kibana sends (name, version, status) or with a chosen status code,
and records the paths it was asked for.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATUS = {"name": "kibana", "version": {"number": "8.19.0"}, "status": {"overall": {"level": "available"}}}


@contextmanager
def kibana_server(status: int = 200, body: bytes | None = None) -> Iterator[tuple[str, list[str]]]:
    """(base URL, requested paths) of a server answering `status` with `body` (default: Kibana's status JSON)."""
    paths: list[str] = []
    payload = body if body is not None else json.dumps(STATUS).encode("utf-8")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            paths.append(self.path)
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if body is None else "text/html")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", paths
    finally:
        server.shutdown()
        server.server_close()
