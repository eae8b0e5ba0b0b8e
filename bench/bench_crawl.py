"""The whole crawl pipeline against the scaled local site into the real Elasticsearch node.

Fetch (Scrapy, in the crawl's child process) -> extract -> canonical/date/language -> relevance ->
compare + story cluster -> bulk store. Time per stage comes from the crawl's own stats
(rasad/time/<stage>, CrawlStats.stage_seconds); the child's peak memory from /proc (VmHWM).
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from bench.bench_bulk import bench_config, drop_prefix
from bench.site import OUTLETS, _rel, start_scaled_site
from crawler.config import Config
from crawler.run import run_crawl
from crawler.sources.registry import get_source
from crawler.store import Store

# Stages in data-flow order, as the spider and pipelines name them.
STAGES = ("extract", "canonical", "date_window", "language", "relevance", "compare", "store", "store_write",
          "seed_stories")
POLL_S = 0.2
# Pages built on the stored fixture layouts keep their 2020 dates: the window reaches back to them.
SINCE = datetime(2015, 1, 1, tzinfo=UTC)


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            out += [int(c) for c in task.read_text().split()]
        except OSError:
            continue
    return out


def _hwm_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class PeakMemory:
    """Polls this process's children and keeps the highest peak RSS (VmHWM) seen in any of them."""

    def __init__(self) -> None:
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(POLL_S):
            for child in _children(os.getpid()):
                self.peak_kib = max(self.peak_kib, _hwm_kib(child))

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def crawl_config(config: Config, base: str, spool_dir: str) -> Config:
    """The configuration pointed at the scaled site, in a fresh index prefix, with no delay."""
    c = bench_config(config)
    c.spool.dir = spool_dir
    c.crawl.base_url_override = base
    c.crawl.sources = list(OUTLETS)
    c.crawl.aggregators = False
    c.crawl.allow_private_addresses = True
    c.crawl.download_delay = 0.0
    c.crawl.concurrent_requests_per_domain = 8
    return c


@contextlib.contextmanager
def stderr_to(path: Path) -> Iterator[None]:
    """Send this process's stderr (and so the crawl child's logs) to a file for a while."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(path, "wb") as fh:
        os.dup2(fh.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bare_crawl(base_url: str, log_file: Path) -> dict:
    """The anchor (bench/bare_spider.py) on the same site, in its own process: counts, seconds, CPU seconds."""
    sitemaps = [f"{base_url}/{outlet}{_rel(url)}" for outlet in OUTLETS for url in get_source(outlet).sitemaps]
    cpu = _children_cpu_s()
    with open(log_file, "wb") as log:
        out = subprocess.run([sys.executable, "-m", "bench.bare_spider", *sitemaps], stdout=subprocess.PIPE,
                             stderr=log, check=True, text=True, cwd=Path(__file__).resolve().parent.parent)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["cpu_s"] = _children_cpu_s() - cpu
    return result


def bench_crawl(config: Config, count: int, anchor: bool = True) -> dict:
    """Crawl `count` generated pages once; return throughput, time per stage and peak memory."""
    server = start_scaled_site(count)
    with tempfile.TemporaryDirectory(prefix="rasad-bench-") as tmp:
        cfg = crawl_config(config, server.outlet_base, str(Path(tmp) / "spool"))
        store = Store(cfg)
        store.init()
        try:
            log_file = Path(tmp) / "crawl.log"
            with PeakMemory() as mem, stderr_to(log_file):
                cpu = _children_cpu_s()
                started = time.perf_counter()
                stats = run_crawl(cfg, since=SINCE, run_id="bench")
                wall = time.perf_counter() - started
                cpu = _children_cpu_s() - cpu  # the crawl process and its worker processes
            bare = bare_crawl(server.base_url, Path(tmp) / "bare.log") if anchor else None
            log_lines = len(log_file.read_bytes().splitlines())
            store.refresh()
            stored = store.count()
            stories = len({d.get("story_id") for d in store.scan("articles", fields=["story_id"])})
            # A second cycle finds nothing new; its fixed cost is seeding story ids from the store.
            with stderr_to(Path(tmp) / "crawl-2.log"):
                again = run_crawl(cfg, since=SINCE, run_id="bench-2")
        finally:
            drop_prefix(store)
            store.close()
            server.stop()
    stages = {k: stats.stage_seconds.get(k, 0.0) for k in STAGES}
    return {
        "pages": count,
        "relevant_pages": server.site.relevant,
        "fetched": stats.fetched,
        "extracted": stats.extracted,
        "indexed": stats.indexed,
        "stored": stored,
        "stories": stories,
        "dropped": stats.dropped,
        "errors": stats.error_kinds,
        "crawl_s": stats.duration_s,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "bare": bare,
        "stages": stages,
        "peak_rss_mib": round(mem.peak_kib / 1024, 1),
        "log_lines": log_lines,
        "second_crawl_s": again.duration_s,
        "second_skipped_known": again.skipped_known,
        "second_fetched": again.fetched,
        "seed_stories_s": again.stage_seconds.get("seed_stories", 0.0),
    }
