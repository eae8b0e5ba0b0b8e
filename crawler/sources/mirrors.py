"""The Arab press mirrors (masress.com, sauress.com, maghress.com, djazairess.com...): one platform that
republishes many national papers, each article at /<paper>/<id>.

They are where much of the Arabic coverage of the conference survives (Xinhua, APS, Al-Ahram or Hespress
copies), so each mirror is an outlet; `press_mirror` builds the shared layout once.
"""

from __future__ import annotations

import re

from crawler.sources.base import Selectors, Source

# Title and body markup of a mirror's article page, as read by a public Maghress scraper.
MIRROR_SELECTORS = Selectors(title="span.articletitle", body="span.articlecontent")


def mirror_article_pattern(host: str) -> str:
    """/<paper>/<id>, optionally under the /fr/ or /en/ edition: a paper is a lower-case word, the id digits."""
    return rf"^https?://(?:www\.)?{re.escape(host)}/(?:fr/|en/)?[a-z][a-z0-9_]*/\d+$"


def press_mirror(
    name: str,
    display_name: str,
    host: str,
    *,
    feeds: tuple[str, ...] = (),
    unconfirmed: tuple[str, ...] = (),
    notes: str = "",
) -> Source:
    """A mirror outlet on ``host`` (no www); feeds are absolute URLs."""
    return Source(
        name=name,
        display_name=display_name,
        domains=(host,),
        base_url=f"https://www.{host}/",
        group="arab",
        feeds=feeds,
        article_url_pattern=mirror_article_pattern(host),
        selectors=MIRROR_SELECTORS,
        unconfirmed=unconfirmed,
        notes=notes,
    )
