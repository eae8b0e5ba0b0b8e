"""Bulk indexing throughput into the real Elasticsearch node (docs/s)."""

from __future__ import annotations

import time
import uuid

from elasticsearch import helpers

from bench.synthetic import synthetic_articles
from crawler.config import Config
from crawler.store import Store


def bench_config(config: Config) -> Config:
    """A copy of the configuration with an index prefix of its own (rasad-bench-<random>)."""
    config = config.model_copy(deep=True)
    config.elasticsearch.index_prefix = f"rasad-bench-{uuid.uuid4().hex[:8]}"
    return config


def drop_prefix(store: Store) -> None:
    """Delete the indices and index templates of the store's prefix (a shared node stays clean)."""
    store.drop()


def _timed_write(config: Config, articles: list, anchor: bool) -> float:
    """Seconds to upsert the articles into a fresh prefix and see them all: Store, or parallel_bulk."""
    config = bench_config(config)
    store = Store(config)
    store.init()
    try:
        start = time.perf_counter()
        if anchor:  # the same upsert actions, through the client's own concurrent helper
            actions = [store._article_action(a) for a in articles]
            for ok, info in helpers.parallel_bulk(store.client, actions, thread_count=4,
                                                  chunk_size=config.elasticsearch.bulk_chunk_size):
                if not ok:
                    raise RuntimeError(f"bulk benchmark: parallel_bulk rejected {info}")
        else:
            result = store.index_articles(articles)
            if result.failed or result.spooled:
                raise RuntimeError(f"bulk benchmark: {result.failed} failed, {result.spooled} spooled")
        store.refresh()
        elapsed = time.perf_counter() - start
        if store.count() != len(articles):
            raise RuntimeError(f"bulk benchmark: {store.count()} of {len(articles)} articles arrived")
        return elapsed
    finally:
        drop_prefix(store)
        store.close()


def bench_bulk(config: Config, count: int = 10_000, chunk_size: int | None = None, rounds: int = 3) -> dict:
    """Upsert `count` synthetic Arabic articles with Store.index_articles and with helpers.parallel_bulk.

    The two alternate for `rounds` rounds (fastest kept), so both see the same load on the machine.
    `chunk_size` overrides elasticsearch.bulk_chunk_size (actions per bulk request) for both.
    """
    config = config.model_copy(deep=True)
    if chunk_size:
        config.elasticsearch.bulk_chunk_size = chunk_size
    articles = synthetic_articles(count)
    ours, theirs = [], []
    for _ in range(rounds):
        ours.append(_timed_write(config, articles, anchor=False))
        theirs.append(_timed_write(config, articles, anchor=True))
    return {"docs": count, "chunk_size": config.elasticsearch.bulk_chunk_size, "seconds": round(min(ours), 2),
            "docs_per_s": round(count / min(ours)), "anchor_seconds": round(min(theirs), 2),
            "anchor_docs_per_s": round(count / min(theirs))}
