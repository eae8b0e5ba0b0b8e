"""Hosts in no catalogue entry, ranked by the coverage stored from them: what `rasad sources suggest` prints.

An archived or aggregated article that passes relevance is kept whatever its host; its outlet is then
the host's registered domain, marked `outlet_declared: false` (crawler.discovery.links.outlet_for_url).
The stored coverage is the evidence for growing the catalogue: how many articles each such domain
carried, from when to when, on which hosts, and a few of their addresses to look at.

Pure request and answer shapes: crawler.store.Store.aggregations runs the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

SAMPLES = 3  # addresses shown per domain
MAX_LIMIT = 1000  # domains in one answer (a terms aggregation's size)


@dataclass(frozen=True)
class UndeclaredOutlet:
    """One registered domain in no catalogue entry and the coverage stored from it."""

    domain: str
    articles: int
    first: str | None  # earliest published_at (ISO 8601, UTC), None when no article carries a date
    last: str | None
    hosts: tuple[str, ...]
    samples: tuple[str, ...]  # addresses of its most relevant articles

    def to_dict(self) -> dict[str, Any]:
        return {"domain": self.domain, "articles": self.articles, "first": self.first, "last": self.last,
                "hosts": list(self.hosts), "samples": list(self.samples)}


def query(since: datetime | None = None) -> dict[str, Any]:
    """Undeclared articles, published on or after `since` (any date when None)."""
    filters: list[dict[str, Any]] = [{"term": {"outlet_declared": False}}]
    if since is not None:
        filters.append({"range": {"published_at": {"gte": since.isoformat()}}})
    return {"bool": {"filter": filters}}


def aggregations(limit: int = 20) -> dict[str, Any]:
    """Per registered domain (the `source` of an undeclared article): count, date span, hosts, samples."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT} (got {limit})")
    return {
        "outlets": {
            # Most articles first; equal counts by name, so the order is stable from one run to the next.
            "terms": {"field": "source", "size": limit, "order": [{"_count": "desc"}, {"_key": "asc"}]},
            "aggs": {
                "first": {"min": {"field": "published_at"}},
                "last": {"max": {"field": "published_at"}},
                "hosts": {"terms": {"field": "domain", "size": 10, "order": [{"_count": "desc"}, {"_key": "asc"}]}},
                "samples": {"top_hits": {"size": SAMPLES, "_source": ["url"],
                                         "sort": [{"relevance": {"order": "desc", "missing": "_last"}},
                                                  {"canonical_url": "asc"}]}},
            },
        },
        "total": {"cardinality": {"field": "source"}},
    }


def parse(answer: dict[str, Any]) -> tuple[int, list[UndeclaredOutlet]]:
    """(how many undeclared domains matched in all, the listed ones) from Store.aggregations' answer."""
    if not answer:
        return 0, []
    rows = []
    for bucket in answer["outlets"]["buckets"]:
        samples = tuple(h["_source"]["url"] for h in bucket["samples"]["hits"]["hits"] if h.get("_source", {}).get("url"))
        rows.append(UndeclaredOutlet(
            domain=str(bucket["key"]),
            articles=int(bucket["doc_count"]),
            first=bucket["first"].get("value_as_string"),
            last=bucket["last"].get("value_as_string"),
            hosts=tuple(str(h["key"]) for h in bucket["hosts"]["buckets"]),
            samples=samples,
        ))
    return max(int(answer["total"]["value"]), len(rows)), rows
