"""Cheap checks on an archived capture before it is fetched: outlet article pattern, slug words, date.

Archives list every page a host ever served (home pages, sections, images); fetching them all would
cost the archive's bandwidth and our rate budget. A capture is fetched only when its address looks like
one of the outlet's articles, its capture date is inside the window, and its slug, when it has one,
speaks of the topic. An address with no slug (only an id, as Xinhua's) cannot be judged and is fetched.

Generated ids carry letters too (Xinhua's and CRI's hex, CCTV's and the BBC's base-62/36): a token
mixing letters and digits, or a path segment shaped like a hex id or UUID, is an id and gives no word,
else a random id's letter runs would read as a slug off the topic.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import unquote, urlsplit

from crawler.discovery.archives.captures import Capture
from crawler.discovery.links import looks_like_article
from crawler.sources.base import Source
from crawler.text.arabic import normalize

WORD = re.compile(r"[a-z]{3,}|[\u0621-\u064a]{2,}")
SEPARATORS = re.compile(r"[^0-9a-z\u0621-\u064a]+")
SEGMENTS = re.compile(r"[/\s?&=;]+")  # path segments and query parts
HEX_ID = re.compile(r"[0-9a-f]{8,}(?:-[0-9a-f]{4,})*")  # 32 hex digits, a UUID (whose groups may be letters only)
SLUG_MIN_WORDS = 2  # a path with fewer words is an id, not a slug
# Words of section names and file suffixes: no part of a slug's subject.
NOISE = {"html", "htm", "php", "aspx", "asp", "index", "news", "article", "articles", "story", "amp", "www", "com",
         "arabic", "content", "detail", "details", "world", "tech", "technology", "opinions", "china", "http", "https",
         "shtml"}


def slug_text(url: str, base_url: str = "") -> str:
    """The path (and query) of a URL below `base_url`'s path, decoded, lower-cased and normalised
    (percent-encoded Arabic read)."""
    parts = urlsplit(url)
    path, base_path = parts.path, urlsplit(base_url).path.rstrip("/")
    if base_path and path.startswith(base_path + "/"):
        path = path[len(base_path):]  # an outlet under a path prefix: the prefix is no part of the slug
    text = unquote(f"{path} {parts.query}", errors="replace").lower()
    return normalize(text)


def keyword_forms(keywords: Iterable[str]) -> list[str]:
    """Keywords as they appear in slugs: words joined by "-" (Latin lower case, Arabic normalised)."""
    out = []
    for k in keywords:
        words = [w for w in SEPARATORS.split(normalize(k.lower())) if w]
        if words:
            out.append("-".join(words))
    return list(dict.fromkeys(out))


def slug_matches(url: str, forms: list[str], base_url: str = "") -> bool | None:
    """True when the slug carries a keyword, False when it has words but none of them, None without a slug."""
    text = slug_text(url, base_url)
    joined = "-" + "-".join(w for w in SEPARATORS.split(text) if w) + "-"
    if any(f"-{form}-" in joined for form in forms):
        return True
    has_slug = any(len(words) >= SLUG_MIN_WORDS for words in segment_words(text))
    return False if has_slug else None


def segment_words(text: str) -> list[list[str]]:
    """The words of each path segment (and query part) of a slug_text. A slug is one segment; words
    spread one by one over several segments are section names ("photos/txt"). Ids (hex, UUID, letters
    mixed with digits), numbers and NOISE give no word."""
    out: list[list[str]] = []
    for segment in SEGMENTS.split(text):
        stem = segment.split(".")[0]
        if HEX_ID.fullmatch(stem) and any(c.isdigit() for c in stem):
            continue
        words: list[str] = []
        for token in SEPARATORS.split(segment):
            if not any(c.isdigit() for c in token):
                words += [w for w in WORD.findall(token) if w not in NOISE]
        out.append(words)
    return out


def reject_reason(capture: Capture, source: Source | None, start: datetime, end: datetime,
                  forms: list[str]) -> str | None:
    """Why a capture is not worth fetching ("pattern", "date", "slug"), or None to fetch it."""
    if not start <= capture.captured_at <= end:
        return "date"
    if source is not None and not looks_like_article(capture.url, source):
        return "pattern"
    if source is not None and source.id_only_addresses:
        return None
    if slug_matches(capture.url, forms, source.base_url if source else "") is False:
        return "slug"
    return None
