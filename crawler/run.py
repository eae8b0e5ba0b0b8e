"""One crawl cycle: `run_crawl(config, ...)` runs Scrapy in a child process and returns its counts.

Twisted's reactor cannot be restarted within a process, and the scheduler runs many crawls in one
long-lived process, so each crawl runs `python -m crawler.run` as a child: the configuration goes in
as JSON on stdin (secrets stay in the environment), the counts come back as JSON on stdout, logs go
to stderr. `crawl_in_process` is what the child runs.

The parent forwards the child's log lines to the logger `crawler.child` (at their own level), so
they land in the log file and reach the terminal only when asked for (jobs/logs.py). With
`on_progress`, the child also writes a snapshot of its counts to stdout every PROGRESS_INTERVAL_S
(crawler/progress.py); the last stdout line that is not a snapshot holds the final counts.
"""

from __future__ import annotations

import argparse
import collections
import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import SecretStr

from crawler.config import Config, TopicConfig
from crawler.redact import MAX_LOG_CHARS, install_log_redaction
from crawler.sources.base import Source

log = logging.getLogger(__name__)

STOP_POLL_S = 0.5
PROGRESS_INTERVAL_S = 0.5
child_log = logging.getLogger("crawler.child")
# Scrapy's log format: "2026-12-01 14:22:22 [scrapy.core.engine] INFO: Spider opened".
_CHILD_LINE = re.compile(r"^\S+ \S+ \[(?P<name>[^\]]+)\] (?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL): (?P<msg>.*)$")


class CrawlError(RuntimeError):
    """The crawl process failed (the message names the exit status)."""


@dataclass
class CrawlStats:
    """Counts of one crawl cycle; `counts` is the flat form recorded in the runs index."""

    discovered: int = 0
    fetched: int = 0
    extracted: int = 0
    relevant: int = 0
    indexed: int = 0
    created: int = 0  # of the indexed: new documents
    updated: int = 0  # of the indexed: documents that existed already
    spooled: int = 0
    failed: int = 0
    remembered: int = 0
    skipped_known: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    error_kinds: dict[str, int] = field(default_factory=dict)
    discovered_via: dict[str, int] = field(default_factory=dict)
    relations: dict[str, int] = field(default_factory=dict)
    unrelated: dict[str, int] = field(default_factory=dict)  # dropped as not coverage, by why (aboutness.NOT_ABOUT)
    per_source: dict[str, dict[str, int]] = field(default_factory=dict)
    # GDELT per topic query: requests, answered, returned (articles in the answers), new, errors.
    gdelt_queries: dict[str, dict[str, int]] = field(default_factory=dict)
    routes: dict[str, dict[str, int]] = field(default_factory=dict)  # per discovery route: fetched, kept, errors
    archive: dict[str, int] = field(default_factory=dict)  # backfill: filtered_<reason>, already_done, ...
    errors: list[str] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)  # rasad/time/<stage>: where the time went
    duration_s: float = 0.0
    counts: dict[str, float] = field(default_factory=dict)

    @property
    def articles_per_s(self) -> float:
        return self.extracted / self.duration_s if self.duration_s else 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CrawlStats:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def stats_from_scrapy(raw: dict[str, Any], duration_s: float) -> CrawlStats:
    """CrawlStats from Scrapy's stats dict (keys rasad/...)."""
    s = CrawlStats(duration_s=round(duration_s, 3))
    for key, value in raw.items():
        if not key.startswith("rasad/") or not isinstance(value, int | float):
            continue
        parts = key.split("/")[1:]
        head = parts[0]
        if head == "source" and len(parts) >= 3:
            s.per_source.setdefault(parts[1], {})["/".join(parts[2:])] = value
        elif head == "gdelt_query" and len(parts) >= 3:
            s.gdelt_queries.setdefault("/".join(parts[1:-1]), {})[parts[-1]] = value
        elif head == "dropped":
            s.dropped[parts[1]] = value
        elif head == "errors":
            s.error_kinds[parts[1]] = value
        elif head == "discovered_via":
            s.discovered_via[parts[1]] = value
        elif head == "relation":
            s.relations[parts[1]] = value
        elif head == "unrelated":
            s.unrelated[parts[1]] = value
        elif head == "archive" and len(parts) >= 2:  # backfill: filtered captures, finished queries
            s.archive["_".join(parts[1:])] = value
        elif head == "route" and len(parts) == 3:
            s.routes.setdefault(parts[1], {})[parts[2]] = value
        elif head == "time":
            s.stage_seconds[parts[1]] = round(value, 3)
        elif head == "skipped" and parts[1:] == ["known"]:
            s.skipped_known = value
        elif head in CrawlStats.__dataclass_fields__ and len(parts) == 1:
            setattr(s, head, value)
    flat: dict[str, float] = {k: getattr(s, k) for k in (
        "discovered", "fetched", "extracted", "relevant", "indexed", "created", "updated", "spooled", "failed",
        "remembered", "skipped_known")}
    for prefix, d in (("dropped", s.dropped), ("errors", s.error_kinds), ("via", s.discovered_via),
                      ("relation", s.relations), ("unrelated", s.unrelated), ("archive", s.archive)):
        flat.update({f"{prefix}_{k}": v for k, v in d.items()})
    for metric in ("requests", "returned", "new"):  # GDELT totals over all queries (per query: gdelt_queries)
        flat[f"gdelt_{metric}"] = sum(q.get(metric, 0) for q in s.gdelt_queries.values())
    flat["duration_s"] = s.duration_s
    s.counts = flat
    return s


# -- what to crawl ------------------------------------------------------------------------------


def select_sources(config: Config, names: list[str] | None = None) -> list[Source]:
    """The configured outlets (base URL override applied), narrowed to `names` when given."""
    from crawler.sources.registry import sources_for

    return sources_for(config, names)  # UnknownSourceError names the known outlets


def catalog(config: Config) -> list[Source]:
    """Every registered outlet (base URL override applied): attributes aggregator links to outlets."""
    from crawler.sources.registry import all_sources, sources_for

    return sources_for(config, [s.name for s in all_sources()])


def aggregator_bases(config: Config) -> tuple[str | None, str | None]:
    """(Google News RSS search, GDELT DOC API) endpoints under a base URL override; (None, None) means
    the real services. Under an override the stand-ins keep the real services' paths below their prefix."""
    override = config.crawl.base_url_override
    if not override:
        return None, None
    return (override.replace("{source}", "google-news").rstrip("/") + "/rss/search",
            override.replace("{source}", "gdelt").rstrip("/") + "/api/v2/doc/doc")


def aggregator_queries(config: Config, topic: TopicConfig, since: datetime) -> list[Any]:
    """GDELT requests (English queries, Arabic sources, one per query and time slice) and, when opted
    in, Google News RSS searches; none when aggregators are off."""
    from crawler.discovery.aggregators import gdelt_requests, google_news_urls
    from crawler.spiders.news import GDELT, GOOGLE_NEWS, AggregatorQuery

    c = config.crawl
    if not c.aggregators:
        return []
    gn_base, gd_base = aggregator_bases(config)
    out: list[Any] = []
    if c.google_news and topic.queries:
        out += [AggregatorQuery(GOOGLE_NEWS, u) for u in google_news_urls(topic.queries, base=gn_base)]
    out += [
        AggregatorQuery(GDELT, r.url, r.query)
        for r in gdelt_requests(topic.gdelt_queries, since, slice_days=c.gdelt_slice_days, base=gd_base)
    ]
    return out


def known_urls(config: Config) -> set[str]:
    """URLs already indexed or remembered; empty (with a warning) when Elasticsearch is unreachable."""
    from crawler.store import Store

    store = Store(config)
    try:
        if not store.ping():
            log.warning("Elasticsearch unreachable: known URLs not loaded, every listed article is fetched")
            return set()
        return store.known_urls()
    finally:
        store.close()


def feed_validators(config: Config) -> dict[str, dict[str, str]]:
    """Stored ETag / Last-Modified of feeds and sitemaps; empty when Elasticsearch is unreachable."""
    from crawler.store import Store

    store = Store(config)
    try:
        return store.feed_validators() if store.ping() else {}
    finally:
        store.close()


# -- the crawl ------------------------------------------------------------------------------


def stop_when_running(process: Any, crawler: Any, stopping: threading.Event, done: Any) -> None:
    """Stop the crawl once the reactor and the engine run, if a stop was requested before Scrapy installed
    its own signal handlers. Before the engine runs (the spider still opening), Scrapy's stop raises
    "Engine not running" and the reactor is never stopped: the process hung after an early Ctrl-C."""
    from twisted.internet import reactor

    def stop_if_asked() -> None:
        if not stopping.is_set():
            return
        engine = getattr(crawler, "engine", None)
        if engine is None or not getattr(engine, "running", False):
            if not done.called:
                reactor.callLater(0.1, stop_if_asked)
            return
        log.info("stop requested during start-up: closing the crawl")
        process.stop()

    reactor.addSystemEventTrigger("after", "startup", stop_if_asked)


def crawl_in_process(
    config: Config,
    *,
    source_names: list[str] | None = None,
    since: datetime | None = None,
    run_id: str | None = None,
    stopping: threading.Event | None = None,
    progress_interval: float = 0.0,
) -> CrawlStats:
    """Run one crawl with Scrapy in this process. Call at most once per process (reactor).

    `stopping` covers a stop requested before Scrapy has installed its own signal handlers.
    `progress_interval` > 0: write count snapshots to stdout that often (crawler/progress.py).
    """

    from crawler.discovery.aggregators import parse_gdelt
    from crawler.settings import settings_for
    from crawler.spiders.news import NewsSpider

    since = since or datetime.now(UTC) - timedelta(days=config.crawl.since_days)
    topic = config.topic()
    sources = select_sources(config, source_names)
    known = known_urls(config)
    # An empty index (first run, or wiped) must see every listed article: no conditional requests then.
    validators = feed_validators(config) if known else {}
    aggregators = aggregator_queries(config, topic, since) if not source_names else []
    log.info("crawl %s: %d outlets, %d aggregator queries, %d known URLs, since %s",
             run_id or "-", len(sources), len(aggregators), len(known), since.isoformat())
    settings = settings_for(config)
    settings.update(RASAD_CONFIG=config, RASAD_TOPIC=topic.name, LOG_FORMATTER="crawler.pipelines.DropLogFormatter")
    process = crawler_process(settings, progress_interval, len(sources))
    crawler = process.create_crawler(NewsSpider)
    started = time.monotonic()
    failures: list[str] = []
    done = process.crawl(crawler, sources=sources, catalog=catalog(config), since=since, queries=topic.queries,
                         known=known, aggregators=aggregators, parse_gdelt=parse_gdelt, run_id=run_id,
                         validators=validators)
    done.addErrback(lambda f: failures.append(f.getTraceback()))
    if stopping is not None:
        stop_when_running(process, crawler, stopping, done)
    process.start()
    if failures:
        raise CrawlError(f"crawl {run_id or '-'} failed:\n{failures[0]}")
    stats = stats_from_scrapy(crawler.stats.get_stats() if crawler.stats else {}, time.monotonic() - started)
    for name, counts in sorted(stats.per_source.items()):
        log.info("outlet %s: %s", name, ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    for query, counts in sorted(stats.gdelt_queries.items()):
        log.info("GDELT query %r: %s", query, ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    log.info("crawl done in %.1fs: discovered=%d fetched=%d extracted=%d relevant=%d indexed=%d spooled=%d "
             "dropped=%s errors=%s (%.1f articles/s)", stats.duration_s, stats.discovered, stats.fetched,
             stats.extracted, stats.relevant, stats.indexed, stats.spooled, stats.dropped, stats.error_kinds,
             stats.articles_per_s)
    return stats


def config_payload(config: Config) -> dict[str, Any]:
    """The configuration as JSON for a child process or a remote worker (secrets left out)."""
    return _config_payload(config)


def config_from_payload(data: dict[str, Any]) -> Config:
    """The Config of `config_payload`, secrets from this process's environment (ES_PASSWORD)."""
    return _config_from_payload(data)


def _config_payload(config: Config) -> dict[str, Any]:
    # Secrets are dumped masked; the child reads them from its (inherited) environment instead.
    return config.model_dump(mode="json", exclude={"elasticsearch": {"password"}, "smtp": {"password"},
                                                   "kibana": {"password"}})


def _config_from_payload(data: dict[str, Any]) -> Config:
    config = Config.model_validate(data)
    config.elasticsearch.password = SecretStr(os.environ.get("ES_PASSWORD", ""))
    return config


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent() -> Any:
    """A preexec_fn making the child receive SIGKILL when the process that started it dies.

    Without it, a `rasad run-once` killed by SIGKILL frees the run lock while its crawl goes on, and
    the next run crawls the same outlets beside it. SIGKILL loses nothing: the crawl commits a
    listing's validators only at its end, so the next run fetches whatever this one had not stored.
    """
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    parent = os.getpid()
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before the fork: the child only calls it

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before the call: nobody waits for this crawl
            os._exit(1)

    return preexec


def crawler_process(settings: Any, progress_interval: float, outlets: int) -> Any:
    """Scrapy's CrawlerProcess for a crawl or backfill child: progress snapshots when asked, redacted logs."""
    from scrapy.crawler import CrawlerProcess

    if progress_interval > 0:
        settings["EXTENSIONS"] = {**settings.get("EXTENSIONS", {}), "crawler.progress.ProgressReporter": 900}
        settings.update(RASAD_PROGRESS_INTERVAL=progress_interval, RASAD_PROGRESS_OUTLETS=outlets)
    process = CrawlerProcess(settings, install_root_handler=True)
    install_log_redaction()  # on Scrapy's root handler: no credential and no retry traceback in the log
    return process


def run_crawl(
    config: Config,
    *,
    source_names: list[str] | None = None,
    since: datetime | None = None,
    run_id: str | None = None,
    stop: threading.Event | None = None,
    on_progress: Callable[[dict[str, Any]], None] | None = None,
) -> CrawlStats:
    """Run one crawl cycle in a child process and return its counts.

    Args:
        config: the validated configuration.
        source_names: crawl only these outlets (no aggregators then); None for all configured.
        since: only articles published since this instant (default: crawl.since_days back).
        run_id: recorded on every indexed article.
        stop: when set, the child gets SIGTERM (Scrapy's graceful shutdown) and is awaited.
        on_progress: called (from a reader thread) with each count snapshot of the running crawl:
            the CrawlStats fields as a dict plus "outlets" (how many outlets the crawl covers).
    Raises:
        CrawlError: the child failed without producing counts (the message ends with its last log lines).
    """
    payload = {
        "config": _config_payload(config),
        "source_names": source_names,
        "since": since.isoformat() if since else None,
        "run_id": run_id,
        "progress_interval": PROGRESS_INTERVAL_S if on_progress else 0.0,
    }
    return run_child("crawler.run", payload, stop, on_progress)


def run_child(module: str, payload: dict[str, Any], stop: threading.Event | None = None,
              on_progress: Callable[[dict[str, Any]], None] | None = None) -> CrawlStats:
    """Run `python -m <module> --payload -` (a crawl or a backfill) and read its counts from stdout."""
    cmd = [sys.executable, "-m", module, "--payload", "-"]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, encoding="utf-8", errors="replace",
                            preexec_fn=die_with_parent())  # noqa: PLW1509 - prctl only, no locks taken
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    proc.stdin.write(json.dumps(payload, ensure_ascii=False))
    proc.stdin.close()
    out: list[str] = []
    tail: collections.deque[str] = collections.deque(maxlen=20)
    readers = [
        threading.Thread(target=_read_stdout, args=(proc.stdout, out, on_progress), daemon=True),
        threading.Thread(target=_forward_stderr, args=(proc.stderr, tail), daemon=True),
    ]
    for reader in readers:
        reader.start()
    terminated = False
    while proc.poll() is None:
        if stop is not None and stop.is_set() and not terminated:
            log.info("stop requested: asking the crawl (pid %d) to finish", proc.pid)
            proc.terminate()
            terminated = True
        time.sleep(STOP_POLL_S)
    for reader in readers:
        reader.join()
    if terminated and not out:
        return CrawlStats(errors=["crawl interrupted by a stop request before it produced counts"])
    if proc.returncode != 0 or not out:
        last = "\n".join(tail) or "(no output)"
        raise CrawlError(f"crawl process {' '.join(cmd)} exited with status {proc.returncode}; its last log lines:\n{last}")
    stats = CrawlStats.from_dict(json.loads(out[-1]))
    return stats


def _read_stdout(stream: Any, out: list[str], on_progress: Callable[[dict[str, Any]], None] | None) -> None:
    """Count snapshots go to `on_progress`; other lines (the final counts) are kept in `out`."""
    for line in stream:
        line = line.strip()
        if not line:
            continue
        if line.startswith('{"progress":'):
            if on_progress is not None:
                try:
                    on_progress(json.loads(line)["progress"])
                except Exception:  # noqa: BLE001 - a display problem must never stop the crawl
                    log.debug("progress callback failed", exc_info=True)
            continue
        out.append(line)


def _forward_stderr(stream: Any, tail: collections.deque[str]) -> None:
    """Each log line of the child to the logger crawler.child at its level (continuations keep it)."""
    level = logging.INFO
    for raw in stream:
        line = raw.rstrip("\n")
        if not line:
            continue
        if len(line) > MAX_LOG_CHARS:  # a library writing a whole record to stderr
            line = f"{line[:MAX_LOG_CHARS]}… [{len(line) - MAX_LOG_CHARS} more characters cut]"
        m = _CHILD_LINE.match(line)
        if m:
            level = getattr(logging, m.group("level"))
            line = f"[{m.group('name')}] {m.group('msg')}"
        tail.append(line)
        child_log.log(level, "%s", line)


def main(argv: list[str] | None = None) -> int:
    """`python -m crawler.run --payload -`: the child side of run_crawl."""
    parser = argparse.ArgumentParser(prog="python -m crawler.run", description=__doc__)
    parser.add_argument("--payload", default="-", help="JSON payload file ('-' for stdin)")
    args = parser.parse_args(argv)
    text = sys.stdin.read() if args.payload == "-" else open(args.payload, encoding="utf-8").read()
    payload = json.loads(text)
    config = _config_from_payload(payload["config"])
    # One line per Elasticsearch request otherwise (the parent keeps these lines in its log file).
    for name in ("elasticsearch", "elastic_transport"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # Until Scrapy installs its graceful handlers, a stop request only sets this flag.
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    since = datetime.fromisoformat(payload["since"]) if payload.get("since") else None
    stats = crawl_in_process(config, source_names=payload.get("source_names"), since=since,
                             run_id=payload.get("run_id"), stopping=stopping,
                             progress_interval=float(payload.get("progress_interval") or 0.0))
    sys.stdout.write(json.dumps(stats.to_dict(), ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
