"""Archive drills: every record of a WARC file accounted for, damaged and hostile inputs refused, archives
that throttle or fail handled. Real WARC files written with warcio, the real `rasad backfill` command,
real Elasticsearch (a TCP relay in front of it for the outage), local pywb for the archive routes.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.config import Config, load_config
from crawler.discovery.archives.commoncrawl import PayloadTooLarge, parse_record
from crawler.discovery.archives.warc import WarcFileError, check_warc, read_records
from crawler.store import Store
from jobs.fixture_archive import fixture_archive
from jobs.local_archive import LocalArchive
from tests.conftest import write_config
from tests.drill_helpers import drop_indices, wait_until
from tests.warc_drills import (
    brotli_bomb,
    change_length,
    drill_pages,
    offsets,
    record_bytes,
    relevant_page,
    unrelated_page,
    write_records,
)

pytestmark = [pytest.mark.es, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
MAX_RSS_MB = 300
# The commands read Elasticsearch's address from their config file only (ES_URL would override it).
ENV = {k: v for k, v in os.environ.items() if k != "ES_URL"}


def stamp() -> str:
    return datetime.now(UTC).strftime("%H%M%S%f")


def warc_config(tmp: Path, es_url: str, prefix: str, extra: str = "") -> Path:
    return write_config(tmp, es_url, prefix, extra=f'\n[archive]\nstate_file = "{tmp / "state.json"}"\n{extra}')


def backfill(cfg: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """`rasad backfill ...`, reporting the peak RSS of its largest process (KB) on its last stderr line."""
    wrapper = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
               "print('maxrss_kb', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
               "sys.exit(r.returncode)")
    return subprocess.run([sys.executable, "-c", wrapper, sys.executable, "-m", "jobs.cli", "-c", str(cfg), "backfill",
                           *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=ENV)


def peak_rss_mb(done: subprocess.CompletedProcess[str]) -> float:
    line = [ln for ln in done.stderr.splitlines() if ln.startswith("maxrss_kb ")][-1]
    return int(line.split()[1]) / 1024


def stored(cfg: Path) -> list[str]:
    """URLs of the stored articles (a list: a duplicate would show)."""
    store = Store(load_config(cfg, env={}))
    try:
        store.client.indices.refresh(index=f"{store.config.elasticsearch.index_prefix}-*")
        return sorted(d["url"] for d in store.scan("articles", fields=["url"]))
    finally:
        store.close()


def last_run(cfg: Path) -> dict:
    store = Store(load_config(cfg, env={}))
    try:
        store.client.indices.refresh(index=f"{store.config.elasticsearch.index_prefix}-*")
        runs = sorted(store.scan("runs"), key=lambda r: r["started_at"])
        return runs[-1]
    finally:
        store.close()


@pytest.fixture
def cleanup(es_url: str) -> Iterator[list[Path]]:
    """Config files whose indices are dropped after the test."""
    configs: list[Path] = []
    yield configs
    for cfg in configs:
        store = Store(load_config(cfg, env={}))
        drop_indices(store, store.config.elasticsearch.index_prefix)
        store.close()


def assert_adds_up(counts: dict, read: int, stored_n: int) -> None:
    """records read = stored + dropped + failed, in the run record's counts."""
    assert counts["archive_warc_read"] == read
    assert counts.get("archive_warc_stored", 0) == stored_n
    assert read == sum(counts.get(f"archive_warc_{k}", 0) for k in ("stored", "dropped", "failed"))


# -- every record stored ---------------------------------------------------------------------


def test_200_relevant_pages_at_the_end_of_a_warc_are_all_stored(tmp_path: Path, es_url: str,
                                                               cleanup: list[Path]) -> None:
    """The relevant pages come last: a lost tail (the spider closing under its last records) shows."""
    pages = drill_pages(200, unrelated=20)
    warc = write_records(tmp_path / "drill.warc.gz", [record_bytes(p) for p in pages])
    cfg = warc_config(tmp_path, es_url, f"rasad-ad{stamp()}")
    cleanup.append(cfg)
    done = backfill(cfg, "--warc", str(warc))
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-3000:])
    assert stored(cfg) == sorted(p.url for p in pages[20:])
    assert "cannot schedule new futures" not in done.stderr
    assert "WARC records: 220 read = 200 stored + 20 dropped (irrelevant 20) + 0 failed" in done.stdout
    record = last_run(cfg)
    assert record["status"] == "ok"
    assert_adds_up(record["counts"], 220, 200)


def test_a_warc_of_one_page_stores_its_page(tmp_path: Path, es_url: str, cleanup: list[Path]) -> None:
    page = relevant_page(7)
    warc = write_records(tmp_path / "one.warc", [record_bytes(page, gzip_record=False)])
    cfg = warc_config(tmp_path, es_url, f"rasad-a1{stamp()}")
    cleanup.append(cfg)
    done = backfill(cfg, "--warc", str(warc))
    assert done.returncode == 0, done.stderr[-3000:]
    assert stored(cfg) == [page.url]
    assert "WARC records: 1 read = 1 stored + 0 dropped + 0 failed" in done.stdout


def _count(cfg: Path) -> int:
    store = Store(load_config(cfg, env={}))
    try:
        prefix = store.config.elasticsearch.index_prefix
        store.client.indices.refresh(index=f"{prefix}-articles*", ignore_unavailable=True)
        return int(store.client.count(index=f"{prefix}-articles*", ignore_unavailable=True)["count"])
    except Exception:  # noqa: BLE001 - the index does not exist yet
        return 0
    finally:
        store.close()


def test_killed_at_50_stored_then_rerun_stores_200_each_once(tmp_path: Path, es_url: str,
                                                           cleanup: list[Path]) -> None:
    """SIGKILL to the whole command (CLI, backfill child, workers) after the first batch; the rerun
    skips what is stored and stores the rest: 200 articles, none twice."""
    pages = drill_pages(200, unrelated=10)
    warc = write_records(tmp_path / "kill.warc.gz", [record_bytes(p) for p in pages])
    cfg = warc_config(tmp_path, es_url, f"rasad-ak{stamp()}")
    cleanup.append(cfg)
    proc = subprocess.Popen([sys.executable, "-m", "jobs.cli", "-c", str(cfg), "backfill", "--warc", str(warc)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, env=ENV,
                            start_new_session=True)
    try:
        wait_until(lambda: _count(cfg) >= 50 or proc.poll() is not None, 400, "50 stored articles")
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    first = _count(cfg)
    assert 50 <= first < 200, f"{first} stored before the kill: the drill needs a run cut midway"
    done = backfill(cfg, "--warc", str(warc))
    assert done.returncode == 0, done.stderr[-3000:]
    urls = stored(cfg)
    assert urls == sorted(p.url for p in pages[10:]) and len(set(urls)) == 200
    counts = last_run(cfg)["counts"]
    assert counts["skipped_known"] >= first and counts["indexed"] == 200 - first


class Relay:
    """A TCP relay to Elasticsearch on a fixed local port: `cut()` is an outage (connections closed,
    new ones refused), `resume()` listens again on the same port."""

    def __init__(self, target: str):
        host, port = target.removeprefix("http://").rstrip("/").split(":")
        self.target = (host, int(port))
        self.port = 0
        self._conns: list[socket.socket] = []
        self._server: socket.socket | None = None
        self.resume()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def resume(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(64)
        self.port = server.getsockname()[1]
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        if self._server is not None:
            try:
                self._server.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread (close alone does not)
            except OSError:
                pass
            self._server.close()
            self._server = None
        for c in self._conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
                c.close()
            except OSError:
                pass
        self._conns.clear()


def test_elasticsearch_unreachable_midway_then_the_next_run_has_200(tmp_path: Path, es_url: str,
                                                                    cleanup: list[Path]) -> None:
    """Elasticsearch goes away after the first batch: the rest is spooled; the next run replays the
    spool and stores nothing twice."""
    pages = drill_pages(200)
    warc = write_records(tmp_path / "outage.warc.gz", [record_bytes(p) for p in pages])
    relay = Relay(es_url)
    prefix = f"rasad-ao{stamp()}"
    cfg = warc_config(tmp_path, relay.url, prefix)
    direct = warc_config(tmp_path / "direct", es_url, prefix)
    cleanup.append(direct)
    proc = subprocess.Popen([sys.executable, "-m", "jobs.cli", "-c", str(cfg), "backfill", "--warc", str(warc)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=ENV)
    try:
        wait_until(lambda: _count(direct) >= 50 or proc.poll() is not None, 400, "50 stored articles")
        relay.cut()
        out, err = proc.communicate(timeout=600)
    finally:
        relay.cut()
        if proc.poll() is None:
            proc.kill()
    before = _count(direct)
    assert 50 <= before < 200, (before, err[-3000:])
    spool = list((tmp_path / "spool").glob("*"))
    assert spool, "nothing spooled while Elasticsearch was away"
    relay.resume()
    done = backfill(cfg, "--warc", str(warc))
    assert done.returncode == 0, done.stderr[-3000:]
    urls = stored(direct)
    assert urls == sorted(p.url for p in pages) and len(set(urls)) == 200
    relay.cut()


# -- damaged input ---------------------------------------------------------------------------


def _damaged(kind: str, tmp: Path) -> tuple[Path, int, int, str]:
    """(file, offset named in the error, relevant pages before the damage, words of the error)."""
    pages = [relevant_page(i) for i in range(8)]
    if kind == "truncated":
        records = [record_bytes(p) for p in pages]
        data = b"".join(records)
        cut = offsets(records)[5] + len(records[5]) // 2  # in the middle of the sixth record
        path = tmp / "cut.warc.gz"
        path.write_bytes(data[:cut])
        return path, offsets(records)[5], 5, "byte"
    gz = kind.endswith("-gz")
    records = [record_bytes(p, gzip_record=gz) for p in pages]
    delta = 5000 if kind.startswith("long") else -300
    records[3] = change_length(records[3], delta, drop_digests="nodigest" in kind)
    path = write_records(tmp / f"{kind}.warc{'.gz' if gz else ''}", records)
    return path, offsets(records)[3], 3, "record at byte"


DAMAGE = ["truncated", "long", "short", "long-nodigest", "short-nodigest", "long-gz", "short-nodigest-gz"]


@pytest.mark.parametrize("kind", DAMAGE)
def test_damaged_warc_records_are_found_with_their_offset(kind: str, tmp_path: Path) -> None:
    """warcio output, damaged: the records before the damage are read, then an error names the offset."""
    path, offset, good, _ = _damaged(kind, tmp_path)
    read: list[str] = []
    with pytest.raises(WarcFileError) as err:
        for entry in read_records(path):
            read.append(entry.url)
    assert str(path) in str(err.value) and f"byte {offset}" in str(err.value), str(err.value)
    assert read == [relevant_page(i).url for i in range(good)]  # no cut or swallowed record passed


@pytest.mark.parametrize("kind", ["truncated", "long", "short-nodigest-gz"])
def test_backfill_of_a_damaged_warc_keeps_the_good_records_and_fails_non_zero(kind: str, tmp_path: Path, es_url: str,
                                                                              cleanup: list[Path]) -> None:
    path, offset, good, _ = _damaged(kind, tmp_path)
    cfg = warc_config(tmp_path, es_url, f"rasad-am{stamp()}")
    cleanup.append(cfg)
    done = backfill(cfg, "--warc", str(path))
    assert done.returncode == 3, (done.stdout[-2000:], done.stderr[-2000:])  # partial
    assert f"error: {path}" in done.stdout and f"byte {offset}" in done.stdout, done.stdout[-2000:]
    assert stored(cfg) == sorted(relevant_page(i).url for i in range(good))
    record = last_run(cfg)
    assert record["status"] == "partial" and any(str(path) in e for e in record["errors"])
    assert record["counts"]["archive_warc_failed_damaged"] == 1
    assert_adds_up(record["counts"], good + 1, good)


@pytest.mark.parametrize("content", [b"", gzip.compress(b"\n\nnot a WARC file\nat all\n"), gzip.compress(b"")],
                         ids=["empty", "gzip-of-text", "empty-gzip"])
def test_empty_or_non_warc_input_is_refused_naming_the_file(content: bytes, tmp_path: Path, es_url: str) -> None:
    path = tmp_path / "input.warc.gz"
    path.write_bytes(content)
    with pytest.raises(WarcFileError, match="byte 0"):
        check_warc(path)
    with pytest.raises(WarcFileError, match="byte 0"):
        list(read_records(path))
    cfg = warc_config(tmp_path, es_url, f"rasad-ae{stamp()}")
    done = backfill(cfg, "--warc", str(path), timeout=120)
    assert done.returncode == 2 and str(path) in done.stderr and "byte 0" in done.stderr, done.stderr[-1000:]


# -- bounded resources -----------------------------------------------------------------------


def _bomb_record(inflated: int = 1 << 30) -> bytes:
    bomb = brotli_bomb(inflated)
    page = relevant_page(100)
    headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "br"),
               ("Content-Length", str(len(bomb)))]
    return record_bytes(page, http_headers=headers, payload=bomb)


def test_gzip_bomb_and_oversize_record_are_skipped_under_300_mb(tmp_path: Path, es_url: str,
                                                                cleanup: list[Path]) -> None:
    """A payload inflating to 1 GiB and a record over crawl.max_response_bytes, between good pages:
    both skipped and named, the good pages stored, memory bounded, exit non-zero."""
    big = unrelated_page(0)
    oversize = record_bytes(type(big)(big.url.replace("other", "huge"), big.captured_at, b"<p>x</p>" * 40_000))
    records = [record_bytes(relevant_page(0)), _bomb_record(), oversize, record_bytes(relevant_page(1))]
    warc = write_records(tmp_path / "hostile.warc.gz", records)
    assert warc.stat().st_size < 64 * 1024
    cfg = warc_config(tmp_path, es_url, f"rasad-ab{stamp()}", extra="\n[crawl]\nmax_response_bytes = 200000\n")
    cleanup.append(cfg)
    done = backfill(cfg, "--warc", str(warc))
    assert done.returncode == 3, (done.stdout[-2000:], done.stderr[-2000:])
    at = offsets(records)
    assert f"record at byte {at[1]} skipped: {relevant_page(100).url}: payload over 200000 bytes" in done.stdout
    assert f"record at byte {at[2]} skipped: Content-Length" in done.stdout
    assert stored(cfg) == sorted([relevant_page(0).url, relevant_page(1).url])
    assert peak_rss_mb(done) < MAX_RSS_MB, f"peak RSS {peak_rss_mb(done):.0f} MB"
    counts = last_run(cfg)["counts"]
    assert counts["archive_warc_failed_too_large"] == 2 and counts["fetched"] == 2  # neither was extracted
    assert_adds_up(counts, 4, 2)
    assert max(len(line) for line in done.stderr.splitlines()) < 5000  # log lines capped


def test_common_crawl_record_bomb_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    """The same bomb fetched as a Common Crawl byte range: parse_record stops at the limit."""
    path = tmp_path / "record.warc.gz"
    path.write_bytes(_bomb_record())
    probe = ("import resource, sys; from pathlib import Path; "
             "from crawler.discovery.archives.commoncrawl import PayloadTooLarge, parse_record\n"
             "try:\n    parse_record(Path(sys.argv[1]).read_bytes(), 10 * 1024 * 1024); print('parsed')\n"
             "except PayloadTooLarge as exc:\n    print('refused', exc)\n"
             # VmHWM, not ru_maxrss: ru_maxrss carries the forking test process's own peak across exec.
             "print(next(l for l in open('/proc/self/status') if l.startswith('VmHWM:')).split()[1])")
    done = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True, timeout=120,
                          cwd=ROOT)
    first, rss = done.stdout.strip().splitlines()
    assert first.startswith("refused") and relevant_page(100).url in first, done.stdout + done.stderr[-1000:]
    assert int(rss) / 1024 < 150, f"{int(rss) / 1024:.0f} MB"
    with pytest.raises(PayloadTooLarge):
        parse_record(record_bytes(relevant_page(0), payload=b"x" * 5000), 4096)


def test_brotli_payload_inflates_no_further_than_it_is_read() -> None:
    """Through payload_stream a Brotli bomb allocates about what read_capped keeps, not a whole metablock
    (brotlipy, which warcio picks up, hands over 16 MB and more per call); a Brotli page, plain or chunked,
    still decodes whole."""
    import brotli
    from warcio.archiveiterator import ArchiveIterator

    from crawler.discovery.archives.commoncrawl import payload_stream, read_capped

    def payload(record: bytes, limit: int) -> bytes:
        response = next(r for r in ArchiveIterator(io.BytesIO(record)) if r.rec_type == "response")
        return read_capped(payload_stream(response), limit)

    bomb = _bomb_record()
    tracemalloc.start()
    try:
        with pytest.raises(PayloadTooLarge):
            payload(bomb, 200_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024, f"{peak / 2**20:.1f} MB allocated while refusing the bomb"
    page = relevant_page(3)
    body = page.body * 20
    encoded = brotli.compress(body)
    plain = [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "br")]
    assert payload(record_bytes(page, http_headers=plain, payload=encoded), 10**7) == body
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(encoded[i:i + 500]), encoded[i:i + 500])
                      for i in range(0, len(encoded), 500)) + b"0\r\n\r\n"
    chunked = [*plain, ("Transfer-Encoding", "chunked")]
    assert payload(record_bytes(page, http_headers=chunked, payload=chunks), 0) == body


# -- archives over HTTP ----------------------------------------------------------------------


SITE = "http://127.0.0.1:8765"


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalArchive]:
    a = fixture_archive(SITE, tmp_path_factory.mktemp("archive") / "root").start()
    yield a
    a.stop()


def archive_cfg(tmp: Path, es_url: str, archive: LocalArchive, extra_archive: str = "") -> Config:
    outlets = json.dumps(["xinhua_arabic", "cgtn_arabic", "aljazeera", "youm7"])
    extra = f"""
[crawl]
base_url_override = "{SITE}/{{source}}"
allow_private_addresses = true
download_delay = 0
sources = {outlets}

[archive]
wayback_cdx_url = "{archive.cdx_url('ia')}"
wayback_replay_url = "{archive.replay_url('ia')}"
cc_index_url = "{archive.cc_index_url}"
cc_data_url = "{archive.cc_data_url}"
wayback_cdx_rate = 0
wayback_replay_rate = 0
cc_index_rate = 0
cc_data_rate = 0
state_file = "{tmp / 'state.json'}"
{extra_archive}
"""
    return load_config(write_config(tmp, es_url, f"rasad-ah{stamp()}", extra=extra), env={})


def _plan(config: Config, archives: list[str]):  # noqa: ANN202 - crawler.backfill.BackfillPlan
    from crawler.backfill import plan_backfill

    return plan_backfill(config, start=None, end=None, topic="wic-2020", archives=archives, warc_files=None,
                         source_names=None)


def test_capture_answering_404_finishes_its_query(tmp_path: Path, es_url: str, archive: LocalArchive) -> None:
    """A Common Crawl record answering 404 is a permanent failure: its query is checkpointed, and the
    rerun asks the archive nothing but its crawl list (it used to repeat the query and exit 3)."""
    from jobs import tasks

    config = archive_cfg(tmp_path, es_url, archive)
    store = Store(config)
    try:
        archive.fail_next(404, 1, "/data/")
        first = tasks.backfill(config, _plan(config, ["cc"]))
        assert first["counts"]["errors_http_404"] == 1 and first["counts"]["indexed"] >= 1
        state = json.loads(Path(config.archive.state_file).read_text(encoding="utf-8"))["done"]
        assert len([k for k in state if k.startswith("cc|")]) == 4  # every outlet's query: finished
        seen = len(archive.data_requests)
        second = tasks.backfill(config, _plan(config, ["cc"]))
        assert second["status"] == "ok" and second["counts"]["archive_already_done"] == 4
        assert [p for p, _ in archive.data_requests[seen:] if p != "/robots.txt"] == ["/collinfo.json"]
    finally:
        drop_indices(store, config.elasticsearch.index_prefix)
        store.close()


def test_retry_after_over_the_ceiling_gives_the_archive_up(tmp_path: Path, es_url: str, archive: LocalArchive) -> None:
    """Common Crawl answers 429 with Retry-After: 3600 (over archive.max_retry_after = 120): no
    further request reaches it, the Wayback route goes on, the run says why and ends partial."""
    from jobs import tasks

    config = archive_cfg(tmp_path, es_url, archive, "max_retry_after = 120")
    store = Store(config)
    try:
        seen = len(archive.data_requests)
        archive.fail_next(429, 1, "/data/", retry_after="3600")
        started = time.monotonic()
        result = tasks.backfill(config, _plan(config, ["ia", "cc"]))
        assert time.monotonic() - started < 300  # not an hour's wait
        data = [p for p, _ in archive.data_requests[seen:] if p.startswith("/data/")]
        assert len(data) == 1, data  # the 429, and nothing after it
        assert result["status"] == "partial"
        assert any("asked to wait 3600s" in e and "archive.max_retry_after = 120s" in e for e in result["errors"])
        routes = {r["route"]: r for r in result["routes"]}
        assert routes["archive:ia"]["kept"] >= 1 and routes["archive:cc"]["kept"] == 0
        state = json.loads(Path(config.archive.state_file).read_text(encoding="utf-8"))["done"]
        # The Common Crawl queries that listed captures stay unfinished: the next backfill asks them again.
        assert not [k for k in state if k.startswith("cc|") and ("/aljazeera/" in k or "/youm7/" in k)]
        assert len([k for k in state if k.startswith("ia|")]) == 4  # the Wayback route was not given up
    finally:
        archive.clear_faults()
        drop_indices(store, config.elasticsearch.index_prefix)
        store.close()


class CdxCorrupter:
    """An HTTP server in front of pywb's CDX API that damages its answers: a cut line after the
    first row, and a row with a bad timestamp at the end."""

    def __init__(self, upstream: str):
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.request import urlopen

        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                query = self.path.split("?", 1)[1] if "?" in self.path else ""
                with urlopen(f"{upstream}?{query}", timeout=30) as r:  # noqa: S310 - loopback
                    lines = r.read().decode("utf-8").splitlines()
                if lines:
                    bad = json.loads(lines[0])
                    bad.update(url=bad["url"].replace(".htm", "-copy.htm"), timestamp="2020112X", digest="BAD")
                    lines = [lines[0], '{"urlkey": "1,0,0,127:8765)/xinhua_ar', *lines[1:], json.dumps(bad)]
                    outer.damaged += 1
                body = "\n".join(lines).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.damaged = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/ia/cdx"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_cdx_bad_line_and_bad_timestamp_cost_one_error_each(tmp_path: Path, es_url: str,
                                                            archive: LocalArchive) -> None:
    """Through a server that damages pywb's CDX answers, the backfill stores what an undamaged run
    stores: each bad row is one counted error and the rest of its page is fetched."""
    from crawler.backfill import plan_backfill
    from jobs import tasks

    def run(tmp: Path, cdx_url: str | None) -> tuple[dict, list[str]]:
        config = archive_cfg(tmp, es_url, archive)
        if cdx_url:
            config.archive.wayback_cdx_url = cdx_url
        plan = plan_backfill(config, start=None, end=None, topic="wic-2020", archives=["ia"], warc_files=None,
                             source_names=["xinhua_arabic"])
        store = Store(config)
        try:
            result = tasks.backfill(config, plan)
            store.client.indices.refresh(index=f"{config.elasticsearch.index_prefix}-*")
            return result, sorted(d["url"] for d in store.scan("articles", fields=["url"]))
        finally:
            drop_indices(store, config.elasticsearch.index_prefix)
            store.close()

    clean, clean_urls = run(tmp_path / "clean", None)
    corrupter = CdxCorrupter(archive.cdx_url("ia"))
    try:
        damaged, damaged_urls = run(tmp_path / "damaged", corrupter.url)
    finally:
        corrupter.stop()
    assert corrupter.damaged == 1 and clean["status"] == "ok" and clean_urls
    assert damaged_urls == clean_urls  # the rows after the bad line were kept and fetched
    assert damaged["counts"]["errors_cdx_row"] == 2 and damaged["status"] == "partial"
    assert any("2 CDX rows unreadable" in e for e in damaged["errors"])
