"""One story per text: articles that start a story in a crawl join a stored near-duplicate of any date.

A crawl's story index (crawler.text.clusters.StoryIndex) is seeded with the stored articles of its
date window only (seeding costs one signature per article). An identical or near-identical text
stored earlier outside the window (a backfilled 2020 archive capture, a copy under another URL)
would then start a second story. Before a batch is written, each article that started a story in
this run looks up stored articles sharing one of its LSH band keys (`story_keys`), confirms them by
the signatures' estimated Jaccard, and joins the best one's story; later members of its story in
this run follow it (`moves`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from crawler.items import Article
from crawler.text.clusters import THRESHOLD, signature
from crawler.text.compare import article_text

log = logging.getLogger(__name__)


class StoredStories:
    """Story ids of a run's articles, joined to stored near-duplicates (one instance per crawl)."""

    def __init__(self, threshold: float = THRESHOLD) -> None:
        self.threshold = threshold
        self.moves: dict[str, str] = {}  # story started in this run -> the stored story it joined

    def _follow(self, batch: Iterable[Article]) -> None:
        for a in batch:
            if a.story_id in self.moves:
                a.story_id = self.moves[a.story_id]

    def resolve(self, batch: list[Article], store: Any) -> int:
        """Set the story ids of `batch` (in place) before it is written; returns how many joined a stored story.

        `store` is a crawler.store.Store; when it cannot be asked (Elasticsearch down), the batch keeps
        the story ids of the run (they can be recomputed with `rasad compare --reindex`).
        """
        self._follow(batch)
        roots = [a for a in batch if a.story_keys and a.story_id == a.doc_id]
        if not roots:
            return 0
        try:
            candidates = store.story_candidates((k for a in roots for k in a.story_keys),
                                                exclude_ids=[a.doc_id for a in batch])
        except Exception as exc:  # noqa: BLE001 - the run's own story ids stay; nothing is lost
            log.warning("stored stories not looked up for %d articles: %s", len(roots), exc)
            return 0
        by_key: dict[str, list[dict[str, Any]]] = {}
        for c in candidates:
            for k in c.get("story_keys") or []:
                by_key.setdefault(k, []).append(c)
        signatures: dict[str, Any] = {}
        joined = 0
        for a in roots:
            shared = {c["id"]: c for k in a.story_keys for c in by_key.get(k, ())}
            if not shared:
                continue
            mine = signature(article_text(a.lead, a.body))
            best: tuple[float, str] | None = None
            story = None
            for cid, c in sorted(shared.items()):
                if cid not in signatures:
                    signatures[cid] = signature(article_text(c.get("lead") or "", c.get("body") or ""))
                sim = mine.jaccard(signatures[cid])
                # The closest text; between equals, the earliest published (it named the story first).
                rank = (-sim, c.get("published_at") or "9999")
                if sim >= self.threshold and (best is None or rank < best):
                    best, story = rank, c.get("story_id") or cid
            if story is not None:
                self.moves[a.doc_id] = story
                joined += 1
        self._follow(batch)
        if joined:
            log.info("%d articles joined stories of stored near-duplicates", joined)
        return joined
