"""The scheduler with real APScheduler and a real SQLite job store; the run lock across processes.

Jobs here are module-level functions appending to a file, so the SQLite job store can pickle them.
Intervals are short (fractions of a second); no test sleeps more than a few seconds.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawler.config import Config, ConfigError, load_config
from jobs import tasks
from jobs.lock import EX_TEMPFAIL, LockHeld, RunLock, run_lock
from jobs.scheduler import build_scheduler, make_scheduler, stop_scheduler
from tests.conftest import free_port, write_config

ROOT = Path(__file__).resolve().parent.parent


# -- job functions (module level: importable by reference from the job store) -----------------


def append_line(path: str, label: str) -> None:
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(f"{label} {time.time():.3f}\n")


def slow_job(path: str, seconds: float) -> None:
    append_line(path, "start")
    time.sleep(seconds)
    append_line(path, "end")


# -- helpers ----------------------------------------------------------------------------------


def make_config(tmp_path: Path, schedule: str = "") -> tuple[Path, Config]:
    """A configuration with the job store and lock under tmp_path and an unreachable Elasticsearch."""
    path = write_config(tmp_path, f"http://127.0.0.1:{free_port()}", "rasad-sched-test", extra=schedule)
    return path, load_config(path, env={})


def lines(path: Path, label: str | None = None) -> list[tuple[str, float]]:
    if not path.exists():
        return []
    rows = [(lab, float(t)) for lab, t in (ln.split() for ln in path.read_text(encoding="utf-8").splitlines())]
    return [r for r in rows if label is None or r[0] == label]


def wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def close_enough(a: datetime | None, b: datetime | None) -> bool:
    return a is not None and b is not None and abs((a - b).total_seconds()) < 0.001


@pytest.fixture(autouse=True)
def clear_stop_flag():
    tasks.STOP.clear()
    yield
    tasks.STOP.clear()


# -- configuration ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value"),
    [("crawl_cron", "61 * * * *"), ("digest_cron", "0 7 * *"), ("crawl_cron", "every hour")],
)
def test_invalid_crontab_is_a_config_error_naming_the_key(tmp_path: Path, key: str, value: str) -> None:
    cfg_path, config = make_config(tmp_path, f'{key} = "{value}"')
    with pytest.raises(ConfigError) as err:
        build_scheduler(config)
    msg = str(err.value)
    assert f"schedule.{key}" in msg and repr(value) in msg and str(cfg_path) in msg
    assert "five fields" in msg
    assert not (tmp_path / "jobs.sqlite").exists()  # rejected before the job store is touched


def test_unknown_timezone_is_a_config_error_naming_the_key(tmp_path: Path) -> None:
    _, config = make_config(tmp_path, 'timezone = "Mars/Olympus"')
    with pytest.raises(ConfigError, match=r"schedule\.timezone.*Mars/Olympus"):
        build_scheduler(config)


def test_rasad_schedule_with_bad_crontab_exits_2_naming_the_key(tmp_path: Path) -> None:
    cfg_path, _ = make_config(tmp_path, 'crawl_cron = "*/0 * * * *"')
    proc = subprocess.run(
        [sys.executable, "-m", "jobs.cli", "-c", str(cfg_path), "schedule"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2
    assert "schedule.crawl_cron" in proc.stderr


def test_relative_jobstore_path_is_resolved_from_the_config_directory(tmp_path: Path) -> None:
    cfg_path = tmp_path / "rasad.toml"
    cfg_path.write_text('[schedule]\njobstore_url = "sqlite:///state/jobs.sqlite"\n', encoding="utf-8")
    config = load_config(cfg_path, env={})
    scheduler = build_scheduler(config)
    scheduler.start(paused=True)
    stop_scheduler(scheduler)
    assert (tmp_path / "state" / "jobs.sqlite").is_file()


# -- persistence ------------------------------------------------------------------------------


def test_crawl_and_digest_jobs_persist_and_keep_their_next_run_time(tmp_path: Path) -> None:
    cfg_path, config = make_config(tmp_path, 'crawl_cron = "0 */3 * * *"\ndigest_cron = "0 7 * * *"\nmisfire_grace_time = 900')
    first = build_scheduler(config)
    first.start(paused=True)
    jobs = {j.id: j for j in first.get_jobs()}
    assert set(jobs) == {"crawl", "digest"}
    crawl = jobs["crawl"]
    assert crawl.func is tasks.crawl_job and crawl.args == (str(cfg_path.resolve()), "schedule")
    assert jobs["digest"].func is tasks.digest_job
    assert (crawl.coalesce, crawl.max_instances, crawl.misfire_grace_time) == (True, 1, 900)
    now = datetime.now(UTC)
    expected = CronTrigger.from_crontab("0 */3 * * *", timezone="UTC").get_next_fire_time(None, now)
    assert close_enough(crawl.next_run_time, expected)
    digest_next = jobs["digest"].next_run_time
    # As if the service went down just before a crawl was due.
    due = now - timedelta(minutes=5)
    first.modify_job("crawl", next_run_time=due)
    stop_scheduler(first)

    second = build_scheduler(config)
    second.start(paused=True)
    again = {j.id: j for j in second.get_jobs()}
    stop_scheduler(second)
    assert close_enough(again["crawl"].next_run_time, due)  # preserved, not recomputed from now
    assert close_enough(again["digest"].next_run_time, digest_next)

    # A changed crontab replaces the stored job and recomputes its next run.
    _, changed = make_config(tmp_path, 'crawl_cron = "15 * * * *"\ndigest_cron = "0 7 * * *"')
    third = build_scheduler(changed)
    third.start(paused=True)
    crawl3 = third.get_job("crawl")
    stop_scheduler(third)
    assert crawl3.next_run_time > datetime.now(UTC) and crawl3.next_run_time.minute == 15


def test_jobs_survive_a_restart_from_the_same_store_and_then_run(tmp_path: Path) -> None:
    _, config = make_config(tmp_path)
    out = tmp_path / "ticks.txt"
    first = make_scheduler(config)
    first.start(paused=True)
    first.add_job(
        append_line, IntervalTrigger(seconds=1), args=[str(out), "tick"], id="tick", replace_existing=True,
        next_run_time=datetime.now(UTC) + timedelta(seconds=1.5),
    )
    stored_next = first.get_job("tick").next_run_time
    stop_scheduler(first)
    assert not out.exists()

    second = make_scheduler(config)  # a new process would do the same: nothing added, only loaded
    second.start(paused=True)
    job = second.get_job("tick")
    assert job is not None and close_enough(job.next_run_time, stored_next)
    second.resume()
    try:
        assert wait_for(lambda: lines(out, "tick"), timeout=4)
    finally:
        stop_scheduler(second)
    assert lines(out, "tick")[0][1] >= stored_next.timestamp() - 0.01


# -- misfires and overlap ---------------------------------------------------------------------


def test_misfires_beyond_grace_are_skipped_and_missed_runs_within_grace_coalesce(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _, config = make_config(tmp_path, "misfire_grace_time = 2")
    out = tmp_path / "runs.txt"
    t0 = datetime.now(UTC)
    first = make_scheduler(config)
    first.start(paused=True)
    first.add_job(append_line, DateTrigger(run_date=t0 + timedelta(seconds=0.5)), args=[str(out), "late"], id="late")
    # Three run times (t0+1.5, +2.0, +2.5) fall due while the scheduler is down, all within the grace time.
    first.add_job(
        append_line,
        IntervalTrigger(seconds=0.5, start_date=t0 + timedelta(seconds=1.5), end_date=t0 + timedelta(seconds=2.6)),
        args=[str(out), "caught"],
        id="caught",
    )
    stop_scheduler(first)
    time.sleep(max(0.0, (t0 + timedelta(seconds=3.0) - datetime.now(UTC)).total_seconds()))

    caplog.set_level(logging.INFO, logger="jobs.scheduler")
    second = make_scheduler(config)
    second.start()
    try:
        assert wait_for(lambda: lines(out, "caught"), timeout=2)
        time.sleep(0.5)  # room for any further (wrong) catch-up runs
    finally:
        stop_scheduler(second)
    assert len(lines(out, "caught")) == 1  # three missed runs coalesced into one
    assert lines(out, "late") == []  # 2.5 s late with a 2 s grace: skipped
    assert any("job late missed its run" in r.getMessage() for r in caplog.records)
    assert any("job caught" in r.getMessage() and "finished" in r.getMessage() for r in caplog.records)


def test_a_slow_job_never_runs_twice_at_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    _, config = make_config(tmp_path)
    out = tmp_path / "slow.txt"
    caplog.set_level(logging.WARNING, logger="jobs.scheduler")
    scheduler = make_scheduler(config)
    scheduler.add_job(slow_job, IntervalTrigger(seconds=0.3), args=[str(out), 1.0], id="slow")
    scheduler.start()
    time.sleep(2.6)
    stop_scheduler(scheduler, wait=True)
    starts, ends = [t for _, t in lines(out, "start")], [t for _, t in lines(out, "end")]
    assert len(starts) >= 2 and len(starts) == len(ends)
    for next_start, prev_end in zip(starts[1:], ends[:-1], strict=True):
        assert next_start >= prev_end
    assert any("job slow still running" in r.getMessage() for r in caplog.records)


# -- the run lock -----------------------------------------------------------------------------


def test_lock_is_exclusive_and_names_its_holder(tmp_path: Path) -> None:
    _, config = make_config(tmp_path)
    with run_lock(config):
        with pytest.raises(LockHeld) as err:
            run_lock(config).acquire()
        assert f"another run holds the lock (pid {os.getpid()}, since " in str(err.value)
    with run_lock(config) as lock:  # released: free again
        assert lock.held


def test_waiting_for_the_lock_gets_it_when_freed_and_gives_up_on_stop(tmp_path: Path) -> None:
    lock_file = tmp_path / "rasad.lock"
    holder = RunLock(lock_file)
    holder.acquire()
    threading.Timer(0.5, holder.release).start()
    waiter = RunLock(lock_file, wait=5, poll=0.05)
    t = time.monotonic()
    waiter.acquire()  # waits for the release instead of failing
    assert time.monotonic() - t > 0.4  # it waited; had it timed out (5 s) it would have raised
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    t = time.monotonic()
    with pytest.raises(LockHeld):
        RunLock(lock_file, wait=60, poll=0.05, cancel=stop).acquire()
    assert time.monotonic() - t < 30  # a shutdown does not wait out the whole 60 s lock timeout
    waiter.release()


def _hold_lock_in_subprocess(lock_file: Path) -> subprocess.Popen:
    code = (
        "import sys, time\n"
        "from jobs.lock import RunLock\n"
        f"lock = RunLock({str(lock_file)!r}); lock.acquire()\n"
        "print('held', flush=True); time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_run_once_exits_75_while_another_process_holds_the_lock(tmp_path: Path) -> None:
    cfg_path, config = make_config(tmp_path)
    lock_file = config.path(config.schedule.lock_file)
    holder = _hold_lock_in_subprocess(lock_file)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "jobs.cli", "-c", str(cfg_path), "run-once"],
            cwd=ROOT, capture_output=True, text=True, timeout=60,
        )
        assert proc.returncode == EX_TEMPFAIL, proc.stderr
        assert f"another run holds the lock (pid {holder.pid}, since " in proc.stderr
        # The scheduled crawl in the service skips (not fails) for the same reason.
        skipped = tasks.crawl_job(str(cfg_path))
        assert skipped["status"] == "skipped" and f"pid {holder.pid}" in skipped["reason"]
    finally:
        holder.kill()
        holder.wait()
    # The kernel drops the lock with its holder: no stale lock after a crash.
    lock = RunLock(lock_file)
    lock.acquire()
    lock.release()


# -- graceful shutdown ------------------------------------------------------------------------


class Service:
    """`rasad schedule` in a subprocess, its stderr collected by a thread."""

    def __init__(self, cfg_path: Path):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jobs.cli", "-c", str(cfg_path), "schedule"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        self.lines: list[str] = []
        self.ready = threading.Event()  # set once the next run times are logged
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
            if "scheduler started" in line:
                self.ready.set()

    @property
    def log(self) -> str:
        return "".join(self.lines)

    def terminate(self, timeout: float = 10, sig: int = signal.SIGTERM) -> tuple[int, float]:
        """SIGTERM (or `sig`); returns the exit status and the seconds it took to exit."""
        t = time.monotonic()
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
        self.reader.join(5)
        return rc, time.monotonic() - t


def test_rasad_schedule_logs_next_runs_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    cfg_path, _ = make_config(tmp_path)
    service = Service(cfg_path)
    assert service.ready.wait(30), service.log
    assert wait_for(lambda: "job digest:" in service.log, 5), service.log
    rc, elapsed = service.terminate()
    assert rc == 0, service.log
    assert elapsed < 30  # the next run is hours away: the service did not wait for it
    assert "job crawl: cron" in service.log and "next run 20" in service.log
    assert "stop requested" in service.log and "scheduler shutdown complete" in service.log
    assert " INFO " not in service.log and "rasad: info" not in service.log  # README "Output": no INFO lines


def test_ctrl_c_stops_the_service_with_130(tmp_path: Path) -> None:
    """README "Exit codes": 130 when interrupted from the keyboard, for the service too."""
    cfg_path, _ = make_config(tmp_path)
    service = Service(cfg_path)
    assert service.ready.wait(30), service.log
    rc, elapsed = service.terminate(sig=signal.SIGINT)
    assert rc == 130, service.log
    assert elapsed < 30 and "scheduler shutdown complete" in service.log


def test_sigterm_waits_for_the_running_job_to_finish(tmp_path: Path) -> None:
    cfg_path, config = make_config(tmp_path)
    out = tmp_path / "slow.txt"
    # A job already in the persistent store is loaded by the service like its own jobs.
    seed = make_scheduler(config)
    seed.start(paused=True)
    seed.add_job(slow_job, DateTrigger(run_date=datetime.now(UTC) + timedelta(seconds=1)), args=[str(out), 2.0], id="slow")
    stop_scheduler(seed)

    service = Service(cfg_path)
    assert wait_for(lambda: lines(out, "start"), 30), service.log
    sent_at = time.time()
    rc, elapsed = service.terminate()
    assert rc == 0, service.log
    ends = lines(out, "end")
    assert len(ends) == 1 and ends[0][1] >= sent_at  # the job finished after the signal, before the exit
    assert elapsed < 30  # the 2 s job, not a hang
    assert "waiting for running jobs" in service.log
    assert "job slow" in (tmp_path / "var" / "log" / "rasad.log").read_text(encoding="utf-8")  # the run: log file


def test_stop_flag_prevents_new_steps_of_the_cycle(tmp_path: Path) -> None:
    """With STOP set (as by SIGTERM) the cron cycle starts neither crawl nor digest and releases the lock."""
    _, config = make_config(tmp_path)
    tasks.STOP.set()
    result = tasks.cycle(config, trigger="test")
    assert result["crawl"]["status"] == "skipped" and result["digest"]["status"] == "skipped"
    assert result["status"] == "interrupted"
    with run_lock(config):
        pass


# -- `rasad crawl` arguments ------------------------------------------------------------------


def test_crawl_with_unknown_outlet_exits_2_listing_the_known_ones(tmp_path: Path, capsys) -> None:
    from crawler.sources import all_sources
    from jobs.cli import main

    cfg_path, config = make_config(tmp_path)
    assert main(["-c", str(cfg_path), "crawl", "--source", "no-such-outlet"]) == 2
    err = capsys.readouterr().err
    assert "unknown outlet 'no-such-outlet'; known outlets:" in err
    assert all(s.name in err for s in all_sources())
    assert not config.path(config.schedule.lock_file).exists()  # rejected before anything ran


@pytest.mark.parametrize("value", ["yesterday", "2020-13-45", "7w"])
def test_crawl_with_bad_since_is_a_clear_usage_error(tmp_path: Path, capsys, value: str) -> None:
    from jobs.cli import main

    cfg_path, _ = make_config(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        main(["-c", str(cfg_path), "crawl", "--since", value])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "--since" in err and "expected an ISO date such as 2020-11-20" in err and repr(value) in err


def test_since_accepts_dates_datetimes_and_durations() -> None:
    from jobs.commands.crawl import parse_since

    assert parse_since("2020-11-20") == datetime(2020, 11, 20, tzinfo=UTC)
    assert parse_since("2020-11-23T08:00+08:00") == datetime(2020, 11, 23, 0, 0, tzinfo=UTC)
    assert abs((datetime.now(UTC) - parse_since("7d")) - timedelta(days=7)) < timedelta(seconds=5)
    assert abs((datetime.now(UTC) - parse_since("12h")) - timedelta(hours=12)) < timedelta(seconds=5)
