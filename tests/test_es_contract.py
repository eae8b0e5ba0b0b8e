"""The store's calls against a real Elasticsearch 8.19 node: the oldest line the 8.19 client serves.

The suite runs on the 9.x node; this test starts an 8.19.0 node of its own (the same integ-test
distribution from Maven Central, our Arabic plugin built for 8.19), runs the store's whole cycle
on it and stops it. It fails, never skips, when that node cannot start.
"""

from __future__ import annotations

import shutil

import pytest

from crawler.config import load_config
from crawler.store import Store
from crawler.store.node import LocalNode
from tests.conftest import free_node_port, node_home, write_config
from tests.test_store import make_article

pytestmark = [pytest.mark.es, pytest.mark.slow]

CONTRACT_VERSION = "8.19.0"


@pytest.fixture(scope="module")
def node_819(tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("es819")
    cfg = load_config(write_config(home, "", "rasad-contract"), env={"RASAD_ES_PORT": str(free_node_port())})
    data = node_home()
    cfg.elasticsearch.local_data_dir = str(data)
    cfg.elasticsearch.local_heap = "512m"
    node = LocalNode(cfg, version=CONTRACT_VERSION)
    node.up(timeout=300)  # raises NodeError (the test fails) when it cannot start
    try:
        yield cfg, node
    finally:
        node.down()
        shutil.rmtree(data, ignore_errors=True)
    assert not node.status().running


def test_store_cycle_on_elasticsearch_8_19(node_819, monkeypatch) -> None:
    cfg, node = node_819
    assert node.status().version == CONTRACT_VERSION
    store = Store(cfg)
    try:
        assert store.version() == CONTRACT_VERSION
        assert store.info()["version"]["number"] == CONTRACT_VERSION
        assert set(store.init().values()) == {"created"}
        result = store.index_articles([make_article(i) for i in range(1, 4)])
        assert (result.indexed, result.created, result.failed) == (3, 3, 0)
        store.remember_urls([{"url": "https://news.example/other", "status": "irrelevant"}])
        assert store.count() == 3
        # Arabic analysis through our plugin: plural and definite-article forms find the stored title.
        hits = store.search_text("مؤتمرات الانترنت")
        assert hits and hits[0]["canonical_url"].startswith("https://news.example/ar/")
        assert {"https://news.example/ar/1", "https://news.example/other"} <= store.known_urls()
        assert len(store.search_articles()) == 3
        # A schema upgrade copies documents by scroll and bulk and flips the alias.
        import crawler.store.store as store_module

        monkeypatch.setattr(store_module, "SCHEMA_VERSION", 2)
        assert store.init()[store.articles].startswith("migrated from")
        assert store.count() == 3
        assert sorted(store.client.indices.get_alias(name=store.articles)) == [f"{store.articles}-v2"]
        dropped = store.drop()
        assert {f"{store.articles}-v1", f"{store.articles}-v2", f"{store.aliases['seen']}-v1"} <= set(dropped)
        assert store.client.indices.get(index=f"{cfg.elasticsearch.index_prefix}-*", allow_no_indices=True) == {}
    finally:
        store.close()
