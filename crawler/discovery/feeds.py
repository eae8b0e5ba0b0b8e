"""RSS/Atom feeds (and Google News RSS) -> article links with dates, filtered by a date window."""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin

import feedparser
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring

log = logging.getLogger(__name__)


class FeedError(ValueError):
    """A feed that cannot be read safely or at all (the message names the URL)."""


@dataclass(frozen=True)
class FeedEntry:
    """One feed item: the article link, its headline and its date (UTC) when the feed gives one."""

    url: str
    title: str = ""
    published: datetime | None = None


def _entry_date(entry: feedparser.FeedParserDict) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            # feedparser normalises to UTC struct_time.
            return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    return None


def _check_safe(body: bytes, url: str) -> None:
    """Reject entity tricks (billion laughs, external entities) before the feed parser sees the body."""
    try:
        defused_fromstring(body)
    except DefusedXmlException as exc:
        raise FeedError(f"{url}: unsafe XML refused ({type(exc).__name__})") from exc
    except Exception:  # noqa: BLE001 - malformed XML: feedparser copes with sloppy feeds
        pass


def parse_feed(body: bytes, url: str, since: datetime | None = None) -> list[FeedEntry]:
    """Article links of an RSS or Atom feed, newest first, dropping entries dated before `since`.

    Args:
        body: the raw feed bytes.
        url: where the feed came from (relative links are resolved against it).
        since: keep entries published at or after this instant; undated entries are kept.
    Raises:
        FeedError: unsafe XML, or a body that is not a feed at all.
    """
    _check_safe(body, url)
    parsed = feedparser.parse(body)
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        reason = parsed.get("bozo_exception") or "no RSS or Atom root element"
        raise FeedError(f"{url}: not a readable feed ({reason})")
    entries: list[FeedEntry] = []
    for e in parsed.entries:
        link = e.get("link") or ""
        if not link:
            continue
        when = _entry_date(e)
        if since is not None and when is not None and when < since:
            continue
        entries.append(FeedEntry(url=urljoin(url, link.strip()), title=(e.get("title") or "").strip(), published=when))
    entries.sort(key=lambda x: x.published or datetime.max.replace(tzinfo=UTC), reverse=True)
    log.debug("%s: %d of %d entries in the window", url, len(entries), len(parsed.entries))
    return entries
