"""`rasad backfill --archive ccnews --engine local|dask`: CC-NEWS files as tasks, run for real.

Dask distributed runs a LocalCluster of 2 worker processes; the CC-NEWS-shaped files (real public
Arabic pages among English, off-topic and non-HTML records) are served over HTTP on 127.0.0.1
(jobs/local_commoncrawl.py); articles go to the real Elasticsearch node. No HTTP is mocked.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
import pytest

from crawler.backfill import plan_backfill
from crawler.config import Config, load_config
from crawler.store import Store
from jobs import tasks
from jobs.local_archive import ArchivedPage
from jobs.local_commoncrawl import LocalCommonCrawl, write_listing, write_records
from tests.conftest import write_config
from tests.test_backfill import drop, page_html
from tests.test_ccnews import (
    AKHBAR,
    CRIK,
    END,
    KEYWORD_URL,
    LATIN_URL,
    ROSA,
    START,
    at,
    build_index,
    cc_config,
    english_wuzhen,
    pages_by_kind,
    wic,
)

REPO = Path(__file__).resolve().parent.parent
MONTH = "crawl-data/CC-NEWS/2022/11"
FILES = [f"{MONTH}/CC-NEWS-202211{9 + k:02d}000000-{300 + k:05d}.warc.gz" for k in range(4)]
COPY = "https://www.wahapress.example/local/338769-copy"  # CRIK's report republished on the same host


def build_files(root: Path, filler: int = 6) -> dict[str, int]:
    """Four CC-NEWS files in the window, one relevant report each among records dropped cheaply."""
    _, others = pages_by_kind()
    relevant = [(CRIK, wic(CRIK)), (ROSA, wic(ROSA)), (AKHBAR, wic(AKHBAR)), (COPY, wic(CRIK))]
    records = {}
    for k, (path, (url, page)) in enumerate(zip(FILES, relevant, strict=True)):
        day = 9 + k
        pages: list[Any] = [
            ("https://www.bbc.com/news/x", "request"),
            ArchivedPage(f"https://www.example-news.com/tech/{k}", at(day, 1), english_wuzhen()),
            *[ArchivedPage(f"https://portal{k}-{i}.example/news/{i}", at(day, 2), page_html(others[i % len(others)]) * 4)
              for i in range(filler)],
            ArchivedPage(f"https://portal{k}.example/logo.png", at(day, 3), b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png"),
            ArchivedPage(url, at(day, 4), page_html(page)),
        ]
        write_records(root / path, pages)
        records[path] = len(pages)
    write_listing(root / f"{MONTH}/warc.paths.gz", FILES)
    write_listing(root / "crawl-data/CC-NEWS/2022/10/warc.paths.gz", [])
    return records


def engine_config(tmp: Path, es_url: str, prefix: str, server: LocalCommonCrawl) -> Config:
    return load_config(cc_config(tmp, es_url, prefix, server, stream_timeout=120), env={})


def stored(store: Store, prefix: str) -> dict[str, dict]:
    store.client.indices.refresh(index=f"{prefix}-*")
    return {d["url"]: d for d in store.scan("articles")}


def run(config: Config, engine: dict[str, Any], archives: tuple[str, ...] = ("ccnews",)) -> dict[str, Any]:
    plan = plan_backfill(config, start=START, end=END, topic="wic-2020", archives=list(archives), warc_files=None,
                         source_names=None)
    return tasks.backfill(config, plan, engine=engine)


def new_prefix(tag: str) -> str:
    return f"rasad-{tag}{datetime.now(UTC).strftime('%H%M%S%f')}"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("engine-data")
    records = build_files(root)
    server = LocalCommonCrawl(root).start()
    try:
        yield server, records
    finally:
        server.stop()


def test_dask_with_two_workers_stores_what_local_stores(served: Any, tmp_path: Path, es_url: str) -> None:
    server, records = served
    results, docs = {}, {}
    for engine in ({"engine": "local"}, {"engine": "dask", "workers": 2}):
        name = engine["engine"]
        prefix = new_prefix(f"e{name[0]}")
        config = engine_config(tmp_path / name, es_url, prefix, server)
        store = Store(config)
        try:
            before = len(server.requests)
            results[name] = run(config, engine)
            docs[name] = stored(store, prefix)
            files = sorted(p for p, _ in server.requests[before:] if p.endswith(".warc.gz"))
            assert files == sorted(f"/{f}" for f in FILES), files  # each file read once
            if name == "dask":  # a second run reads no file: every file was finished
                before = len(server.requests)
                again = run(config, engine)
                assert not [p for p, _ in server.requests[before:] if p.endswith(".warc.gz")]
                assert again["counts"]["archive_already_done"] == len(FILES)
                assert again["counts"].get("indexed", 0) == 0
        finally:
            drop(store, prefix)
    local, dask = docs["local"], docs["dask"]
    assert {CRIK, ROSA, AKHBAR} <= set(local)
    assert set(dask) == set(local)
    assert {u: d["relation"] for u, d in dask.items()} == {u: d["relation"] for u, d in local.items()}
    assert all(d["discovered_via"] == "archive:ccnews" for d in dask.values())
    for name, result in results.items():
        counts = result["counts"]
        assert counts["archive_scanned_records"] == sum(records.values()), name
        dropped = sum(v for k, v in counts.items() if k.startswith("archive_ccnews_dropped_"))
        # Every record is dropped on its bytes or handed to extraction: one page a file here.
        assert counts["archive_scanned_records"] - dropped == counts["via_archive:ccnews"] == len(FILES), name
        assert counts["archive_ccnews_files_finished"] == len(FILES), name
        assert counts["indexed"] == len(local), name
        assert not any(k.startswith("archive_warc_") for k in counts), name  # the batch file's own accounting
        assert result["status"] == "ok", (name, result.get("errors"))


def worker_reading(port: int) -> psutil.Process | None:
    """The Dask worker process (a grandchild of this one) holding a connection to the data server."""
    for proc in psutil.Process().children(recursive=True):
        try:
            if any(c.raddr and c.raddr.port == port for c in proc.net_connections(kind="tcp")):
                return proc
        except psutil.Error:
            continue
    return None


def test_a_worker_killed_midway_is_retried_and_each_article_stored_once(tmp_path: Path, es_url: str) -> None:
    root = tmp_path / "data"
    _, others = pages_by_kind()
    build_files(root)
    # The last file grows long, so that a worker is caught half way through it.
    big = [ArchivedPage(f"https://filler{i}.example/{i}", at(12, 3), page_html(others[i % len(others)]) * 6)
           for i in range(60)]
    spans = write_records(root / FILES[3], [*big, ArchivedPage(COPY, at(12, 5), page_html(wic(CRIK)))])
    server = LocalCommonCrawl(root).start()
    server.stall(FILES[3], spans[len(spans) // 2][0])
    prefix = new_prefix("ek")
    config = engine_config(tmp_path, es_url, prefix, server)
    store = Store(config)
    outcome: dict[str, Any] = {}

    def backfill() -> None:
        try:
            # Three pages a batch: the first three files' articles are stored while the fourth is stuck.
            outcome["result"] = run(config, {"engine": "dask", "workers": 2, "batch_pages": 3})
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            outcome["error"] = exc

    thread = threading.Thread(target=backfill, daemon=True)
    try:
        thread.start()
        deadline = time.monotonic() + 150
        first: set[str] = set()
        while not (server.stalled.is_set() and {CRIK, ROSA, AKHBAR} <= first):
            assert thread.is_alive(), outcome
            assert time.monotonic() < deadline, f"no midway point: stored {first}, stalled {server.stalled.is_set()}"
            time.sleep(0.5)
            if store.client.indices.exists(index=f"{prefix}-articles*"):
                first = set(stored(store, prefix))
        victim = worker_reading(int(server.url.rstrip("/").rsplit(":", 1)[1]))
        assert victim is not None, "no worker holds the stalled file's connection"
        victim.kill()
        server.release()
        thread.join(240)
        assert not thread.is_alive(), "the backfill did not end after the worker was killed"
        assert "error" not in outcome, outcome.get("error")
        result = outcome["result"]
        assert server.asked(FILES[3]) == 2  # the killed worker's file, read again by another worker
        assert result["status"] == "ok", result.get("errors")
        docs = stored(store, prefix)
        assert set(docs) == {CRIK, ROSA, AKHBAR, COPY}
        for url in docs:
            assert store.client.count(index=f"{prefix}-articles", query={"term": {"url": url}})["count"] == 1
        assert result["counts"]["archive_ccnews_files_finished"] == len(FILES)
    finally:
        server.release()
        server.stop()
        thread.join(60)
        drop(store, prefix)


def test_engine_options_are_refused_where_they_cannot_apply(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, "http://127.0.0.1:9", new_prefix("eo"))
    base = [sys.executable, "-m", "jobs.cli", "-c", str(cfg), "backfill", "--from", "2022-11-08", "--to", "2022-11-21"]
    for extra, message in ((["--archive", "ia", "--engine", "dask"], "--engine runs the CC-NEWS and columnar-index routes only"),
                           (["--archive", "ccnews", "--scheduler", "tcp://127.0.0.1:8786"], "--scheduler needs --engine dask"),
                           (["--archive", "ccnews", "--engine", "dask", "--workers", "0"], "--workers must be 1 or more")):
        done = subprocess.run(base + extra, cwd=REPO, capture_output=True, text=True, timeout=60)
        assert done.returncode == 2 and message in done.stderr, (extra, done.stderr[-500:])


def test_an_unreachable_archive_on_the_engine_fails_the_run_naming_it(tmp_path: Path, es_url: str) -> None:
    """As without an engine: a failed run record, the address in one error line, exit 1, no traceback."""
    from tests.conftest import free_port

    prefix = new_prefix("eu")
    dead = f"http://127.0.0.1:{free_port()}/crawl-data"
    cfg = write_config(tmp_path, es_url, prefix, extra=f'''
[archive]
ccnews_url = "{dead}"
state_file = "{tmp_path / 'state.json'}"
''')
    store = Store(load_config(cfg, env={}))
    try:
        done = subprocess.run([sys.executable, "-m", "jobs.cli", "-c", str(cfg), "backfill", "--archive", "ccnews",
                               "--from", "2022-11-08", "--to", "2022-11-21", "--engine", "local"],
                              cwd=REPO, capture_output=True, text=True, timeout=120)
        assert done.returncode == 1, done.stdout + done.stderr[-2000:]
        assert "Traceback" not in done.stderr and "failed" in done.stdout.splitlines()[0]
        assert any(line.startswith("error: archive listing: http://127.0.0.1:") for line in done.stdout.splitlines())
        store.refresh("runs")
        assert [r["status"] for r in store.runs()] == ["failed"]
    finally:
        drop(store, prefix)


def test_columnar_index_partitions_run_as_tasks_too(tmp_path: Path, es_url: str) -> None:
    """`--archive ccindex --engine local`: one Parquet partition a task (the route's own query), its captures
    fetched by byte range in the task, stored through the same extraction batch; a re-run reads nothing."""
    layout = build_index(tmp_path / "data")
    server = LocalCommonCrawl(tmp_path / "data").start()
    prefix = new_prefix("ei")
    config = engine_config(tmp_path, es_url, prefix, server)
    store = Store(config)
    try:
        first = run(config, {"engine": "local"}, archives=("ccindex",))
        docs = stored(store, prefix)
        assert set(docs) == {KEYWORD_URL, LATIN_URL, ROSA}
        assert all(d["discovered_via"] == "archive:ccindex" for d in docs.values())
        records = [r for p, r in server.requests if p == f"/{layout['warc']}"]
        assert len(records) == 3 and all(r.startswith("bytes=") for r in records)
        assert first["counts"]["archive_ccindex_partitions_finished"] == 1 and first["status"] == "ok"
        seen = len(server.requests)
        second = run(config, {"engine": "local"}, archives=("ccindex",))
        assert not any(p.endswith(".parquet") or p == f"/{layout['warc']}" for p, _ in server.requests[seen:])
        assert second["counts"]["archive_already_done"] == 1
    finally:
        server.stop()
        drop(store, prefix)
