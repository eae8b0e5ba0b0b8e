"""Maghreb outlets: the Moroccan and Algerian press mirrors, the Algerian agency and Hespress.

Echchaab (ech-chaab.com) is read through its copies on djazairess.com (/echchaab/<id>): no address of
an article on its own host was found in public evidence.
"""

from __future__ import annotations

from crawler.sources.base import Source
from crawler.sources.mirrors import press_mirror
from crawler.sources.registry import register

MAGHRESS = press_mirror(
    "maghress",
    "مغرس",
    "maghress.com",
    feeds=("https://www.maghress.com/rss",),
    unconfirmed=("https://www.maghress.com/rss",),
    notes=(
        "Moroccan press mirror. Stored and public copies: /hespress/373514 (the 2017 forum), "
        "/kech24/338876, /alittihad/2082123, /aljassour/113849. The title/body markup "
        "(span.articletitle, span.articlecontent) is read by a public scraper. The feed path is "
        "unconfirmed; no on-site search address was found."
    ),
)

DJAZAIRESS = press_mirror(
    "djazairess",
    "جزايرس",
    "djazairess.com",
    feeds=(
        "https://www.djazairess.com/rss",
        "https://www.djazairess.com/aps/rss",
        "https://www.djazairess.com/echchaab/rss",
    ),
    unconfirmed=("https://www.djazairess.com/aps/rss", "https://www.djazairess.com/echchaab/rss"),
    notes=(
        "Algerian press mirror. Stored copies: /aps/478165 (APS on the 2019 World Internet Conference), "
        "/aps/337307, /aps/485873, /echchaab/140179, /echchaab/182393, /alfadjr/120397, "
        "/fr/horizons/184472, /fr/lesoirdalgerie/98894. /rss is in 2 public lists; per-paper feeds "
        "/<paper>/rss are seen for /eldjoumhouria/rss, so /aps/rss and /echchaab/rss are unconfirmed. "
        "No on-site search address was found."
    ),
)

APS = Source(
    name="aps",
    display_name="وكالة الأنباء الجزائرية",
    domains=("aps.dz",),
    base_url="https://www.aps.dz/ar/",
    group="arab",
    feeds=("https://www.aps.dz/ar/feed",),
    article_url_pattern=r"^https?://(?:www\.)?aps\.dz/ar/[a-z-]+/\d+-[^/?#]*$",
    notes=(
        "/ar/feed is in 4+ public lists (/ar/rss in one). Article URLs seen in public code: "
        "/ar/sante-science-technologie/113460-65-000-2021, /ar/sante-science-technologie/168710-2025-2024-800. "
        "Its coverage of the conference is also copied on djazairess.com/aps/<id>."
    ),
)

HESPRESS = Source(
    name="hespress",
    display_name="هسبريس",
    domains=("hespress.com",),
    base_url="https://www.hespress.com/",
    group="arab",
    feeds=("https://www.hespress.com/feed",),
    # /<section>/<id>.html (older) and /<slug>-<id>.html; /videos/ pages are videos.
    article_url_pattern=r"^https?://(?:www\.)?hespress\.com/(?!videos/)(?:[a-z-]+/)?(?:[^/?#]+-)?\d+\.html$",
    notes=(
        "/feed is in 5+ public lists (/rss in one). Article URLs seen in public code: "
        "/international/439175.html, /international/342454.html; /videos/349938.html is a video page. "
        "Section pages (/politique, /politique/index.1.html) are listings. Its 2017 forum report is "
        "copied on maghress.com/hespress/373514."
    ),
)

register(MAGHRESS, DJAZAIRESS, APS, HESPRESS)
