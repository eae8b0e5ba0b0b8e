"""The declarative outlet definition: one small `Source` per outlet, collected in the registry."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit


@dataclass(frozen=True)
class Selectors:
    """Optional per-outlet overrides where generic extraction is not enough (CSS selectors)."""

    title: str | None = None
    lead: str | None = None
    body: str | None = None
    published: str | None = None
    author: str | None = None
    section: str | None = None
    remove: tuple[str, ...] = ()  # boilerplate to drop before extraction


@dataclass(frozen=True)
class JsonSearch:
    """An on-site search that answers JSON: where its result list is and how a result becomes an article URL.

    ``items`` is a dotted path to the list (``contentItems``); ``url`` a template over one result's
    fields (``{sectionUrl}/{id}-{urlFriendlySuffix}``): a leading "/" is a path under ``base_url``.
    """

    items: str
    url: str


@dataclass(frozen=True)
class Source:
    """One outlet.

    URLs in ``feeds``, ``sitemaps``, ``list_pages`` and ``search_url`` are absolute. ``search_url`` is a
    template with ``{query}`` (URL-encoded by `search_urls`). ``unconfirmed`` lists the URLs that could
    not be confirmed from public documentation, code or stored copies of the site.
    """

    name: str
    display_name: str
    domains: tuple[str, ...]
    base_url: str
    group: str = "arab"  # "china" (Chinese state media, Arabic services), "arab", "intl"
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    list_pages: tuple[str, ...] = ()
    search_url: str | None = None
    search_json: JsonSearch | None = None  # set when search_url answers JSON rather than a results page
    article_url_pattern: str | None = None  # regex a link must match to be fetched as an article
    # Article addresses carry no slug (an id under section names): the archive's slug filter reads
    # the section's words as no slug of the article's subject, so it does not judge them.
    id_only_addresses: bool = False
    selectors: Selectors = field(default_factory=Selectors)
    unconfirmed: tuple[str, ...] = ()
    notes: str = ""

    def with_base(self, base: str) -> Source:
        """The same outlet with every URL moved onto ``base`` (path and query kept).

        This is how tests and the demo point an outlet at the offline fixture site.
        ``base`` may contain ``{source}``, replaced by the outlet name.
        """
        base = base.replace("{source}", self.name).rstrip("/")

        def move(url: str) -> str:
            parts = urlsplit(url)
            return base + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

        return dataclasses.replace(
            self,
            base_url=base + "/",
            domains=(urlsplit(base).hostname or "",),
            feeds=tuple(move(u) for u in self.feeds),
            sitemaps=tuple(move(u) for u in self.sitemaps),
            list_pages=tuple(move(u) for u in self.list_pages),
            search_url=move(self.search_url).replace("%7Bquery%7D", "{query}") if self.search_url else None,
            article_url_pattern=None,  # fixture URLs do not follow the live site's layout
        )

    def search_urls(self, queries: list[str]) -> list[str]:
        """The on-site search URLs for the given queries (empty when the outlet has no search)."""
        if not self.search_url:
            return []
        return [self.search_url.replace("{query}", quote(q)) for q in queries]
