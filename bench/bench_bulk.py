"""Bulk indexing throughput into the real Elasticsearch node (docs/s)."""

from __future__ import annotations

import time
import uuid

from bench.synthetic import synthetic_articles
from crawler.config import Config
from crawler.schema import INDICES
from crawler.store import Store


def bench_config(config: Config) -> Config:
    """A copy of the configuration with an index prefix of its own (rasad-bench-<random>)."""
    config = config.model_copy(deep=True)
    config.elasticsearch.index_prefix = f"rasad-bench-{uuid.uuid4().hex[:8]}"
    return config


def drop_prefix(store: Store) -> None:
    """Delete the indices and index templates of the store's prefix (a shared node stays clean)."""
    prefix = store.config.elasticsearch.index_prefix
    store.client.indices.delete(index=f"{prefix}-*", ignore=[404])
    for kind in INDICES:
        store.client.indices.delete_index_template(name=f"{prefix}-{kind}", ignore=[404])


def bench_bulk(config: Config, count: int = 10_000, chunk_size: int | None = None) -> dict:
    """Index `count` synthetic Arabic articles in one call; return docs/s and wall time.

    `chunk_size` overrides elasticsearch.bulk_chunk_size (actions per bulk request).
    """
    config = bench_config(config)
    if chunk_size:
        config.elasticsearch.bulk_chunk_size = chunk_size
    store = Store(config)
    store.init()
    articles = synthetic_articles(count)
    try:
        start = time.perf_counter()
        result = store.index_articles(articles)
        store.refresh()
        elapsed = time.perf_counter() - start
        if store.count() != count:
            raise RuntimeError(f"bulk benchmark: {store.count()} of {count} articles arrived")
        return {"docs": count, "chunk_size": config.elasticsearch.bulk_chunk_size, "seconds": round(elapsed, 2),
                "docs_per_s": round(count / elapsed), "failed": result.failed}
    finally:
        drop_prefix(store)
        store.close()
