"""Digest build and render for a period holding many articles, in memory and through the store."""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.bench_bulk import bench_config, drop_prefix
from bench.synthetic import synthetic_article
from crawler.config import Config
from crawler.store import Store
from reports.chart import timeline_png
from reports.digest import build_digest
from reports.render import render_html, render_text
from reports.service import make_digest

PERIOD_END = datetime(2026, 11, 28, tzinfo=UTC)
PERIOD_DAYS = 27
STORY_SIZE = 4  # a story every few articles: syndicated copies


def article_docs(count: int, seed: int = 13) -> list[dict]:
    """Stored-article dicts as the digest reads them: relation, similarity, facts, novelty, story."""
    rng = random.Random(seed)
    docs = []
    for n in range(count):
        a = synthetic_article(rng, n, words=120)
        a.source_name = a.source
        a.story_id = f"story-{n // STORY_SIZE if rng.random() < 0.6 else n}"
        a.facts_shared = ["35.8 تريليون يوان (حجم الاقتصاد الرقمي)"] if rng.random() < 0.5 else []
        a.facts_conflicting = ["15 ← 16 (عدد الإنجازات)"] if rng.random() < 0.05 else []
        a.novel_sentences = [a.lead[:120]]
        doc = a.to_dict()
        doc["id"] = a.doc_id
        doc["indexed_at"] = (PERIOD_END - timedelta(minutes=1 + n % (PERIOD_DAYS * 1440))).isoformat()
        docs.append(doc)
    return docs


def _timed(func: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[float, Any]:
    t = time.perf_counter()
    out = func(*args, **kwargs)
    return time.perf_counter() - t, out


def bench_digest_memory(count: int, max_articles: int | None) -> dict:
    """build_digest + render_html + render_text + timeline_png on `count` article dicts."""
    docs = article_docs(count)
    start = PERIOD_END - timedelta(days=PERIOD_DAYS)
    build_s, digest = _timed(build_digest, docs, topic="wic-2020", period_start=start, period_end=PERIOD_END,
                             kibana_url="http://127.0.0.1:5601", max_articles=max_articles)
    html_s, html = _timed(render_html, digest, digest.chart_cid)
    text_s, text = _timed(render_text, digest)
    chart_s, png = _timed(timeline_png, digest.days)
    return {"build_s": build_s, "html_s": html_s, "text_s": text_s, "chart_s": chart_s,
            "listed": sum(len(s.articles) for s in digest.stories), "stories": digest.counts.stories,
            "html_kib": len(html.encode()) / 1024, "text_kib": len(text.encode()) / 1024, "png_kib": len(png) / 1024}


def bench_make_digest(config: Config, count: int) -> dict:
    """reports.service.make_digest against the real store holding `count` articles in the period."""
    cfg = bench_config(config)
    store = Store(cfg)
    store.init()
    try:
        with tempfile.TemporaryDirectory(prefix="rasad-bench-digest-") as tmp:
            cfg.digest.out_dir = tmp
            store.index_articles(article_docs(count))
            store.refresh()
            start = PERIOD_END - timedelta(days=PERIOD_DAYS)
            seconds, outcome = _timed(make_digest, cfg, store, since=start, until=PERIOD_END, send=False,
                                      now=PERIOD_END)
        return {"seconds": seconds, "articles": outcome.article_count, "status": outcome.status}
    finally:
        drop_prefix(store)
        store.close()


def bench_digest_query(config: Config, count: int = 1_000, repeats: int = 30) -> dict:
    """The digest's query (Store.search_articles over a one-day window) beside one raw search of the
    same filter through the client, alternating; p50 / p95 in ms of each."""
    cfg = bench_config(config)
    store = Store(cfg)
    store.init()
    try:
        docs = article_docs(count)
        for d in docs:  # every document in the last day before PERIOD_END
            d["indexed_at"] = (PERIOD_END - timedelta(seconds=60 + hash(d["id"]) % 80_000)).isoformat()
        store.index_articles(docs)
        store.refresh()
        since = PERIOD_END - timedelta(days=1)
        query = {"bool": {"filter": [{"range": {"indexed_at": {"gte": since.isoformat(), "lt": PERIOD_END.isoformat()}}},
                                     {"term": {"topic": "wic-2020"}}]}}
        ours, raw = [], []
        for _ in range(repeats):
            t, found = _timed(store.search_articles, since, PERIOD_END, topic="wic-2020")
            ours.append(t)
            t, hits = _timed(store.client.search, index=store.articles, body={"query": query, "size": count + 10})
            raw.append(t)
        if len(found) != len(hits["hits"]["hits"]):
            raise RuntimeError(f"digest query found {len(found)}, the raw search {len(hits['hits']['hits'])}")

        def pct(values: list[float], q: float) -> float:
            return 1000 * sorted(values)[min(len(values) - 1, int(q * len(values)))]

        return {"docs": len(found), "p50": pct(ours, 0.5), "p95": pct(ours, 0.95),
                "raw_p50": pct(raw, 0.5), "raw_p95": pct(raw, 0.95)}
    finally:
        drop_prefix(store)
        store.close()
