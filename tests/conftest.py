"""Shared fixtures: a real Elasticsearch node, per-test configuration and store.

Elasticsearch: ES_URL when set (CI starts the node with `rasad es up`), otherwise the project's
own local node is started on RASAD_TEST_ES_PORT (default 9250) for the session and stopped after.
A test that needs Elasticsearch and finds none fails; it never skips.

Tests delete the indices they create. At the end of the session the `es_url` fixture lists the
cluster's indices again and fails (after deleting them) if an index of a prefix this session used
(every prefix goes through `write_config` or `index_prefix`) was created and is still there: on an
external cluster (ES_URL) nothing of a test run may stay behind.
"""

from __future__ import annotations

import copy
import os
import shutil
import signal
import socket
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.config import Config, load_config
from crawler.store import Store

TEST_ES_PORT = int(os.environ.get("RASAD_TEST_ES_PORT", "9250"))
POOL_GRACE_S = 15.0  # how long a killed run's pool may take to end before it counts as left behind


@pytest.fixture(scope="session", autouse=True)
def no_pool_process_left_behind() -> Iterator[None]:
    """Fails the session when a worker process or resource tracker of this test run outlives it.

    Every process the tests start inherits this run's marker (tests/leftovers.py), so even a worker
    whose crawl was SIGKILLed and which was re-parented to init is found. Leftovers are killed after
    being reported, so a failing run does not leave them running either.
    """
    from tests import leftovers

    marker = uuid.uuid4().hex
    os.environ[leftovers.MARK] = marker
    yield
    alive = leftovers.wait_gone(marker, POOL_GRACE_S, ignore_parent=os.getpid())
    for pid in alive:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    assert not alive, (f"{len(alive)} worker-pool processes of this test run outlived it (killed now):\n"
                       + "\n".join(f"  pid {pid}: {cmd}" for pid, cmd in sorted(alive.items())))


# Index prefixes this session's tests configured (write_config, index_prefix): the leftover check's scope,
# so that indices of other test sessions sharing the cluster are never blamed on this one.
TEST_PREFIXES: set[str] = set()


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
    TEST_PREFIXES.add(prefix)
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


def _indices(url: str) -> dict[str, int]:
    """Every index of the cluster at `url` with its creation time (ms since the epoch)."""
    from crawler.store import Store

    store = Store(load_config(write_config(Path(os.environ.get("TMPDIR", "/tmp")) / "rasad-probe-cfg", url,
                                           "rasad-probe"), env={}))
    try:
        rows = store.client.cat.indices(format="json", h="index,creation.date", expand_wildcards="all")
        return {r["index"]: int(r["creation.date"]) for r in rows}
    finally:
        store.close()


def leftover_indices(before: dict[str, int], after: dict[str, int], prefixes: set[str]) -> list[str]:
    """Indices created since `before` whose name starts with one of this session's prefixes."""
    ours = tuple(f"{p}-" for p in prefixes if p != "rasad-probe")
    return sorted(name for name in after if name not in before and name.startswith(ours))


def _check_nothing_left(url: str, before: dict[str, int]) -> None:
    from crawler.store import Store

    left = leftover_indices(before, _indices(url), TEST_PREFIXES)
    if not left:
        return
    store = Store(load_config(write_config(Path(os.environ.get("TMPDIR", "/tmp")) / "rasad-probe-cfg", url,
                                           "rasad-probe"), env={}))
    try:
        store.client.options(ignore_status=404).indices.delete(index=",".join(left))  # the cluster stays clean anyway
    finally:
        store.close()
    pytest.fail(f"tests left {len(left)} indices behind on {url} (now deleted): {', '.join(left)}", pytrace=False)


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
    """URL of a live Elasticsearch node (external via ES_URL, or the project's local node).

    At the end of the session: fails if an index of a prefix the session used is left behind.
    """
    url = os.environ.get("ES_URL")
    if url:
        from crawler.store import Store, wait_for

        cfg = load_config(write_config(tmp_path_factory.mktemp("probe"), url, "rasad-probe"), env={})
        wait_for(Store(cfg), timeout=60)  # raises: a missing cluster fails the tests
        before = _indices(url)
        yield url
        _check_nothing_left(url, before)
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
        before = _indices(node.url)
        yield node.url
        _check_nothing_left(node.url, before)
    finally:
        node.down()
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture
def index_prefix() -> str:
    prefix = f"rasad-t{uuid.uuid4().hex[:10]}"
    TEST_PREFIXES.add(prefix)
    return prefix


def drop_prefix(config: Config) -> None:
    """Delete every index and template of the configuration's prefix (its demo prefix included)."""
    demo = copy.deepcopy(config)
    demo.elasticsearch.index_prefix = f"{config.elasticsearch.index_prefix}-demo"
    for cfg in (config, demo):
        s = Store(cfg)
        try:
            s.drop()
        finally:
            s.close()


@pytest.fixture
def config(tmp_path: Path, es_url: str, index_prefix: str) -> Iterator[Config]:
    """Configuration pointing at the test node with a unique index prefix and tmp paths; whatever the
    test (or the commands it runs) created under the prefix is deleted after it."""
    cfg = load_config(write_config(tmp_path, es_url, index_prefix), env={})
    yield cfg
    drop_prefix(cfg)


@pytest.fixture
def store(config: Config) -> Iterator[Store]:
    """An initialised Store; its indices are deleted after the test."""
    s = Store(config)
    s.init()
    yield s
    s.drop()
    s.close()
