"""Job functions: crawl, digest and the cron cycle (lock, replay spool, crawl, send pending, digest).

A crawl or backfill ends with its alert step when alerts.enabled (reports/alerting.py): one mail of
the new copies, rewrites and conflicting figures it found.

The `*_job` functions are module-level and take only serialisable arguments (the configuration path)
so that APScheduler can store them in its SQLite job store; they reload the configuration each run.

Graceful stop: SIGTERM/SIGINT set `STOP`. Nothing new starts once it is set; the running crawl is
handed the event (`run_crawl(..., stop=STOP)`) and is expected to check it between sources and, when
it runs Scrapy in a subprocess, to send that child SIGTERM (Scrapy's own graceful shutdown: in-flight
requests finish, pipelines flush) and wait for it. A second signal kills the process at once.
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
import signal
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any

from crawler.config import Config, ConfigError, load_config
from crawler.store import Store
from jobs.lock import LockHeld, run_lock
from jobs.runs import FAILED, INTERRUPTED, OK, PARTIAL, close_abandoned, track_run
from jobs.verdict import backfill_verdict, crawl_verdict, failed_outlets

log = logging.getLogger(__name__)

ProgressCallback = Callable[[dict[str, Any]], None]
STOP = threading.Event()
EXIT_INTERRUPTED = 130  # 128 + SIGINT: what a shell reports for a command stopped with Ctrl-C
_stop_signal: list[int] = []  # the first stop signal received (SIGINT or SIGTERM), if any
SKIPPED = "skipped"
# Worst first: the cycle's status is the worst of its steps.
_SEVERITY = {FAILED: 4, INTERRUPTED: 3, PARTIAL: 2, SKIPPED: 1, OK: 0}


# -- signals ----------------------------------------------------------------------------------


def install_signal_handlers(on_stop: Callable[[int], None] | None = None) -> None:
    """SIGTERM/SIGINT set STOP (and call `on_stop`); a second signal terminates immediately.

    Must be called from the main thread (Python delivers signals there).
    """

    def handler(signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if STOP.is_set():
            log.warning("second %s: stopping now without waiting", name)
            signal.signal(signum, signal.SIG_DFL)
            signal.raise_signal(signum)
            return
        log.info("received %s: finishing the current step, then shutting down", name)
        _stop_signal[:] = [signum]
        STOP.set()
        if on_stop is not None:
            on_stop(signum)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, handler)


def interrupted_by_keyboard() -> bool:
    """True once SIGINT (Ctrl-C) asked this process to stop: the command then exits 130."""
    return STOP.is_set() and _stop_signal[:1] == [signal.SIGINT]


def exit_status(code: int) -> int:
    """A command's exit code, or 130 when Ctrl-C stopped it (README: "Exit codes")."""
    return EXIT_INTERRUPTED if interrupted_by_keyboard() else code


# -- helpers ----------------------------------------------------------------------------------


def config_path_of(config: Config) -> str | None:
    """The absolute path of the configuration file, or None for built-in defaults (job arguments)."""
    if config.source_file == "<defaults>":
        return None
    return str(Path(config.source_file).resolve())


def open_job_store(config: Config) -> Store:
    """A Store for a job: starts the local node if configured, creates the schema when reachable.

    An unreachable cluster is not fatal: the store spools writes and the next run replays them.
    """
    from jobs.context import ensure_elasticsearch  # imported late: pulls in the node launcher

    try:
        ensure_elasticsearch(config)
    except ConfigError:
        raise
    except Exception as exc:  # noqa: BLE001 - the run goes on and spools
        log.warning("local Elasticsearch node could not be started: %s", exc)
    store = Store(config)
    if store.ping():
        try:
            store.init()  # idempotent; without it a write would auto-create an index named like the alias
        except Exception as exc:  # noqa: BLE001
            log.error("Elasticsearch schema setup failed at %s: %s", config.elasticsearch.display_url, exc)
    if store.ping():
        close_abandoned(store)  # callers hold the run lock
    else:
        log.warning(
            "Elasticsearch at %s unreachable: writes will be spooled to %s",
            config.elasticsearch.display_url,
            store.spool.dir,
        )
    return store


def _stats_counts(stats: Any) -> tuple[dict[str, Any], list[str]]:
    """Numeric counts and error messages from whatever run_crawl returned."""
    if stats is None:
        return {}, []
    if isinstance(stats, Mapping):
        data = dict(stats)
    elif dataclasses.is_dataclass(stats) and not isinstance(stats, type):
        data = dataclasses.asdict(stats)
    else:
        data = dict(vars(stats))
    counts = data.pop("counts", None)
    errors = data.pop("errors", None) or []
    if not isinstance(counts, Mapping):
        counts = data
    numeric = {k: v for k, v in counts.items() if isinstance(v, int | float) and not isinstance(v, bool)}
    return numeric, [str(e) for e in errors]


def _call_run_crawl(config: Config, run_id: str, source_names: list[str] | None, since: datetime | None,
                    on_progress: ProgressCallback | None = None) -> Any:
    from crawler.run import run_crawl  # late: pulls in Scrapy

    kwargs: dict[str, Any] = {"source_names": source_names, "since": since, "run_id": run_id}
    if "stop" in inspect.signature(run_crawl).parameters:
        kwargs["stop"] = STOP
    if on_progress is not None:
        kwargs["on_progress"] = on_progress
    return run_crawl(config, **kwargs)


def _crawl_step(
    config: Config,
    store: Store,
    trigger: str,
    source_names: list[str] | None = None,
    since: datetime | None = None,
    extra_counts: Mapping[str, int] | None = None,
    on_progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    with track_run(store, "crawl", trigger) as run:
        run.add_counts(extra_counts or {})
        stats = _call_run_crawl(config, run.run_id, source_names, since, on_progress)
        counts, errors = _stats_counts(stats)
        run.add_counts(counts)
        _record_found(run, stats)
        for err in errors:
            run.error(err)
        per_source = dict(getattr(stats, "per_source", None) or {})
        verdict, reasons = crawl_verdict(counts, per_source)
        run.count("outlets_failed", len(failed_outlets(per_source)[0]))
        for reason in reasons:
            run.error(reason)
        if verdict == FAILED:
            run.mark(FAILED)
        if STOP.is_set():
            run.mark(INTERRUPTED)
        alert = _alert_step(config, store, run)
    # Per-outlet counts for `rasad crawl`'s summary; kept out of the record (outlet names would grow its mapping).
    return {**run.to_doc(), "per_source": dict(getattr(stats, "per_source", None) or {}),
            "gdelt_queries": dict(getattr(stats, "gdelt_queries", None) or {}), "alert": alert}


def _record_found(run: Any, stats: Any, expected: Any = None) -> None:
    """Per-route and per-outlet rows (crawler.found) of a crawl's or backfill's stats, on its run record."""
    from crawler.found import CRAWL_ROUTES, outlet_rows, route_rows

    expected = CRAWL_ROUTES if expected is None else expected
    run.routes = route_rows(getattr(stats, "discovered_via", None) or {}, getattr(stats, "routes", None) or {},
                            expected)
    run.outlets = outlet_rows(getattr(stats, "per_source", None) or {})


def _alert_step(config: Config, store: Store, run: Any, topic: str | None = None) -> dict[str, Any] | None:
    """The run's alert (None when alerts are off); a failure is one error of the run, never its end.

    A run being stopped records its alert pending without mailing it (nothing new starts after a
    stop): the next run's alert step sends it.
    """
    if not config.alerts.enabled:
        return None
    from reports.alerting import make_alert

    try:
        outcome = make_alert(config, store, run_id=run.run_id, finder=run.kind, topic=topic, send=not STOP.is_set())
    except Exception as exc:  # noqa: BLE001 - the articles stay; the next run's alert step picks them up
        log.info("alert of %s %s failed", run.kind, run.run_id, exc_info=True)  # the traceback: log file only
        run.error(f"alert not made: {type(exc).__name__}: {exc}")  # one warning line on the terminal
        return {"status": FAILED, "error": str(exc)}
    run.count("alerted_articles", outcome.article_count)
    run.count("alerts_sent", int(outcome.sent) + outcome.resent)
    if outcome.error:
        run.error(f"alert {outcome.alert_id}: {outcome.error}")
    return outcome.to_dict()


def _digest_step(config: Config, store: Store, trigger: str, send: bool) -> dict[str, Any]:
    from reports.service import make_digest, send_pending

    with track_run(store, "digest", trigger) as run:
        if send:
            run.count("pending_sent", send_pending(config, store))
        outcome = make_digest(config, store, send=send, run_id=run.run_id)
        run.count("articles", outcome.article_count)
        run.count("files", len(outcome.files))
        run.count("sent", int(bool(outcome.sent)))
        if outcome.error:
            run.error(outcome.error)
        if outcome.status == "failed" or (send and not outcome.sent and outcome.status not in ("sent", "empty")):
            run.mark(FAILED)  # delivery asked for and impossible (no recipients, server refusing)
    return {**run.to_doc(), "digest_id": outcome.digest_id, "digest_status": outcome.status}


def _replay(store: Store) -> int:
    try:
        return store.replay_spool()
    except Exception as exc:  # noqa: BLE001 - a corrupt spool file must not stop the crawl
        log.error("spool replay failed: %s", exc)
        return 0


# -- entry points taking a Config (commands) --------------------------------------------------


def crawl(
    config: Config,
    trigger: str = "manual",
    *,
    source_names: list[str] | None = None,
    since: datetime | None = None,
    lock_wait: float = 0.0,
    on_progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """One crawl under the run lock, with its run record. Raises LockHeld when another run is going.

    `on_progress` receives the running crawl's count snapshots (jobs.progress.CrawlProgress.update).
    """
    with run_lock(config, wait=lock_wait, cancel=STOP):
        store = open_job_store(config)
        replayed = _replay(store)
        return _crawl_step(config, store, trigger, source_names, since, {"spool_replayed": replayed}, on_progress)


def backfill(config: Config, plan: Any, trigger: str = "manual",
             on_progress: ProgressCallback | None = None, engine: dict[str, Any] | None = None) -> dict[str, Any]:
    """One archive backfill (crawler.backfill.BackfillPlan) under the run lock, with its run record.

    `engine` ({"engine": "local"|"dask", "workers": N, "scheduler": ADDR}): CC-NEWS scanned on that engine
    (crawler.engine) instead of inside one Scrapy process; `on_progress` then receives its per-file snapshots.
    """
    from crawler.backfill import run_backfill  # late: pulls in Scrapy

    with run_lock(config, cancel=STOP):
        store = open_job_store(config)
        replayed = _replay(store)
        with track_run(store, "backfill", trigger) as run:
            run.count("spool_replayed", replayed)
            stats = None
            if engine:
                from crawler.engine import run_engine  # late: pulls in Dask
                from crawler.run import CrawlError

                try:
                    stats = run_engine(config, plan, run_id=run.run_id, stop=STOP, on_progress=on_progress, **engine)
                except CrawlError as exc:  # no listing answered: nothing to scan, said once in the summary
                    run.error(str(exc))
                    run.mark(FAILED)
            else:
                stats = run_backfill(config, plan, run_id=run.run_id, stop=STOP, on_progress=on_progress)
            alert = _backfill_outcome(config, store, run, plan, stats) if stats is not None else None
        return {**run.to_doc(), "per_source": dict(stats.per_source) if stats else {}, "alert": alert}


def _backfill_outcome(config: Config, store: Store, run: Any, plan: Any, stats: Any) -> dict[str, Any] | None:
    """A finished backfill's counts, errors and verdict on its run record; then its alert step."""
    counts, errors = _stats_counts(stats)
    run.add_counts(counts)
    routes = [f"archive:{a}" for a in plan.archives] + (["archive:warc"] if plan.warc_files else [])
    _record_found(run, stats, routes)
    for err in errors:
        run.error(err)
    verdict, reasons = backfill_verdict(counts, run.routes)
    for reason in reasons:
        run.error(reason)
    if verdict == FAILED:
        run.mark(FAILED)
    if STOP.is_set():
        run.mark(INTERRUPTED)
    return _alert_step(config, store, run, plan.topic)


def digest(config: Config, trigger: str = "manual", *, send: bool = True, lock_wait: float = 0.0) -> dict[str, Any]:
    """Send pending digests, then build (and send) the digest for the new period, under the run lock."""
    with run_lock(config, wait=lock_wait, cancel=STOP):
        store = open_job_store(config)
        _replay(store)
        return _digest_step(config, store, trigger, send)


def cycle(config: Config, trigger: str = "cron", on_progress: ProgressCallback | None = None) -> dict[str, Any]:
    """What cron runs: lock, replay spool, crawl, send pending, digest and send. Raises LockHeld.

    A failed crawl does not prevent the digest (it reports what is already indexed). `on_progress`
    receives the crawl's count snapshots (jobs.progress.CrawlProgress.update).
    """
    result: dict[str, Any] = {}
    with run_lock(config):
        store = open_job_store(config)
        replayed = _replay(store)
        result["spool_replayed"] = replayed
        steps: dict[str, Callable[[], dict[str, Any]]] = {
            "crawl": lambda: _crawl_step(config, store, trigger, extra_counts={"spool_replayed": replayed},
                                         on_progress=on_progress),
            "digest": lambda: _digest_step(config, store, trigger, send=True),
        }
        for name, step in steps.items():
            if STOP.is_set():
                log.info("stop requested: %s not started", name)
                result[name] = {"kind": name, "status": SKIPPED, "reason": "stop requested"}
                continue
            try:
                result[name] = step()
            except Exception as exc:  # noqa: BLE001 - recorded as failed by track_run; go on
                log.exception("%s failed", name)
                result[name] = {"kind": name, "status": FAILED, "errors": [f"{type(exc).__name__}: {exc}"]}
    statuses = [result[n]["status"] for n in steps]
    if STOP.is_set() and SKIPPED in statuses:
        statuses.append(INTERRUPTED)
    result["status"] = max(statuses, key=lambda s: _SEVERITY.get(s, 4))
    return result


# -- APScheduler jobs (serialisable arguments only) --------------------------------------------


def crawl_job(config_path: str | None, trigger: str = "schedule") -> dict[str, Any]:
    """Scheduled crawl; skipped (not failed) when another run holds the lock."""
    config = load_config(config_path)
    try:
        return crawl(config, trigger)
    except LockHeld as exc:
        log.warning("crawl skipped: %s", exc)
        return {"kind": "crawl", "status": SKIPPED, "reason": str(exc)}


def digest_job(config_path: str | None, send: bool = True, trigger: str = "schedule") -> dict[str, Any]:
    """Scheduled digest; waits for a running crawl up to schedule.misfire_grace_time, then skips."""
    config = load_config(config_path)
    try:
        return digest(config, trigger, send=send, lock_wait=float(config.schedule.misfire_grace_time))
    except LockHeld as exc:
        log.warning("digest skipped: %s", exc)
        return {"kind": "digest", "status": SKIPPED, "reason": str(exc)}


def run_once(config_path: str | None, trigger: str = "cron") -> dict[str, Any]:
    """The cron cycle from a configuration path (see `cycle`). Raises LockHeld when locked."""
    return cycle(load_config(config_path), trigger)
