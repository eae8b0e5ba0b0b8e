"""Cheap judgement of an archived page before extraction: Arabic script, and the topic named.

A month of CC-NEWS is hundreds of gigabytes of pages in every language on every host; extraction
costs milliseconds a page, so nearly all records must be dropped on their bytes alone:
1. Arabic script: the UTF-8 Arabic letters (U+0621-U+064A) are two bytes led by 0xD8 or 0xD9; a
   page with fewer than `min_arabic` of them in its first 128 KiB is not an Arabic article (a page
   declared windows-1256 or ISO-8859-6 is decoded first).
2. The topic: the URL's slug carries a topic keyword, or the page's normalised text (markup left out)
   names the event, its summit or its town in any spelling the comparison knows
   (crawler.text.aboutness.names_any), a configured name of the topic, or one of the relevance score's
   terms (crawler.text.relevance.topic_terms). The comparison keeps only a page with a sentence or a
   title about the event, and such a page names one of these; so nothing dropped here is coverage.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from crawler.config import TopicConfig
from crawler.discovery.archives.filters import keyword_forms, slug_matches
from crawler.text.aboutness import names_any
from crawler.text.arabic import normalize

ARABIC_LEADS = (b"\xd8", b"\xd9")
SCRIPT_BYTES = 128 * 1024
CHARSET = re.compile(rb"charset=[\"']?([A-Za-z0-9_-]+)", re.I)
LEGACY_ARABIC = {"windows-1256", "cp1256", "iso-8859-6", "arabic"}
SCAN_BYTES = 512 * 1024  # the start of a page is enough to judge it (title, lead, body)
# Scripts, styles and tags: the gate judges a page's text, and the topic's patterns cost time per character.
MARKUP = re.compile(r"<script\b.*?</script\s*>|<style\b.*?</style\s*>|<!--.*?-->|<[^>]*>", re.S | re.I)


class Prefilter:
    """`reason(url, body, content_type)`: why a page is dropped ("not_arabic", "off_topic"), or None."""

    def __init__(self, topic: TopicConfig, url_keywords: Iterable[str] = (), min_arabic: int = 60):
        from crawler.text.relevance import topic_terms  # late: the relevance module is heavier

        self.forms = keyword_forms([*url_keywords, *topic.keywords])
        self.patterns = [t.pattern for t in topic_terms(topic)]
        self.names = [n for n in (normalize(k) for k in topic.keywords) if n]
        self.min_arabic = min_arabic

    def reason(self, url: str, body: bytes, content_type: str = "") -> str | None:
        head = body[:SCAN_BYTES]
        text: str | None = None
        start = head[:SCRIPT_BYTES]
        if start.count(ARABIC_LEADS[0]) + start.count(ARABIC_LEADS[1]) < self.min_arabic:
            charset = _charset(content_type.encode("latin-1", "replace")) or _charset(head[:4096])
            if charset not in LEGACY_ARABIC:
                return "not_arabic"
            text = head.decode(charset if charset != "arabic" else "iso-8859-6", errors="replace")
            if sum(1 for ch in text if "\u0600" <= ch <= "\u06ff") < self.min_arabic // 2:
                return "not_arabic"
        if slug_matches(url, self.forms):
            return None
        raw = text if text is not None else head.decode("utf-8", errors="replace")
        norm = normalize(MARKUP.sub(" ", raw))
        if names_any(norm) or any(n in norm for n in self.names) or any(p.search(norm) for p in self.patterns):
            return None
        return "off_topic"


def _charset(data: bytes) -> str | None:
    m = CHARSET.search(data)
    return m.group(1).decode("ascii").lower() if m else None
