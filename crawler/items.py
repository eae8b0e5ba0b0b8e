# The one item Rasad produces; mirrored by the index template in crawler/store/store.py.
# See https://docs.scrapy.org/en/latest/topics/items.html (dataclass items).
from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Article:
    """One extracted news article.

    Dates are ISO 8601 strings with an offset (``2020-11-23T10:00:00+08:00``) or None.
    Text fields are trimmed; ``body`` paragraphs are separated by a single newline.
    """

    url: str
    canonical_url: str | None = None
    title: str = ""
    lead: str = ""
    body: str = ""
    authors: list[str] = field(default_factory=list)
    published_at: str | None = None
    modified_at: str | None = None
    language: str | None = None
    section: str | None = None
    images: list[str] = field(default_factory=list)
    image_captions: list[str] = field(default_factory=list)
    # Set by the crawl (spider and pipelines), not by extraction.
    source: str | None = None
    source_name: str | None = None
    # False for a host in no catalogue entry: `source` is then its registered domain (issue 19's open world).
    outlet_declared: bool | None = None
    domain: str | None = None
    discovered_via: str | None = None
    discovered_at: str | None = None
    fetched_at: str | None = None
    captured_at: str | None = None  # when a web archive captured the page (backfilled articles)
    topic: str | None = None
    relevance: float | None = None
    relevance_reason: str | None = None
    similarity: float | None = None
    relation: str | None = None
    story_id: str | None = None
    story_keys: list[str] = field(default_factory=list)  # LSH band keys of the text (crawler.text.clusters)
    facts_shared: list[str] = field(default_factory=list)
    facts_conflicting: list[str] = field(default_factory=list)
    facts_missing: list[str] = field(default_factory=list)
    facts_other_edition: list[str] = field(default_factory=list)
    novel_sentences: list[str] = field(default_factory=list)
    word_count: int = 0
    content_hash: str | None = None
    run_id: str | None = None

    @property
    def doc_id(self) -> str:
        """Stable document id: the hash of the canonical URL (falls back to the URL)."""
        return doc_id_for(self.canonical_url or self.url)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


def doc_id_for(url: str) -> str:
    """Hash a canonical URL into the Elasticsearch document id."""
    return hashlib.sha1(url.encode("utf-8")).hexdigest()
