"""Index schema as code: settings and mappings of the articles, runs, digests, seen and alerts indices.

The articles mapping mirrors crawler.items.Article. Bump SCHEMA_VERSION when a change cannot be
applied in place (analyzer or field type); `rasad init` then creates the next versioned index,
copies the documents into it (scroll and bulk) and flips the alias.
"""

from __future__ import annotations

from typing import Any

SCHEMA_VERSION = 1
INDICES = ("articles", "runs", "digests", "seen", "alerts")

# Lucene's Arabic chain: normalisation (hamza/alef forms, yaa, taa marbuta, diacritics, tatweel),
# Unicode digits to ASCII, stopwords, light stemming. Only filters that exist under these names both
# in a full Elasticsearch (its analysis-common module) and on the local node (lowercase and stop in
# the server, the others from Rasad's Arabic plugin, infra/es-arabic-plugin), so one schema serves both.
ANALYSIS = {
    "filter": {
        "rasad_arabic_stop": {"type": "stop", "stopwords": "_arabic_"},
        "rasad_arabic_stemmer": {"type": "arabic_stem"},
    },
    "analyzer": {
        "rasad_arabic": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["lowercase", "decimal_digit", "arabic_normalization", "rasad_arabic_stop", "rasad_arabic_stemmer"],
        }
    },
    "normalizer": {
        "rasad_folded": {"type": "custom", "filter": ["lowercase", "decimal_digit", "arabic_normalization"]}
    },
}
# The keyword normaliser's folding filters: a plugin's filters cannot serve normalisers (the store
# falls back to lowercase alone where the cluster refuses them, see Store._index_body).
NORMALIZER_FILTERS = ("decimal_digit", "arabic_normalization")

KEYWORD = {"type": "keyword", "ignore_above": 1024}
DATE = {"type": "date", "format": "strict_date_optional_time||epoch_millis"}


def arabic_text(with_keyword: bool = False) -> dict[str, Any]:
    """Arabic-analysed text with a standard-analysed subfield (and a keyword one for aggregations)."""
    fields: dict[str, Any] = {"std": {"type": "text", "analyzer": "standard"}}
    if with_keyword:
        fields["keyword"] = {"type": "keyword", "ignore_above": 512, "normalizer": "rasad_folded"}
    return {"type": "text", "analyzer": "rasad_arabic", "fields": fields}


ARTICLE_PROPERTIES: dict[str, Any] = {
    "url": KEYWORD,
    "canonical_url": KEYWORD,
    "source": KEYWORD,
    "source_name": KEYWORD,
    "outlet_declared": {"type": "boolean"},  # false: a host in no catalogue entry (`rasad sources suggest`)
    "domain": KEYWORD,
    "title": arabic_text(with_keyword=True),
    "lead": arabic_text(),
    "body": arabic_text(),
    "authors": KEYWORD,
    "published_at": DATE,
    "modified_at": DATE,
    "discovered_at": DATE,
    "fetched_at": DATE,
    "captured_at": DATE,
    "indexed_at": DATE,
    "discovered_via": KEYWORD,
    "language": KEYWORD,
    "section": KEYWORD,
    "images": {"type": "keyword", "index": False},
    "image_captions": arabic_text(),
    "topic": KEYWORD,
    "relevance": {"type": "float"},
    "relevance_reason": {"type": "text", "analyzer": "standard"},
    "similarity": {"type": "float"},
    "relation": KEYWORD,
    "story_id": KEYWORD,
    "story_keys": KEYWORD,  # LSH band keys: stored near-duplicates of any date are found by these
    "facts_shared": KEYWORD,
    "facts_conflicting": KEYWORD,
    "facts_missing": KEYWORD,
    "facts_other_edition": KEYWORD,
    "novel_sentences": {"type": "text", "analyzer": "rasad_arabic"},
    "word_count": {"type": "integer"},
    "content_hash": KEYWORD,
    "run_id": KEYWORD,
}

RUN_PROPERTIES: dict[str, Any] = {
    "run_id": KEYWORD,
    "kind": KEYWORD,
    "status": KEYWORD,
    "started_at": DATE,
    "finished_at": DATE,
    "duration_s": {"type": "float"},
    "counts": {"type": "object"},
    "errors": {"type": "text", "analyzer": "standard"},
    "error_count": {"type": "integer"},
    "host": KEYWORD,
    "pid": {"type": "integer"},
    "trigger": KEYWORD,
    # crawler.found rows: what each discovery route and each outlet found in the run.
    "routes": {"properties": {"route": KEYWORD, "discovered": {"type": "integer"}, "fetched": {"type": "integer"},
                              "kept": {"type": "integer"}, "errors": {"type": "integer"}}},
    "outlets": {"properties": {"outlet": KEYWORD, "discovered": {"type": "integer"}, "fetched": {"type": "integer"},
                               "kept": {"type": "integer"}, "errors": {"type": "integer"}}},
}

DIGEST_PROPERTIES: dict[str, Any] = {
    "digest_id": KEYWORD,
    "topic": KEYWORD,
    "period_start": DATE,
    "period_end": DATE,
    "created_at": DATE,
    "sent_at": DATE,
    "article_ids": KEYWORD,
    "article_count": {"type": "integer"},
    "recipients": KEYWORD,
    "status": KEYWORD,  # pending | sent | failed | empty
    "attempts": {"type": "integer"},
    "last_error": {"type": "text", "analyzer": "standard"},
    "files": {"type": "keyword", "index": False},
    "run_id": KEYWORD,
}

SEEN_PROPERTIES: dict[str, Any] = {"url": KEYWORD, "status": KEYWORD, "reason": {"type": "text"}, "seen_at": DATE}

# One alert mail (reports/alerts.py): the articles it reports are never alerted again.
ALERT_PROPERTIES: dict[str, Any] = {
    "alert_id": KEYWORD,
    "run_id": KEYWORD,  # the crawl or backfill that found its articles
    "topic": KEYWORD,
    "created_at": DATE,
    "sent_at": DATE,
    "article_ids": KEYWORD,
    "article_count": {"type": "integer"},
    "kinds": KEYWORD,  # copy / rewrite / conflict: what it reports
    "recipients": KEYWORD,
    "status": KEYWORD,  # pending | sent | failed
    "attempts": {"type": "integer"},
    "last_error": {"type": "text", "analyzer": "standard"},
    "files": {"type": "keyword", "index": False},
}

PROPERTIES = {"articles": ARTICLE_PROPERTIES, "runs": RUN_PROPERTIES, "digests": DIGEST_PROPERTIES, "seen": SEEN_PROPERTIES,
              "alerts": ALERT_PROPERTIES}


def index_body(kind: str) -> dict[str, Any]:
    """Settings and mappings of one index kind (single node friendly: no replicas)."""
    settings: dict[str, Any] = {"number_of_shards": 1, "number_of_replicas": 0}
    if kind == "articles":
        settings["analysis"] = ANALYSIS
    return {"settings": settings, "mappings": {"dynamic": "true", "properties": PROPERTIES[kind]}}
