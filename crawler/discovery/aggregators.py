"""Aggregator discovery: Google News RSS search in Arabic and the GDELT DOC 2.0 API.

Both find coverage on any outlet, not only the declared ones; the article spider then fetches the
pages. Parameter names follow public clients: Google News ``q``, ``hl``, ``gl``, ``ceid=<CC>:ar``;
GDELT ``query`` (with ``sourcelang:arabic``), ``mode=artlist``, ``format=json``, ``maxrecords`` (at
most 250) and ``timespan`` (e.g. ``7d``, ``3m``; the API keeps a rolling three-month window).
Every builder takes ``base`` so tests can point it at a local server.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

GOOGLE_NEWS_BASE = "https://news.google.com/rss/search"
GDELT_BASE = "https://api.gdeltproject.org/api/v2/doc/doc"

# Arabic editions queried by default: EG and SA are seen in public code (ceid=EG:ar, SA:ar); AE is assumed.
DEFAULT_COUNTRIES = ("EG", "SA", "AE")

GDELT_MAX_RECORDS = 250
_TIMESPAN = re.compile(r"^\d+(?:min|h|hours|d|days|w|weeks|m|months)$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


class AggregatorError(ValueError):
    """An aggregator answer that cannot be used (bad JSON, an error message instead of results)."""


def google_news_urls(
    queries: list[str], countries: tuple[str, ...] = DEFAULT_COUNTRIES, *, base: str | None = None
) -> list[str]:
    """Google News RSS search URLs in Arabic, one per (query, country)."""
    root = (base or GOOGLE_NEWS_BASE).rstrip("?")
    urls = []
    for q in queries:
        for cc in countries:
            if not _COUNTRY.match(cc):
                raise ValueError(f"Google News country must be two capital letters, got {cc!r}")
            urls.append(f"{root}?q={quote(q, safe='')}&hl=ar&gl={cc}&ceid={cc}:ar")
    return urls


def gdelt_query(query: str) -> str:
    """A GDELT query for Arabic-language sources; multi-word phrases are quoted as GDELT requires."""
    q = query.strip()
    if not q:
        raise ValueError("GDELT query is empty")
    if " " in q and not q.startswith(("(", '"')):
        q = f'"{q}"'
    return f"{q} sourcelang:arabic"


def gdelt_urls(
    queries: list[str], timespan: str = "3m", *, max_records: int = GDELT_MAX_RECORDS, base: str | None = None
) -> list[str]:
    """GDELT DOC 2.0 article-list URLs (JSON), one per query."""
    if not _TIMESPAN.match(timespan):
        raise ValueError(f"GDELT timespan must look like 15min, 24h, 7d, 2w or 3m, got {timespan!r}")
    if not 1 <= max_records <= GDELT_MAX_RECORDS:
        raise ValueError(f"GDELT maxrecords must be 1-{GDELT_MAX_RECORDS}, got {max_records}")
    root = (base or GDELT_BASE).rstrip("?")
    return [
        f"{root}?query={quote(gdelt_query(q), safe='')}&mode=artlist&format=json"
        f"&maxrecords={max_records}&timespan={timespan}"
        for q in queries
    ]


def _seendate_iso(value: str) -> str | None:
    """GDELT's ``20201123T101500Z`` as ISO 8601 with offset (None when absent or unreadable)."""
    try:
        return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).isoformat()
    except (TypeError, ValueError):
        return None


def parse_gdelt(data: bytes | str, source: str = "GDELT response") -> list[dict]:
    """Articles of a GDELT artlist JSON answer: dicts with url, title, seendate (ISO), domain, language.

    Raises AggregatorError naming ``source`` when the answer is not JSON (GDELT answers invalid
    queries with a plain-text message) or not an article list.
    """
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    if not text.strip():
        return []  # GDELT answers an empty body when nothing matches
    try:
        # strict=False: GDELT titles sometimes carry raw control characters.
        doc = json.loads(text, strict=False)
    except json.JSONDecodeError as exc:
        snippet = " ".join(text.split())[:120]
        raise AggregatorError(
            f"{source}: not valid JSON ({exc.msg} at char {exc.pos}); starts {snippet!r}"
        ) from exc
    if not isinstance(doc, dict):
        raise AggregatorError(f"{source}: expected a JSON object with 'articles', got {type(doc).__name__}")
    articles = doc.get("articles", [])
    if not isinstance(articles, list):
        raise AggregatorError(f"{source}: 'articles' is {type(articles).__name__}, expected a list")
    out = []
    for a in articles:
        if not isinstance(a, dict) or not a.get("url"):
            continue
        url = str(a["url"])
        out.append(
            {
                "url": url,
                "title": str(a.get("title") or "").strip(),
                "seendate": _seendate_iso(str(a.get("seendate") or "")),
                "domain": str(a.get("domain") or urlsplit(url).hostname or ""),
                "language": str(a.get("language") or ""),
            }
        )
    return out
