"""Rasad's extractor (crawler.text.extract.extract) against plain trafilatura.extract on the same pages.

Both get the same bytes. Agreement is token-level F1 over normalised word tokens (crawler.text.arabic):
each extractor's body against the body that was put into the page, and the two bodies against each
other (with the Jaccard of their word sets).
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

import trafilatura

from bench.pages import make_pages
from crawler.text.arabic import tokens
from crawler.text.extract import ExtractionError, extract


def token_f1(found: str, truth: str) -> float:
    """Harmonic mean of token precision and recall (multiset overlap); 1.0 when both are empty."""
    a, b = Counter(tokens(found)), Counter(tokens(truth))
    if not a and not b:
        return 1.0
    inter = sum((a & b).values())
    if not inter:
        return 0.0
    p, r = inter / sum(a.values()), inter / sum(b.values())
    return 2 * p * r / (p + r)


def jaccard(x: str, y: str) -> float:
    a, b = set(tokens(x)), set(tokens(y))
    return len(a & b) / len(a | b) if a | b else 1.0


def bench_extract(count: int, seed: int = 5) -> dict:
    """Extract `count` generated pages with both extractors; return time per page and agreement."""
    pages = make_pages(count, seed)
    for page in pages[:5]:  # imports and lazy initialisation outside the timings
        trafilatura.extract(page.html, url=page.url)
        extract(page.html, page.url, content_type=page.content_type)
    rasad_s = traf_s = 0.0
    rasad_empty = traf_empty = 0
    scores: dict[str, list[float]] = defaultdict(list)
    layouts: dict[str, list[float]] = defaultdict(list)
    for page in pages:
        t = time.perf_counter()
        try:
            ours = extract(page.html, page.url, content_type=page.content_type).body
        except ExtractionError:
            ours = ""
        rasad_s += time.perf_counter() - t
        t = time.perf_counter()
        theirs = trafilatura.extract(page.html, url=page.url) or ""
        traf_s += time.perf_counter() - t
        rasad_empty += not ours
        traf_empty += not theirs
        f1 = token_f1(ours, page.body)
        scores["rasad_vs_truth"].append(f1)
        scores["trafilatura_vs_truth"].append(token_f1(theirs, page.body))
        scores["rasad_vs_trafilatura_f1"].append(token_f1(ours, theirs))
        scores["rasad_vs_trafilatura_jaccard"].append(jaccard(ours, theirs))
        layouts[page.layout].append(f1)
    return {
        "pages": count,
        "layouts": len(layouts),
        "rasad_ms": 1000 * rasad_s / count,
        "trafilatura_ms": 1000 * traf_s / count,
        "rasad_empty": rasad_empty,
        "trafilatura_empty": traf_empty,
        **{k: sum(v) / len(v) for k, v in scores.items()},
        "worst_layout": min(((sum(v) / len(v), k) for k, v in layouts.items())),
    }


def bench_real(rounds: int = 3) -> dict:
    """Rasad's extractor and plain trafilatura.extract on the stored real news pages (bench/real_pages).

    CPU time per page (time.process_time, both sides alternating page by page, fastest of `rounds`)
    and token F1 of each against the page's expected text; also trafilatura with include_comments=False.
    """
    import logging

    from bench.real_pages import real_pages

    pages = real_pages()
    logging.getLogger("crawler.text.extract").setLevel(logging.ERROR)  # unreadable-date warnings of Spanish pages
    sides: dict[str, Callable[[Any], str]] = {
        "rasad": lambda p: _rasad_body(p.html, p.url),
        "trafilatura": lambda p: trafilatura.extract(p.html, url=p.url) or "",
        "trafilatura_no_comments": lambda p: trafilatura.extract(p.html, url=p.url, include_comments=False) or "",
    }
    best = {name: float("inf") for name in sides}
    bodies: dict[str, list[str]] = {}
    for _ in range(rounds):
        spent = dict.fromkeys(sides, 0.0)
        outs: dict[str, list[str]] = {name: [] for name in sides}
        for page in pages:
            for name, func in sides.items():
                t = time.process_time()
                outs[name].append(func(page))
                spent[name] += time.process_time() - t
        best = {name: min(best[name], spent[name]) for name in sides}
        bodies = outs
    f1 = {name: [token_f1(body, page.expected) for body, page in zip(bodies[name], pages, strict=True)] for name in sides}
    return {
        "pages": len(pages),
        "languages": sorted({p.language for p in pages}),
        "ms": {name: 1000 * best[name] / len(pages) for name in sides},
        "f1": {name: sum(v) / len(v) for name, v in f1.items()},
        "per_page": {p.name: {name: f1[name][i] for name in sides} for i, p in enumerate(pages)},
        "empty": {name: sum(1 for b in bodies[name] if not b) for name in sides},
    }


def _rasad_body(html: bytes, url: str) -> str:
    try:
        return extract(html, url).body
    except ExtractionError:
        return ""
