"""Chinese state media, Arabic services.

Evidence was looked up in stored public code and pages (no live fetch was possible); each outlet's
``notes`` says what was seen, and ``unconfirmed`` lists every URL no evidence was found for. Several of
these hosts were seen only over plain http in older code: https is declared (the check and the spider
follow redirects), and that scheme choice itself is untested.
"""

from __future__ import annotations

from crawler.sources.base import Source
from crawler.sources.registry import register

XINHUA = Source(
    name="xinhua_arabic",
    display_name="وكالة أنباء شينخوا العربية",
    domains=("arabic.news.cn",),
    base_url="https://arabic.news.cn/",
    group="china",
    list_pages=(
        "https://arabic.news.cn/world/index.htm",
        "https://arabic.news.cn/mobile/index.htm",
    ),
    article_url_pattern=(
        r"^https?://arabic\.news\.cn/"
        r"(?:\d{4}-\d{2}/\d{2}/c_\d+(?:_\d+)?\.htm|\d{8}/[0-9a-f]{32}/c\.html)$"
    ),
    notes=(
        "No RSS or sitemap found in public code. /world/index.htm is scraped by a public news "
        "aggregator (Scala, list items 'list-item'); /mobile/index.htm is the Arabic entry of Xinhua's "
        "own language menu. Article URLs seen in public code: /2022-02/21/c_1310481775.htm (older "
        "layout) and /20251228/<32 hex>/c.html (2025 layout). Site search so.news.cn has no confirmed "
        "Arabic mode, so none is declared; aggregators cover discovery."
    ),
)

PEOPLES_DAILY = Source(
    name="peoples_daily_arabic",
    display_name="صحيفة الشعب اليومية أونلاين",
    domains=("arabic.people.com.cn", "arabic.peopledaily.com.cn"),
    base_url="https://arabic.people.com.cn/",
    group="china",
    list_pages=("https://arabic.people.com.cn/",),
    article_url_pattern=r"^https?://arabic\.(?:people|peopledaily)\.com\.cn/n3/\d{4}/\d{4}/c\d+-\d+\.html$",
    notes=(
        "Both host names appear in public lists of People's Daily language sites. No feed found. "
        "The /n3/YYYY/MMDD/c<column>-<id>.html layout is seen for the other People's Daily language "
        "editions (kr, j, english) in public code; for Arabic it comes from OUTLETS.md."
    ),
)

CGTN = Source(
    name="cgtn_arabic",
    display_name="سي جي تي إن العربية",
    domains=("arabic.cgtn.com",),
    base_url="https://arabic.cgtn.com/",
    group="china",
    feeds=("https://arabic.cgtn.com/rss.xml",),
    list_pages=("https://arabic.cgtn.com/",),
    search_url="https://arabic.cgtn.com/search?keyword={query}",
    article_url_pattern=r"^https?://arabic\.cgtn\.com/news/\d{4}-\d{2}-\d{2}/\d+/?(?:index\.html)?$",
    unconfirmed=("https://arabic.cgtn.com/rss.xml",),
    notes=(
        "Search /search?keyword= is used by a public Selenium crawler (results rendered by JavaScript, "
        "so a plain fetch may return no links). Home page is in CGTN's own language menu. /rss.xml seen "
        "in one public list only. Article URL seen: /news/2023-11-20/1726480234795307009/."
    ),
)

CRI = Source(
    name="cri_arabic",
    display_name="إذاعة الصين الدولية",
    domains=("arabic.cri.cn", "news.cri.cn"),
    base_url="https://arabic.cri.cn/",
    group="china",
    list_pages=("https://arabic.cri.cn/",),
    article_url_pattern=(
        r"^https?://(?:arabic|news)\.cri\.cn/(?:\d{8}|\d{4}-\d{2}-\d{2})/"
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.html$"
    ),
    notes=(
        "arabic.cri.cn appears as a GDELT mention source in public queries. No feed found. news.cri.cn "
        "article layouts /YYYYMMDD/<uuid>.html and /YYYY-MM-DD/<uuid>.html are seen in public code; "
        "that arabic.cri.cn uses the same layout is an assumption (OUTLETS.md says recent Arabic "
        "articles live on news.cri.cn)."
    ),
)

CHINA_ORG = Source(
    name="china_org_arabic",
    display_name="شبكة الصين",
    domains=("arabic.china.org.cn", "m.arabic.china.org.cn"),
    base_url="https://arabic.china.org.cn/",
    group="china",
    list_pages=("https://arabic.china.org.cn/",),
    article_url_pattern=(
        r"^https?://(?:m\.)?arabic\.china\.org\.cn/(?:photos/)?txt/\d{4}-\d{2}/\d{2}/content_\d+\.htm$"
    ),
    notes=(
        "Home page (and the mobile host) appear in china.org.cn's own language-menu script. Article URL "
        "seen in public code: /txt/2025-10/20/content_118131531.htm. No feed found."
    ),
)

CHINA_TODAY = Source(
    name="china_today_arabic",
    display_name="الصين اليوم",
    domains=("www.chinatoday.com.cn",),
    base_url="https://www.chinatoday.com.cn/ctarabic/",
    group="china",
    list_pages=("https://www.chinatoday.com.cn/ctarabic/",),
    # Scoped to the Arabic section; the article layout inside it is not known.
    article_url_pattern=r"^https?://www\.chinatoday\.com\.cn/ctarabic/.+\.html?$",
    unconfirmed=("https://www.chinatoday.com.cn/ctarabic/",),
    notes="Only OUTLETS.md names /ctarabic/; nothing about it was found in public code or pages.",
)

CHINA_COM = Source(
    name="china_com_arabic",
    display_name="الصين نت (china.com) العربية",
    domains=("arabic.china.com",),
    base_url="https://arabic.china.com/",
    group="china",
    list_pages=("https://arabic.china.com/index.html",),
    article_url_pattern=r"^https?://arabic\.china\.com/(?:[a-z]+/)+\d+/\d{8}/\d+\.html$",
    notes=(
        "/index.html is the Arabic entry of china.com's own language menu (many stored copies). The "
        "article layout /china/economy/<column>/<YYYYMMDD>/<id>.html comes from OUTLETS.md only."
    ),
)

register(XINHUA, PEOPLES_DAILY, CGTN, CRI, CHINA_ORG, CHINA_TODAY, CHINA_COM)
