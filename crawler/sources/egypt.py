"""Egyptian outlets and the Egyptian press mirror (added to the outlets of `arab`).

Evidence: stored public pages and public code, recorded per outlet in ``notes`` and in docs/outlets.md.
"""

from __future__ import annotations

from crawler.sources.base import Source
from crawler.sources.mirrors import press_mirror
from crawler.sources.registry import register

MASRESS = press_mirror(
    "masress",
    "مصرس",
    "masress.com",
    feeds=("https://www.masress.com/rss",),
    unconfirmed=("https://www.masress.com/rss",),
    notes=(
        "Egyptian press mirror. Stored pages of its copies: /akhbarelyomgate/74723774 (the 2025 Wuzhen "
        "summit), /albawabh/1517965, /ahram/1407095, /shorouk/542999, /elbalad/2918822. Only the "
        "English feed /en/rss is in public lists (4+); the Arabic /rss is the same platform's path on "
        "djazairess.com, unconfirmed here. No on-site search address was found."
    ),
)

ROSA_EL_YOUSSEF = Source(
    name="rosa_el_youssef",
    display_name="روزاليوسف",
    domains=("rosaelyoussef.com",),
    base_url="https://www.rosaelyoussef.com/",
    group="arab",
    feeds=("https://www.rosaelyoussef.com/rss",),
    search_url="https://www.rosaelyoussef.com/search/term?w={query}",
    # /<id> with an optional /<slug>.
    article_url_pattern=r"^https?://(?:www\.)?rosaelyoussef\.com/\d{6,}(?:/[^/?#]*)?/?$",
    unconfirmed=("https://www.rosaelyoussef.com/rss",),
    notes=(
        "Article URLs seen: /1029938 (opening of the 2022 Wuzhen summit, stored page), /1086418/<slug>, "
        "/1410116, /1269113/ (public code). Search /search/term?w=<q> with article links /\\d{6,} is in a "
        "public scraper's configuration. Feeds /rss and /RSS/73 are each in one public list."
    ),
)

AKHBAR_EL_YOM = Source(
    name="akhbar_el_yom",
    display_name="بوابة أخبار اليوم",
    domains=("akhbarelyom.com",),
    base_url="https://akhbarelyom.com/",
    group="arab",
    feeds=("https://akhbarelyom.com/RSS/GetSectionNewsRSS/1?SectionID=1",),
    search_url="https://akhbarelyom.com/News/Search/1?JournalID=1&query={query}",
    # /news/newdetails/<id>/<journal>/<slug> on www, m. and images.; VideoDisplay pages are videos.
    article_url_pattern=r"(?i)^https?://(?:www\.|m\.|images\.)?akhbarelyom\.com/news/newdetails/\d+/\d+/[^/?#]*$",
    unconfirmed=("https://akhbarelyom.com/RSS/GetSectionNewsRSS/1?SectionID=1",),
    notes=(
        "Article URLs seen: images.akhbarelyom.com/news/newdetails/3934547/1/<slug> (the 2022 conference, "
        "stored page), m.akhbarelyom.com/news/NewDetails/4796207/1/<slug> (public code). Video pages "
        "/news/VideoDisplay/<id>/1/<slug> are not articles. Search /News/Search/1?JournalID=1&query= is "
        "in a public scraper's configuration; the section feed is in one public list."
    ),
)

register(MASRESS, ROSA_EL_YOUSSEF, AKHBAR_EL_YOM)
