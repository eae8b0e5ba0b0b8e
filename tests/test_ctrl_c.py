"""Ctrl-C (SIGINT to the real process) ends `rasad crawl` and `rasad demo` with 130, as README's exit codes
say, and the demo then stops: no skipped steps listed, no advice to use --fresh. Real node, fixture site."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from crawler.config import load_config
from crawler.store import Store
from jobs.fixture_site import start_fixture_site
from tests.conftest import write_config
from tests.test_crawl import crawl_config, drop_indices

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.es, pytest.mark.slow]


def _started(store: Store, kind: str) -> bool:
    try:
        store.client.indices.refresh(index=store.aliases["runs"])
        return any(r.get("kind") == kind for r in store.runs())
    except Exception:  # noqa: BLE001 - the index appears with the first record
        return False


def _interrupt(args: list[str], config_file: Path, store: Store, kind: str, es_url: str) -> subprocess.CompletedProcess:
    """Start `rasad ARGS`, send SIGINT once its `kind` run is recorded as started, and collect it."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(config_file.parent),
           "RASAD_CONFIG": str(config_file), "ES_URL": es_url}
    proc = subprocess.Popen([sys.executable, "-m", "jobs.cli", *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not _started(store, kind):
            assert proc.poll() is None and time.monotonic() < deadline, "the command ended before its run started"
            time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_ctrl_c_ends_a_crawl_with_130(es_url: str, tmp_path: Path) -> None:
    server = start_fixture_site()
    prefix = f"rasad-t{uuid.uuid4().hex[:10]}"
    config = crawl_config(tmp_path, es_url, prefix, server)
    store = Store(config)
    try:
        done = _interrupt(["crawl"], Path(config.source_file), store, "crawl", es_url)
        statuses = [r["status"] for r in store.runs() if r["kind"] == "crawl"]
    finally:
        server.stop()
        drop_indices(store, prefix)
        store.close()
    assert done.returncode == 130, done.stdout + done.stderr[-2000:]
    assert statuses == ["interrupted"]  # the record says what happened, as before


def test_ctrl_c_ends_the_demo_with_130_and_lists_no_skipped_steps(es_url: str, tmp_path: Path) -> None:
    prefix = f"rasad-t{uuid.uuid4().hex[:10]}"
    cfg_path = write_config(tmp_path, es_url, prefix)
    config = load_config(cfg_path, env={})
    demo = config.model_copy(deep=True)
    demo.elasticsearch.index_prefix = f"{prefix}-demo"
    store = Store(demo)
    try:
        done = _interrupt(["demo", "--fresh"], cfg_path, store, "backfill", es_url)
        kinds = [r["kind"] for r in store.runs()]
    finally:
        drop_indices(store, f"{prefix}-demo")
        drop_indices(store, prefix)
        store.close()
    assert done.returncode == 130, done.stdout + done.stderr[-2000:]
    shown = done.stdout + done.stderr
    assert "interrupted" in done.stdout
    assert "use --fresh" not in shown and "no mail was received" not in shown and "skipped" not in shown
    assert "crawl" not in kinds  # nothing started after the interrupted backfill
