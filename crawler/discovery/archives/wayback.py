"""The Internet Archive's Wayback Machine: CDX server API queries and raw capture addresses.

CDX API: https://github.com/internetarchive/wayback/tree/master/wayback-cdx-server (parameters
`url`, `matchType`, `from`, `to`, `filter`, `collapse`, `limit`, `showResumeKey`/`resumeKey`).
A capture fetched as `{replay}{timestamp}id_/{url}` comes back as archived, without the replay banner
or rewritten links.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode, urlsplit

from crawler.discovery.archives.captures import Capture, cdx_timestamp


def url_prefix(base_url: str) -> str:
    """The CDX prefix of an outlet's base URL: host (and path) without scheme, ending in "/"."""
    parts = urlsplit(base_url)
    host = parts.netloc.lower()
    if host.startswith("www."):
        host = host[4:]  # the CDX key drops "www." (SURT), so the prefix matches both forms
    return f"{host}{parts.path.rstrip('/')}/"


def url_prefixes(base_url: str, domains: tuple[str, ...] = ()) -> list[str]:
    """The CDX prefixes of one outlet: its base URL, and its other declared hosts when the outlet is a
    whole host (an outlet under a path, as BBC's /arabic, owns only that path of its hosts)."""
    first = url_prefix(base_url)
    if urlsplit(base_url).path.strip("/"):
        return [first]
    return list(dict.fromkeys([first, *(url_prefix(f"https://{d}/") for d in domains if d)]))


def cdx_query_url(cdx_url: str, prefix: str, start: datetime, end: datetime, limit: int,
                  resume_key: str | None = None) -> str:
    """A CDX query for HTML captures answered 200 under `prefix`, one per content digest."""
    params: list[tuple[str, str]] = [
        ("url", prefix), ("matchType", "prefix"), ("from", cdx_timestamp(start)), ("to", cdx_timestamp(end)),
        ("output", "json"), ("filter", "statuscode:200"), ("filter", "mimetype:text/html"),
        ("collapse", "digest"), ("limit", str(limit)), ("showResumeKey", "true"),
    ]
    if resume_key:
        params.append(("resumeKey", resume_key))
    return f"{cdx_url}?{urlencode(params)}"


def replay_url(replay_base: str, capture: Capture) -> str:
    """The raw capture: the archived bytes as the outlet served them."""
    return f"{replay_base.rstrip('/')}/{capture.timestamp}id_/{capture.url}"
