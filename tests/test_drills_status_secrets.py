"""Fault drills, honesty and secrets: the exit code tells cron the truth, and no credential leaks.

The commands run as a user runs them (`python -m jobs.cli ...` in a subprocess) against the real
Elasticsearch node, local HTTP servers and ports where nothing listens. Exit codes (README): 0 ok,
3 partial, 1 failed, 2 configuration error, 75 lock held.
"""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crawler.config import ConfigError, load_config
from crawler.store import Store
from jobs.fixture_site import start_fixture_site
from reports.digest import build_digest
from reports.render import render_html, render_text
from tests.conftest import free_port, write_config
from tests.digest_helpers import sample_articles
from tests.drill_helpers import ListingSite, drop_indices, listing_config

ROOT = Path(__file__).resolve().parent.parent
SECRET = "S3cret-pw-7731"
OK, FAILED, USAGE, PARTIAL = 0, 1, 2, 3


def rasad(*args: str, env: dict[str, str] | None = None, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """`rasad ARGS` in a fresh process (logs on stderr), the environment given on top of ours."""
    return subprocess.run([sys.executable, "-m", "jobs.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, cwd=ROOT, timeout=timeout)


@pytest.fixture
def prefix(es_url: str, tmp_path: Path) -> Iterator[str]:
    name = f"rasad-hon{uuid.uuid4().hex[:8]}"
    yield name
    store = Store(load_config(write_config(tmp_path / "cleanup", es_url, name), env={}))
    drop_indices(store, name)
    store.close()


def runs_of(es_url: str, tmp_path: Path, prefix: str) -> list[dict[str, Any]]:
    store = Store(load_config(write_config(tmp_path / "read", es_url, prefix), env={}))
    try:
        return store.runs()
    finally:
        store.close()


# -- honest status ------------------------------------------------------------------------------


@pytest.mark.es
@pytest.mark.slow
def test_every_outlet_down_is_a_failed_crawl_and_run_once(es_url: str, prefix: str, tmp_path: Path) -> None:
    """No network: every outlet's listings are refused. `crawl` and `run-once` must not say ok."""
    dead = f"http://127.0.0.1:{free_port()}/{{source}}"  # nothing listens there
    crawl = (f'\n[crawl]\nbase_url_override = "{dead}"\nallow_private_addresses = true\naggregators = false\n'
             'download_delay = 0\nsources = ["aljazeera", "bbc_arabic", "youm7"]\n')
    config = write_config(tmp_path, es_url, prefix, extra=crawl)
    done = rasad("--config", str(config), "crawl")
    assert done.returncode == FAILED, done.stdout + done.stderr[-2000:]
    assert "crawl crawl-" in done.stdout and ": failed" in done.stdout
    assert "3 of 3 outlets failed" in done.stderr
    once = rasad("--config", str(config), "run-once")
    assert once.returncode == FAILED, once.stdout + once.stderr[-2000:]
    statuses = sorted((r["kind"], r["status"]) for r in runs_of(es_url, tmp_path, prefix))
    assert statuses == [("crawl", "failed"), ("crawl", "failed"), ("digest", "failed")]


def test_crawl_verdict_partial_and_failed_from_real_counts() -> None:
    """The verdict of a crawl from the counts a crawl records (as in the drills above)."""
    from jobs.verdict import crawl_verdict

    up = {"pages": 3, "fetched": 10, "created": 10}
    down = {"listing_failed": 4, "errors/connectionrefusederror": 4}
    assert crawl_verdict({"indexed": 10}, {"a": up, "b": up})[0] == "ok"
    status, reasons = crawl_verdict({"indexed": 10}, {"a": up, "b": down})
    assert status == "partial" and reasons == ["1 of 2 outlets failed (no listing answered): b"]
    assert crawl_verdict({"indexed": 0}, {"a": down, "b": down})[0] == "failed"
    assert crawl_verdict({"indexed": 5, "failed": 5}, {"a": up})[0] == "partial"
    assert crawl_verdict({"indexed": 0, "spooled": 0, "failed": 5}, {"a": up})[0] == "failed"
    assert crawl_verdict({"spooled": 5}, {"a": up})[0] == "ok"  # spooled is stored: the next run replays it


def test_sources_check_exit_code_says_partial_or_failed(tmp_path: Path) -> None:
    site = start_fixture_site()
    try:
        config = write_config(tmp_path, "http://127.0.0.1:9", "rasad-x",
                              extra=f'\n[crawl]\nbase_url_override = "{site.outlet_base}"\n')
        some = rasad("--config", str(config), "sources", "check", "--timeout", "5")
        lines = some.stdout.splitlines()
        assert any(line.startswith("FAIL ") for line in lines) and any(line.startswith("OK ") for line in lines)
        assert some.returncode == PARTIAL, some.stdout
    finally:
        site.stop()
    dead = write_config(tmp_path / "dead", "http://127.0.0.1:9", "rasad-x",
                        extra=f'\n[crawl]\nbase_url_override = "http://127.0.0.1:{free_port()}/{{source}}"\n')
    none = rasad("--config", str(dead), "sources", "check", "--source", "aljazeera", "--timeout", "2")
    assert none.stdout.startswith("FAIL aljazeera") and none.returncode == FAILED


@pytest.mark.es
def test_digest_send_without_a_way_to_deliver_exits_failed(es_url: str, prefix: str, tmp_path: Path) -> None:
    config = write_config(tmp_path, es_url, prefix)  # digest.recipients empty: delivery impossible
    done = rasad("--config", str(config), "digest", "--send")
    assert done.returncode == FAILED, done.stdout + done.stderr[-1500:]
    assert "delivery: not sent" in done.stdout
    assert [r["status"] for r in runs_of(es_url, tmp_path, prefix)] == ["failed"]


def test_unreachable_elasticsearch_is_one_clear_message_without_traceback_or_credentials(tmp_path: Path) -> None:
    port = free_port()
    config = write_config(tmp_path, "http://127.0.0.1:9", "rasad-x")
    done = rasad("--config", str(config), "init", env={"ES_URL": f"http://rasad:{SECRET}@127.0.0.1:{port}"})
    output = done.stdout + done.stderr
    assert done.returncode == FAILED
    assert "Traceback" not in output and SECRET not in output
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"rasad: Elasticsearch at http://***@127.0.0.1:{port} ") and "unreachable" in last
    assert "ES_URL" in last  # says what to do
    assert len(done.stderr.strip().splitlines()) <= 10, done.stderr


# -- secrets ------------------------------------------------------------------------------------


@pytest.mark.es
def test_credentials_in_es_url_never_reach_output_logs_records_or_digest(es_url: str, prefix: str, tmp_path: Path) -> None:
    """ES_URL carries user:password (the test node ignores them); every output is searched for it."""
    host = es_url.split("://", 1)[1]
    env = {"ES_URL": f"http://elastic:{SECRET}@{host}"}
    site = ListingSite("aljazeera", "/sitemap.xml", 5)
    try:
        cfg = listing_config(tmp_path, es_url, prefix, site)
        outputs = [rasad("--config", cfg.source_file, *cmd, env=env) for cmd in (["init"], ["crawl"], ["digest", "--send"])]
    finally:
        site.stop()
    assert [o.returncode for o in outputs][0] == OK and outputs[1].returncode in (OK, PARTIAL)
    for o in outputs:
        assert SECRET not in o.stdout and SECRET not in o.stderr
    assert "http://***@" in outputs[0].stdout  # `rasad init` names the cluster, without its credentials
    records = runs_of(es_url, tmp_path, prefix)
    assert {r["kind"] for r in records} == {"crawl", "digest"}  # digest --send: a preview records nothing
    assert SECRET not in json.dumps(records)
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix in (".html", ".txt", ".eml", ".jsonl")]
    assert written and not [p for p in written if SECRET.encode() in p.read_bytes()]


def test_credentials_embedded_in_configured_urls_are_refused_without_echo(tmp_path: Path) -> None:
    for section, key in (("elasticsearch", "url"), ("kibana", "url"), ("digest", "kibana_url")):
        path = tmp_path / f"{section}.toml"
        path.write_text(f'[{section}]\n{key} = "https://desk:{SECRET}@example.org:9200"\n', encoding="utf-8")
        with pytest.raises(ConfigError) as err:
            load_config(path, env={})
        assert f"{section}.{key}" in str(err.value) and SECRET not in str(err.value)
    # A misspelt password key is refused, and its value is not printed back.
    path = tmp_path / "misspelt.toml"
    path.write_text(f'[elasticsearch]\npasword = "{SECRET}"\n', encoding="utf-8")
    done = rasad("--config", str(path), "init")
    assert done.returncode == USAGE and "pasword" in done.stderr and SECRET not in done.stderr


def test_smtp_login_over_plaintext_is_refused_unless_allowed(tmp_path: Path) -> None:
    path = tmp_path / "smtp.toml"
    path.write_text('[smtp]\nhost = "relay.example.org"\nsecurity = "none"\nusername = "desk"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path, env={"SMTP_PASSWORD": SECRET})
    assert "allow_plaintext_auth" in str(err.value) and "unencrypted" in str(err.value)
    assert SECRET not in str(err.value)
    path.write_text(path.read_text() + "allow_plaintext_auth = true\n", encoding="utf-8")
    assert load_config(path, env={"SMTP_PASSWORD": SECRET}).smtp.allow_plaintext_auth is True


# -- single-URL fetches: the crawl's address rules, a size and a total time limit -----------------


class _Server:
    """A local HTTP server on `host` whose GET handler is `handle(path, handler)`."""

    def __init__(self, host: str, handle: Any):
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                outer.paths.append(self.path)
                handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        self.paths: list[str] = []
        self.server = http.server.ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://{host}:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _redirect_to(location: str) -> Any:
    def handle(h: http.server.BaseHTTPRequestHandler) -> None:
        h.send_response(302)
        h.send_header("Location", location)
        h.send_header("Content-Length", "0")
        h.end_headers()
    return handle


def _drip(h: http.server.BaseHTTPRequestHandler) -> None:
    """Headers at once, then one byte every 0.5 s for 20 s: every read is quick, the whole is not."""
    h.send_response(200)
    h.send_header("Content-Type", "text/html; charset=utf-8")
    h.send_header("Content-Length", "40")
    h.end_headers()
    for _ in range(40):
        try:
            h.wfile.write(b" ")
            h.wfile.flush()
        except OSError:
            return
        time.sleep(0.5)


@pytest.mark.es
def test_extract_refuses_private_addresses_on_every_hop_and_stops_at_its_deadline(es_url: str, tmp_path: Path) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:9", "rasad-x", extra="\n[crawl]\ndownload_timeout = 1\n")
    # 1. A redirect to the Elasticsearch node. The first hop is on 127.0.0.2, which the test lets
    # stand for a public outlet (no public address exists here); the second hop must be refused.
    from crawler.fetch import FetchError, guarded_get

    hop = _Server("127.0.0.2", _redirect_to(f"{es_url}/_cat/indices?v"))
    try:
        with pytest.raises(FetchError) as err:
            guarded_get(f"{hop.url}/news/1.html", address_ok=lambda ip: str(ip) == "127.0.0.2", timeout=5)
        assert "127.0.0.1" in str(err.value) and "not a public address" in str(err.value)
        assert hop.paths == ["/news/1.html"]  # the first hop only
        # The command, with the default rules: the loopback outlet itself is refused, nothing fetched.
        done = rasad("--config", str(config), "extract", "--json", f"{hop.url}/news/1.html")
    finally:
        hop.stop()
    row = json.loads(done.stdout.splitlines()[0])
    assert done.returncode == FAILED and "not a public address" in row["error"] and len(hop.paths) == 1
    assert "rasad-" not in done.stdout  # no index list came back
    # 2. A host that does not resolve is refused by name.
    with pytest.raises(FetchError, match="does not resolve"):
        guarded_get("http://no-such-host.invalid/page.html", timeout=2)
    # 3. A server dripping a byte every 0.5 s: stopped at the total deadline (3 x download_timeout).
    slow = _Server("127.0.0.1", _drip)
    allowed = write_config(tmp_path / "private", "http://127.0.0.1:9", "rasad-x",
                           extra="\n[crawl]\ndownload_timeout = 1\nallow_private_addresses = true\n")
    try:
        done = rasad("--config", str(allowed), "extract", "--json", f"{slow.url}/slow.html", timeout=60)
    finally:
        slow.stop()
    row = json.loads(done.stdout.splitlines()[0])
    assert done.returncode == FAILED and "total time limit" in row["error"], row


# -- the digest renders only http(s) links and one-line titles -----------------------------------


def test_digest_links_only_http_and_titles_are_single_capped_lines() -> None:
    now = datetime(2020, 11, 26, tzinfo=UTC)
    docs = sample_articles(now - timedelta(hours=1))
    docs[0]["url"] = "javascript:alert(document.cookie)"
    docs[1]["url"] = "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="
    docs[2]["title"] = "عنوان مزور\r\nBcc: victim@example.org\r\n\r\nنص مزيف"
    docs[3]["title"] = "ووتشن " * 400
    digest = build_digest(docs, topic="wic-2020", period_start=now - timedelta(days=1), period_end=now,
                          kibana_url="http://127.0.0.1:5601")
    html, text = render_html(digest, "chart"), render_text(digest)
    assert "javascript:" not in html and "data:text" not in html
    assert "javascript:" not in text and "data:text" not in text
    assert not [line for line in text.splitlines() if line.lstrip().startswith("Bcc:")]
    assert "عنوان مزور Bcc: victim@example.org نص مزيف" in text
    titles = [a.title for s in digest.stories for a in s.articles]
    assert max(len(t) for t in titles) <= 300 and all("\n" not in t and "\r" not in t for t in titles)
    # Ordinary articles keep their links.
    assert docs[4]["url"] in html and docs[4]["url"] in text
