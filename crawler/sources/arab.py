"""Arab and international Arabic-language outlets.

Evidence was looked up in stored public code and pages (no live fetch was possible). A URL counts as
confirmed when it is seen in at least two independent public code files, in a public script that
parses what it returns, or in a stored copy of the outlet's own files (robots.txt, menus); everything
else is listed in ``unconfirmed``. ``notes`` say what was seen and any failure reports found.
"""

from __future__ import annotations

from crawler.sources.base import JsonSearch, Selectors, Source
from crawler.sources.registry import register

ALJAZEERA = Source(
    name="aljazeera",
    display_name="الجزيرة نت",
    domains=("aljazeera.net",),
    base_url="https://www.aljazeera.net/",
    group="arab",
    feeds=(
        "https://www.aljazeera.net/aljazeerarss/a7c186be-1baa-4bd4-9d80-a84db769f779/"
        "73d0e1b4-532f-45ef-b135-bfdff8b8cab9",
        "https://www.aljazeera.net/xml/rss/all.xml",
    ),
    sitemaps=("https://www.aljazeera.net/sitemap.xml",),
    search_url="https://www.aljazeera.net/search/{query}",
    article_url_pattern=r"^https://www\.aljazeera\.net/[a-z-]+(?:/[a-z-]+)?/\d{4}/\d{1,2}/\d{1,2}/[^/?#]+$",
    unconfirmed=("https://www.aljazeera.net/xml/rss/all.xml",),
    notes=(
        "The /aljazeerarss/<guid>/<guid> feed is in 6+ public feed lists. /xml/rss/all.xml is in 8+ "
        "lists but a 2026 public collector notes it answers 404, so it is kept as unconfirmed. "
        "/sitemap.xml is read by several public scrapers (also as daily ?yyyy=&mm=&dd= sitemaps). "
        "Search /search/<q> is used in public code (rendered by JavaScript, GraphQL behind it). "
        "Article URLs seen: /news/2024/5/25/<slug>."
    ),
)

ALARABIYA = Source(
    name="alarabiya",
    display_name="العربية نت",
    domains=("alarabiya.net",),
    base_url="https://www.alarabiya.net/",
    group="arab",
    feeds=("https://www.alarabiya.net/.mrss/ar.xml",),
    sitemaps=("https://www.alarabiya.net/sitemap.xml",),
    list_pages=("https://www.alarabiya.net/latest-news/archive",),
    search_url="https://www.alarabiya.net/tools/search?query={query}",
    article_url_pattern=r"^https://www\.alarabiya\.net/[a-z-]+(?:/[a-z-]+)?/\d{4}/\d{2}/\d{2}/[^/?#]+$",
    selectors=Selectors(
        title=".headingInfo_title",
        published=".timeDate_element time",
        body="#body-text",
    ),
    unconfirmed=("https://www.alarabiya.net/sitemap.xml",),
    notes=(
        "MRSS /.mrss/ar.xml is in 5+ public feed lists; a 2026 public collector reports HTTP 403 for "
        "alarabiya.net from its servers. /latest-news/archive and the selectors come from a public "
        "Kotlin scraper (2024). Search /tools/search?query= is used by several public scrapers. "
        "/sitemap.xml is seen in one list only. Article URLs seen: /arab-and-world/2024/08/11/<slug>."
    ),
)

SKY_NEWS_ARABIA = Source(
    name="sky_news_arabia",
    display_name="سكاي نيوز عربية",
    domains=("skynewsarabia.com",),
    base_url="https://www.skynewsarabia.com/",
    group="arab",
    feeds=("https://www.skynewsarabia.com/web/rss", "https://www.skynewsarabia.com/rss.xml"),
    sitemaps=("https://www.skynewsarabia.com/sitemap.xml",),
    search_url=(
        "https://api.skynewsarabia.com//rest/v2/search/text.json?deviceType=DESKTOP&from=&offset=0"
        "&pageSize=25&q={query}&showEpisodes=true&sort=RELEVANCE&supportsInfographic=true&to="
    ),
    search_json=JsonSearch(items="contentItems", url="{sectionUrl}/{id}-{urlFriendlySuffix}"),
    article_url_pattern=r"^https://www\.skynewsarabia\.com/[a-z-]+(?:/[a-z-]+)*/\d+-[^/?#]+$",
    unconfirmed=("https://www.skynewsarabia.com/rss.xml", "https://www.skynewsarabia.com/sitemap.xml"),
    notes=(
        "/web/rss is in 8+ public feed lists. The JSON search API (fields contentItems, headline, date, "
        "sectionUrl, id, urlFriendlySuffix; article URL = site + sectionUrl + '/' + id + '-' + suffix) "
        "is parsed by a public scraper. /rss.xml and /sitemap.xml are seen in two lists each. "
        "Article URL seen: /world/1348070-<slug>."
    ),
)

RT_ARABIC = Source(
    name="rt_arabic",
    display_name="روسيا اليوم (RT عربي)",
    domains=("arabic.rt.com",),
    base_url="https://arabic.rt.com/",
    group="intl",
    feeds=("https://arabic.rt.com/rss/",),
    list_pages=("https://arabic.rt.com/world/", "https://arabic.rt.com/middle_east/"),
    article_url_pattern=r"^https://arabic\.rt\.com/[a-z_]+/\d+-[^/?#]*/?$",
    notes=(
        "/rss/ is in 10+ public feed lists and in a 2026 collector's working list. /world/ and "
        "/middle_east/ are scraped by a 2026 public digest script with links /(world|middle_east)/<id>-<slug>. "
        "Site search goes through an embedded Google custom search, so none is declared."
    ),
)

SPUTNIK_ARABIC = Source(
    name="sputnik_arabic",
    display_name="سبوتنيك عربي",
    # The service moved from sputnikarabic.ae to sarabic.ae; both hosts carry its addresses.
    domains=("sarabic.ae", "sputnikarabic.ae"),
    base_url="https://sarabic.ae/",
    group="intl",
    feeds=("https://sarabic.ae/export/rss2/archive/index.xml",),
    article_url_pattern=r"^https?://(?:www\.)?(?:sarabic|sputnikarabic)\.ae/\d{8}/[^/?#]+-\d+\.html$",
    unconfirmed=("https://sarabic.ae/export/rss2/archive/index.xml",),
    notes=(
        "The feed path /export/rss2/archive/index.xml is seen in public lists on both hosts "
        "(sputnikarabic.ae in one, sarabic.ae in another). Article URL seen in public code: "
        "sarabic.ae/20230611/<slug>-1077996853.html; sputnikarabic.ae is the older host (its image CDN "
        "cdn1.img.sputnikarabic.ae is in many public files)."
    ),
)

BBC_ARABIC = Source(
    name="bbc_arabic",
    display_name="بي بي سي عربي",
    domains=("bbc.com", "bbci.co.uk"),
    base_url="https://www.bbc.com/arabic/",
    group="intl",
    feeds=("https://feeds.bbci.co.uk/arabic/rss.xml", "https://www.bbc.com/arabic/index.xml"),
    sitemaps=("https://www.bbc.com/arabic/sitemap.xml",),
    search_url="https://www.bbc.com/arabic/search?q={query}",
    # /arabic/articles/c<id> (current) and /arabic/<section>/YYYY/MM/<yymmdd>_<slug> (older).
    article_url_pattern=(
        r"^https?://www\.bbc\.com/arabic/"
        r"(?:articles/c[0-9a-z]{10,}|[a-z]+/\d{4}/\d{2}/\d{6}_[0-9a-z_]+)$"
    ),
    unconfirmed=("https://www.bbc.com/arabic/search?q={query}",),
    notes=(
        "feeds.bbci.co.uk/arabic/rss.xml is in 6+ public lists and a 2026 collector's working list; "
        "/arabic/index.xml in 4+ lists. /arabic/sitemap.xml is listed in stored copies of bbc.com's "
        "robots.txt. The feed lives on bbci.co.uk, declared as a domain. Article URLs seen: "
        "/arabic/articles/c8g5yzz3pgvo; older layout /arabic/worldnews/2009/07/090724_als_china_"
        "launches_arabic_tv_channel_tc2 (stored page). Search URL from OUTLETS.md only."
    ),
)

ANADOLU_ARABIC = Source(
    name="anadolu_arabic",
    display_name="وكالة الأناضول",
    domains=("aa.com.tr",),
    base_url="https://www.aa.com.tr/ar/",
    group="intl",
    feeds=("https://www.aa.com.tr/ar/rss/default?cat=guncel",),
    # /ar/<section>/<slug>[/<id>]: only URL starts were seen, so the trailing id is optional.
    article_url_pattern=r"^https://www\.aa\.com\.tr/ar/(?!rss/)[^/?#]+/[^/?#]+(?:/\d+)?$",
    notes=(
        "/ar/rss/default?cat=guncel is in 4+ public lists (cat=live in others); one 2026 collector "
        "reports connection errors from its host. Article URLs seen start /ar/<section>/<slug>."
    ),
)

ASHARQ_AL_AWSAT = Source(
    name="asharq_al_awsat",
    display_name="الشرق الأوسط",
    domains=("aawsat.com",),
    base_url="https://aawsat.com/",
    group="arab",
    feeds=("https://aawsat.com/feed", "https://aawsat.com/feed/press"),
    # /home/article/<id>[/<slug>] (older), /node/<id> (the same articles by their node id),
    # /<section>/<id>-<slug> (newer).
    article_url_pattern=(
        r"^https?://aawsat\.com/(?:home/article/\d+(?:/[^/?#]*)?|node/\d{4,}|(?:[^/?#]+/)+\d{6,}-[^/?#]+)$"
    ),
    notes=(
        "/feed is in 6+ public lists; /feed/press is marked working (20 items) by a 2026 public "
        "collector. Article URLs seen: /home/article/3804376/ (older layout, public code) and "
        "/node/4544056 (stored page, 2023); the newer /<section>/<id>-<slug> layout is accepted too "
        "but no example was seen. Writers' pages /home/writer/<name> list articles and are refused."
    ),
)

AHRAM_GATE = Source(
    name="ahram_gate",
    display_name="بوابة الأهرام",
    domains=("gate.ahram.org.eg",),
    base_url="https://gate.ahram.org.eg/",
    group="arab",
    feeds=("https://gate.ahram.org.eg/Rss/50/LatestNews.aspx", "https://gate.ahram.org.eg/rss/home.aspx"),
    article_url_pattern=r"(?i)^https://gate\.ahram\.org\.eg/News/\d+\.aspx$",
    unconfirmed=(
        "https://gate.ahram.org.eg/Rss/50/LatestNews.aspx",
        "https://gate.ahram.org.eg/rss/home.aspx",
    ),
    notes=(
        "Public lists disagree on the feed path (/Rss/50/LatestNews.aspx, /rss/home.aspx, /RSS.aspx, "
        "/rss/97.aspx...), so every feed is unconfirmed. Article URLs seen: /News/4815678.aspx."
    ),
)

YOUM7 = Source(
    name="youm7",
    display_name="اليوم السابع",
    domains=("youm7.com",),
    base_url="https://www.youm7.com/",
    group="arab",
    feeds=(
        "https://www.youm7.com/rss/SectionRss?SectionID=65",
        "https://www.youm7.com/rss/SectionRss?SectionID=297",
    ),
    search_url="https://www.youm7.com/Home/Search?allwords={query}&page=1",
    article_url_pattern=r"^https://(?:www\.|m\d?\.)?youm7\.com/story/\d{4}/\d{1,2}/\d{1,2}/[^/?#]+/\d+$",
    unconfirmed=("https://www.youm7.com/Home/Search?allwords={query}&page=1",),
    notes=(
        "SectionRss?SectionID=65 (breaking news) and =297 are each in 3+ public scripts. Article URLs "
        "seen: /story/2022/7/19/<slug>/...; search URL from OUTLETS.md only."
    ),
)

WAM = Source(
    name="wam",
    display_name="وكالة أنباء الإمارات (وام)",
    domains=("wam.ae",),
    base_url="https://www.wam.ae/ar/",
    group="arab",
    feeds=(
        "https://www.wam.ae/ar/rss",
        "https://www.wam.ae/ar/rss/feed/g50ndvocjz?slug=rss-economy&vsCode=avs-001-1jc74qmetxqw&type=rss",
    ),
    article_url_pattern=r"^https://(?:www\.)?wam\.ae/ar/article/[0-9a-z]+-[^/?#]+$",
    unconfirmed=(
        "https://www.wam.ae/ar/rss/feed/g50ndvocjz?slug=rss-economy&vsCode=avs-001-1jc74qmetxqw&type=rss",
    ),
    notes=(
        "/ar/rss is in 4+ public lists (with and without www). The per-topic economy feed is from a "
        "2026 public feed tester, result unknown. Article URLs seen: /ar/article/hszrhdfh-<slug>."
    ),
)

SPA = Source(
    name="spa",
    display_name="وكالة الأنباء السعودية (واس)",
    domains=("spa.gov.sa",),
    base_url="https://www.spa.gov.sa/",
    group="arab",
    feeds=("https://www.spa.gov.sa/rss/latest-news.rss", "https://www.spa.gov.sa/rss.xml"),
    list_pages=("https://www.spa.gov.sa/news/latest-news?page=1",),
    article_url_pattern=r"^https://www\.spa\.gov\.sa/(?:ar/)?N\d+$",
    unconfirmed=("https://www.spa.gov.sa/rss/latest-news.rss", "https://www.spa.gov.sa/rss.xml"),
    notes=(
        "Public lists disagree on the feed (/rss.xml, /rss/latest-news.rss, /RssFeeds.php...); a 2026 "
        "collector lists /rss/latest-news.rss as working and /rss.xml as present but empty, so both "
        "stay unconfirmed. /news/latest-news?page=1 with article paths /N<digits> is scraped by a "
        "public script; article URLs seen: /N2642350, and the Arabic-prefixed /ar/N2585737 (public "
        "code testing SPA article links)."
    ),
)

AL_AIN = Source(
    name="al_ain",
    display_name="العين الإخبارية",
    domains=("al-ain.com",),
    base_url="https://al-ain.com/",
    group="arab",
    feeds=("https://al-ain.com/rss",),
    search_url="https://al-ain.com/search?query={query}",
    article_url_pattern=r"^https://(?:www\.)?al-ain\.com/article/[^/?#]+$",
    unconfirmed=("https://al-ain.com/search?query={query}",),
    notes=(
        "/rss is in 4+ public lists. Article URLs seen: /article/algerian-universities. Search URL "
        "from OUTLETS.md only."
    ),
)

SADA_ELBALAD = Source(
    name="sada_elbalad",
    display_name="صدى البلد",
    domains=("elbalad.news",),
    base_url="https://www.elbalad.news/",
    group="arab",
    feeds=("https://www.elbalad.news/rss.aspx", "https://www.elbalad.news/rss/1"),
    article_url_pattern=r"^https?://(?:www\.)?elbalad\.news/\d{5,}$",
    unconfirmed=("https://www.elbalad.news/rss/1",),
    notes=(
        "/rss.aspx is in 3 public lists; /rss/1 (breaking) in one. Article URL seen in a stored page: "
        "/3059361 (the 2017 forum, from Reuters)."
    ),
)

register(
    ALJAZEERA,
    ALARABIYA,
    SKY_NEWS_ARABIA,
    RT_ARABIC,
    SPUTNIK_ARABIC,
    BBC_ARABIC,
    ANADOLU_ARABIC,
    ASHARQ_AL_AWSAT,
    AHRAM_GATE,
    YOUM7,
    WAM,
    SPA,
    AL_AIN,
    SADA_ELBALAD,
)
