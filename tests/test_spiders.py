"""Discovery helpers on the fixture site's own files: feeds, sitemaps, search pages, robots.txt, retries.

The fixture pages are rendered by jobs.fixture_site.FixtureSite (no server needed for parsing); the
spider callbacks run on real Scrapy responses built from them.
"""

from __future__ import annotations

import base64
import gzip
import json
from datetime import UTC, datetime, timedelta

import pytest
from protego import Protego
from scrapy import Request
from scrapy.http import HtmlResponse, TextResponse, XmlResponse
from scrapy.utils.test import get_crawler

from crawler.config import load_config
from crawler.discovery import google_news
from crawler.discovery.feeds import FeedError, parse_feed
from crawler.discovery.links import canonical, looks_like_article
from crawler.discovery.search import json_search_links
from crawler.discovery.sitemaps import SitemapError, in_window, parse_sitemap
from crawler.middlewares import BackoffRetryMiddleware, is_public, retry_after_seconds
from crawler.settings import settings_for
from crawler.sources.registry import get_source
from crawler.spiders.news import NewsSpider
from jobs.fixture_site import FixtureSite

HOST = "fixture.test"
BASE = f"http://{HOST}"
SINCE_DAYS = 30


@pytest.fixture(scope="module", autouse=True)
def reactor() -> None:
    """Scrapy's crawler objects need the reactor crawls use (asyncio) installed in this process."""
    from scrapy.utils.reactor import install_reactor, is_reactor_installed

    if not is_reactor_installed():
        install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")


@pytest.fixture(scope="module")
def site() -> FixtureSite:
    return FixtureSite()


@pytest.fixture
def since() -> datetime:
    return datetime.now(UTC) - timedelta(days=SINCE_DAYS)


def outlet(name: str):
    return get_source(name).with_base(f"{BASE}/{{source}}")


def fetch(site: FixtureSite, url: str) -> bytes:
    r = site.handle(url.removeprefix(BASE), HOST)
    assert r.status == 200, f"{url}: HTTP {r.status}"
    return r.body


def urls_of(site: FixtureSite, *ids: str) -> set[str]:
    return {BASE + site.path_of(i) for i in ids}


def make_spider(site: FixtureSite, since: datetime, names: list[str], known: set[str] = frozenset()) -> NewsSpider:
    crawler = get_crawler(NewsSpider, {"RASAD_SITEMAP_MAX_DEPTH": 3})
    sources = [outlet(n) for n in names]
    spider = NewsSpider.from_crawler(crawler, sources=sources, since=since, queries=["ووتشن"], known=known)
    return spider


# -- feeds ----------------------------------------------------------------------------------------


def test_rss_feed_keeps_entries_in_the_date_window(site: FixtureSite, since: datetime) -> None:
    feed_url = outlet("aljazeera").feeds[0]
    entries = parse_feed(fetch(site, feed_url), feed_url, since)
    got = {e.url for e in entries}
    assert got == urls_of(site, "a1", "a2", "a4")  # a3 is 375 days old
    assert all(e.published and e.published >= since for e in entries)
    assert [e.published for e in entries] == sorted((e.published for e in entries), reverse=True)
    everything = parse_feed(fetch(site, feed_url), feed_url, None)
    assert urls_of(site, "a3") <= {e.url for e in everything}


def test_atom_feed_and_undated_entries(site: FixtureSite, since: datetime) -> None:
    feed_url = outlet("cgtn_arabic").feeds[0]
    entries = parse_feed(fetch(site, feed_url), feed_url, since)
    assert {e.url for e in entries} == urls_of(site, "c1", "c2", "c3")
    undated = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
      <item><title>x</title><link>/news/1</link></item></channel></rss>"""
    [entry] = parse_feed(undated, "http://example.org/rss", since)
    assert entry.url == "http://example.org/news/1" and entry.published is None


def test_feed_with_entity_expansion_is_refused() -> None:
    bomb = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>
      <rss version="2.0"><channel><title>&b;</title><item><link>http://x.org/1</link></item></channel></rss>"""
    with pytest.raises(FeedError, match="unsafe XML"):
        parse_feed(bomb, "http://x.org/rss")


def test_not_a_feed_raises_naming_the_url() -> None:
    with pytest.raises(FeedError, match="http://x.org/rss"):
        parse_feed(b"<html><body>maintenance</body></html>", "http://x.org/rss")


# -- sitemaps ---------------------------------------------------------------------------------------


def test_sitemap_index_news_sitemap_and_gzip(site: FixtureSite, since: datetime) -> None:
    index_url = outlet("aljazeera").sitemaps[0]
    index = parse_sitemap(fetch(site, index_url), index_url)
    assert index.kind == "index"
    fresh = [e.loc for e in index.entries if in_window(e, since)]
    assert any(u.endswith("/news.xml") for u in fresh)
    assert not any(u.endswith("/stale.xml") for u in fresh)  # lastmod 400 days ago

    news_url = f"{BASE}/aljazeera/sitemaps/news.xml"
    news = parse_sitemap(fetch(site, news_url), news_url)
    assert news.kind == "urlset"
    assert {e.loc for e in news.entries if in_window(e, since)} == urls_of(site, "a1")  # a3 too old
    assert all(e.title for e in news.entries)  # news:title read

    gz_url = f"{BASE}/aljazeera/sitemaps/archive.xml.gz"
    body = fetch(site, gz_url)
    assert body[:2] == b"\x1f\x8b"
    assert {e.loc for e in parse_sitemap(body, gz_url).entries} == urls_of(site, "a2", "a5")


def test_sitemap_entities_are_not_expanded() -> None:
    xxe = b"""<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/hostname">]>
      <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://x.org/&x;</loc></url></urlset>"""
    # Refused outright (like feeds): a sitemap has no use for entities, and dropping them would mangle URLs.
    with pytest.raises(SitemapError, match="http://x.org/sitemap.xml: unsafe XML refused"):
        parse_sitemap(xxe, "http://x.org/sitemap.xml")


def test_sitemap_errors_name_the_url() -> None:
    with pytest.raises(SitemapError, match="http://x.org/s.xml"):
        parse_sitemap(b"<html/>", "http://x.org/s.xml")
    with pytest.raises(SitemapError):
        parse_sitemap(gzip.compress(b"not xml at all"), "http://x.org/s.xml.gz")


def test_sitemap_index_loop_and_depth_are_bounded(site: FixtureSite, since: datetime) -> None:
    spider = make_spider(site, since, ["aljazeera"])
    stats = spider.crawler.stats

    def follow(url: str, depth: int) -> list[Request]:
        resp = XmlResponse(url, body=fetch(site, url), request=Request(url))
        return spider.parse_sitemap(resp, source="aljazeera", depth=depth)

    top = outlet("aljazeera").sitemaps[0]
    children = {r.url: r for r in follow(top, 0)}
    assert {u.rsplit("/", 1)[1] for u in children} == {"news.xml", "archive.xml.gz", "nested.xml"}
    # nested.xml lists the top index again (a loop) and a chain of nested indexes.
    nested = follow(f"{BASE}/aljazeera/sitemaps/nested.xml", 1)
    assert [r.url.rsplit("/", 1)[1] for r in nested] == ["level-1.xml"]
    assert stats.get_value("rasad/sitemap/loop_skipped") == 1
    level2 = follow(nested[0].url, nested[0].cb_kwargs["depth"])
    level3 = follow(level2[0].url, level2[0].cb_kwargs["depth"])
    assert level3 == [] and stats.get_value("rasad/sitemap/depth_limited") == 1
    # Articles of a urlset come out as article requests tagged "sitemap".
    arts = follow(f"{BASE}/aljazeera/sitemaps/news.xml", 1)
    assert {r.url for r in arts} == urls_of(site, "a1")
    assert arts[0].cb_kwargs["via"] == "sitemap"


# -- search and list pages ------------------------------------------------------------------------


def test_search_results_yield_article_links_only(site: FixtureSite, since: datetime) -> None:
    spider = make_spider(site, since, ["youm7"])
    [url] = outlet("youm7").search_urls(["ووتشن"])
    resp = HtmlResponse(url, body=fetch(site, url), encoding="utf-8", request=Request(url))
    reqs = spider.parse_listing(resp, source="youm7", via="search")
    assert {r.url for r in reqs} == urls_of(site, "y1")  # nav, tag, pager and script links are not articles
    assert all(r.cb_kwargs["via"] == "search" for r in reqs)
    # Already requested in this run: not requested again.
    assert spider.parse_listing(resp, source="youm7", via="search") == []
    assert spider.crawler.stats.get_value("rasad/skipped/duplicate_link") == 1


def test_json_search_answer_yields_article_links(site: FixtureSite, since: datetime) -> None:
    """Sky News Arabia's search API answers JSON: results become article URLs, a video result is skipped."""
    spider = make_spider(site, since, ["sky_news_arabia"])
    [url] = outlet("sky_news_arabia").search_urls(["ووتشن"])
    resp = TextResponse(url, body=fetch(site, url), encoding="utf-8", request=Request(url))
    reqs = spider.parse_listing(resp, source="sky_news_arabia", via="search")
    assert {r.url for r in reqs} == urls_of(site, "s5")
    # An answer that is not JSON, or has no result list, is counted and logged; the crawl goes on.
    broken = TextResponse(url, body=b"<html>maintenance</html>", encoding="utf-8", request=Request(url))
    empty = TextResponse(url, body=b'{"error": "busy"}', encoding="utf-8", request=Request(url))
    assert spider.parse_listing(broken, source="sky_news_arabia", via="search") == []
    assert spider.parse_listing(empty, source="sky_news_arabia", via="search") == []
    assert spider.crawler.stats.get_value("rasad/errors/search") == 2


def test_json_search_links_build_live_article_urls() -> None:
    """The live outlet's definition against an answer shaped like its API (the live site cannot be reached here)."""
    live = get_source("sky_news_arabia")
    body = json.dumps({"contentItems": [
        {"type": "ARTICLE", "id": 1348070, "sectionUrl": "/world", "urlFriendlySuffix": "العنف"},
        {"type": "ARTICLE", "id": 1348070, "sectionUrl": "/world", "urlFriendlySuffix": "العنف"},  # duplicate
        {"type": "EPISODE", "id": 77, "urlFriendlySuffix": "حلقة"},  # no section: not an article
    ]}, ensure_ascii=False).encode()
    assert json_search_links(body, live) == ["https://www.skynewsarabia.com/world/1348070-العنف"]
    with pytest.raises(ValueError, match="no result list at 'contentItems'"):
        json_search_links(b"[]", live)


def test_known_urls_are_not_requested(site: FixtureSite, since: datetime) -> None:
    known = {canonical(u) for u in urls_of(site, "a1", "a2")}
    spider = make_spider(site, since, ["aljazeera"], known=known)
    feed_url = outlet("aljazeera").feeds[0]
    resp = XmlResponse(feed_url, body=fetch(site, feed_url), request=Request(feed_url))
    reqs = spider.parse_feed(resp, source="aljazeera")
    assert {r.url for r in reqs} == urls_of(site, "a4")
    assert spider.crawler.stats.get_value("rasad/skipped/known") == 2


def test_article_heuristic_without_a_url_pattern() -> None:
    src = outlet("aljazeera")
    assert src.article_url_pattern is None
    assert looks_like_article(f"{BASE}/aljazeera/news/some-story/18236", src)
    assert not looks_like_article(f"{BASE}/aljazeera/tag/internet/", src)
    assert not looks_like_article(f"{BASE}/youm7/story/x/5082341", src)  # another outlet
    assert not looks_like_article(f"{BASE}/aljazeera/sitemaps/news-2020.xml", src)


def test_gdelt_and_google_news_stand_ins(site: FixtureSite, since: datetime) -> None:
    from crawler.discovery.aggregators import parse_gdelt

    spider = make_spider(site, since, ["aljazeera", "youm7", "xinhua_arabic", "cgtn_arabic", "sky_news_arabia"])
    spider.parse_gdelt = parse_gdelt
    g_url = f"{BASE}/gdelt/api/v2/doc/doc?query=x&mode=artlist&format=json"
    resp = TextResponse(g_url, body=fetch(site, g_url), encoding="utf-8", request=Request(g_url))
    reqs = spider.parse_gdelt_json(resp, source=None)
    assert {r.url for r in reqs} == urls_of(site, "c1", "s1")
    assert {r.cb_kwargs["source"] for r in reqs} == {"cgtn_arabic", "sky_news_arabia"}  # attributed by URL

    # Google News links are ids, not article URLs: the older kind carries the URL (no request) ...
    n_url = f"{BASE}/google-news/rss/search?q=x"
    resp = XmlResponse(n_url, body=fetch(site, n_url), request=Request(n_url))
    found = spider.parse_google_news(resp, source=None)
    [direct] = [r for r in found if r.callback == spider.parse_article]
    pages = [r for r in found if r.callback == spider.parse_google_news_page]
    assert direct.url == BASE + site.path_of("x1") and direct.cb_kwargs["via"] == "google-news"
    # ... the newer kind costs two requests: the Google News page (signature, timestamp), then batchexecute.
    assert [r.url.split("/articles/")[0] for r in pages] == [f"{BASE}/google-news"] * 2
    decoded = []
    for page in pages:
        html = HtmlResponse(page.url, body=fetch(site, page.url), encoding="utf-8", request=page)
        [post] = spider.parse_google_news_page(html, **page.cb_kwargs)
        assert post.method == "POST" and post.url == f"{BASE}/google-news/_/DotsSplashUi/data/batchexecute"
        answer = site.answer_batchexecute(post.body, HOST)
        assert answer.status == 200, answer.body
        reply = TextResponse(post.url, body=answer.body, encoding="utf-8", request=post)
        decoded += spider.parse_google_news_decoded(reply, **post.cb_kwargs)
    assert {r.url for r in decoded} == urls_of(site, "a1amp", "y2")
    assert {r.cb_kwargs["via"] for r in decoded} == {"google-news"}
    # A page without the parameters, or an answer without a URL, is counted and skipped.
    bare = HtmlResponse(pages[0].url, body=b"<html><body>consent</body></html>", encoding="utf-8", request=pages[0])
    assert spider.parse_google_news_page(bare, **pages[0].cb_kwargs) == []
    empty = TextResponse(post.url, body=b")]}'\n\n[]", encoding="utf-8", request=post)
    assert spider.parse_google_news_decoded(empty, **post.cb_kwargs) == []
    assert spider.crawler.stats.get_value("rasad/errors/aggregator") == 2


def test_google_news_ids_decode_offline_when_they_carry_the_url() -> None:
    """An id of the older kind, built as Google built them (the live service cannot be reached here)."""
    url = "https://www.youm7.com/story/2020/11/23/ووتشن/5078123"
    payload = url.encode()
    gn_id = base64.urlsafe_b64encode(b"\x08\x13\x22" + bytes([len(payload) & 0x7F | 0x80, len(payload) >> 7])
                                     + payload + b"\xd2\x01\x00").decode().rstrip("=")
    assert google_news.article_id(f"https://news.google.com/rss/articles/{gn_id}?oc=5") == (
        "https://news.google.com", gn_id)
    assert google_news.decode_offline(gn_id) == url
    assert google_news.decode_offline("CBMiVkFVX3lxTE4z") is None  # a newer id: the URL is not inside
    assert google_news.article_id("https://news.google.com/rss/search?q=x") is None
    answer = ")]}'\n\n" + json.dumps([["wrb.fr", "Fbv4je", json.dumps(["garturlres", url, 1]), None, None, None,
                                         "generic"]])
    assert google_news.parse_batchexecute(answer) == url


# -- robots.txt, addresses, retries, settings -------------------------------------------------------


def test_robots_txt_disallows_the_private_article(site: FixtureSite) -> None:
    robots = Protego.parse(fetch(site, f"{BASE}/robots.txt").decode())
    ua = "RasadBot"
    assert not robots.can_fetch(BASE + site.path_of("y3"), ua)
    allowed = [i for i, a in site.articles.items() if a["kind"] != "disallowed"]
    assert all(robots.can_fetch(BASE + site.path_of(i), ua) for i in allowed)


def test_public_address_check() -> None:
    import ipaddress

    assert is_public(ipaddress.ip_address("93.184.216.34"))
    for private in ("127.0.0.1", "10.1.2.3", "192.168.0.10", "169.254.169.254", "::1", "fc00::1", "0.0.0.0"):
        assert not is_public(ipaddress.ip_address(private)), private


def test_retry_after_and_backoff() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert retry_after_seconds(b"7") == 7
    assert retry_after_seconds("Thu, 01 Jan 2026 00:00:30 GMT", now=now) == 30
    assert retry_after_seconds(b"soon") is None and retry_after_seconds(None) is None

    crawler = get_crawler(settings_dict={"RETRY_BACKOFF_BASE": 0.5, "RETRY_BACKOFF_MAX": 10})
    mw = BackoffRetryMiddleware.from_crawler(crawler)
    req = Request("http://x.org/a", meta={"retry_times": 2})
    assert mw.delay_for(req) == 2.0  # 0.5 * 2**2
    throttled = TextResponse("http://x.org/a", status=429, headers={"Retry-After": "3"}, body=b"")
    assert mw.delay_for(req, throttled) == 3.0
    too_long = TextResponse("http://x.org/a", status=503, headers={"Retry-After": "3600"}, body=b"")
    assert mw.delay_for(req, too_long) == 10.0  # capped


def test_settings_for_maps_the_crawl_section(tmp_path) -> None:
    cfg_file = tmp_path / "rasad.toml"
    cfg_file.write_text(
        '[crawl]\nuser_agent = "RasadBot/9"\ncontact = "ops@example.org"\ndownload_delay = 2.5\n'
        "concurrent_requests_per_domain = 3\nmax_response_bytes = 2048\ndownload_timeout = 7\n"
        "close_after_items = 11\n",
        encoding="utf-8",
    )
    s = settings_for(load_config(cfg_file, env={}))
    assert s["USER_AGENT"] == "RasadBot/9 contact: ops@example.org"
    assert s["ROBOTSTXT_OBEY"] is True and s["AUTOTHROTTLE_ENABLED"] is True and s["HTTPCACHE_ENABLED"] is False
    assert (s["DOWNLOAD_DELAY"], s["CONCURRENT_REQUESTS_PER_DOMAIN"]) == (2.5, 3)
    assert (s["DOWNLOAD_MAXSIZE"], s["DOWNLOAD_TIMEOUT"], s["CLOSESPIDER_ITEMCOUNT"]) == (2048, 7, 11)
    assert s["RASAD_ALLOW_PRIVATE_ADDRESSES"] is False
    assert 429 in s["RETRY_HTTP_CODES"] and 503 in s["RETRY_HTTP_CODES"]
    assert list(s["ITEM_PIPELINES"]) == sorted(s["ITEM_PIPELINES"], key=s["ITEM_PIPELINES"].get)
