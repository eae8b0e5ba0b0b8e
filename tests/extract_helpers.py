"""Golden-file helpers for the extraction tests and scripts/regen_extract_golden.py.

Each page is tests/fixtures/pages/<name>.html (raw bytes as served), <name>.meta.json (url, optional
content_type header, optional per-outlet selectors) and <name>.expected.json (reviewed expectations).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.public_pages import PublicPage, bench_dir, pages
from crawler.items import Article
from crawler.sources.base import Selectors
from crawler.text.extract import ExtractionError, extract

PAGES_DIR = Path(__file__).parent / "fixtures" / "pages"
# Fields compared exactly with the expected JSON.
EXACT_FIELDS = (
    "title",
    "lead",
    "canonical_url",
    "published_at",
    "modified_at",
    "authors",
    "language",
    "section",
    "images",
)


def page_names() -> list[str]:
    """Names of all stored pages (one per <name>.html)."""
    return sorted(p.stem for p in PAGES_DIR.glob("*.html"))


def load_meta(name: str) -> dict[str, Any]:
    return json.loads((PAGES_DIR / f"{name}.meta.json").read_text(encoding="utf-8"))


def load_expected(name: str) -> dict[str, Any] | None:
    path = PAGES_DIR / f"{name}.expected.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def selectors_from_meta(meta: dict[str, Any]) -> Selectors | None:
    raw = meta.get("selectors")
    if not raw:
        return None
    return Selectors(**{**raw, "remove": tuple(raw.get("remove", ()))})


def extract_page(name: str) -> Article:
    """Extract a stored page exactly as the crawler would: raw bytes, URL and Content-Type header."""
    meta = load_meta(name)
    body = (PAGES_DIR / f"{name}.html").read_bytes()
    return extract(
        body, meta["url"], content_type=meta.get("content_type"), selectors=selectors_from_meta(meta)
    )


def observed(name: str) -> dict[str, Any]:
    """What extraction gives now, in the shape of an expected file (error pages give {"error": ...})."""
    try:
        article = extract_page(name)
    except ExtractionError as exc:
        return {"error": exc.reason}
    data = article.to_dict()
    return {**{f: data[f] for f in EXACT_FIELDS}, "body": article.body}


def bench_page(source: str, page_id: str) -> PublicPage:
    """One page of the public extraction benchmark (../shared/extraction-bench); fails when it is absent."""
    found = [p for p in pages(source, bench_dir()) if p.id == page_id]
    assert found, f"{source}/{page_id} is not in the benchmark at {bench_dir()}"
    return found[0]


def bench_body(page: PublicPage) -> str:
    """Rasad's article body of a benchmark page."""
    return extract(page.html(), page.url or f"https://bench.invalid/{page.source}/{page.id}").body
