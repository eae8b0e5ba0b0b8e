"""Spool and replay across a real node stop and restart (a dedicated node, not the shared one)."""

from __future__ import annotations

import json
import urllib.request

import pytest

from crawler.config import load_config
from crawler.store import Store
from crawler.store.node import LocalNode
from tests.conftest import free_node_port, write_config
from tests.test_store import make_article

pytestmark = [pytest.mark.es, pytest.mark.slow]


def test_node_stopped_then_restarted_nothing_lost(tmp_path, es_url: str, node_dir) -> None:
    port = free_node_port()
    cfg = load_config(write_config(tmp_path, "", "rasad-drill"), env={"RASAD_ES_PORT": str(port)})
    cfg.elasticsearch.local_data_dir = str(node_dir)
    node = LocalNode(cfg)
    node.up(timeout=240)
    try:
        assert node.up().running  # idempotent: a second `up` reuses the running node
        # A cluster of its own: it must not join the shared node found on the transport ports 9300+
        # (which would leave that node's indices red when this one stops).
        own = _health(node.url)
        assert own["number_of_nodes"] == 1 and own["cluster_name"] != _health(es_url)["cluster_name"]
        store = Store(cfg)
        store.init()
        store.index_articles([make_article(i) for i in range(3)])
        before = store.count()
        assert node.down()
        assert not node.status().running
        result = Store(cfg).index_articles([make_article(i) for i in range(3, 10)])
        assert result.spooled == 7 and result.indexed == 0
        node.up(timeout=240)
        store = Store(cfg)
        assert store.replay_spool() == 7
        assert store.count() == before + 7 == 10
    finally:
        node.down()
    assert not node.status().running


def _health(url: str) -> dict:
    with urllib.request.urlopen(url.rstrip("/") + "/_cluster/health", timeout=30) as answer:
        return json.load(answer)
