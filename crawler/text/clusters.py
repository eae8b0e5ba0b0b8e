"""Story clusters: near-duplicate articles (syndicated copies, light edits) share one story id.

MinHash over word 5-shingles with datasketch's LSH index, so assigning a document costs one
index query instead of a comparison with every stored article. The story id is the id of the
story's first member, so it is stable as later copies arrive.

Each document's LSH band keys (`band_keys`, stored on the article as `story_keys`) let a crawl find
stored near-duplicates that are not in its in-memory index (an archived copy of another year):
two documents share a key exactly when datasketch's LSH would make them candidates.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Iterable
from functools import lru_cache

import numpy as np
from datasketch import MinHash, MinHashLSH

from crawler.text.compare import shingles

THRESHOLD = 0.5  # estimated Jaccard of 5-shingles at which two texts are one story
NUM_PERM = 64


@lru_cache(maxsize=4)
def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    # They depend only on num_perm and the seed; datasketch would redraw them for every signature,
    # which was a third of the cost of adding a document.
    return MinHash(num_perm=num_perm).permutations


def signature(text: str, num_perm: int = NUM_PERM) -> MinHash:
    """MinHash signature of a text's normalised word 5-shingles (the same in any process)."""
    m = MinHash(num_perm=num_perm, permutations=_permutations(num_perm))
    m.update_batch([s.encode("utf-8") for s in shingles(text)])
    return m


class StoryIndex:
    """Incremental story assignment at ingest time."""

    def __init__(self, threshold: float = THRESHOLD, num_perm: int = NUM_PERM) -> None:
        self.threshold = threshold
        self.num_perm = num_perm
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self._hashes: dict[Hashable, MinHash] = {}
        self._story: dict[Hashable, Hashable] = {}

    def __len__(self) -> int:
        return len(self._story)

    def minhash(self, text: str) -> MinHash:
        """MinHash signature of a text's normalised word 5-shingles."""
        return signature(text, self.num_perm)

    def add(self, doc_id: Hashable, text: str, story: Hashable | None = None, sig: MinHash | None = None) -> Hashable:
        """Index a document and return its story id (an earlier near-duplicate's story, else its own id).

        `story` is a story id decided earlier (a stored article's): the document joins it without a look-up.
        `sig` is the text's signature computed elsewhere (a crawl's worker process), saving it here.
        """
        if doc_id in self._story:
            return self._story[doc_id]
        m = sig if sig is not None else self.minhash(text)
        if story is None:
            best, best_sim = None, self.threshold
            # LSH gives candidates; the signature estimate confirms them (LSH alone lets some far pairs in).
            for cand in self._lsh.query(m):
                sim = m.jaccard(self._hashes[cand])
                if sim >= best_sim:
                    best, best_sim = cand, sim
            story = self._story[best] if best is not None else doc_id
        self._lsh.insert(doc_id, m)
        self._hashes[doc_id] = m
        self._story[doc_id] = story
        return story

    def story_of(self, doc_id: Hashable) -> Hashable | None:
        """Story id of an indexed document, or None."""
        return self._story.get(doc_id)

    def keys_of(self, doc_id: Hashable) -> list[str]:
        """The LSH band keys of an indexed document (empty when it is not indexed)."""
        m = self._hashes.get(doc_id)
        return band_keys(m, self._lsh.hashranges) if m is not None else []


@lru_cache(maxsize=4)
def _hashranges(threshold: float, num_perm: int) -> tuple[tuple[int, int], ...]:
    return tuple(MinHashLSH(threshold=threshold, num_perm=num_perm).hashranges)


def band_keys(m: MinHash, hashranges: Iterable[tuple[int, int]] | None = None) -> list[str]:
    """One key per LSH band: the band number and a hash of its rows ("03-9f86d081884c7d65").

    The bands are those of StoryIndex (THRESHOLD, NUM_PERM) unless `hashranges` says otherwise.
    """
    ranges = hashranges if hashranges is not None else _hashranges(THRESHOLD, len(m.hashvalues))
    return [f"{i:02d}-{hashlib.blake2b(m.hashvalues[a:b].tobytes(), digest_size=8).hexdigest()}"
            for i, (a, b) in enumerate(ranges)]


def assign_clusters(
    docs: Iterable[tuple[Hashable, str]], threshold: float = THRESHOLD, num_perm: int = NUM_PERM
) -> dict[Hashable, Hashable]:
    """Story id for each (id, text), in input order; the first member's id names the story."""
    index = StoryIndex(threshold=threshold, num_perm=num_perm)
    return {doc_id: index.add(doc_id, text) for doc_id, text in docs}
