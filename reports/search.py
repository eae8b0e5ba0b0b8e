"""Searching the stored coverage: the request bodies of `rasad search` and `rasad show`, and their snippets.

Pure: builds plain dict request bodies (the same on Elasticsearch 7.10 and 8/9) that
crawler.store.Store.search_hits runs. The text query goes through the fields' own analysis
(crawler.store.schema: the `rasad_arabic` analyzer, with normalisation and light stemming), so a plural or
a definite-article form finds the word: "المؤتمرات" finds "المؤتمر".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crawler.items import doc_id_for

SORTS = ("newest", "relevance")
# Equal dates and scores: the canonical URL decides (one per document; Elasticsearch 8+ refuses sorting on _id).
TIEBREAK = {"canonical_url": "asc"}
RELATIONS = ("copy", "rewrite", "related", "mention", "unrelated")
MAX_LIMIT = 1000  # one page of results; beyond that, narrow the query or the dates
# Highlight markers: private-use characters that page text does not carry, turned into bold or «…» on output.
MARK_START, MARK_END = "\ue000", "\ue001"
SEARCH_FIELDS = ["title^3", "lead^2", "body"]
SNIPPET_CHARS = 160
# What a result line shows: the body is left out (it can be long; the snippets carry its matches).
RESULT_SOURCE = ["url", "canonical_url", "title", "lead", "source", "source_name", "outlet_declared", "domain", "published_at",
                 "indexed_at", "relation", "similarity", "story_id", "topic", "discovered_via"]
_ID = re.compile(r"[0-9a-f]{40}")


@dataclass(frozen=True)
class SearchFilters:
    """Restrictions of a search; None means any."""

    since: datetime | None = None
    until: datetime | None = None
    source: str | None = None
    relation: str | None = None
    story: str | None = None
    topic: str | None = None


def _filters(f: SearchFilters) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    rng: dict[str, str] = {}
    if f.since:
        rng["gte"] = f.since.isoformat()
    if f.until:
        rng["lt"] = f.until.isoformat()
    if rng:
        out.append({"range": {"published_at": rng}})
    if f.source:
        # The outlet's key (xinhua_arabic), its name as shown (شينخوا) or its domain.
        out.append({"bool": {"should": [{"term": {field: f.source}} for field in ("source", "source_name", "domain")],
                             "minimum_should_match": 1}})
    if f.relation:
        out.append({"term": {"relation": f.relation}})
    if f.story:
        out.append({"term": {"story_id": f.story}})
    if f.topic:
        out.append({"term": {"topic": f.topic}})
    return out


def search_body(text: str, filters: SearchFilters | None = None, *, sort: str = "newest", limit: int = 20) -> dict[str, Any]:
    """The search request: every word of `text` in title, lead or body (as analysed), filters, highlights.

    Raises:
        ValueError: an empty query, an unknown sort, or a limit outside 1..MAX_LIMIT.
    """
    if not text.strip():
        raise ValueError("the query is empty")
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r} (one of {', '.join(SORTS)})")
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT} (got {limit})")
    # cross_fields: title, lead and body share one analyzer, so each word may be found in any of them.
    match = {"multi_match": {"query": text, "fields": SEARCH_FIELDS, "type": "cross_fields", "operator": "and"}}
    newest = {"published_at": {"order": "desc", "missing": "_last", "unmapped_type": "date"}}
    return {
        "query": {"bool": {"must": [match], "filter": _filters(filters or SearchFilters())}},
        "sort": [newest, "_score", TIEBREAK] if sort == "newest" else ["_score", newest, TIEBREAK],
        "size": limit,
        "track_total_hits": True,
        "_source": RESULT_SOURCE,
        "highlight": {
            "pre_tags": [MARK_START],
            "post_tags": [MARK_END],
            "fields": {
                "title": {"number_of_fragments": 0},
                "lead": {"fragment_size": SNIPPET_CHARS, "number_of_fragments": 1},
                "body": {"fragment_size": SNIPPET_CHARS, "number_of_fragments": 2},
            },
        },
    }


def article_lookup_body(key: str) -> tuple[str | None, dict[str, Any]]:
    """How `rasad show KEY` finds one article: (document id, or None, and a search by URL).

    A 40-hex key is a document id; anything else is a URL, matched as stored (url or canonical_url)
    and as its canonical form (the document id is the hash of the canonical URL).
    """
    key = key.strip()
    if _ID.fullmatch(key):
        return key, {"query": {"ids": {"values": [key]}}, "size": 1}
    from crawler.discovery.links import canonical  # imports Scrapy: only when a URL is looked up

    urls = sorted({key, canonical(key)})
    ids = [doc_id_for(u) for u in urls]
    should = [{"terms": {"url": urls}}, {"terms": {"canonical_url": urls}}, {"ids": {"values": ids}}]
    return None, {"query": {"bool": {"should": should, "minimum_should_match": 1}}, "size": 1}


def story_count_body(story_id: str) -> dict[str, Any]:
    """Count the articles of one story (a size-0 search with the total)."""
    return {"query": {"term": {"story_id": story_id}}, "size": 0, "track_total_hits": True}


def snippets(hit: dict[str, Any]) -> list[str]:
    """The highlighted fragments of a hit's lead and body (markers MARK_START/MARK_END), else its lead."""
    hl = hit.get("highlight") or {}
    frags: list[str] = []
    for f in (hl.get("lead") or []) + (hl.get("body") or []):
        f = " ".join(f.split())
        if f not in frags:  # a body often opens with its lead: the same fragment once
            frags.append(f)
    if frags:
        return frags
    lead = " ".join((hit.get("lead") or "").split())
    return [lead[:SNIPPET_CHARS] + ("…" if len(lead) > SNIPPET_CHARS else "")] if lead else []


def highlighted_title(hit: dict[str, Any]) -> str:
    return " ".join(((hit.get("highlight") or {}).get("title") or [hit.get("title") or ""])[0].split())


def plain_marks(text: str) -> str:
    """Markers as guillemets, for output that is not a terminal (files, pipes, JSON): «مؤتمر»."""
    return text.replace(MARK_START, "«").replace(MARK_END, "»")


def split_marks(text: str) -> list[tuple[str, bool]]:
    """(piece, highlighted) pieces of a marked text, in order (for bold on a terminal)."""
    out: list[tuple[str, bool]] = []
    for i, piece in enumerate(re.split(f"[{MARK_START}{MARK_END}]", text)):
        if piece:
            out.append((piece, i % 2 == 1))
    return out
