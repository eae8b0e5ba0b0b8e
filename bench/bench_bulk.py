"""Bulk indexing throughput into the real Elasticsearch node (docs/s)."""

from __future__ import annotations

import time
import uuid

from bench.synthetic import synthetic_articles
from crawler.config import Config
from crawler.store import Store


def bench_bulk(config: Config, count: int = 10_000) -> dict:
    """Index `count` synthetic Arabic articles in one call; return docs/s and wall time."""
    config = config.model_copy(deep=True)
    config.elasticsearch.index_prefix = f"rasad-bench-{uuid.uuid4().hex[:8]}"
    store = Store(config)
    store.init()
    articles = synthetic_articles(count)
    try:
        start = time.perf_counter()
        result = store.index_articles(articles)
        store.refresh()
        elapsed = time.perf_counter() - start
        assert store.count() == count, "not every article arrived"
        return {"docs": count, "seconds": round(elapsed, 2), "docs_per_s": round(count / elapsed), "failed": result.failed}
    finally:
        store.client.indices.delete(index=f"{config.elasticsearch.index_prefix}-*", ignore=[404])
