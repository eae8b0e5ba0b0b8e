"""Shared fixtures: a real Elasticsearch node, per-test configuration and store.

Elasticsearch: ES_URL when set (CI starts the node with `rasad es up`), otherwise the project's
own local node is started on RASAD_TEST_ES_PORT (default 9250) for the session and stopped after.
A test that needs Elasticsearch and finds none fails; it never skips.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.config import Config, load_config
from crawler.store import Store

TEST_ES_PORT = int(os.environ.get("RASAD_TEST_ES_PORT", "9250"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_node_port() -> int:
    """A free port in the range the local node accepts (9201-9299), avoiding the default 9200."""
    for port in range(9270, 9299):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port in 9270-9298 for a test node")


def write_config(tmp: Path, es_url: str, prefix: str, extra: str = "") -> Path:
    """A configuration file whose writable paths all live under `tmp`."""
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / "rasad.toml"
    path.write_text(
        f"""
[elasticsearch]
url = "{es_url}"
index_prefix = "{prefix}"
request_timeout = 20
max_retries = 2

[spool]
dir = "{tmp / 'spool'}"

[digest]
out_dir = "{tmp / 'out'}"

[schedule]
jobstore_url = "sqlite:///{tmp / 'jobs.sqlite'}"
lock_file = "{tmp / 'rasad.lock'}"
{extra}
""",
        encoding="utf-8",
    )
    return path


def node_home() -> Path:
    """A fresh directory for a local node's data, outside pytest's tmp root.

    Run as root, the node runs as the user `rasad-es`, which must reach its directory; pytest keeps
    /tmp/pytest-of-<user> at mode 0700 and resets it at each session start (another suite's too),
    so a node's directory there can become unreachable while the node runs.
    """
    base = Path(tempfile.gettempdir()) / "rasad-test-nodes"
    base.mkdir(mode=0o755, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="node-", dir=base))


@pytest.fixture
def node_dir() -> Iterator[Path]:
    """node_home() for one test, removed after it."""
    path = node_home()
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def es_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a live Elasticsearch node (external via ES_URL, or the project's local node)."""
    url = os.environ.get("ES_URL")
    if url:
        from crawler.store import Store, wait_for

        cfg = load_config(write_config(tmp_path_factory.mktemp("probe"), url, "rasad-probe"), env={})
        wait_for(Store(cfg), timeout=60)  # raises: a missing cluster fails the tests
        yield url
        return
    from crawler.store.node import LocalNode

    home = tmp_path_factory.mktemp("esnode")
    cfg_path = write_config(home, "", "rasad-probe", extra="")
    cfg = load_config(cfg_path, env={"RASAD_ES_PORT": str(TEST_ES_PORT)})
    data = node_home()
    cfg.elasticsearch.local_data_dir = str(data)
    node = LocalNode(cfg)
    node.up(timeout=240)
    try:
        yield node.url
    finally:
        node.down()
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture
def index_prefix() -> str:
    return f"rasad-t{uuid.uuid4().hex[:10]}"


@pytest.fixture
def config(tmp_path: Path, es_url: str, index_prefix: str) -> Config:
    """Configuration pointing at the test node with a unique index prefix and tmp paths."""
    return load_config(write_config(tmp_path, es_url, index_prefix), env={})


@pytest.fixture
def store(config: Config) -> Iterator[Store]:
    """An initialised Store; its indices are deleted after the test."""
    s = Store(config)
    s.init()
    yield s
    s.drop()
    s.close()
