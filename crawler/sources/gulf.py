"""Gulf outlets, the Saudi press mirror and the Arabic edition of Investing.com."""

from __future__ import annotations

from crawler.sources.base import Source
from crawler.sources.mirrors import press_mirror
from crawler.sources.registry import register

SAURESS = press_mirror(
    "sauress",
    "صورس",
    "sauress.com",
    feeds=("https://www.sauress.com/rss",),
    unconfirmed=("https://www.sauress.com/rss",),
    notes=(
        "Saudi press mirror (same platform as masress.com). Stored pages of its copies: /alhayat/47051, "
        "/sharq/4871. Only the English feed /en/rss is in a public list; the Arabic /rss is unconfirmed. "
        "No on-site search address was found."
    ),
)

AL_RIYADH = Source(
    name="al_riyadh",
    display_name="جريدة الرياض",
    domains=("alriyadh.com",),
    base_url="https://www.alriyadh.com/",
    group="arab",
    feeds=("https://www.alriyadh.com/rss.xml",),
    search_url="https://www.alriyadh.com/search/srch?sort=date&q={query}",
    article_url_pattern=r"^https?://(?:www\.)?alriyadh\.com/(?:\d{5,}|article\d+\.html|net/article/\d+)$",
    unconfirmed=("https://www.alriyadh.com/rss.xml",),
    notes=(
        "Article URLs seen in public code: /2177761, /1998302, /1910817; older layouts /article<id>.html "
        "and /net/article/<id> are built by a public archive crawler. Search /search/srch?sort=date&q= "
        "is fetched and parsed by a public scraper. Public lists disagree on the feed (/rss.xml, "
        "/page/rss, /rss/articles.xml)."
    ),
)

CRIK = Source(
    name="crik",
    display_name="مركز البحوث والتواصل المعرفي",
    domains=("crik.sa",),
    base_url="https://crik.sa/",
    group="arab",
    feeds=("https://crik.sa/feed",),
    article_url_pattern=r"^https?://(?:www\.)?crik\.sa/\?p=\d+$",
    unconfirmed=("https://crik.sa/feed",),
    notes=(
        "Saudi research centre that took part in the 2020 Wuzhen summit: stored page /?p=338769. Its "
        "addresses are WordPress post ids; /feed is WordPress's default feed, not seen in evidence."
    ),
)

INVESTING_ARABIC = Source(
    name="investing_arabic",
    display_name="Investing.com العربي",
    domains=("sa.investing.com",),
    base_url="https://sa.investing.com/",
    group="intl",
    feeds=("https://sa.investing.com/rss/news.rss",),
    # /news/<section>/article-<id> and /analysis/article-<id>, also on the m. host (an ampMode query).
    article_url_pattern=(
        r"^https?://(?:m\.)?sa\.investing\.com/(?:news/[a-z-]+|analysis)/article-\d+(?:\?ampMode=1)?$"
    ),
    id_only_addresses=True,  # "stock-market-news" is a section, not a slug
    notes=(
        "Business site that republishes Reuters Arabic: m.sa.investing.com/news/technology-news/"
        "article-530071?ampMode=1 is the 2017 forum (stored page); /analysis/article-200500509 is in "
        "public code. /rss/news.rss is in 2 public lists (/rss/news_25.rss in one). Section pages "
        "(/news/cryptocurrency-news, /news/most-popular-news) are not articles."
    ),
)

register(SAURESS, AL_RIYADH, CRIK, INVESTING_ARABIC)
