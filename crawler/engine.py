"""Common Crawl backfills on an engine: one process (`local`) or Dask distributed (a local pool or a cluster).

The unit of work is one CC-NEWS file, or one partition of the columnar index (`partition_task`: the
route's own Parquet query, then each capture's record by byte range). A file's task (`scan_task`) runs
inside the worker process, without Scrapy: it streams the file through the route's own scan (crawler.discovery.archives.ccnews.scan_file:
response, HTML, window, Arabic, topic), the byte-heavy part, and returns the few pages that passed with
the file's counts. Those pages then go, several files' worth at once, to an extraction task on a
worker (`extract_task`): one backfill child (crawler.backfill, the same spider and pipelines as every
route: extract, language, relevance, compare, store) reading them as a local WARC file and writing
straight to Elasticsearch. Document ids are idempotent and known URLs skipped, so a task retried after
a worker died does no harm.

The driver (`run_engine`) lists the window's files, skips those finished (the backfill state, as the
route keeps it), and checkpoints a file once its pages were extracted and stored: a finished file is
never read again. The same task functions run under both engines.
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from crawler.backfill import BackfillPlan, run_backfill
from crawler.config import Config
from crawler.discovery.archives import CCINDEX, CCNEWS, ccnews
from crawler.discovery.archives.commoncrawl import ArchivedPage, CommonCrawlError
from crawler.discovery.archives.http import ArchiveClient, ArchiveHTTPError
from crawler.discovery.archives.prefilter import Prefilter
from crawler.discovery.archives.state import BackfillState, query_key
from crawler.run import CrawlError, CrawlStats, config_from_payload, config_payload, stats_from_scrapy

log = logging.getLogger(__name__)

ENGINES = ("local", "dask")
EXTRACT_BATCH_PAGES = 200  # pages per extraction task: one backfill child (its start costs seconds) per batch
TASK_RETRIES = 2  # a task that raised (not a worker that died: Dask reschedules those itself)


@dataclass(frozen=True)
class ScanJob:
    """One file to scan, with what a worker needs to do it (the configuration travels with the task)."""

    path: str
    key: str
    start: datetime
    end: datetime
    config: dict[str, Any]
    topic: str | None
    via: str = CCNEWS  # archive:ccnews (a CC-NEWS file) or archive:ccindex (a columnar-index partition)
    hosts: tuple[str, ...] = ()  # ccindex: the catalogue's hosts, selected whatever their URL words


@dataclass
class ScanResult:
    path: str
    key: str
    via: str = CCNEWS
    bytes: int = 0
    records: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    pages: list[ArchivedPage] = field(default_factory=list)
    candidates: int = 0  # pages that passed the cheap filter
    error: str | None = None
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # of the task's thread: what the scan cost, whatever else the machine runs


# -- worker side ---------------------------------------------------------------------------------

_TOOLS: dict[str, tuple[Config, ArchiveClient, Prefilter]] = {}  # per worker process, by configuration


M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)
HEAP_KEPT = 64 * 1024 * 1024


def _keep_heap() -> None:
    """Let glibc keep freed memory instead of handing it back at once. A Dask nanny starts its workers with
    MALLOC_TRIM_THRESHOLD_=65536, which also freezes the mmap threshold at 128 KiB: every buffer of a
    streamed file then costs an mmap, a munmap and its page faults, about 60% more CPU for the same scan
    (measured: BENCHMARKS.md, "CC-NEWS scan"). A scan holds a few megabytes at a time."""
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024)
        libc.mallopt(M_TRIM_THRESHOLD, HEAP_KEPT)
    except (OSError, AttributeError):  # another C library: its defaults stay
        pass


def _tools(job: ScanJob) -> tuple[Config, ArchiveClient, Prefilter]:
    """The configuration, archive client and cheap filter of a job, built once per worker process."""
    marker = repr((job.config, job.topic))
    if marker not in _TOOLS:
        if not _TOOLS:
            _keep_heap()
        config = config_from_payload(job.config)
        topic = config.topic(job.topic)
        a = config.archive
        client = ArchiveClient(config.crawl.user_agent, rate=a.cc_data_rate, timeout=a.stream_timeout,
                               retries=a.slowdown_retries, backoff=a.slowdown_backoff)
        _TOOLS.clear()
        _TOOLS[marker] = (config, client, Prefilter(topic, topic.url_keywords))
    return _TOOLS[marker]


def scan_task(job: ScanJob) -> ScanResult:
    """Scan one CC-NEWS file in this process: its counts and the pages worth extracting. A file that cannot
    be read to its end is answered with `error` (its pages are left out: it is read again next run)."""
    config, client, prefilter = _tools(job)
    stats = ccnews.ScanStats()
    started, cpu = time.perf_counter(), time.thread_time()
    url = ccnews.file_url(config.archive.ccnews_url, job.path)
    result = ScanResult(job.path, job.key)
    try:
        result.pages = list(ccnews.scan_file(client, url, prefilter, job.start, job.end, stats,
                                             config.archive.ccnews_max_record_bytes))
    except (ArchiveHTTPError, ccnews.CCNewsError) as exc:
        result.error = str(exc)
        result.pages = []
    result.bytes, result.records, result.dropped = stats.bytes, stats.records, dict(stats.dropped)
    result.candidates = len(result.pages)
    result.seconds, result.cpu_seconds = time.perf_counter() - started, time.thread_time() - cpu
    return result


def partition_task(job: ScanJob) -> ScanResult:
    """One partition of the columnar index in this process: its Arabic captures of the window whose URL
    carries a topic word or whose host is declared (ccindex.query_partition, the Scrapy route's query),
    each WARC record fetched by byte range. Any failure is answered with `error` and no pages: the
    partition is read again next run."""
    from crawler.discovery.archives import ccindex, commoncrawl

    config, client, _ = _tools(job)
    topic = config.topic(job.topic)
    a = config.archive
    started, cpu = time.perf_counter(), time.thread_time()
    result = ScanResult(job.path, job.key, via=job.via)
    try:
        captures = ccindex.query_partition(client, ccnews.file_url(a.ccindex_url, job.path), start=job.start,
                                           end=job.end, keywords=[*topic.url_keywords, *topic.keywords],
                                           hosts=job.hosts)
        for capture in captures:
            data = client.get(commoncrawl.record_url(a.cc_data_url, capture),
                              {"Range": commoncrawl.range_header(capture)})
            result.records += 1
            result.bytes += len(data)
            try:
                page = commoncrawl.parse_record(data, config.crawl.max_response_bytes)
            except commoncrawl.CommonCrawlError as exc:  # a damaged or too large record: counted, skipped
                result.dropped[type(exc).__name__] = result.dropped.get(type(exc).__name__, 0) + 1
                continue
            if page is None:
                result.dropped["not_html"] = result.dropped.get("not_html", 0) + 1
                continue
            result.pages.append(replace(page, url=capture.url))
    except (ArchiveHTTPError, ccindex.CCIndexError, commoncrawl.CommonCrawlError) as exc:
        result.error, result.pages = str(exc), []
    result.candidates = len(result.pages)
    result.seconds, result.cpu_seconds = time.perf_counter() - started, time.thread_time() - cpu
    return result


def extract_task(config: dict[str, Any], plan: dict[str, Any], pages: list[ArchivedPage],
                 via: str = CCNEWS) -> dict[str, Any]:
    """The pages through extraction, language, relevance, compare and store: one backfill child reading them
    from a WARC file in this worker's temporary directory. Returns the child's counts (CrawlStats)."""
    from crawler.discovery.archives.warc import write_pages

    cfg = config_from_payload(config)
    with tempfile.TemporaryDirectory(prefix="rasad-extract-") as tmp:
        warc = Path(tmp) / "pages.warc.gz"
        write_pages(warc, pages)
        batch = replace(BackfillPlan.from_dict(plan), archives=[], warc_files=[str(warc)], dated=True, warc_via=via)
        return run_backfill(cfg, batch).to_dict()


# -- executors -----------------------------------------------------------------------------------


class _Deferred:
    """A task of the local engine: run when its result is first asked for (in the order of as_completed)."""

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...]):
        self.fn, self.args = fn, args
        self.done: Future = Future()

    def result(self) -> Any:
        if not self.done.done():
            try:
                self.done.set_result(self.fn(*self.args))
            except Exception as exc:  # noqa: BLE001 - raised to the driver, as a Dask future does
                self.done.set_exception(exc)
        return self.done.result()


class LocalExecutor:
    """Runs each task in this process, one after the other (`--engine local`)."""

    def submit(self, fn: Callable[..., Any], *args: Any, key: str = "") -> _Deferred:
        return _Deferred(fn, args)

    def as_completed(self, futures: Iterable[_Deferred]) -> Iterator[_Deferred]:
        yield from futures

    def close(self) -> None:
        pass


class DaskExecutor:
    """Tasks on Dask distributed: a LocalCluster of `workers` processes, or the scheduler at `address`."""

    def __init__(self, workers: int = 2, address: str | None = None):
        from distributed import Client, LocalCluster

        self.cluster = None
        if address:
            self.client = Client(address)
        else:
            # One thread a worker: the scan is CPU-bound Python, processes give the parallelism.
            self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                        dashboard_address=None)
            self.client = Client(self.cluster)

    def submit(self, fn: Callable[..., Any], *args: Any, key: str = "") -> Any:
        return self.client.submit(fn, *args, key=key or None, pure=False, retries=TASK_RETRIES)

    def as_completed(self, futures: Iterable[Any]) -> Iterator[Any]:
        from distributed import as_completed

        yield from as_completed(list(futures))

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def executor_for(engine: str, workers: int = 2, scheduler: str | None = None) -> LocalExecutor | DaskExecutor:
    if engine == "local":
        return LocalExecutor()
    if engine == "dask":
        return DaskExecutor(workers, scheduler)
    raise ValueError(f"unknown engine {engine!r} (one of {', '.join(ENGINES)})")


# -- driver --------------------------------------------------------------------------------------


def merge_counts(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Two CrawlStats dicts added up: numbers summed, dicts merged alike, lists joined."""
    out = dict(a)
    for k, v in b.items():
        if k not in out:
            out[k] = v
        elif isinstance(v, bool) or not isinstance(v, int | float | dict | list):
            continue
        elif isinstance(v, dict):
            out[k] = merge_counts(out[k], v)
        elif isinstance(v, list):
            out[k] = [*out[k], *v]
        else:
            out[k] = out[k] + v
    return out


def _scan_counts(results: list[ScanResult], listed: dict[str, int], already: int,
                 finished: dict[str, int]) -> dict[str, Any]:
    """The scans' counts under the keys the routes use (rasad/archive/..., rasad/route/<route>/...)."""
    raw: dict[str, float] = {f"rasad/route/{via}/listed": n for via, n in listed.items()}
    for via, n in finished.items():
        raw[f"rasad/archive/{'ccnews_files' if via == CCNEWS else 'ccindex_partitions'}_finished"] = n
    if already:
        raw["rasad/archive/already_done"] = already

    def add(key: str, n: float) -> None:
        raw[key] = raw.get(key, 0) + n

    for r in results:
        scanned = "scanned" if r.via == CCNEWS else "ccindex_fetched"
        add(f"rasad/archive/{scanned}_bytes", r.bytes)
        add(f"rasad/archive/{scanned}_records", r.records)
        for reason, n in r.dropped.items():
            add(f"rasad/archive/{'ccnews' if r.via == CCNEWS else 'ccindex'}_dropped/{reason}", n)
        if r.error:
            add("rasad/errors/warc_file" if r.via == CCNEWS else "rasad/errors/archive_index", 1)
            add(f"rasad/route/{r.via}/errors", 1)
    stats = stats_from_scrapy(raw, 0.0).to_dict()
    stats["errors"] = [f"{r.error} (read again by the next backfill)" for r in results if r.error]
    return stats


def _units(config: Config, plan: BackfillPlan, client: ArchiveClient, payload: dict[str, Any]) -> list[ScanJob]:
    """The plan's units of work: the window's CC-NEWS files, and the columnar index's partitions."""
    from crawler.discovery.archives import ccindex
    from crawler.run import select_sources

    a = config.archive
    jobs: list[ScanJob] = []
    if "ccnews" in plan.archives:
        for f in ccnews.window_files(client, a.ccnews_url, plan.start, plan.end):
            jobs.append(ScanJob(f.path, query_key("ccnews", "CC-NEWS", f.path, plan.start, plan.end), plan.start,
                                plan.end, payload, plan.topic))
    if "ccindex" in plan.archives:
        hosts = tuple(ccindex.source_hosts(select_sources(config, plan.source_names)))
        for crawl_id, path in ccindex.window_partitions(client, a.cc_index_url, a.ccindex_url, plan.start, plan.end):
            jobs.append(ScanJob(path, query_key("ccindex", crawl_id, path, plan.start, plan.end), plan.start, plan.end,
                                payload, plan.topic, via=CCINDEX, hosts=hosts))
    return jobs


def _batch_ok(counts: dict[str, Any]) -> bool:
    """Whether an extraction batch ended with every page stored, dropped for good or judged (not failed)."""
    archive = counts.get("archive") or {}
    lost = sum(int(archive.get(f"warc_failed_{why}", 0)) for why in ("pipeline", "unfinished", "not_stored", "damaged"))
    return not lost and not counts.get("failed") and not counts.get("errors")


def _strip_warc(counts: dict[str, Any]) -> dict[str, Any]:
    """An extraction batch's counts without its temporary WARC file's own accounting (the scan counted the
    records; the articles count under archive:ccnews)."""
    out = dict(counts)
    out["archive"] = {k: v for k, v in (counts.get("archive") or {}).items() if not k.startswith("warc_")}
    out["routes"] = {k: v for k, v in (counts.get("routes") or {}).items() if k != "archive:warc"}
    out["counts"] = {k: v for k, v in (counts.get("counts") or {}).items() if not k.startswith("archive_warc_")}
    return out


def run_engine(config: Config, plan: BackfillPlan, *, engine: str = "local", workers: int = 2,
               scheduler: str | None = None, run_id: str | None = None, stop: threading.Event | None = None,
               on_progress: Callable[[dict[str, Any]], None] | None = None,
               batch_pages: int = EXTRACT_BATCH_PAGES) -> CrawlStats:
    """A CC-NEWS and/or columnar-index backfill of the plan's window on an engine; its counts as a backfill
    child's.

    `on_progress` receives, after each file, {"files_done", "files", "scanned_bytes", "scanned_records",
    "pages", "elapsed_s"}.
    """
    started = time.monotonic()
    a = config.archive
    state = BackfillState(config.path(a.state_file))
    client = ArchiveClient(config.crawl.user_agent, rate=a.cc_data_rate, timeout=a.stream_timeout,
                           retries=a.slowdown_retries, backoff=a.slowdown_backoff)
    payload = config_payload(config)
    try:
        jobs = _units(config, plan, client, payload)
    except (ArchiveHTTPError, ccnews.CCNewsError, CommonCrawlError, OSError) as exc:
        raise CrawlError(f"archive listing: {exc}") from None
    todo = [j for j in jobs if not state.is_done(j.key)]
    log.info("engine %s: %d files and partitions cover %s..%s, %d finished before", engine, len(jobs),
             plan.start.date(), plan.end.date(), len(jobs) - len(todo))
    executor = executor_for(engine, workers, scheduler)
    totals: dict[str, Any] = {}
    scanned: list[ScanResult] = []
    waiting: dict[str, list[ScanResult]] = {}  # per route: scanned, their pages not yet sent to extraction
    extracting: dict[Any, list[ScanResult]] = {}

    finished: dict[str, int] = dict.fromkeys((j.via for j in jobs), 0)

    def finish(r: ScanResult) -> None:
        state.finish(r.key, records=r.records, bytes=r.bytes, pages=r.candidates, engine=engine)
        finished[r.via] += 1

    def extract(results: list[ScanResult]) -> None:
        pages = [p for r in results for p in r.pages]
        for r in results:
            r.pages = []  # sent: the driver need not keep them
        fut = executor.submit(extract_task, payload, plan.to_dict(), pages, results[0].via,
                              key=f"extract-{results[0].path}")
        extracting[fut] = results

    def settle(fut: Any) -> None:
        nonlocal totals
        results = extracting.pop(fut)
        try:
            counts = fut.result()
        except Exception as exc:  # noqa: BLE001 - the files stay unfinished: read again next run
            totals = merge_counts(totals, {"errors": [f"extraction of {len(results)} files failed: {exc}"]})
            return
        totals = merge_counts(totals, _strip_warc(counts))
        if _batch_ok(counts):
            for r in results:
                finish(r)

    try:
        scans = {executor.submit(scan_task if j.via == CCNEWS else partition_task, j, key=f"scan-{j.path}"): j
                 for j in todo}
        for fut in executor.as_completed(scans):
            if stop is not None and stop.is_set():
                break
            try:
                r: ScanResult = fut.result()
            except Exception as exc:  # noqa: BLE001 - e.g. Dask gave up after workers died on it: read again next run
                j = scans[fut]
                r = ScanResult(j.path, j.key, via=j.via, error=f"{j.path}: task failed: {type(exc).__name__}: {exc}")
            scanned.append(r)
            log.info("%s: %d records, %.1f MB in %.1fs, %d pages to extract%s", r.path, r.records, r.bytes / 1e6,
                     r.seconds, len(r.pages), f" ({r.error})" if r.error else "")
            if r.error:  # unfinished: read again by the next backfill
                pass
            elif not r.pages:
                finish(r)
            else:
                batch = waiting.setdefault(r.via, [])
                batch.append(r)
                if sum(len(w.pages) for w in batch) >= batch_pages:
                    extract(waiting.pop(r.via))
            if on_progress is not None:
                on_progress({"files_done": len(scanned), "files": len(todo), "pages": sum(x.candidates for x in scanned),
                             "scanned_bytes": sum(x.bytes for x in scanned),
                             "scanned_records": sum(x.records for x in scanned),
                             "elapsed_s": round(time.monotonic() - started, 1)})
        if not (stop is not None and stop.is_set()):
            for batch in waiting.values():
                extract(batch)
        for fut in executor.as_completed(list(extracting)):
            settle(fut)
    finally:
        executor.close()
    listed = {via: sum(1 for j in jobs if j.via == via) for via in {j.via for j in jobs}}
    totals = merge_counts(totals, _scan_counts(scanned, listed, len(jobs) - len(todo), finished))
    stats = CrawlStats.from_dict(totals)
    stats.duration_s = round(time.monotonic() - started, 3)
    stats.counts["duration_s"] = stats.duration_s
    return stats
