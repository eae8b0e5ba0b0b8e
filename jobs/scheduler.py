"""APScheduler wiring: a persistent SQLite job store, job defaults, cron triggers and event logs.

The job functions live in jobs.tasks; this module only decides when they run. Jobs have fixed ids
("crawl", "digest") and replace the stored ones at start; a stored job whose trigger is unchanged
keeps its next run time, so a run that fell due while the service was down is still caught up
(once, thanks to coalescing) if it is within ``schedule.misfire_grace_time``, and skipped otherwise.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    JobExecutionEvent,
    JobSubmissionEvent,
    SchedulerEvent,
)
from apscheduler.jobstores.base import BaseJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED, BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from crawler.config import Config, ConfigError
from jobs import tasks

log = logging.getLogger(__name__)

JOBSTORE = "default"
CRONTAB_HELP = "five fields 'minute hour day-of-month month day-of-week', e.g. '0 */3 * * *'"


def cron_trigger(config: Config, key: str) -> CronTrigger:
    """The trigger for ``schedule.<key>``; ConfigError naming the key when the crontab is invalid."""
    expr = getattr(config.schedule, key)
    try:
        return CronTrigger.from_crontab(expr, timezone=timezone_of(config))
    except ValueError as exc:
        raise ConfigError(
            f"{config.source_file}: schedule.{key}: {expr!r} is not a valid crontab expression ({exc}); "
            f"expected {CRONTAB_HELP}"
        ) from None


def timezone_of(config: Config) -> ZoneInfo:
    """``schedule.timezone`` as a ZoneInfo; ConfigError naming the key when unknown."""
    name = config.schedule.timezone
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{config.source_file}: schedule.timezone: unknown time zone {name!r}; expected an IANA name such as 'UTC' or 'Asia/Shanghai'"
        ) from None


def jobstore_url(config: Config) -> str:
    """``schedule.jobstore_url`` with a relative SQLite path resolved from the config (parent created)."""
    raw = config.schedule.jobstore_url
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise ConfigError(f"{config.source_file}: schedule.jobstore_url: not a database URL {raw!r} ({exc})") from None
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        path = config.path(url.database)
        path.parent.mkdir(parents=True, exist_ok=True)
        url = url.set(database=str(path))
    return url.render_as_string(hide_password=False)


def make_jobstore(config: Config) -> SQLAlchemyJobStore:
    """The persistent job store of ``schedule.jobstore_url``."""
    return SQLAlchemyJobStore(url=jobstore_url(config))


def make_scheduler(
    config: Config, *, blocking: bool = False, jobstore: BaseJobStore | None = None
) -> BaseScheduler:
    """A scheduler with the persistent job store, job defaults and logging listeners, but no jobs."""
    tz = timezone_of(config)
    store = jobstore or make_jobstore(config)
    cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = cls(
        jobstores={JOBSTORE: store},
        job_defaults={
            "coalesce": True,  # many missed runs (service down for hours) become one
            "max_instances": 1,  # a slow crawl is never started twice
            "misfire_grace_time": config.schedule.misfire_grace_time,
        },
        timezone=tz,
    )
    add_listeners(scheduler)
    return scheduler


def add_listeners(scheduler: BaseScheduler) -> None:
    """Log every executed, failed, missed or overlapping job run."""

    def executed(event: SchedulerEvent) -> None:
        assert isinstance(event, JobExecutionEvent)
        rv = event.retval
        status = rv.get("status") if isinstance(rv, dict) else None
        log.info("job %s (scheduled %s) finished%s", event.job_id, event.scheduled_run_time, f": {status}" if status else "")

    def failed(event: SchedulerEvent) -> None:
        assert isinstance(event, JobExecutionEvent)
        log.error("job %s (scheduled %s) failed: %r\n%s", event.job_id, event.scheduled_run_time, event.exception, event.traceback)

    def missed(event: SchedulerEvent) -> None:
        assert isinstance(event, JobExecutionEvent)
        log.warning(
            "job %s missed its run at %s (more than misfire_grace_time late); skipped",
            event.job_id,
            event.scheduled_run_time,
        )

    def overlapping(event: SchedulerEvent) -> None:
        assert isinstance(event, JobSubmissionEvent)
        log.warning("job %s still running; its run at %s was skipped", event.job_id, event.scheduled_run_times)

    scheduler.add_listener(executed, EVENT_JOB_EXECUTED)
    scheduler.add_listener(failed, EVENT_JOB_ERROR)
    scheduler.add_listener(missed, EVENT_JOB_MISSED)
    scheduler.add_listener(overlapping, EVENT_JOB_MAX_INSTANCES)


def _stored_next_run(store: BaseJobStore, job_id: str, trigger: CronTrigger) -> datetime | None:
    """The stored job's next run time when its trigger is unchanged (else None: recompute)."""
    try:
        job = store.lookup_job(job_id)
    except Exception as exc:  # noqa: BLE001 - an unreadable old job is simply replaced
        log.warning("stored job %s unreadable (%s); it will be replaced", job_id, exc)
        return None
    if job is None or repr(job.trigger) != repr(trigger):
        return None
    return job.next_run_time


def schedule_jobs(scheduler: BaseScheduler, store: BaseJobStore, config: Config) -> None:
    """Add (or replace) the crawl and digest jobs in `store`, preserving stored next run times."""
    store.start(scheduler, JOBSTORE)  # creates the table; idempotent, the scheduler starts it again
    path = tasks.config_path_of(config)
    jobs: dict[str, tuple[Callable[..., Any], str, list[Any]]] = {
        "crawl": (tasks.crawl_job, "crawl_cron", [path, "schedule"]),
        "digest": (tasks.digest_job, "digest_cron", [path, True, "schedule"]),
    }
    for job_id, (func, key, args) in jobs.items():
        trigger = cron_trigger(config, key)
        extra: dict[str, Any] = {}
        kept = _stored_next_run(store, job_id, trigger)
        if kept is not None:
            extra["next_run_time"] = kept
        scheduler.add_job(func, trigger, args=args, id=job_id, name=job_id, replace_existing=True, **extra)


def build_scheduler(config: Config, *, blocking: bool = False) -> BaseScheduler:
    """The scheduler with its crawl and digest jobs (validates the crontabs first)."""
    for key in ("crawl_cron", "digest_cron"):
        cron_trigger(config, key)  # fail on bad configuration before touching the job store
    store = make_jobstore(config)
    scheduler = make_scheduler(config, blocking=blocking, jobstore=store)
    schedule_jobs(scheduler, store, config)
    return scheduler


def stop_scheduler(scheduler: BaseScheduler, *, wait: bool = True) -> None:
    """Shut down without losing a run that is due at this very moment.

    APScheduler 3 processes due jobs once more after `shutdown()` has stopped the executor: the
    submission fails ("cannot schedule new futures after shutdown", agronholm/apscheduler#285, #985)
    yet the job's next run time is advanced in the store, so that run is lost. Detaching the
    persistent store first leaves it untouched; the next start catches the run up (within grace).
    """
    if scheduler.state == STATE_STOPPED:
        return
    scheduler.pause()
    scheduler.remove_jobstore(JOBSTORE)
    scheduler.shutdown(wait=wait)


def serve(config: Config, *, poll: float = 0.5) -> int:
    """Run the service in the foreground until SIGTERM/SIGINT; then wait for running jobs and exit.

    Its output is a few lines on stdout (jobs and next run times, the stop); the log lines of each job
    run go to log.file, and only warnings and errors to the terminal. Exit 0 after SIGTERM, 130 after
    Ctrl-C (SIGINT).
    """
    import sys

    scheduler = build_scheduler(config)
    tasks.install_signal_handlers()
    scheduler.start()
    # hide_password: a server job store URL may carry credentials.
    store_url = make_url(jobstore_url(config)).render_as_string(hide_password=True)
    log.info("scheduler started; job store %s", store_url)
    print(f"rasad schedule: scheduler started; job store {store_url}", flush=True)
    for job in scheduler.get_jobs():
        log.info("job %s: %s, next run %s", job.id, job.trigger, job.next_run_time)
        print(f"  job {job.id}: {job.trigger}, next run {job.next_run_time}", flush=True)
    where = logs_file()
    if where:
        print(f"  job runs are logged to {where}", flush=True)
    # The main thread only waits: shutting down here, not in the signal handler, keeps it re-entrancy safe.
    while not tasks.STOP.wait(poll):
        pass
    print("rasad schedule: stop requested; waiting for running jobs to finish", flush=True)
    log.info("shutting down: waiting for running jobs to finish")
    stop_scheduler(scheduler, wait=True)
    log.info("scheduler shutdown complete")
    print("rasad schedule: scheduler shutdown complete", flush=True)
    sys.stdout.flush()
    return tasks.exit_status(0)


def logs_file() -> str | None:
    from jobs import logs

    path = logs.log_file()
    return str(path) if path else None
