"""CC-NEWS scan: Rasad's per-file task beside a bare fastwarc iteration with the same cheap filter, then on Dask.

Every side reads the same CC-NEWS-shaped files (bench/ccnews_files.py) over HTTP from the same local
data server (jobs/local_commoncrawl.py), in the same run:
- bare: fastwarc's ArchiveIterator over the HTTP stream, response records answered 200 with HTML,
  then the same cheap filter (Prefilter.reason: Arabic script, the topic named), in this process;
- Rasad per worker: crawler.engine.scan_task for each file, in this process (the task a worker runs);
- Dask 1 and 2 workers: the same tasks on a LocalCluster of that many processes, timed from the first
  submit to the last result, after each worker ran one warm-up task (a worker's one-off start), each
  right after a bare scan of the same files (the machine's load changes from minute to minute).
Bare and Rasad alternate, and so do 1 and 2 workers: best of `rounds` each. Extraction of the few pages that pass is not timed here
(one backfill child per batch of pages: the crawl pipeline section measures that path).
"""

from __future__ import annotations

import os
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawler.config import Config

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "var" / "bench-ccnews"


class _Plain:
    """The least fastwarc needs of an HTTP stream: read, and tell (http.client's response cannot tell)."""

    def __init__(self, raw: Any):
        self.raw, self.pos = raw, 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read1(size)
        self.pos += len(data)
        return data

    def tell(self) -> int:
        return self.pos


def _bare(url: str, prefilter: Any) -> tuple[int, int, int, float]:
    """(records, bytes, pages passing, CPU seconds of this thread) of one file: fastwarc straight over the
    HTTP stream."""
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    cpu = time.thread_time()
    records = passed = 0
    with urllib.request.urlopen(url) as response:
        size = int(response.headers.get("Content-Length") or 0)
        for record in ArchiveIterator(_Plain(response), parse_http=True, auto_decode="all"):
            records += 1
            if record.record_type != WarcRecordType.response or not record.is_http:
                continue
            http = record.http_headers
            ctype = http.get("Content-Type") or ""
            if http.status_code != 200 or "html" not in ctype.lower():
                continue
            body = record.reader.read()
            if prefilter.reason(record.headers.get("WARC-Target-URI") or "", body, ctype) is None:
                passed += 1
    return records, size, passed, time.thread_time() - cpu


def _rate(records: int, size: int, seconds: float) -> dict[str, float]:
    return {"records_s": records / seconds, "mb_s": size / 1e6 / seconds, "seconds": seconds}


def bench_ccnews(config: Config, files: int, records: int, rounds: int = 3) -> dict[str, Any]:
    from bench.ccnews_files import write_news_files
    from crawler.discovery.archives import ccnews
    from crawler.discovery.archives.prefilter import Prefilter
    from crawler.discovery.archives.state import query_key
    from crawler.engine import DaskExecutor, ScanJob, scan_task
    from crawler.run import config_payload
    from jobs.local_commoncrawl import LocalCommonCrawl

    started = time.perf_counter()
    paths = write_news_files(DATA / f"{files}x{records}", files, records)
    generated_s = time.perf_counter() - started
    server = LocalCommonCrawl(DATA / f"{files}x{records}").start()
    try:
        cfg = config.model_copy(deep=True)
        cfg.archive.ccnews_url = server.url
        cfg.archive.cc_data_rate = 0
        cfg.crawl.allow_private_addresses = True
        topic = cfg.topic(None)
        prefilter = Prefilter(topic, topic.url_keywords)
        payload = config_payload(cfg)
        start, end = datetime(2022, 11, 1, tzinfo=UTC), datetime(2022, 11, 30, 23, 59, 59, tzinfo=UTC)
        jobs = [ScanJob(p, query_key("ccnews", "CC-NEWS", p, start, end), start, end, payload, topic.name) for p in paths]
        urls = [ccnews.file_url(server.url, p) for p in paths]
        scan_task(jobs[0])  # this process's one-off start (imports, the filter's patterns), as a worker's warm-up

        bare_runs, rasad_runs = [], []
        for _ in range(rounds):
            t = time.perf_counter()
            counted = [_bare(u, prefilter) for u in urls]
            bare_runs.append((time.perf_counter() - t, counted))
            t = time.perf_counter()
            results = [scan_task(j) for j in jobs]
            rasad_runs.append((time.perf_counter() - t, results))
        bare_s, counted = min(bare_runs, key=lambda r: r[0])
        rasad_s, results = min(rasad_runs, key=lambda r: r[0])
        total_records = sum(r.records for r in results)
        total_bytes = sum(r.bytes for r in results)
        out: dict[str, Any] = {
            "files": files, "records": total_records, "bytes": total_bytes, "generated_s": generated_s,
            "bare": _rate(sum(c[0] for c in counted), sum(c[1] for c in counted), bare_s),
            "bare_cpu": _rate(sum(c[0] for c in counted), sum(c[1] for c in counted), sum(c[3] for c in counted)),
            "rasad_cpu": _rate(sum(r.records for r in results), sum(r.bytes for r in results),
                               sum(r.cpu_seconds for r in results)),
            "bare_passed": sum(c[2] for c in counted),
            "rasad": _rate(total_records, total_bytes, rasad_s),
            "rasad_passed": sum(r.candidates for r in results),
            "dropped": {k: sum(r.dropped.get(k, 0) for r in results) for k in sorted({k for r in results for k in r.dropped})},
            "errors": [r.error for r in results if r.error],
        }
        for _ in range(rounds):  # 1 and 2 workers alternating, best of `rounds` each
            for n in (1, 2):
                t = time.perf_counter()
                executor = DaskExecutor(workers=n)
                try:
                    workers = list(executor.client.scheduler_info()["workers"])
                    warm = [executor.client.submit(scan_task, jobs[0], pure=False, workers=[w]) for w in workers]
                    executor.client.gather(warm)
                    up_s = time.perf_counter() - t
                    # The bare scan again just before, so that each ratio compares runs under the same load.
                    t = time.perf_counter()
                    again = [_bare(u, prefilter) for u in urls]
                    beside = _rate(sum(c[0] for c in again), sum(c[1] for c in again), time.perf_counter() - t)
                    t = time.perf_counter()
                    futures = [executor.submit(scan_task, j, key=f"scan-{n}-{j.path}") for j in jobs]
                    done = [f.result() for f in executor.as_completed(futures)]
                    run = {**_rate(sum(r.records for r in done), sum(r.bytes for r in done), time.perf_counter() - t),
                           "start_s": up_s, "bare": beside, "cpu": _rate(sum(r.records for r in done), sum(r.bytes for r in done),
                                                         sum(r.cpu_seconds for r in done))}
                finally:
                    executor.close()
                if f"dask{n}" not in out or run["seconds"] < out[f"dask{n}"]["seconds"]:
                    out[f"dask{n}"] = run
        out["load"] = os.getloadavg()
        return out
    finally:
        server.stop()
