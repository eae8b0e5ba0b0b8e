"""Fault drills, leftover processes: a SIGKILLed `rasad crawl` or `rasad backfill` takes its worker pool along.

Real commands (`python -m jobs.cli`), whose crawl or backfill child starts the CPU worker pool
(crawler/workers.py: spawn workers and multiprocessing's resource tracker). Each run carries its own
marker in its environment (tests/leftovers.py), so its pool processes are found in /proc even after
they have been re-parented to init. The command is killed with SIGKILL while its pool is busy; within
a few seconds no worker and no resource tracker of that run may be left.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.store import Store
from jobs.local_archive import ArchivedPage, write_warc
from tests import leftovers
from tests.conftest import write_config
from tests.drill_helpers import ListingSite, drop_indices, listing_config, wait_until
from tests.test_backfill import page_html, real_pages

pytestmark = [pytest.mark.es]

GONE_WITHIN_S = 5.0  # a worker notices its parent's end at once (its pipe closes); the tracker follows


@pytest.fixture
def prefix(es_url: str, tmp_path: Path) -> Iterator[str]:
    name = f"rasad-pool{uuid.uuid4().hex[:8]}"
    yield name
    from crawler.config import load_config

    store = Store(load_config(write_config(tmp_path / "drop", es_url, name), env={}))
    drop_indices(store, name)
    store.close()


def kill_when_pool_busy(cmd: list[str], marker: str) -> dict[int, str]:
    """Start `cmd` with `marker`, SIGKILL it once its pool has a worker and a resource tracker; the
    pool processes seen just before the kill."""
    proc = subprocess.Popen(cmd, env=leftovers.environment_with_marker(marker), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        def pool_up() -> bool:
            assert proc.poll() is None, f"{cmd[-1]} ended before its pool was seen: {proc.stderr.read()[-2000:]!r}"
            found = leftovers.pool_processes(marker).values()
            return any(leftovers.is_tracker(c) for c in found) and any(not leftovers.is_tracker(c) for c in found)

        wait_until(pool_up, 180, "the run's worker pool and resource tracker")
        before = leftovers.pool_processes(marker)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        return before
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        assert proc.stderr is not None
        proc.stderr.close()


def assert_all_gone(marker: str, before: dict[int, str]) -> None:
    alive = leftovers.wait_gone(marker, GONE_WITHIN_S)
    for pid in alive:  # do not leave them running for the session check either
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    assert not alive, (f"{len(alive)} of {len(before)} pool processes still running {GONE_WITHIN_S:.0f}s after "
                       f"the SIGKILL: {alive}")


@pytest.mark.slow
def test_sigkilled_rasad_crawl_leaves_no_worker_or_resource_tracker(es_url: str, prefix: str, tmp_path: Path) -> None:
    """`rasad crawl` of a local outlet whose later articles are held: killed with its pool at work."""
    site = ListingSite("aljazeera", "/sitemap.xml", 200, hold_after=30)
    config = listing_config(tmp_path, es_url, prefix, site, cpu_workers=2)
    assert config.source_file is not None
    marker = uuid.uuid4().hex
    try:
        before = kill_when_pool_busy([sys.executable, "-m", "jobs.cli", "-c", str(config.source_file), "crawl"],
                                     marker)
        assert_all_gone(marker, before)
    finally:
        site.stop()


@pytest.mark.slow
def test_sigkilled_rasad_backfill_leaves_no_worker_or_resource_tracker(es_url: str, prefix: str,
                                                                         tmp_path: Path) -> None:
    """`rasad backfill --warc` of 400 Arabic pages: killed with its pool at work."""
    wic = next(p for p in real_pages() if p["kind"] == "wic")
    captured = datetime.fromisoformat(wic["captured"].replace("Z", "+00:00")).astimezone(UTC)
    warc = write_warc(tmp_path / "many.warc.gz", [
        ArchivedPage(f"https://www.rosaelyoussef.com/{2000000 + i}", captured, page_html(wic)) for i in range(400)])
    cfg = write_config(tmp_path, es_url, prefix, extra=f'\n[crawl]\ncpu_workers = 2\n\n[archive]\n'
                                                       f'state_file = "{tmp_path / "s.json"}"\n')
    marker = uuid.uuid4().hex
    before = kill_when_pool_busy([sys.executable, "-m", "jobs.cli", "-c", str(cfg), "backfill", "--warc", str(warc)],
                                 marker)
    assert_all_gone(marker, before)
