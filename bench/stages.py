"""Per-article cost of the CPU stages (extract, relevance, compare, story cluster) on generated pages.

Run as a script so the same measurement can be taken with another checkout of the `crawler` package
first on the path (bench/before_after.py runs it under the baseline commit and under the working
tree): `python -m bench.stages --count 400` prints one JSON object, including a digest of every
output so two runs can be checked to agree.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import inspect
import json
import sys
import time
from collections import Counter
from types import ModuleType

from bench.pages import make_pages
from crawler.config import load_config


def _text_module(name: str) -> ModuleType:
    """crawler.<name> in a checkout from before the text modules moved to crawler/text/ (the baseline of
    bench/before_after.py, first on the path), else crawler.text.<name>: `crawler` spans both checkouts,
    so the new name alone would take the working tree's module beside the baseline's config."""
    try:
        return importlib.import_module(f"crawler.{name}")
    except ModuleNotFoundError:
        return importlib.import_module(f"crawler.text.{name}")


_extract = _text_module("extract")
ExtractionError, extract = _extract.ExtractionError, _extract.extract

STAGES = ("extract", "relevance", "compare", "cluster")
# Seeding a new crawl's story index from the stored articles (ms per stored article, once per crawl).
SEED = "seed"
WARM_UP = 10


def measure(count: int, seed: int = 5) -> dict:
    """Time each stage over `count` pages; compare and cluster run on the relevant ones, as in a crawl."""
    StoryIndex = _text_module("clusters").StoryIndex
    Reference, compare = _text_module("compare").Reference, _text_module("compare").compare
    score_relevance = _text_module("relevance").score_relevance

    config = load_config(env={})
    topic = config.topic()
    ref_path = config.path(topic.reference)
    ref_text = ref_path.read_text(encoding="utf-8")
    t0 = time.perf_counter()
    reference = Reference.from_topic(topic, ref_path)
    reference_s = time.perf_counter() - t0
    pages = make_pages(count + WARM_UP, seed)
    spent: Counter[str] = Counter()
    runs: Counter[str] = Counter()
    digest = hashlib.sha1()
    stories = StoryIndex()
    stored: list[tuple[str, str, str]] = []
    for n, page in enumerate(pages):
        timed = n >= WARM_UP  # the first pages pay for imports and caches
        t = time.perf_counter()
        try:
            article = extract(page.html, page.url, content_type=page.content_type)
        except ExtractionError:
            continue
        t, dt = time.perf_counter(), time.perf_counter() - t
        spent["extract"] += dt * timed
        runs["extract"] += timed
        rel = score_relevance(article, topic, reference_text=ref_text)
        t, dt = time.perf_counter(), time.perf_counter() - t
        spent["relevance"] += dt * timed
        runs["relevance"] += timed
        digest.update(f"{article.body}|{rel.score}".encode())
        if not rel.is_relevant:
            continue
        text = "\n".join(p for p in (article.lead, article.body) if p)
        c = compare(text, reference, config.compare, title=article.title)
        t, dt = time.perf_counter(), time.perf_counter() - t
        spent["compare"] += dt * timed
        runs["compare"] += timed
        story = stories.add(page.url, text)
        dt = time.perf_counter() - t
        spent["cluster"] += dt * timed
        runs["cluster"] += timed
        digest.update(json.dumps([c.to_dict(), str(story)], ensure_ascii=False, sort_keys=True).encode())
        stored.append((page.url, text, str(story)))
    # The next crawl seeds its index with what was stored, as ComparePipeline.open_spider does
    # (the store's scan itself is left out: it is the same on both sides).
    seeded = StoryIndex()
    takes_story = "story" in inspect.signature(seeded.add).parameters
    t = time.perf_counter()
    for doc_id, text, story in stored:
        if takes_story:
            seeded.add(doc_id, text, story=story)
        else:
            seeded.add(doc_id, text)
    spent[SEED], runs[SEED] = time.perf_counter() - t, len(stored)
    for doc_id, *_ in stored:
        digest.update(f"{doc_id}={seeded.story_of(doc_id)}".encode())
    return {
        "pages": runs["extract"],
        "compared": runs["compare"],
        "ms_per_article": {s: round(1000 * spent[s] / max(1, runs[s]), 2) for s in (*STAGES, SEED)},
        "reference_ms": round(1000 * reference_s, 1),
        "output_sha1": digest.hexdigest(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.count, args.seed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
