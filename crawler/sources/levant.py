"""Levant outlets."""

from __future__ import annotations

from crawler.sources.base import Source
from crawler.sources.registry import register

PALESTINE_TODAY = Source(
    name="palestine_today",
    display_name="فلسطين اليوم",
    domains=("palestinetoday.net",),
    base_url="https://www.palestinetoday.net/",
    group="arab",
    feeds=("https://www.palestinetoday.net/ar/rss/",),
    article_url_pattern=r"^https?://(?:www\.)?palestinetoday\.net/\d+/[^/?#]+$",
    unconfirmed=("https://www.palestinetoday.net/ar/rss/",),
    notes=(
        "Stored page: /230/<slug> (Xi's letter to the first World Internet Conference, from QNA). The "
        "feed /ar/rss/ is in one public list."
    ),
)

register(PALESTINE_TODAY)
