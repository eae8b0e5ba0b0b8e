"""`rasad es status` exit codes for scripts, against real clusters: the shared node, a dedicated local
node started and stopped here, and a port where nothing listens. Also the end-of-run notice that the
local node keeps running."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.config import load_config
from jobs.commands.es import EXIT_NOT_RUNNING, EXIT_OK, shown_url
from jobs.context import local_node_notice
from tests.conftest import free_port, write_config

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.es]


def _random_free_node_port() -> int:
    """A free port of 9270-9298 taken at random: other suites on the machine take the first free one."""
    ports = list(range(9270, 9299))
    random.shuffle(ports)
    for port in ports:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port in 9270-9298 for a test node")


def _rasad(*args: str, config: Path, **env: str) -> subprocess.CompletedProcess:
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(config.parent), "RASAD_CONFIG": str(config)}
    return subprocess.run([sys.executable, "-m", "jobs.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env={**base, **env})


def test_status_of_the_configured_external_cluster(es_url: str, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, "", "rasad-st")
    proc = _rasad("es", "status", config=cfg, ES_URL=es_url)
    assert proc.returncode == EXIT_OK, proc.stdout + proc.stderr
    assert proc.stdout.startswith("running") and "external cluster" in proc.stdout
    assert "health=green" in proc.stdout or "health=yellow" in proc.stdout
    assert "version=" in proc.stdout and "nothing to status" not in proc.stdout


def test_status_of_an_unreachable_cluster_exits_3(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, "", "rasad-st")
    url = f"http://127.0.0.1:{free_port()}"
    proc = _rasad("es", "status", config=cfg, ES_URL=url)
    assert proc.returncode == EXIT_NOT_RUNNING
    assert proc.stdout.startswith("unreachable") and url in proc.stdout


def test_up_and_down_refuse_an_external_cluster(es_url: str, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, "", "rasad-st")
    proc = _rasad("es", "up", config=cfg, ES_URL=es_url)
    assert proc.returncode == 1 and "only its own local node" in proc.stdout


def test_password_in_the_url_is_not_shown() -> None:
    assert shown_url("https://rasad:s3cret@es.example.org:9200/") == "https://rasad:***@es.example.org:9200/"
    assert shown_url("http://127.0.0.1:9200") == "http://127.0.0.1:9200"


@pytest.mark.slow
def test_local_node_status_exit_codes_and_the_still_running_notice(tmp_path: Path, node_dir: Path) -> None:
    """A dedicated local node (not the shared one): 3 before `up`, 0 while it runs, 3 after `down`."""
    port = _random_free_node_port()
    cfg_path = write_config(tmp_path, "", "rasad-st")
    text = cfg_path.read_text(encoding="utf-8").replace(
        'url = ""', f'url = ""\nlocal_port = {port}\nlocal_data_dir = "{node_dir}"\nlocal_heap = "512m"')
    cfg_path.write_text(text, encoding="utf-8")
    config = load_config(cfg_path, env={})
    assert config.elasticsearch.is_local and config.elasticsearch.local_port == port
    before = _rasad("es", "status", config=cfg_path)
    assert before.returncode == EXIT_NOT_RUNNING and before.stdout.startswith("not running")
    assert local_node_notice(config) is None
    try:
        up = _rasad("es", "up", "--timeout", "240", config=cfg_path)
        assert up.returncode == 0, up.stdout + up.stderr
        status = _rasad("es", "status", config=cfg_path)
        assert status.returncode == EXIT_OK and status.stdout.startswith("running") and f":{port}" in status.stdout
        assert "pid=-" not in status.stdout, status.stdout  # our node answers, not another suite's on the same port
        notice = local_node_notice(config)
        assert notice is not None and "still running" in notice and "rasad es down" in notice
        assert "make es-down" in notice and "512m" in notice
        # What `make run` does offline, on the local node: its last line says the node keeps running.
        demo = _rasad("demo", config=cfg_path)
        assert demo.returncode == 0, demo.stdout + demo.stderr
        assert demo.stdout.strip().splitlines()[-1] == notice
    finally:
        down = _rasad("es", "down", config=cfg_path)
    assert down.returncode == 0 and down.stdout.strip() == "stopped"
    after = _rasad("es", "status", config=cfg_path)
    assert after.returncode == EXIT_NOT_RUNNING
    assert local_node_notice(config) is None
