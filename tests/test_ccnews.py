"""`rasad backfill --archive ccnews` and `--archive ccindex` against a Common Crawl-style data server on
127.0.0.1 (jobs/local_commoncrawl.py) and the real Elasticsearch node. No HTTP is mocked.

The CC-NEWS-shaped tree: monthly `warc.paths.gz` listings; WARC files written with warcio holding
real public Arabic pages (tests/fixtures/archive/real_pages.json) among English, off-topic, non-HTML
and non-200 records, on hosts declared in the catalogue and hosts in no catalogue entry; one file cut
off. The columnar index: Parquet partitions with the cc-index-table flat schema, several row groups.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from crawler.config import Config, load_config
from crawler.discovery.archives import ccindex, ccnews
from crawler.discovery.archives.http import ArchiveClient, ArchiveHTTPError
from crawler.discovery.archives.prefilter import Prefilter
from crawler.store import Store
from jobs import tasks
from jobs.local_archive import ArchivedPage
from jobs.local_commoncrawl import LocalCommonCrawl, write_listing, write_records
from tests.conftest import write_config
from tests.test_backfill import drop, page_html, real_pages

REPO = Path(__file__).resolve().parent.parent
START, END = datetime(2022, 11, 8, tzinfo=UTC), datetime(2022, 11, 21, 23, 59, 59, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2022, 11, day, hour, tzinfo=UTC)


def pages_by_kind() -> tuple[list[dict], list[dict]]:
    pages = real_pages()
    return [p for p in pages if p["kind"] == "wic"], [p for p in pages if p["kind"] != "wic"]


def wic(host_url: str) -> dict:
    """The real WIC page published at `host_url`."""
    return next(p for p in real_pages() if p["url"] == (CRIK_PAGE if host_url == CRIK else host_url))


def english_wuzhen() -> bytes:
    body = "".join("<p>The World Internet Conference opened in Wuzhen, Zhejiang, with leaders of the industry.</p>"
                   for _ in range(8))
    return f"<html lang='en'><head><title>Wuzhen summit opens</title></head><body>{body}</body></html>".encode()


CRIK_PAGE = "https://crik.sa/?p=338769"
CRIK = "https://www.wahapress.example/local/338769"  # a real page moved to a host in no catalogue entry
ROSA = "https://www.rosaelyoussef.com/1029938"  # declared (egypt.py)
AKHBAR = next(p["url"] for p in real_pages() if "akhbarelyom" in p["url"])  # declared (akhbar_el_yom)
F_OLD = "crawl-data/CC-NEWS/2022/10/CC-NEWS-20221020000000-00090.warc.gz"
F0 = "crawl-data/CC-NEWS/2022/11/CC-NEWS-20221107180000-00100.warc.gz"
F1 = "crawl-data/CC-NEWS/2022/11/CC-NEWS-20221109000000-00101.warc.gz"
F2 = "crawl-data/CC-NEWS/2022/11/CC-NEWS-20221110000000-00102.warc.gz"  # cut off
F3 = "crawl-data/CC-NEWS/2022/11/CC-NEWS-20221125000000-00103.warc.gz"  # after the window


def build_ccnews(root: Path) -> dict[str, Any]:
    _, others = pages_by_kind()
    html = lambda p: page_html(p)  # noqa: E731
    files = {
        F_OLD: [ArchivedPage(CRIK + "&old", datetime(2022, 10, 20, tzinfo=UTC), html(wic(CRIK)))],
        # The file before the window: its first record is older than the window, its second inside.
        F0: [ArchivedPage("https://www.wahapress.example/local/1", datetime(2022, 11, 7, 20, tzinfo=UTC), html(wic(CRIK))),
             ArchivedPage(CRIK, at(8, 1), html(wic(CRIK)))],
        # Mixed languages and hosts; the relevant page on a declared host is the last record.
        F1: [("https://www.bbc.com/news/x", "request"),
             ArchivedPage("https://www.example-news.com/tech/wuzhen-summit", at(9), english_wuzhen()),
             *[ArchivedPage(f"https://portal{i}.example/news/{i}", at(9, 13), html(p)) for i, p in enumerate(others)],
             ArchivedPage("https://portal.example/logo.png", at(9), PNG, "image/png"),
             ArchivedPage("https://portal.example/gone", at(9), html(wic(CRIK)), status="404 Not Found"),
             ArchivedPage(ROSA, at(9, 20), html(wic(ROSA)))],
        F2: [ArchivedPage(AKHBAR, at(10, 2), html(wic(AKHBAR))),
             *[ArchivedPage(f"https://late{i}.example/a/{i}", at(10, 3), html(p)) for i, p in enumerate(others)]],
        F3: [ArchivedPage("https://www.wahapress.example/local/2", at(25), html(wic(CRIK)))],
    }
    for path, pages in files.items():
        write_records(root / path, pages)
    cut = root / F2
    data = cut.read_bytes()
    cut.write_bytes(data[: len(data) * 2 // 3])  # mid-record: the file ends inside a gzip member
    write_listing(root / "crawl-data/CC-NEWS/2022/10/warc.paths.gz", [F_OLD, "crawl-data/CC-NEWS/2022/10/index.html"])
    write_listing(root / "crawl-data/CC-NEWS/2022/11/warc.paths.gz", [F3, F1, F0, F2])  # any order
    records = {path: len(pages) for path, pages in files.items()}
    return {"records": records, "relevant": {CRIK, ROSA, AKHBAR}}


def cc_config(tmp: Path, es_url: str, prefix: str, server: LocalCommonCrawl, extra: str = "",
              stream_timeout: int = 20) -> Path:
    return write_config(tmp, es_url, prefix, extra=f"""
[crawl]
allow_private_addresses = true
download_delay = 0

[archive]
ccnews_url = "{server.url}"
ccindex_url = "{server.url}"
cc_index_url = "{server.url}collinfo.json"
cc_data_url = "{server.url}"
cc_index_rate = 0
cc_data_rate = 0
stream_timeout = {stream_timeout}
state_file = "{tmp / 'backfill-state.json'}"
{extra}
""")


@dataclass
class Scanned:
    server: LocalCommonCrawl
    config: Config
    store: Store
    layout: dict[str, Any]
    first: dict[str, Any]
    docs: dict[str, dict]
    requests_first: list[tuple[str, str]]
    second: dict[str, Any]
    requests_second: list[tuple[str, str]]
    snapshots: list[dict]


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory, es_url: str) -> Iterator[Scanned]:
    from crawler.backfill import plan_backfill

    tmp = tmp_path_factory.mktemp("ccnews")
    layout = build_ccnews(tmp / "data")
    server = LocalCommonCrawl(tmp / "data").start()
    server.fail_next("CC-NEWS-20221109000000", 503, 2)  # "Slow Down" twice for F1, then served
    prefix = f"rasad-cn{datetime.now(UTC).strftime('%H%M%S%f')}"
    config = load_config(cc_config(tmp, es_url, prefix, server), env={})
    store = Store(config)
    try:
        plan = plan_backfill(config, start=START, end=END, topic="wic-2020", archives=["ccnews"], warc_files=None,
                             source_names=None)
        snapshots: list[dict] = []
        first = tasks.backfill(config, plan, on_progress=snapshots.append)
        store.client.indices.refresh(index=f"{prefix}-*")
        docs = {d["url"]: d for d in store.scan("articles")}
        seen = list(server.requests)
        second = tasks.backfill(config, plan)
        yield Scanned(server, config, store, layout, first, docs, seen, second, server.requests[len(seen):],
                      snapshots)
    finally:
        server.stop()
        drop(store, prefix)


def test_ccnews_keeps_the_relevant_arabic_articles_of_every_host(scanned: Scanned) -> None:
    docs = scanned.docs
    assert set(docs) == scanned.layout["relevant"]
    assert all(d["discovered_via"] == "archive:ccnews" and d["captured_at"] for d in docs.values())
    # Hosts in no catalogue entry are kept, named by their registered domain and marked undeclared; a
    # declared host by its outlet.
    assert docs[CRIK]["source"] == "wahapress.example" and docs[AKHBAR]["source"] == "akhbar_el_yom"
    assert docs[CRIK]["outlet_declared"] is False and docs[AKHBAR]["outlet_declared"] is True
    assert docs[ROSA]["source"] != "www.rosaelyoussef.com"
    assert docs[ROSA]["relation"] and docs[CRIK]["relation"]


def test_ccnews_picks_files_by_the_timestamp_in_their_names(scanned: Scanned) -> None:
    asked = [p for p, _ in scanned.requests_first]
    assert "/crawl-data/CC-NEWS/2022/10/warc.paths.gz" in asked  # the month before: its last file may reach in
    assert "/crawl-data/CC-NEWS/2022/11/warc.paths.gz" in asked
    assert not any("CC-NEWS-20221020" in p for p in asked)  # older than the file just before the window
    assert not any("CC-NEWS-20221125" in p for p in asked)  # after the window
    assert [p for p in asked if p.endswith(".warc.gz")] == [f"/{F0}", f"/{F1}", f"/{F1}", f"/{F1}", f"/{F2}"]


def test_ccnews_counts_add_up_and_drop_cheaply(scanned: Scanned) -> None:
    counts = scanned.first["counts"]
    records = scanned.layout["records"]
    # F2 is cut two thirds in: only the records before the cut are counted.
    read = counts["archive_scanned_records"]
    assert records[F0] + records[F1] < read < records[F0] + records[F1] + records[F2]
    dropped = {k.removeprefix("archive_ccnews_dropped_"): v for k, v in counts.items()
               if k.startswith("archive_ccnews_dropped_")}
    assert dropped["date"] == 1 and dropped["not_response"] == 1 and dropped["not_html"] == 1
    assert dropped["not_200"] == 1 and dropped["not_arabic"] == 1 and dropped["off_topic"] >= 1
    extracted = read - sum(dropped.values())  # the record cut short is not counted: the file is read again
    assert counts["via_archive:ccnews"] == extracted == 3  # every other record is dropped cheaply or extracted
    assert counts["indexed"] == len(scanned.layout["relevant"])
    assert counts["archive_scanned_bytes"] > 0
    assert counts["errors_warc_file"] == 1  # the cut-off file
    routes = {r["route"]: r for r in scanned.first["routes"]}
    assert routes["archive:ccnews"]["kept"] == 3 and routes["archive:ccnews"]["errors"] == 1
    assert scanned.first["status"] != "ok"  # a file could not be read to its end: said, not hidden


def test_ccnews_progress_shows_bytes_and_records(scanned: Scanned) -> None:
    from jobs.progress import progress_counts, progress_text

    last = progress_counts(scanned.snapshots[-1])
    assert last["scanned_records"] == scanned.first["counts"]["archive_scanned_records"]
    assert "records" in progress_text("backfill", last) and last["kept"] == 3


def test_ccnews_backs_off_on_slow_down(scanned: Scanned) -> None:
    asked = [p for p, _ in scanned.requests_first]
    assert asked.count(f"/{F1}") == 3  # 503, 503, then the file
    assert ROSA in scanned.docs


def test_ccnews_rerun_reads_only_the_unfinished_file(scanned: Scanned) -> None:
    state = json.loads(Path(scanned.config.archive.state_file).read_text(encoding="utf-8"))["done"]
    done = {k.split("|")[2] for k in state if k.startswith("ccnews|")}
    assert done == {F0, F1}  # the cut-off file is not finished
    assert state[next(k for k in state if F1 in k)]["records"] == scanned.layout["records"][F1]
    files = [p for p, _ in scanned.requests_second if p.endswith(".warc.gz")]
    assert files == [f"/{F2}"]  # finished files are never read again
    counts = scanned.second["counts"]
    assert counts["archive_already_done"] == 2
    assert counts.get("indexed", 0) == 0 and counts["skipped_known"] == 1  # AKHBAR, stored by the first run


def test_prefilter_edges(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, "http://127.0.0.1:9", "p"), env={})
    topic = config.topic(None)
    pf = Prefilter(topic, topic.url_keywords)
    arabic = page_html(wic(CRIK))
    assert pf.reason(CRIK, arabic) is None
    assert pf.reason("https://x.example/a", english_wuzhen()) == "not_arabic"
    assert pf.reason("https://x.example/a", page_html(pages_by_kind()[1][0])) == "off_topic"
    legacy = page_html(wic(CRIK)).decode("utf-8").encode("cp1256", errors="replace")
    assert pf.reason(CRIK, legacy, "text/html; charset=windows-1256") is None
    # An empty stream has no record; a stream of one record yields it.
    stats = ccnews.ScanStats()
    assert list(ccnews.scan_stream(io.BytesIO(b""), pf, None, None, stats, "empty")) == []
    one = tmp_path / "one.warc.gz"
    write_records(one, [ArchivedPage(CRIK, at(9), arabic)])
    assert [p.url for p in ccnews.scan_stream(one.open("rb"), pf, None, None, stats, "one")] == [CRIK]
    data = one.read_bytes()
    with pytest.raises(ccnews.CCNewsError, match="cut"):
        list(ccnews.scan_stream(io.BytesIO(data[:-40]), pf, None, None, ccnews.ScanStats(), "cut"))
    files = ccnews.parse_listing(__import__("gzip").compress(f"{F2}\n{F0}\nnot-a-file\n".encode()))
    assert [f.path for f in ccnews.select_files(files, START, END)] == [F0, F2]
    assert ccnews.months(START, END) == ["2022/10", "2022/11"]
    assert ccnews.months(datetime(2020, 1, 5, tzinfo=UTC), datetime(2020, 1, 6, tzinfo=UTC)) == ["2019/12", "2020/01"]


def test_ccnews_killed_midway_then_restarted_stores_each_article_once(tmp_path: Path, es_url: str) -> None:
    """A backfill killed (SIGKILL) while a file is half read: the restart skips the finished file, reads
    the cut one again, and every article ends stored exactly once."""
    _, others = pages_by_kind()
    root = tmp_path / "data"
    k1 = "crawl-data/CC-NEWS/2022/11/CC-NEWS-20221109000000-00200.warc.gz"
    k2 = "crawl-data/CC-NEWS/2022/11/CC-NEWS-20221112000000-00201.warc.gz"
    write_records(root / k1, [ArchivedPage(CRIK, at(9), page_html(wic(CRIK)))])
    filler = [ArchivedPage(f"https://filler{i}.example/{i}", at(12, 3), page_html(others[i % len(others)]) * 6)
              for i in range(40)]
    spans = write_records(root / k2, [ArchivedPage(AKHBAR, at(12, 1), page_html(wic(AKHBAR))), *filler,
                                      ArchivedPage(ROSA, at(12, 5), page_html(wic(ROSA)))])
    write_listing(root / "crawl-data/CC-NEWS/2022/11/warc.paths.gz", [k1, k2])
    write_listing(root / "crawl-data/CC-NEWS/2022/10/warc.paths.gz", [])
    server = LocalCommonCrawl(root).start()
    cut = spans[len(spans) // 2][0]  # half the file: AKHBAR and a good part of the filler are sent
    server.stall(k2, cut)
    prefix = f"rasad-ck{datetime.now(UTC).strftime('%H%M%S%f')}"
    cfg_path = cc_config(tmp_path, es_url, prefix, server)
    config = load_config(cfg_path, env={})
    store = Store(config)
    state_file = Path(config.archive.state_file)
    rasad = [sys.executable, "-m", "jobs.cli", "-c", str(cfg_path), "backfill", "--archive", "ccnews",
             "--from", "2022-11-08", "--to", "2022-11-21"]
    try:
        proc = subprocess.Popen(rasad, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + 180
        while True:  # until the first file is finished and the second half read, its first article stored
            stored = set()
            if store.client.indices.exists(index=f"{prefix}-articles*"):
                store.client.indices.refresh(index=f"{prefix}-*")
                stored = {d["url"] for d in store.scan("articles")}
            finished = state_file.exists() and k1 in state_file.read_text(encoding="utf-8")
            if server.stalled.is_set() and finished and AKHBAR in stored:
                break
            assert proc.poll() is None, proc.stderr.read().decode()[-3000:] if proc.stderr else ""
            assert time.monotonic() < deadline, f"no midway point reached: stored {stored}, finished {finished}"
            time.sleep(0.5)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
        server.release()
        assert ROSA not in stored
        before = len(server.requests)
        done = subprocess.run(rasad, cwd=REPO, capture_output=True, text=True, timeout=240)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
        files = [p for p, _ in server.requests[before:] if p.endswith(".warc.gz")]
        assert files == [f"/{k2}"]  # the finished file is not read again
        store.client.indices.refresh(index=f"{prefix}-*")
        urls = [d["url"] for d in store.scan("articles")]
        assert sorted(urls) == sorted({CRIK, AKHBAR, ROSA})  # each once
        for url in (CRIK, AKHBAR, ROSA):
            assert store.client.count(index=f"{prefix}-articles", body={"query": {"term": {"url": url}}})["count"] == 1
        store.client.indices.refresh(index=f"{prefix}-*")
        last = max(store.scan("runs"), key=lambda r: r["run_id"])
        # The re-read file's first article was stored before the kill: skipped as known, not written again.
        assert last["counts"]["skipped_known"] == 1 and last["counts"]["created"] == 1
    finally:
        server.stop()
        drop(store, prefix)


# -- the columnar index ----------------------------------------------------------------------------


def cc_index_schema():  # noqa: ANN201 - pyarrow schema
    """The flat schema of cc-index-table (src/main/resources/schema/cc-index-schema-flat.json)."""
    import pyarrow as pa

    s, i16, i32 = pa.string(), pa.int16(), pa.int32()
    return pa.schema([
        ("url_surtkey", s), ("url", s), ("url_host_name", s), ("url_host_tld", s), ("url_host_2nd_last_part", s),
        ("url_host_3rd_last_part", s), ("url_host_4th_last_part", s), ("url_host_5th_last_part", s),
        ("url_host_registry_suffix", s), ("url_host_registered_domain", s), ("url_host_private_suffix", s),
        ("url_host_private_domain", s), ("url_host_name_reversed", s), ("url_protocol", s), ("url_port", i32),
        ("url_path", s), ("url_query", s), ("fetch_time", pa.timestamp("us", tz="UTC")), ("fetch_status", i16),
        ("fetch_redirect", s), ("content_digest", s), ("content_mime_type", s), ("content_mime_detected", s),
        ("content_charset", s), ("content_languages", s), ("content_truncated", s), ("warc_filename", s),
        ("warc_record_offset", i32), ("warc_record_length", i32), ("warc_segment", s),
    ])


def index_row(url: str, when: datetime, filename: str, span: tuple[int, int], languages: str = "ara",
              status: int = 200, mime: str = "text/html") -> dict:
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname or ""
    parts = host.split(".")
    row = {name: None for name in cc_index_schema().names}
    row.update(url=url, url_surtkey=",".join(reversed(parts)) + ")" + urlsplit(url).path, url_host_name=host,
               url_host_tld=parts[-1], url_host_registered_domain=".".join(parts[-2:]), url_protocol="https",
               url_path=urlsplit(url).path, url_query=urlsplit(url).query or None, fetch_time=when,
               fetch_status=status, content_mime_type=mime, content_mime_detected=mime, content_languages=languages,
               warc_filename=filename, warc_record_offset=span[0], warc_record_length=span[1],
               warc_segment="1668000000000.00", content_digest=f"D{abs(hash(url))}")
    return row


KEYWORD_URL = "https://gulfportal.example/news/2022/11/%D9%82%D9%85%D8%A9-%D9%88%D9%88%D8%AA%D8%B4%D9%86-2022"
LATIN_URL = "https://tech.example/ar/world-internet-conference-wuzhen-opens"


def build_index(root: Path) -> dict[str, Any]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    _, others = pages_by_kind()
    crawl = "CC-MAIN-2022-49"
    warc = f"crawl-data/{crawl}/segments/1668000000000.00/warc/CC-MAIN-20221120000000-20221120030000-00001.warc.gz"
    pages = [ArchivedPage(KEYWORD_URL, at(15), page_html(wic(CRIK))),
             ArchivedPage(LATIN_URL, at(16), page_html(wic(AKHBAR))),
             ArchivedPage(ROSA, at(17), page_html(wic(ROSA))),  # a declared host, no keyword in its address
             ArchivedPage("https://gulfportal.example/sport/final-match", at(15), page_html(others[0])),
             ArchivedPage("https://en.example/world-internet-conference", at(15), english_wuzhen())]
    spans = write_records(root / warc, pages)
    rows = [index_row(p.url, p.captured_at, warc, s) for p, s in zip(pages, spans, strict=True)]
    rows[4]["content_languages"] = "eng"
    # Captures the query must not select: before the window, an error status, no language.
    rows.append(index_row(KEYWORD_URL + "-old", datetime(2022, 10, 1, tzinfo=UTC), warc, spans[0]))
    rows.append(index_row(LATIN_URL + "-gone", at(15), warc, spans[1], status=404))
    rows.append(index_row(LATIN_URL + "-none", at(15), warc, spans[1], languages=None))
    rows.sort(key=lambda r: r["fetch_time"])
    filler = [index_row(f"https://filler{i}.example/page/{i}", datetime(2022, 11, 30, tzinfo=UTC), warc, (0, 10),
                        languages="eng") for i in range(400)]
    table = pa.Table.from_pylist(rows + filler, schema=cc_index_schema())
    part = f"cc-index/table/cc-main/warc/crawl={crawl}/subset=warc/part-00000-test.c000.gz.parquet"
    (root / part).parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, root / part, row_group_size=50, compression="gzip")
    write_listing(root / f"crawl-data/{crawl}/cc-index-table.paths.gz",
                  [part, f"cc-index/table/cc-main/warc/crawl={crawl}/subset=robotstxt/part-00000-x.parquet"])
    (root / "collinfo.json").write_text(json.dumps([
        {"id": crawl, "cdx-api": "http://127.0.0.1:9/none", "from": "2022-11-14T00:00:00", "to": "2022-11-30T00:00:00"},
        {"id": "CC-MAIN-2022-40", "cdx-api": "http://127.0.0.1:9/none", "from": "2022-09-24T00:00:00",
         "to": "2022-10-08T00:00:00"},
    ]), encoding="utf-8")
    return {"part": part, "warc": warc, "size": (root / part).stat().st_size}


def test_query_partition_reads_only_what_it_needs(tmp_path: Path) -> None:
    layout = build_index(tmp_path)
    with LocalCommonCrawl(tmp_path) as server:
        client = ArchiveClient("test", rate=0)
        captures = ccindex.query_partition(client, f"{server.url}{layout['part']}", start=START, end=END,
                                           keywords=["wuzhen", "world-internet-conference", "قمة ووتشن"],
                                           hosts=["www.rosaelyoussef.com"])
        ranged = [r for p, r in server.requests if p.endswith(".parquet")]
    assert sorted(c.url for c in captures) == sorted([KEYWORD_URL, LATIN_URL, ROSA])
    assert all(c.filename == layout["warc"] and c.length > 0 for c in captures)
    assert all(r.startswith("bytes=") for r in ranged)
    read = sum(int(b) - int(a) + 1 for a, b in (r.removeprefix("bytes=").split("-") for r in ranged))
    assert read < layout["size"]  # the filler's row groups and the other columns are not read


def test_ccindex_route_fetches_arabic_captures_by_byte_range(tmp_path: Path, es_url: str) -> None:
    from crawler.backfill import plan_backfill

    layout = build_index(tmp_path / "data")
    server = LocalCommonCrawl(tmp_path / "data").start()
    server.fail_next(".parquet", 503, 1)
    prefix = f"rasad-ci{datetime.now(UTC).strftime('%H%M%S%f')}"
    config = load_config(cc_config(tmp_path, es_url, prefix, server), env={})
    store = Store(config)
    try:
        plan = plan_backfill(config, start=START, end=END, topic="wic-2020", archives=["ccindex"], warc_files=None,
                             source_names=None)
        first = tasks.backfill(config, plan)
        store.client.indices.refresh(index=f"{prefix}-*")
        docs = {d["url"]: d for d in store.scan("articles")}
        assert set(docs) == {KEYWORD_URL, LATIN_URL, ROSA}
        assert all(d["discovered_via"] == "archive:ccindex" for d in docs.values())
        assert docs[KEYWORD_URL]["source"] == "gulfportal.example"  # in no catalogue entry
        assert docs[KEYWORD_URL]["outlet_declared"] is False and docs[ROSA]["outlet_declared"] is True
        records = [r for p, r in server.requests if p == f"/{layout['warc']}"]
        assert len(records) == 3 and all(r.startswith("bytes=") for r in records)
        assert not any("CC-MAIN-2022-40" in p for p, _ in server.requests)  # that crawl is outside the window
        assert first["counts"]["indexed"] == 3
        seen = len(server.requests)
        second = tasks.backfill(config, plan)
        later = [p for p, _ in server.requests[seen:]]
        assert not any(p.endswith(".parquet") or p == f"/{layout['warc']}" for p in later)  # partition finished
        assert second["counts"]["archive_already_done"] == 1
    finally:
        server.stop()
        drop(store, prefix)


def test_archive_client_one_request_at_a_time_per_host(tmp_path: Path) -> None:
    """Threads sharing the client (a stream and an index read) never overlap on one host, and keep the pace."""
    import threading

    write_listing(tmp_path / "a.paths.gz", ["x"] * 2000)
    with LocalCommonCrawl(tmp_path) as server:
        client = ArchiveClient("test", rate=5.0)  # 0.2 s between two requests
        threads = [threading.Thread(target=lambda: [client.get(f"{server.url}a.paths.gz") for _ in range(3)])
                   for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert len(server.starts) == 10 and server.max_inflight == 1  # robots.txt, then 9
        gaps = [b - a for a, b in zip(server.starts, server.starts[1:], strict=False)]
        assert min(gaps) >= 0.18
        with pytest.raises(ccindex.CCIndexError, match="a.paths.gz: not a readable index partition"):
            ccindex.query_partition(client, f"{server.url}a.paths.gz", start=START, end=END, keywords=["wuzhen"])
        with pytest.raises(ArchiveHTTPError, match="missing.parquet: HTTP 404"):
            ccindex.query_partition(client, f"{server.url}missing.parquet", start=START, end=END, keywords=["x"])
    with LocalCommonCrawl(tmp_path) as server:
        server.robots = b"User-agent: *\nDisallow: /crawl-data/CC-NEWS/\n"
        client = ArchiveClient("test", rate=0)
        with pytest.raises(ArchiveHTTPError, match="disallowed by the host's robots.txt"):
            client.get(f"{server.url}crawl-data/CC-NEWS/2022/11/warc.paths.gz")
        assert server.asked("/crawl-data/") == 0


def test_a_listing_that_inflates_past_its_cap_is_refused_naming_it() -> None:
    """A paths listing is inflated under a cap: a gzip of 100 MB of zeros is an error, not 100 MB in memory."""
    bomb = gzip.compress(b"0" * (100 * 1024 * 1024))
    with pytest.raises(ccnews.CCNewsError, match=r"2020/11/warc\.paths\.gz: a paths listing over"):
        ccnews.parse_listing(bomb, "2020/11/warc.paths.gz")
    with pytest.raises(ccindex.CCIndexError, match=r"CC-MAIN-2020-50.*listing over"):
        ccindex.parse_partitions(bomb, "CC-MAIN-2020-50/cc-index-table.paths.gz")
