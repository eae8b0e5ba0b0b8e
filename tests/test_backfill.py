"""`rasad backfill` end to end against archives on 127.0.0.1 speaking the real protocols, and real Elasticsearch.

- Wayback route: pywb serves the CDX API and raw `id_` captures over a WARC file written with warcio.
- Common Crawl route: a local server answers collinfo.json and WARC byte ranges; the crawl's index is
  a pywb CDX server (the software of Common Crawl's own index server).
- WARC route: real public Arabic pages (tests/fixtures/archive/real_pages.json) in a local WARC file.
No HTTP is mocked.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from crawler.config import Config, load_config
from crawler.store import Store
from crawler.store.schema import INDICES
from jobs import tasks
from jobs.fixture_archive import IA_OUTLETS, fixture_archive
from jobs.fixture_site import FixtureSite
from jobs.local_archive import ArchivedPage, LocalArchive, write_warc
from tests.conftest import write_config

pytestmark = [pytest.mark.es, pytest.mark.slow]

SITE = "http://127.0.0.1:8765"  # the archived pages' own addresses: nothing needs to serve them now
REAL_PAGES = Path(__file__).parent / "fixtures" / "archive" / "real_pages.json"


def archive_config(tmp: Path, es_url: str, prefix: str, archive: LocalArchive) -> Config:
    outlets = json.dumps(list(FixtureSite().outlets))
    extra = f"""
[crawl]
base_url_override = "{SITE}/{{source}}"
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
state_file = "{tmp / 'backfill-state.json'}"
"""
    return load_config(write_config(tmp, es_url, prefix, extra=extra), env={})


def drop(store: Store, prefix: str) -> None:
    store.client.options(ignore_status=404).indices.delete(index=f"{prefix}-*")
    for kind in INDICES:
        store.client.options(ignore_status=404).indices.delete_index_template(name=f"{prefix}-{kind}")
    store.close()


@dataclass
class Backfilled:
    archive: LocalArchive
    config: Config
    store: Store
    first: dict[str, Any]
    docs: dict[str, dict]
    data_requests_first: list[tuple[str, str]]
    second: dict[str, Any]
    data_requests_second: list[tuple[str, str]]


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory: pytest.TempPathFactory, es_url: str) -> Iterator[Backfilled]:
    from crawler.backfill import plan_backfill

    tmp = tmp_path_factory.mktemp("backfill")
    archive = fixture_archive(SITE, tmp / "archive").start()
    # Fault drills: the archive answers "slow down" once for its crawl list and once for a record.
    archive.fail_next(429, 1, "/collinfo.json")
    archive.fail_next(503, 1, "/data/")
    prefix = f"rasad-bf{datetime.now(UTC).strftime('%H%M%S%f')}"
    config = archive_config(tmp, es_url, prefix, archive)
    store = Store(config)
    try:
        plan = plan_backfill(config, start=None, end=None, topic="wic-2020", archives=["ia", "cc"], warc_files=None,
                             source_names=None)
        first = tasks.backfill(config, plan)
        store.client.indices.refresh(index=f"{prefix}-*")
        docs = {d["url"]: d for d in store.scan("articles")}
        seen_first = list(archive.data_requests)
        second = tasks.backfill(config, plan)
        yield Backfilled(archive, config, store, first, docs, seen_first, second,
                         archive.data_requests[len(seen_first):])
    finally:
        archive.stop()
        drop(store, prefix)


def archived(outlet: str, path: str) -> str:
    return f"{SITE}/{outlet}/2020/{path.lstrip('/')}"


def test_archived_articles_go_through_the_crawl_pipeline(backfilled: Backfilled) -> None:
    site = FixtureSite()
    docs = backfilled.docs
    copy = docs[archived("xinhua_arabic", site.articles["x1"]["path"])]
    assert copy["discovered_via"] == "archive:ia" and copy["relation"] == "copy"
    assert copy["canonical_url"] == copy["url"]  # the outlet's own address, not the archive's
    assert copy["captured_at"].startswith("2020-11-2") and copy["published_at"].startswith("2020-11-2")
    rewrite = docs[archived("youm7", site.articles["y1"]["path"])]
    assert rewrite["discovered_via"] == "archive:cc" and rewrite["relation"] in ("rewrite", "copy")
    for d in docs.values():
        outlet = d["url"].split("/")[3]
        assert d["discovered_via"] == ("archive:ia" if outlet in IA_OUTLETS else "archive:cc")
        assert "/2020/" in d["url"] and d["relevance"] >= 0.3
    # Fetched and judged like a crawl: the unrelated page is dropped as irrelevant, English as not Arabic.
    assert archived("xinhua_arabic", site.articles["x2"]["path"]) not in docs
    assert archived("cgtn_arabic", site.articles["c2"]["path"]) not in docs
    counts = backfilled.first["counts"]
    assert counts["dropped_irrelevant"] >= 2 and counts["dropped_language"] == 1


def test_cheap_filters_spare_the_archive(backfilled: Backfilled) -> None:
    """Off-topic slugs and captures outside the window are never fetched."""
    site = FixtureSite()
    counts = backfilled.first["counts"]
    assert counts["archive_filtered_slug"] >= 2  # foldable-phone-battery, election-day
    for aid in ("a2", "s2"):
        assert archived(site.articles[aid]["outlet"], site.articles[aid]["path"]) not in backfilled.docs
    # Old articles (2019) lie outside the CDX from/to: the archive does not even list them.
    assert archived("xinhua_arabic", site.articles["x3"]["path"]) not in backfilled.docs


def test_common_crawl_records_fetched_by_byte_range_with_backoff(backfilled: Backfilled) -> None:
    requests = backfilled.data_requests_first
    assert requests[0][0] == "/robots.txt"  # the archive host's robots.txt is read first
    assert [p for p, _ in requests].count("/collinfo.json") == 2  # 429, then retried
    ranged = [(p, r) for p, r in requests if p.startswith("/data/")]
    assert ranged and all(r.startswith("bytes=") for _, r in ranged)
    assert len(ranged) == len(set(ranged)) + 1  # the record answered 503 was asked again, and got
    cc_docs = [d for d in backfilled.docs.values() if d["discovered_via"] == "archive:cc"]
    assert len(cc_docs) >= 5


def test_per_route_and_per_outlet_counts_in_the_run_record(backfilled: Backfilled) -> None:
    store = backfilled.store
    store.client.indices.refresh(index=f"{backfilled.config.elasticsearch.index_prefix}-*")
    record = next(store.scan("runs", query={"term": {"run_id": backfilled.first["run_id"]}}))
    routes = {r["route"]: r for r in record["routes"]}
    assert set(routes) == {"archive:ia", "archive:cc"}
    by_via: dict[str, int] = {}
    for d in backfilled.docs.values():
        by_via[d["discovered_via"]] = by_via.get(d["discovered_via"], 0) + 1
    for via, row in routes.items():
        assert row["kept"] == by_via[via] and row["fetched"] >= row["kept"] and row["discovered"] >= row["fetched"]
    outlets = {r["outlet"]: r for r in record["outlets"]}
    assert set(outlets) == set(FixtureSite().outlets)
    assert sum(r["kept"] for r in outlets.values()) == len(backfilled.docs)


def test_rerun_resumes_from_the_checkpoint(backfilled: Backfilled) -> None:
    """Every (archive, index, prefix, window) query finished: the second run asks the archive nothing."""
    state = json.loads(Path(backfilled.config.archive.state_file).read_text(encoding="utf-8"))["done"]
    outlets = len(FixtureSite().outlets)
    assert len([k for k in state if k.startswith("ia|")]) == outlets
    assert len([k for k in state if k.startswith("cc|CC-MAIN-2020-50|")]) == outlets
    counts = backfilled.second["counts"]
    assert counts["archive_already_done"] == 2 * outlets
    assert counts.get("discovered", 0) == 0 and counts.get("indexed", 0) == 0
    assert [p for p, _ in backfilled.data_requests_second if p != "/robots.txt"] == ["/collinfo.json"]


def real_pages() -> list[dict]:
    return json.loads(REAL_PAGES.read_text(encoding="utf-8"))["pages"]


def page_html(p: dict) -> bytes:
    paras = "".join(f"<p>{t}</p>" for t in p["text"])
    return (f"<!doctype html><html lang='ar' dir='rtl'><head><meta charset='utf-8'><title>{p['title']}</title></head>"
            f"<body><article><h1>{p['title']}</h1>{paras}</article></body></html>").encode()


def test_warc_of_real_arabic_pages_keeps_the_relevant_like_compare(tmp_path: Path, es_url: str) -> None:
    """`rasad backfill --warc` (an uncompressed WARC, all dates) keeps the WIC reports and drops the rest;
    each kept article's relation is the one `rasad compare` gives the same page."""
    pages = real_pages()
    warc = write_warc(tmp_path / "newsroom.warc", [
        ArchivedPage(p["url"], datetime.fromisoformat(p["captured"].replace("Z", "+00:00")), page_html(p))
        for p in pages], gzip=False)
    prefix = f"rasad-bw{datetime.now(UTC).strftime('%H%M%S%f')}"
    cfg_path = write_config(tmp_path, es_url, prefix, extra=f'\n[archive]\nstate_file = "{tmp_path / "s.json"}"\n')
    rasad = [sys.executable, "-m", "jobs.cli", "-c", str(cfg_path)]
    done = subprocess.run([*rasad, "backfill", "--warc", str(warc)], capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "archive:warc" in done.stdout  # the per-route summary
    store = Store(load_config(cfg_path, env={}))
    try:
        store.client.indices.refresh(index=f"{prefix}-*")
        kept = {d["url"]: d for d in store.scan("articles")}
        wic = {p["url"] for p in pages if p["kind"] == "wic"}
        assert set(kept) == wic
        assert all(d["discovered_via"] == "archive:warc" and d["captured_at"] for d in kept.values())
        for p in pages:
            if p["url"] not in kept:
                continue
            html = tmp_path / f"page{pages.index(p)}.html"
            html.write_bytes(page_html(p))
            out = subprocess.run([*rasad, "compare", "--json", str(html)], capture_output=True, text=True, timeout=120)
            assert out.returncode == 0, out.stderr[-2000:]
            verdict = json.loads(out.stdout.strip().splitlines()[-1])
            assert kept[p["url"]]["relation"] == verdict["relation"], p["url"]
    finally:
        drop(store, prefix)


def test_digest_footer_reads_the_routes_of_the_period(backfilled: Backfilled) -> None:
    from reports.service import period_routes

    rows = {r["route"]: r for r in period_routes(backfilled.store, datetime(2020, 1, 1, tzinfo=UTC), datetime.now(UTC))}
    # Both backfills of the module finished in the period: their rows add up.
    first = {r["route"]: r for r in backfilled.first["routes"]}
    assert rows["archive:ia"]["kept"] == first["archive:ia"]["kept"] > 0
    assert rows["archive:cc"]["discovered"] == first["archive:cc"]["discovered"] > 0


@pytest.mark.parametrize(("host", "cause"), [
    ("refused", "the connection was refused"),
    ("no-such-host.invalid", "the host name could not be resolved (DNS); is the machine offline"),
])
def test_unreachable_archive_fails_the_backfill_with_a_non_zero_exit(tmp_path: Path, es_url: str, host: str,
                                                                      cause: str) -> None:
    """Archive endpoints where nothing listens (or whose name does not resolve): the backfill ends `failed`
    (exit 1), not `ok`, says which route, and gives the cause in a sentence, not inside a dict of counts."""
    from tests.conftest import free_port

    dead = f"http://127.0.0.1:{free_port()}" if host == "refused" else f"http://{host}"
    prefix = f"rasad-bx{datetime.now(UTC).strftime('%H%M%S%f')}"
    cfg_path = write_config(tmp_path, es_url, prefix, extra=f"""
[crawl]
download_delay = 0

[archive]
wayback_cdx_url = "{dead}/cdx"
wayback_replay_url = "{dead}/web"
wayback_cdx_rate = 0
wayback_replay_rate = 0
state_file = "{tmp_path / 's.json'}"
""")
    rasad = [sys.executable, "-m", "jobs.cli", "-c", str(cfg_path)]
    try:
        done = subprocess.run([*rasad, "backfill", "--archive", "ia", "--source", "xinhua_arabic",
                               "--from", "2020-11-01", "--to", "2020-11-30"], capture_output=True, text=True,
                              timeout=240)
    finally:
        _drop(load_config(cfg_path, env={}))
    assert done.returncode == 1, (done.stdout[-2000:], done.stderr[-2000:])
    assert ": failed" in done.stdout
    assert "archive:ia" in done.stdout
    shown = done.stdout + done.stderr
    assert re.search(rf"\d+ requests? failed: {re.escape(cause)}", shown), shown
    assert "{'" not in shown and "errors_" not in shown  # no raw counts


def _drop(config: Config) -> None:
    store = Store(config)
    prefix = config.elasticsearch.index_prefix
    store.client.options(ignore_status=404).indices.delete(index=f"{prefix}-*")
    for kind in INDICES:
        store.client.options(ignore_status=404).indices.delete_index_template(name=f"{prefix}-{kind}")
    store.close()


def test_backfill_child_feeds_the_progress_display(tmp_path: Path, es_url: str) -> None:
    """A backfill reports count snapshots while it runs, as a crawl does (the display of `rasad backfill`)."""
    from crawler.backfill import plan_backfill, run_backfill
    from jobs.progress import progress_counts

    pages = real_pages()
    warc = write_warc(tmp_path / "p.warc.gz", [
        ArchivedPage(p["url"], datetime.fromisoformat(p["captured"].replace("Z", "+00:00")), page_html(p))
        for p in pages])
    prefix = f"rasad-bp{datetime.now(UTC).strftime('%H%M%S%f')}"
    config = load_config(write_config(tmp_path, es_url, prefix, extra=f'\n[archive]\nstate_file = "{tmp_path / "s.json"}"\n'),
                         env={})
    store = Store(config)
    store.init()
    snapshots: list[dict] = []
    try:
        plan = plan_backfill(config, start=None, end=None, topic=None, archives=[], warc_files=[str(warc)],
                             source_names=None)
        stats = run_backfill(config, plan, run_id="progress-bf", on_progress=snapshots.append)
    finally:
        drop(store, prefix)
    assert snapshots, "no progress snapshot from the backfill child"
    last = progress_counts(snapshots[-1])
    assert last["kept"] == stats.relevant == sum(p["kind"] == "wic" for p in pages)
