"""Fault drills, interrupted work: nothing may be lost for good when a run is killed or cannot store.

Real Elasticsearch node, real crawl processes, and a local HTTP server serving one outlet's sitemap
behind an ETag (tests/drill_helpers.ListingSite). Each drill breaks the run in the middle and checks
that the following runs end with every article indexed, each once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.run import run_crawl
from crawler.store import Store
from jobs import tasks
from tests.conftest import free_port
from tests.drill_helpers import (
    OPENING,
    ListingSite,
    canonical_urls,
    drill_article,
    drop_indices,
    listing_config,
    start_crawl_child,
    wait_until,
)

pytestmark = [pytest.mark.es]

OUTLET, SITEMAP = "aljazeera", "/sitemap.xml"  # a registered outlet that declares a sitemap


@pytest.fixture
def prefix(es_url: str) -> Iterator[str]:
    name = f"rasad-lost{uuid.uuid4().hex[:8]}"
    yield name
    from crawler.config import load_config
    from tests.conftest import write_config

    store = Store(load_config(write_config(Path(f"/tmp/{name}"), es_url, name), env={}))
    drop_indices(store, name)
    store.close()


@pytest.fixture
def tiny_fs(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs (needs root and mount permission, as the disk-full drill of test_fault_drills)."""
    target = tmp_path / "tiny"
    target.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(target)], capture_output=True)
    assert done.returncode == 0, f"cannot mount a tmpfs here: {done.stderr.decode().strip()}"
    try:
        yield target
    finally:
        subprocess.run(["umount", str(target)], check=True)


def seen_statuses(store: Store) -> dict[str, str]:
    return {d["url"]: d.get("status", "") for d in store.scan("seen", fields=["url", "status"])}


# -- a crawl killed in the middle of a listing --------------------------------------------------


@pytest.mark.slow
def test_sigkill_mid_listing_then_two_runs_index_every_article(es_url: str, prefix: str, tmp_path: Path) -> None:
    """300 articles behind an ETag; the crawl is killed with 100 indexed; two more runs: all 300."""
    site = ListingSite(OUTLET, SITEMAP, 300, hold_after=120)
    config = listing_config(tmp_path, es_url, prefix, site)
    store = Store(config)
    store.init()
    try:
        child = start_crawl_child(config, "killed")
        wait_until(lambda: store.count() >= 100, 120, "100 articles indexed")
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        site.release()
        at_kill = store.count()
        assert 100 <= at_kill < 300
        second = run_crawl(config, run_id="after-kill-1")
        third = run_crawl(config, run_id="after-kill-2")
        urls = canonical_urls(store)
    finally:
        site.stop()
        store.close()
    # The second run read the listing in full (no validator was committed by the killed run) and
    # fetched only what was missing; the third run found the listing unchanged (304).
    assert site.sitemap_answers == [200, 200, 304]
    assert second.indexed == 300 - at_kill and third.indexed == 0
    assert len(urls) == 300 and len(set(urls)) == 300
    assert set(urls) == {site.article_url(i) for i in range(300)}


@pytest.mark.slow
def test_sigterm_to_run_once_mid_listing_then_two_runs_index_every_article(
    es_url: str, prefix: str, tmp_path: Path
) -> None:
    """`rasad run-once` stopped with SIGTERM (its graceful stop) while 180 of 300 articles are pending."""
    site = ListingSite(OUTLET, SITEMAP, 300, hold_after=120)
    config = listing_config(tmp_path, es_url, prefix, site)
    store = Store(config)
    store.init()
    env = {**os.environ, "RASAD_CONFIG": config.source_file}
    try:
        once = subprocess.Popen([sys.executable, "-m", "jobs.cli", "run-once"], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, cwd=Path(__file__).resolve().parent.parent)
        wait_until(lambda: store.count() >= 100, 120, "100 articles indexed")
        once.send_signal(signal.SIGTERM)
        site.release()  # the requests in flight end; the graceful stop drops the queued ones
        assert once.wait(timeout=120) == 1  # interrupted
        at_stop = store.count()
        assert at_stop < 300
        second = run_crawl(config, run_id="after-stop-1")
        third = run_crawl(config, run_id="after-stop-2")
        urls = canonical_urls(store)
        runs = store.runs()
    finally:
        site.stop()
        store.close()
    assert site.sitemap_answers == [200, 200, 304]
    assert second.indexed == 300 - at_stop and third.indexed == 0
    assert len(urls) == 300 and len(set(urls)) == 300
    assert [r["status"] for r in runs if r["kind"] == "crawl"] == ["interrupted"]


@pytest.mark.slow
def test_elasticsearch_down_and_spool_full_then_the_next_run_indexes_every_article(
    es_url: str, prefix: str, tmp_path: Path, tiny_fs: Path
) -> None:
    """Articles fit neither the index nor the spool; the small validator must not be kept either."""
    site = ListingSite(OUTLET, SITEMAP, 300)
    config = listing_config(tmp_path, f"http://127.0.0.1:{free_port()}", prefix, site)  # nothing listens there
    config.elasticsearch.max_retries = 0
    config.spool.dir = str(tiny_fs / "spool")
    filler = tiny_fs / "filler"
    filler.write_bytes(b"\0" * 60 * 1024)  # one 4 KiB page left: a validator fits, articles do not
    try:
        down = tasks.crawl(config, "drill")
        assert down["status"] == "failed"  # nothing stored that should have been
        assert down["counts"]["failed"] == 300 and down["counts"].get("indexed", 0) == 0
        filler.unlink()
        config.elasticsearch.url = es_url
        store = Store(config)
        store.init()
        after = tasks.crawl(config, "drill")
        urls = canonical_urls(store)
        store.close()
    finally:
        site.stop()
    assert after["status"] == "ok", after
    assert site.sitemap_answers == [200, 200]  # read in full again: no validator survived the outage
    assert len(urls) == 300 and len(set(urls)) == 300


# -- a page with a few invalid UTF-8 bytes ------------------------------------------------------


def test_page_with_invalid_utf8_bytes_is_indexed_and_unreadable_text_is_never_remembered(
    es_url: str, prefix: str, tmp_path: Path
) -> None:
    """A UTF-8 page with two broken bytes is decoded as UTF-8 (not windows-1256 mojibake) and indexed;
    a page whose text is mojibake already is dropped without being remembered, so it is read again."""
    site = ListingSite(OUTLET, SITEMAP, 3)
    good = drill_article(1, site.published, [OPENING] * 4)
    broken = good[:300] + b"\xff\xfe" + good[300:]  # two invalid bytes in the body of a UTF-8 page
    mojibake = drill_article(2, site.published).decode("utf-8").encode("utf-8").decode("cp1256", "replace")
    site.pages = {1: (broken, "text/html"), 2: (mojibake.encode("utf-8"), "text/html; charset=utf-8")}
    config = listing_config(tmp_path, es_url, prefix, site)
    store = Store(config)
    store.init()
    try:
        first = run_crawl(config, run_id="enc-1")
        doc = next((d for d in store.scan("articles") if d["canonical_url"] == site.article_url(1)), None)
        seen = seen_statuses(store)
        second = run_crawl(config, run_id="enc-2")
    finally:
        site.stop()
        store.close()
    assert doc is not None, f"the page with invalid bytes was not indexed: {first.dropped}"
    assert doc["title"] == "المؤتمر العالمي للإنترنت في ووتشن: متابعة رقم 1"
    assert first.dropped.get("unreadable") == 1 and "irrelevant" not in first.dropped
    assert site.article_url(2) not in seen  # never remembered: a fixed page or decoder gets it next time
    # The listing is read again (its validators were not committed) and the unreadable page refetched.
    assert site.sitemap_answers == [200, 200] and second.fetched == 1
    assert site.hits[f"/{OUTLET}/news/2.html"] == 2


# -- the crawl child dies with its parent; the abandoned run record is closed -------------------


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        out += [int(c) for c in text]
    return out


def _alive(pid: int) -> bool:
    try:
        state = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("State:"))
    except (FileNotFoundError, StopIteration):
        return False
    return "Z" not in state.split()[1]  # a zombie has exited; only its exit status is left


@pytest.mark.slow
def test_killed_parent_takes_its_crawl_child_along_and_the_next_run_closes_its_record(
    es_url: str, prefix: str, tmp_path: Path
) -> None:
    site = ListingSite(OUTLET, SITEMAP, 40, hold_after=10)
    config = listing_config(tmp_path, es_url, prefix, site)
    store = Store(config)
    store.init()
    env = {**os.environ, "RASAD_CONFIG": config.source_file}
    parent = subprocess.Popen([sys.executable, "-m", "jobs.cli", "crawl"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, cwd=Path(__file__).resolve().parent.parent)
    try:
        wait_until(lambda: site.article_hits() > 10, 120, "the crawl to reach the held articles")
        (child,) = _children(parent.pid)
        assert _alive(child)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=30)
        deadline = time.monotonic() + 20
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        child_alive = _alive(child)
        if child_alive:
            os.kill(child, signal.SIGKILL)
        assert not child_alive, "the crawl child outlived its killed parent"
        site.release()
        abandoned = [r for r in store.runs() if r["status"] == "running"]
        assert len(abandoned) == 1 and abandoned[0]["pid"] == parent.pid
        after = tasks.crawl(config, "drill")
        runs = {r["run_id"]: r for r in store.runs()}
        urls = canonical_urls(store)
    finally:
        site.stop()
        store.close()
    closed = runs[abandoned[0]["run_id"]]
    assert closed["status"] == "interrupted" and "finished_at" in closed
    assert any(f"process {parent.pid} ended" in e for e in closed["errors"])
    assert after["status"] == "ok" and len(urls) == 40
