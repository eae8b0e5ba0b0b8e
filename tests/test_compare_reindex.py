"""`rasad compare --reindex`: stored articles get their comparison recomputed (real Elasticsearch)."""

from __future__ import annotations

import pytest

from crawler.items import Article
from crawler.store import Store
from jobs.commands.compare import load_reference, reindex

pytestmark = pytest.mark.es


def test_reindex_recomputes_relation_facts_and_stories(config, store: Store) -> None:
    reference = load_reference(config)
    text = config.path(config.topic().reference).read_text(encoding="utf-8")
    stale = dict(topic=reference.topic, relation="unrelated", similarity=0.0, story_id="stale", facts_shared=[])
    copies = [Article(url=f"https://outlet{i}.example/a", title="المؤتمر العالمي للإنترنت", body=text, **stale) for i in range(2)]
    other = Article(url="https://outlet9.example/b", title="أسعار النفط", body="ارتفعت أسعار النفط في الأسواق العالمية اليوم.", **stale)
    store.index_articles([*copies, other])

    assert reindex(config, reference) == 3

    docs = {d["url"]: d for d in store.scan("articles")}
    first, second = docs["https://outlet0.example/a"], docs["https://outlet1.example/a"]
    assert first["relation"] == second["relation"] == "copy"
    assert first["similarity"] > 0.9
    assert any("35.8" in f for f in first["facts_shared"])
    assert first["story_id"] == second["story_id"] != "stale"
    assert docs["https://outlet9.example/b"]["relation"] == "unrelated"
    assert docs["https://outlet9.example/b"]["story_id"] != first["story_id"]
