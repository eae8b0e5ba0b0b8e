"""Site-search route: an outlet's on-site search (HTML results or a JSON API) and its "next page" links."""

from __future__ import annotations

import json
from urllib.parse import urljoin

from scrapy.http import TextResponse

from crawler.discovery.links import belongs_to, canonical, looks_like_article
from crawler.sources.base import Source
from crawler.text.arabic import normalize

# Link texts of a "next page" link when the page has no rel="next" (compared after normalize()).
NEXT_TEXTS = {normalize(t).lower() for t in ("التالي", "الصفحة التالية", "next", "next page", "older")}


def json_search_links(body: bytes, source: Source) -> list[str]:
    """Article links of a JSON search answer (``source.search_json``), in answer order, without duplicates.

    Raises:
        ValueError: the body is not JSON, or has no result list where the definition says.
    """
    spec = source.search_json
    if spec is None:
        raise ValueError(f"outlet {source.name} has no JSON search definition")
    try:
        items = json.loads(body)
    except ValueError as exc:
        raise ValueError(f"not JSON ({exc})") from None
    for key in spec.items.split("."):
        items = items.get(key) if isinstance(items, dict) else None
    if not isinstance(items, list):
        raise ValueError(f"no result list at {spec.items!r}")
    seen: set[str] = set()
    out = []
    for item in items:
        if not isinstance(item, dict):
            continue
        try:
            ref = spec.url.format_map({k: str(v) for k, v in item.items()})
        except (KeyError, ValueError, IndexError):
            continue  # a result without the fields of an article (a video, an episode)
        url = source.base_url.rstrip("/") + ref if ref.startswith("/") else urljoin(source.base_url, ref)
        c = canonical(url)
        if c in seen or not looks_like_article(url, source):
            continue
        seen.add(c)
        out.append(url)
    return out


def next_page_url(response: TextResponse, source: Source) -> str | None:
    """The listing's next page: rel="next", else a link reading التالي / next; on the outlet, not home or here."""
    hrefs = response.css('link[rel~="next"]::attr(href), a[rel~="next"]::attr(href)').getall()
    if not hrefs:
        hrefs = [a.attrib.get("href", "") for a in response.css("a[href]")
                 if normalize(" ".join(a.css("::text").getall())).strip().lower() in NEXT_TEXTS]
    # A pager whose "next" points at the home page or back here is decoration, not pagination.
    not_pages = {canonical(response.url), canonical(source.base_url)}
    for href in hrefs:
        url = response.urljoin(href.strip())
        if url.startswith(("http://", "https://")) and belongs_to(url, source) and canonical(url) not in not_pages:
            return url
    return None
