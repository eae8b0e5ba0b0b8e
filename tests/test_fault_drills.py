"""Fault drills: real Elasticsearch, real SMTP (aiosmtpd), the fixture site; the target is nothing lost.

Each drill breaks one thing in the middle of real work (a stopped node, a killed crawl process, a
missing mail server, a throttling or slow site, a full disk) and checks that the end state is exactly
the state of an undisturbed run: same articles, same count, no duplicates, one message per digest.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.config import Config, load_config
from crawler.run import run_crawl
from crawler.store import Store
from crawler.store.node import LocalNode
from crawler.store.spool import Spool, SpoolError
from jobs import tasks
from jobs.fixture_site import FixtureServer, start_fixture_site
from jobs.mailsink import MailSink
from reports.service import FAILED, SENT, make_digest, send_pending
from tests.conftest import free_node_port, free_port, write_config
from tests.digest_helpers import sample_articles
from tests.drill_helpers import (
    Overrides,
    canonical_urls,
    crawl_config,
    drop_indices,
    start_crawl_child,
    wait_until,
)

pytestmark = [pytest.mark.es]


@pytest.fixture(scope="module")
def site() -> Iterator[FixtureServer]:
    """One fixture site for the module: every drill crawls the same URLs as the clean crawl."""
    server = start_fixture_site()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def clean(site: FixtureServer, es_url: str, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Canonical URLs indexed by an undisturbed crawl of the whole fixture site."""
    prefix = f"rasad-h7c{uuid.uuid4().hex[:8]}"
    config = crawl_config(tmp_path_factory.mktemp("clean"), es_url, prefix, site)
    store = Store(config)
    store.init()
    try:
        stats = run_crawl(config, run_id="clean")
        urls = canonical_urls(store)
    finally:
        drop_indices(store, prefix)
        store.close()
    assert stats.indexed == len(urls) >= 7 and len(set(urls)) == len(urls)
    return urls


def article_path(site: FixtureServer, article_id: str) -> str:
    return site.site.path_of(article_id)


# -- 1. Elasticsearch stopped in the middle of a crawl -----------------------------------------


@pytest.mark.slow
def test_node_stopped_mid_crawl_spools_and_the_next_run_replays_exactly(
    site: FixtureServer, clean: list[str], tmp_path: Path, node_dir: Path
) -> None:
    """A dedicated node (never the shared one) is stopped while the crawl waits on a held page."""
    port = free_node_port()
    node_cfg = load_config(write_config(tmp_path / "node", "", "rasad-h7node"), env={"RASAD_ES_PORT": str(port)})
    node_cfg.elasticsearch.local_data_dir = str(node_dir)
    node = LocalNode(node_cfg)
    node.up(timeout=240)
    prefix = f"rasad-h7n{uuid.uuid4().hex[:8]}"
    config = crawl_config(tmp_path / "crawl", node.url, prefix, site)
    overrides = Overrides(site.site)
    try:
        store = Store(config)
        store.init()
        # Before the outage: one outlet crawled and indexed normally.
        youm7 = [u for u in clean if "/youm7/" in u]
        before = run_crawl(config, source_names=["youm7"], run_id="before")
        assert before.indexed == len(youm7) >= 1 and store.count() == len(youm7)
        # The full crawl starts with the node up (known URLs, story seeds) and is held on one page.
        gate = overrides.hold(article_path(site, "a1"))
        result: dict = {}

        def crawl() -> None:
            result["stats"] = run_crawl(config, run_id="outage")

        worker = threading.Thread(target=crawl)
        worker.start()
        assert gate.reached.wait(120), "the crawl never asked for the held page"
        assert node.down()
        gate.open()
        worker.join(timeout=180)
        outage = result["stats"]
        spool = Spool(config.path(config.spool.dir))
        assert outage.indexed == 0 and outage.spooled == len(clean) - len(youm7)  # every new article
        assert spool.files() and not list(spool.dir.glob(".*.tmp"))
        # The node comes back; the next run replays the spool first, then crawls (nothing new).
        node.up(timeout=180)
        after = tasks.crawl(config, "drill")
        assert after["counts"]["spool_replayed"] >= outage.spooled
        assert after["counts"]["indexed"] == 0 and spool.files() == []
        urls = canonical_urls(Store(config))
        assert urls == clean  # same articles as a clean crawl, each exactly once
    finally:
        overrides.close()
        node.down()
    assert not node.status().running


# -- 2. The crawl process killed with SIGKILL ---------------------------------------------------


@pytest.mark.slow
def test_crawl_process_killed_then_rerun_indexes_the_clean_set(
    site: FixtureServer, clean: list[str], es_url: str, tmp_path: Path
) -> None:
    prefix = f"rasad-h7k{uuid.uuid4().hex[:8]}"
    config = crawl_config(tmp_path, es_url, prefix, site)
    store = Store(config)
    store.init()
    overrides = Overrides(site.site)
    gate = overrides.hold(article_path(site, "a1"))
    try:
        mark = len(site.site.requests)
        child = start_crawl_child(config, run_id="killed")
        assert gate.reached.wait(120), "the crawl never asked for the held page"
        # Let other articles be fetched and processed too, then kill without warning.
        wait_until(lambda: sum("/news/" in p or "/story/" in p for p in site.site.requests[mark:]) >= 3, 30,
                   "articles fetched before the kill")
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
        assert child.stdout is not None and child.stdout.read() == ""  # no counts: it never finished
        gate.open()
        overrides.close()
        killed_count = store.count()
        stats = run_crawl(config, run_id="after-kill")
        urls = canonical_urls(store)
    finally:
        gate.open()
        overrides.close()
        drop_indices(store, prefix)
        store.close()
    assert killed_count == 0  # the in-memory batch died with the process; nothing half-written
    assert stats.indexed == len(clean)
    assert urls == clean


# -- 3. SMTP server down during a digest --------------------------------------------------------


def test_digest_with_mail_server_down_is_kept_then_sent_exactly_once(config: Config, store: Store) -> None:
    port = free_port()
    config.smtp.port = port
    config.smtp.retries = 2
    config.smtp.retry_backoff = 0.05
    config.smtp.timeout = 5
    config.digest.recipients = ["desk@example.org"]
    now = datetime.now(UTC).replace(microsecond=0)
    first_docs = sample_articles(now - timedelta(hours=5), prefix="a")
    store.index_articles(first_docs)
    store.refresh()

    down = make_digest(config, store, send=True, now=now - timedelta(hours=2))
    assert down.status == FAILED and not down.sent and "still failing after 3 attempts" in (down.error or "")
    record = next(d for d in store.digests() if d["digest_id"] == down.digest_id)
    assert record["status"] == FAILED and record["attempts"] == 3
    assert all(Path(f).exists() for f in down.files) and any(f.endswith(".eml") for f in down.files)

    sink = MailSink(Path(config.digest.out_dir) / "sink", port=port).start()
    try:
        assert send_pending(config, store) == 1
        assert send_pending(config, store) == 0  # sent once, not again
        # A later digest reports only what is new.
        second_docs = sample_articles(now - timedelta(hours=1), prefix="b")
        store.index_articles(second_docs)
        store.refresh()
        later = make_digest(config, store, send=True, now=now)
    finally:
        sink.stop()
    first = next(d for d in store.digests() if d["digest_id"] == down.digest_id)
    assert first["status"] == SENT and first["attempts"] == 4
    assert later.status == SENT and later.digest_id != down.digest_id
    later_ids = next(d for d in store.digests() if d["digest_id"] == later.digest_id)["article_ids"]
    assert set(first["article_ids"]) == {d["id"] for d in first_docs}
    assert set(later_ids) == {d["id"] for d in second_docs}  # none of the first digest's again
    ids = [_message_id(p) for p in sink.saved]
    assert len(sink.saved) == 2
    assert ids.count(f"<digest-{down.digest_id}@rasad>") == 1
    assert ids.count(f"<digest-{later.digest_id}@rasad>") == 1


def _message_id(path: Path) -> str:
    import email

    return email.message_from_bytes(path.read_bytes())["Message-ID"]


# -- 4. Throttling bursts and timeouts ----------------------------------------------------------


@pytest.mark.slow
def test_bursts_are_backed_off_timeouts_recorded_and_nothing_lost(
    site: FixtureServer, es_url: str, tmp_path: Path
) -> None:
    prefix = f"rasad-h7t{uuid.uuid4().hex[:8]}"
    config = crawl_config(tmp_path, es_url, prefix, site, sources=["youm7"], aggregators=False, download_timeout=1)
    store = Store(config)
    store.init()
    y1, y2 = article_path(site, "y1"), article_path(site, "y2")
    feed = "/youm7/rss/SectionRss"
    site.site.inject(feed, 429, times=1, retry_after="1")
    site.site.inject(y1, 503, times=2, retry_after="1")
    overrides = Overrides(site.site)
    overrides.delay(y2, 2.5)  # beyond download_timeout on every attempt
    mark = len(site.site.request_times)
    try:
        first = tasks.crawl(config, "drill")
        times = site.site.request_times[mark:]
        overrides.close()
        second = tasks.crawl(config, "drill")
        urls = canonical_urls(store)
        runs = store.runs()
    finally:
        overrides.close()
        site.site.inject(feed, 429, times=0)
        site.site.inject(y1, 503, times=0)
        drop_indices(store, prefix)
        store.close()

    def gaps(path: str) -> list[float]:
        ts = [t for t, p in times if p.split("?")[0] == path]
        return [round(b - a, 2) for a, b in zip(ts, ts[1:], strict=False)]

    assert len(gaps(y1)) == 2 and min(gaps(y1)) >= 0.95  # two 503s, each retried after Retry-After: 1
    feed_gaps = [g for g in gaps(feed) if g >= 0.95]
    assert feed_gaps  # the 429 on the feed was retried after its Retry-After too
    # Timeouts: 1 + 2 retries, each after the 1 s timeout plus a doubling backoff (1 s, 2 s).
    assert len(gaps(y2)) == 2 and gaps(y2)[0] >= 1.9 and gaps(y2)[1] >= 2.9
    assert first["counts"]["errors_timeout"] == 1 and first["counts"]["indexed"] == 1
    assert first["status"] in ("ok", "partial")
    recorded = next(r for r in runs if r["run_id"] == first["run_id"])
    assert recorded["counts"]["errors_timeout"] == 1
    # The timed-out article was not remembered as bad: the next run fetched and indexed it.
    assert second["counts"]["indexed"] == 1
    base = site.base_url
    assert urls == sorted({f"{base}{y1}", f"{base}{y2}"})


# -- 5. Disk full while spooling ---------------------------------------------------------------


def _batch(n: int, tag: str, index: str = "x", size: int = 200) -> list[dict]:
    return [{"_op_type": "update", "_index": index, "_id": f"{tag}{i}", "doc": {"body": "ب" * size}, "doc_as_upsert": True}
            for i in range(n)]


@pytest.fixture
def tiny_fs(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs (needs root and mount permission; the RLIMIT_FSIZE drill covers the rest)."""
    target = tmp_path / "tiny"
    target.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(target)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode().strip()}); see the RLIMIT_FSIZE drill")
    try:
        yield target
    finally:
        subprocess.run(["umount", str(target)], check=True)


def test_full_disk_spool_write_is_a_clear_error_and_earlier_files_replay(tiny_fs: Path, config: Config,
                                                                          store: Store) -> None:
    spool = Spool(tiny_fs / "spool")
    earlier = _batch(5, "e", index=store.articles)
    first = spool.write(earlier)
    with pytest.raises(SpoolError) as err:
        spool.write(_batch(200, "big"))  # ~100 KB of JSON on a 64 KiB filesystem
    message = str(err.value)
    assert str(tiny_fs / "spool") in message and "No space left on device" in message and "200 actions" in message
    assert spool.files() == [first]
    assert sorted(p.name for p in spool.dir.iterdir()) == [first.name]  # no temporary or partial file left
    assert spool.read(first) == earlier
    # The surviving file replays into Elasticsearch once space is no issue.
    config.spool.dir = str(spool.dir)
    replaying = Store(config)
    assert replaying.replay_spool() == 5
    assert store.count() == 5 and spool.files() == []


def test_file_size_limit_spool_write_is_a_clear_error_without_partial_file(tmp_path: Path) -> None:
    """RLIMIT_FSIZE in a child process: the write fails (EFBIG) like a full disk, without root."""
    spool_dir = tmp_path / "spool"
    script = f"""
import json, resource, signal, sys
from crawler.store.spool import Spool, SpoolError
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG instead of being killed
resource.setrlimit(resource.RLIMIT_FSIZE, (32 * 1024, 32 * 1024))
spool = Spool({str(spool_dir)!r})
spool.write({_batch(5, "e")!r})
try:
    spool.write({_batch(200, "big")!r})
except SpoolError as exc:
    print(json.dumps({{"error": str(exc)}}))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parent.parent, env={**os.environ})
    assert done.returncode == 0, done.stderr
    error = json.loads(done.stdout)["error"]
    assert str(spool_dir) in error and "File too large" in error
    spool = Spool(spool_dir)
    assert len(spool.files()) == 1 and len(list(spool_dir.iterdir())) == 1
    assert spool.read(spool.files()[0]) == _batch(5, "e")


@pytest.mark.slow
def test_full_disk_while_elasticsearch_is_down_is_counted_and_the_next_run_recovers(
    site: FixtureServer, clean: list[str], es_url: str, tiny_fs: Path, tmp_path: Path
) -> None:
    """Both safety nets gone at once: the loss is counted and logged, and the next run refetches it."""
    prefix = f"rasad-h7f{uuid.uuid4().hex[:8]}"
    config = crawl_config(tmp_path, f"http://127.0.0.1:{free_port()}", prefix, site)  # nothing listens there
    config.elasticsearch.max_retries = 0
    config.spool.dir = str(tiny_fs / "spool")
    filler = tiny_fs / "filler"
    filler.write_bytes(b"\0" * 60 * 1024)  # leaves one 4 KiB page: less than the articles' batch
    down = run_crawl(config, run_id="disk-full")
    assert down.indexed == 0 and down.spooled == 0
    assert down.failed == len(clean) and down.error_kinds.get("spool") == 1
    assert not [p for p in Path(config.spool.dir).iterdir() if p.name.startswith(".")]  # no partial file
    # Space back, Elasticsearch back: the next run replays what was spooled and fetches the rest again.
    filler.unlink()
    config.elasticsearch.url = es_url
    store = Store(config)
    store.init()
    try:
        after = tasks.crawl(config, "drill")
        urls = canonical_urls(store)
    finally:
        drop_indices(store, prefix)
        store.close()
    assert after["counts"]["indexed"] == len(clean)
    assert urls == clean
