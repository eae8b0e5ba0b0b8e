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
    domains=("arabic.news.cn", "arabic.xinhuanet.com"),
    base_url="https://arabic.news.cn/",
    group="china",
    list_pages=(
        "https://arabic.news.cn/world/index.htm",
        "https://arabic.news.cn/mobile/index.htm",
    ),
    # /YYYY-MM/DD/c_<n>.htm at the root or under a column (/china/, /big/, /chinaarabic/...), and the
    # newer /YYYYMMDD/<32 hex>/c.html (also on the arabic.xinhuanet.com host).
    article_url_pattern=(
        r"^https?://arabic\.(?:news\.cn|xinhuanet\.com)/"
        r"(?:(?:[a-z]+/)*\d{4}-\d{2}/\d{2}/c_\d+(?:_\d+)?\.htm|\d{8}/[0-9a-f]{32}/c\.html)$"
    ),
    notes=(
        "No RSS or sitemap found in public code. /world/index.htm is scraped by a public news "
        "aggregator (Scala, list items 'list-item'); /mobile/index.htm is the Arabic entry of Xinhua's "
        "own language menu. Article URLs seen in stored pages: /2017-12/03/c_136797688.htm (the 2017 "
        "forum), /china/2015-07/17/c_134421577.htm, /big/2015-09/11/c_134614790.htm, "
        "/chinaarabic/2015-09/09/c_134607465.htm; the 2025 layout /YYYYMMDD/<32 hex>/c.html is seen on "
        "Xinhua's other language hosts (russian.news.cn/20221101/<hex>/c.html). arabic.xinhuanet.com is "
        "the older host name; no stored address on it was found. Site search so.news.cn has no "
        "confirmed Arabic mode, so none is declared; GDELT covers discovery."
    ),
)

PEOPLES_DAILY = Source(
    name="peoples_daily_arabic",
    display_name="صحيفة الشعب اليومية أونلاين",
    domains=("arabic.people.com.cn", "arabic.peopledaily.com.cn"),
    base_url="https://arabic.people.com.cn/",
    group="china",
    list_pages=("https://arabic.people.com.cn/",),
    # /n3/ (since 2015) and /n/ (older); a long article's later pages end in -<page>. Before /n/ (2012 and
    # earlier): /<column>/<id>.html.
    article_url_pattern=(
        r"^https?://arabic\.(?:people|peopledaily)\.com\.cn/"
        r"(?:n3?/\d{4}/\d{4}/c\d+-\d+(?:-\d+)?|\d{5,6}/\d{6,})\.html$"
    ),
    notes=(
        "Both host names appear in public lists of People's Daily language sites. No feed found. "
        "Arabic article URLs seen in stored pages: /n3/2019/1018/c31660-9624060.html, "
        "/n3/2016/1213/c31660-9154310.html, /n/2014/1102/c31660-8803366.html (older /n/ layout), "
        "/n3/2021/0325/c31664-9832261-4.html (page 4 of a long article), and the pre-2013 layout "
        "/31660/8007271.html (a 2012 report, stored page)."
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
    # big5.cri.cn/gate/big5/<host>/<path> is CRI's traditional-Chinese gateway in front of its hosts.
    domains=("arabic.cri.cn", "news.cri.cn", "big5.cri.cn"),
    base_url="https://arabic.cri.cn/",
    group="china",
    list_pages=("https://arabic.cri.cn/",),
    # <date>/<uuid>.html (2020s), /YYYY/MM/DD/ARTI<id>.shtml (assumed), /news/<section>/<column>/<YYYYMMDD>/<id>.html
    # (2017-2019), each also behind the big5 gateway.
    article_url_pattern=(
        r"^https?://(?:big5\.cri\.cn/gate/big5/)?(?:arabic|news)\.cri\.cn/"
        r"(?:(?:\d{8}|\d{4}-\d{2}-\d{2})/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.html"
        r"|\d{4}/\d{2}/\d{2}/ARTI[0-9A-Za-z]+\.shtml"
        r"|news/[a-z]+/\d+/\d{8}/\d+\.html)$"
    ),
    notes=(
        "arabic.cri.cn appears as a GDELT mention source in public queries. No feed found. Arabic "
        "coverage of the conference is seen on news.cri.cn: /2025-03-18/51af4edc-6af1-25ee-3812-"
        "76603fc41efd.html, /2025-07-04/dd83f0db-4e34-a0ab-8a84-1d574f1a9961.html. The gateway layout "
        "big5.cri.cn/gate/big5/<host>/<YYYYMMDD or YYYY-MM-DD>/<uuid>.html is seen in public code for "
        "CRI's Chinese channels (auto.cri.cn, city.cri.cn); the /YYYY/MM/DD/ARTI<id>.shtml layout of "
        "CRI's other language services (tamil.cri.cn) is accepted on arabic.cri.cn as an assumption. The "
        "2017-2019 layout /news/<section>/<column>/<YYYYMMDD>/<id>.html is seen on arabic.cri.cn itself: "
        "big5.cri.cn/gate/big5/arabic.cri.cn/news/guojiruiping/2415/20191021/369795.html (stored page, "
        "CRI Arabic's commentary on the 6th conference); its Portuguese service used it too "
        "(portuguese.cri.cn/news/china/407/20181109/207812.html)."
    ),
)

CHINA_ORG = Source(
    name="china_org_arabic",
    display_name="شبكة الصين",
    domains=("arabic.china.org.cn", "m.arabic.china.org.cn"),
    base_url="https://arabic.china.org.cn/",
    group="china",
    list_pages=("https://arabic.china.org.cn/",),
    # /txt/..., /photos/txt/... and column paths such as /china/archive/18da/ or /china/China_Key_Words/.
    article_url_pattern=(
        r"^https?://(?:m\.)?arabic\.china\.org\.cn/(?:photos/txt|txt|china(?:/[A-Za-z0-9_]+)*)/"
        r"\d{4}-\d{2}/\d{2}/content_\d+\.html?$"
    ),
    notes=(
        "Home page (and the mobile host) appear in china.org.cn's own language-menu script. Article URLs "
        "seen: /txt/2025-10/20/content_118131531.htm (public code), /txt/2016-01/22/content_37639304.htm "
        "and /china/archive/18da/2012-11/08/content_27047741.htm (stored pages). The China_Key_Words "
        "column has the same layout on china.org.cn's English site (/english/china_key_words/2025-06/12/"
        "content_117923490.html, public code). No feed found."
    ),
)

CHINA_TODAY = Source(
    name="china_today_arabic",
    display_name="الصين اليوم",
    domains=("www.chinatoday.com.cn", "arabic.chinatoday.com.cn"),
    # The Arabic pages live under two paths of the magazine's host (/Arabic/, /ctarabic/), so the base
    # is the host; the article pattern keeps the other languages out.
    base_url="https://www.chinatoday.com.cn/",
    group="china",
    list_pages=("https://www.chinatoday.com.cn/ctarabic/",),
    # The magazine's Arabic pages: /Arabic/<YYYY>n/<MMDD>/<page>.htm (older), /ctarabic/... and the
    # newer arabic.chinatoday.com.cn host; only the older layout was seen.
    article_url_pattern=(
        r"^https?://(?:www\.chinatoday\.com\.cn/(?:Arabic|ctarabic)/|arabic\.chinatoday\.com\.cn/)"
        r"(?:[A-Za-z0-9_-]+/)*[A-Za-z0-9_-]*\d[A-Za-z0-9_-]*\.html?$"
    ),
    unconfirmed=("https://www.chinatoday.com.cn/ctarabic/",),
    notes=(
        "A stored page of the Arabic edition: www.chinatoday.com.cn/Arabic/2009n/0904/p2.htm. "
        "/ctarabic/ comes from OUTLETS.md and the arabic.chinatoday.com.cn host from public reports "
        "of the newer site; neither was seen in a stored address."
    ),
)

CCTV = Source(
    name="cctv_arabic",
    display_name="تلفزيون الصين المركزي العربي (CCTV)",
    domains=("arabic.cctv.com", "arabic.cntv.cn"),
    base_url="https://arabic.cctv.com/",
    group="china",
    list_pages=("https://arabic.cctv.com/",),
    # A television service: its news pages are video reports with their text (VIDE...) or articles
    # (ARTI...), both under /YYYY/MM/DD/.
    article_url_pattern=r"^https?://arabic\.(?:cctv\.com|cntv\.cn)/\d{4}/\d{2}/\d{2}/(?:ARTI|VIDE)[0-9A-Za-z]+\.shtml$",
    notes=(
        "arabic.cctv.com is in CCTV's own language menu (stored in public code). A stored page of the "
        "service under its former host: arabic.cntv.cn/2014/03/09/VIDE1394340600766518.shtml. The ARTI "
        "variant is CCTV's article layout on its other services (tamil.cri.cn/2024/07/30/ARTI...shtml); "
        "no Arabic ARTI address was seen. No feed found."
    ),
)

CHINA_IN_ARABIC = Source(
    name="china_in_arabic",
    display_name="الصين بالعربية",
    domains=("chinainarabic.org",),
    base_url="https://www.chinainarabic.org/",
    group="intl",
    feeds=("https://www.chinainarabic.org/feed",),
    article_url_pattern=r"^https?://(?:www\.)?chinainarabic\.org/\?p=\d+$",
    unconfirmed=("https://www.chinainarabic.org/feed",),
    notes=(
        "An Arabic news site on China. Stored page /?p=90399: the run-up to a Wuzhen summit of the "
        "World Internet Conference. Its addresses are WordPress post ids; /feed is WordPress's default "
        "feed, not seen in evidence. Who runs it was not found, hence the group intl; the display name "
        "translates the domain (the site's own Arabic name was not seen)."
    ),
)

register(XINHUA, PEOPLES_DAILY, CGTN, CRI, CHINA_ORG, CHINA_TODAY, CCTV, CHINA_IN_ARABIC)
