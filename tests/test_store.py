"""The store against a real Elasticsearch node: schema, idempotent upserts, Arabic search, spool."""

from __future__ import annotations

import socket

import pytest

from crawler.config import load_config
from crawler.items import Article
from crawler.store import Store
from tests.conftest import free_port, write_config

pytestmark = pytest.mark.es


def make_article(n: int, **kw) -> Article:
    base = dict(
        url=f"https://news.example/ar/{n}?utm_source=x",
        canonical_url=f"https://news.example/ar/{n}",
        title=f"افتتاح المؤتمر العالمي للإنترنت في ووتشن {n}",
        body="افتُتح المؤتمر العالمي للإنترنت في مدينة ووتشن بمقاطعة تشجيانغ بمشاركة شركات عالمية.",
        source="example",
        published_at="2020-11-23T10:00:00+08:00",
        topic="wic-2020",
    )
    base.update(kw)
    return Article(**base)


def test_index_update_reindex_same_article_is_one_document(store: Store) -> None:
    a = make_article(1)
    assert store.index_articles([a]).indexed == 1
    a.title = "عنوان معدل"
    assert store.index_articles([a]).indexed == 1
    # The same article reached through another URL variant keeps its canonical id.
    store.index_articles([make_article(1, url="https://m.news.example/ar/1", title="عنوان ثالث")])
    assert store.count() == 1
    doc = store.get_article(a.doc_id)
    assert doc is not None and doc["title"] == "عنوان ثالث"
    assert doc["url"] == "https://m.news.example/ar/1"


def test_arabic_analyser_matches_stemmed_and_normalised_variants(store: Store) -> None:
    store.index_articles([make_article(1), make_article(2, title="أسعار النفط اليوم", body="ارتفعت أسعار النفط في الأسواق.")])
    store.refresh()
    # Different forms: plural + definite article, alef without hamza, no taa marbuta, diacritics.
    for query in ("مؤتمرات الانترنت", "المُؤْتَمَرُ", "مقاطعه تشجيانغ", "الشركات"):
        hits = store.search_text(query)
        assert hits, query
        assert hits[0]["canonical_url"] == "https://news.example/ar/1", query
    analysed = store.client.indices.analyze(index=store.articles, body={"analyzer": "rasad_arabic", "text": "المؤتمرات العالمية ٢٠٢٠"})
    assert [t["token"] for t in analysed["tokens"]] == ["مؤتمر", "عالم", "2020"]


def test_mapping_has_keyword_subfields_and_time_field(store: Store) -> None:
    props = store.mapping()["properties"]
    assert props["title"]["analyzer"] == "rasad_arabic"
    assert props["title"]["fields"]["keyword"]["type"] == "keyword"
    assert props["body"]["fields"]["std"]["analyzer"] == "standard"
    assert props["published_at"]["type"] == "date"
    assert props["source"]["type"] == "keyword"


def test_init_twice_changes_nothing(store: Store) -> None:
    store.index_articles([make_article(1)])
    before = store.client.indices.get(index=f"{store.config.elasticsearch.index_prefix}-*")
    result = store.init()
    after = store.client.indices.get(index=f"{store.config.elasticsearch.index_prefix}-*")
    assert set(result.values()) == {"unchanged"}
    assert before.keys() == after.keys()
    for name in before:
        assert before[name]["mappings"] == after[name]["mappings"]
        assert before[name]["aliases"] == after[name]["aliases"]
    assert store.count() == 1


def test_init_migrates_an_older_index_version_behind_the_alias(store: Store, monkeypatch) -> None:
    store.index_articles([make_article(1), make_article(2)])
    import crawler.store.store as store_module

    monkeypatch.setattr(store_module, "SCHEMA_VERSION", 2)
    result = store.init()
    alias = store.articles
    assert result[alias].startswith("migrated from")
    assert list(store.client.indices.get_alias(name=alias)) == [f"{alias}-v2"]
    assert store.count() == 2


def test_spool_when_unreachable_then_replay(config, tmp_path) -> None:
    """Writes made while the cluster is unreachable land in the spool and are replayed later."""
    port = free_port()  # nothing listens here
    down_cfg = load_config(write_config(tmp_path / "down", f"http://127.0.0.1:{port}", config.elasticsearch.index_prefix), env={})
    down_cfg.spool.dir = config.spool.dir
    down = Store(down_cfg)
    result = down.index_articles([make_article(i) for i in range(5)])
    assert (result.indexed, result.spooled) == (0, 5)
    assert down.spool.pending() == 5
    live = Store(config)
    live.init()
    assert live.replay_spool() == 5
    assert live.count() == 5
    assert live.spool.files() == []


def test_known_urls_include_indexed_and_remembered(store: Store) -> None:
    store.index_articles([make_article(1)])
    store.remember_urls([{"url": "https://news.example/unrelated", "status": "irrelevant", "reason": "no keyword"}])
    assert {"https://news.example/ar/1", "https://news.example/unrelated"} <= store.known_urls()


def test_spool_write_failure_is_clear_and_leaves_no_partial_file(tmp_path) -> None:
    from crawler.store.spool import Spool, SpoolError

    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    with pytest.raises(SpoolError, match="not-a-dir"):
        Spool(blocker / "spool").write([{"a": 1}])


def test_bulk_throughput_smoke(store: Store) -> None:
    """Many articles in one call all arrive (chunked bulk); throughput is measured in `make bench`."""
    n = 1200
    res = store.index_articles([make_article(i) for i in range(n)])
    assert res.indexed == n and res.failed == 0
    assert store.count() == n


def test_concurrent_bulk_chunks_report_every_document(store: Store) -> None:
    """Chunks sent at once (store.BULK_THREADS) add up: every id's outcome, created then updated."""
    from crawler.store import BULK_THREADS

    store.config.elasticsearch.bulk_chunk_size = 40
    articles = [make_article(i) for i in range(40 * BULK_THREADS * 2 + 7)]  # more chunks than threads
    first = store.index_articles(articles)
    assert (first.indexed, first.created, first.updated, first.failed) == (len(articles), len(articles), 0, 0)
    assert set(first.outcomes) == {a.doc_id for a in articles}
    again = store.index_articles(articles)
    assert (again.indexed, again.created, again.updated) == (len(articles), 0, len(articles))
    assert store.count() == len(articles)


def test_unreachable_node_spools_every_chunk(config, tmp_path) -> None:
    """With several chunks in flight, an unreachable node still spools the whole write."""
    down_cfg = load_config(write_config(tmp_path / "down", f"http://127.0.0.1:{free_port()}",
                                        config.elasticsearch.index_prefix), env={})
    down_cfg.spool.dir = str(tmp_path / "spool")
    down_cfg.elasticsearch.bulk_chunk_size = 10
    result = Store(down_cfg).index_articles([make_article(i) for i in range(95)])
    assert (result.indexed, result.spooled) == (0, 95)
    assert Store(down_cfg).spool.pending() == 95


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def test_reads_refresh_only_after_this_process_wrote(store: Store) -> None:
    """A scan no longer forces a refresh each time: only writes made through the store are refreshed.

    Automatic refreshes are switched off on the test index, so what a scan sees is what was refreshed.
    """
    store.client.indices.put_settings(index=store.articles, body={"index": {"refresh_interval": "-1"}})
    store.index_articles([make_article(1)])
    assert [d["id"] for d in store.search_articles()] == [make_article(1).doc_id]  # our write: refreshed
    # A document written behind the store's back (as by another process) stays unseen until a refresh.
    store.client.index(index=store.articles, id="outside", body={"url": "https://news.example/ar/x"})
    assert len(store.search_articles()) == 1
    store.refresh()
    assert len(store.search_articles()) == 2
