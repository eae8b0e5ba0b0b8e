"""Aggregator discovery: the GDELT DOC 2.0 API and (opt-in only) Google News RSS search in Arabic.

Both find coverage on any outlet, not only the declared ones; the article spider then fetches the
pages. GDELT searches the English machine translations of what it monitors, so its queries are English
phrases restricted to Arabic sources with ``sourcelang:arabic``; parameters ``query``, ``mode=artlist``,
``format=json``, ``maxrecords`` (at most 250) and ``startdatetime``/``enddatetime`` (YYYYMMDDHHMMSS, UTC)
within the rolling three-month window. A window is cut into slices so that no single answer hits the
250-record cap. Google News ``q``, ``hl``, ``gl``, ``ceid=<CC>:ar``: its robots.txt disallows
``/rss/search`` to crawlers, so the route runs only when ``crawl.google_news`` is switched on.
Every builder takes ``base`` so tests can point it at a local server.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlsplit

GOOGLE_NEWS_BASE = "https://news.google.com/rss/search"
GDELT_BASE = "https://api.gdeltproject.org/api/v2/doc/doc"

# Arabic editions queried by default: EG and SA are seen in public code (ceid=EG:ar, SA:ar); AE is assumed.
DEFAULT_COUNTRIES = ("EG", "SA", "AE")

GDELT_MAX_RECORDS = 250
# The DOC 2.0 API searches a rolling window of the last three months.
GDELT_WINDOW = timedelta(days=90)
# A remainder shorter than this joins the oldest slice instead of costing a request of its own.
SLIVER = timedelta(hours=1)
# GDELT asks for at most one request every 5 seconds.
GDELT_MIN_DELAY_S = 5.0
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


@dataclass(frozen=True)
class GdeltRequest:
    """One GDELT artlist request: the topic query it serves and the time slice it covers."""

    query: str
    start: datetime
    end: datetime
    url: str


def gdelt_slices(since: datetime, until: datetime, slice_days: int) -> list[tuple[datetime, datetime]]:
    """[start, end) slices of at most ``slice_days`` covering ``since..until``, newest first.

    ``since`` is clipped to GDELT's three-month window; an empty list when nothing is left.
    """
    if slice_days < 1:
        raise ValueError(f"GDELT slice length must be at least 1 day, got {slice_days}")
    start = max(since, until - GDELT_WINDOW)
    out = []
    end = until
    while end > start:
        begin = max(start, end - timedelta(days=slice_days))
        out.append((begin, end))
        end = begin
    if len(out) > 1 and out[-1][1] - out[-1][0] < SLIVER:
        # A window a few seconds longer than whole slices: one request more for nothing; widen the last.
        sliver = out.pop()
        out[-1] = (sliver[0], out[-1][1])
    return out


def _gdelt_stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def gdelt_url(query: str, start: datetime, end: datetime, *, max_records: int = GDELT_MAX_RECORDS,
              base: str | None = None) -> str:
    """The artlist URL (JSON) of one query over one time slice."""
    if not 1 <= max_records <= GDELT_MAX_RECORDS:
        raise ValueError(f"GDELT maxrecords must be 1-{GDELT_MAX_RECORDS}, got {max_records}")
    root = (base or GDELT_BASE).rstrip("?")
    return (
        f"{root}?query={quote(gdelt_query(query), safe='')}&mode=artlist&format=json"
        f"&maxrecords={max_records}&startdatetime={_gdelt_stamp(start)}&enddatetime={_gdelt_stamp(end)}"
    )


def gdelt_requests(
    queries: list[str], since: datetime, until: datetime | None = None, *, slice_days: int = 7,
    max_records: int = GDELT_MAX_RECORDS, base: str | None = None,
) -> list[GdeltRequest]:
    """One request per (query, slice) over ``since..until`` (default now), newest slices first."""
    until = until or datetime.now(UTC)
    slices = gdelt_slices(since, until, slice_days)
    return [
        GdeltRequest(q, a, b, gdelt_url(q, a, b, max_records=max_records, base=base))
        for a, b in slices
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
