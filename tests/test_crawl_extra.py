"""Conditional feed requests, pagination, redirects and the `rasad crawl` summary on the fixture site.

Real Scrapy crawls (child processes) of the fixture site (jobs/fixture_site.py) into a real
Elasticsearch; what each article should become is read from the site's manifest.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from scrapy.http import HtmlResponse

from crawler.config import Config, load_config
from crawler.discovery.links import canonical
from crawler.discovery.search import next_page_url
from crawler.run import CrawlStats, run_crawl
from crawler.sources.registry import get_source
from crawler.spiders.news import MAX_LISTING_PAGES
from crawler.store import Store
from crawler.store.schema import INDICES
from jobs.commands.crawl import COLUMNS
from jobs.fixture_site import FixtureServer, start_fixture_site
from tests.conftest import write_config

pytestmark = [pytest.mark.es, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
TOUCHED_OUTLET = "sky_news_arabia"  # its first feed changes between the two crawls


def crawl_config(tmp: Path, es_url: str, prefix: str, server: FixtureServer, outlets: list[str] | None = None,
                 aggregators: bool = True) -> Config:
    """A crawl of the fixture site (loopback allowed, no delay) into `prefix`."""
    extra = f"""
[crawl]
base_url_override = "{server.outlet_base}"
allow_private_addresses = true
download_delay = 0
concurrent_requests_per_domain = 8
aggregators = {str(aggregators).lower()}
sources = {json.dumps(outlets or list(server.site.outlets))}
"""
    return load_config(write_config(tmp, es_url, prefix, extra=extra), env={})


def drop_indices(store: Store, prefix: str) -> None:
    store.client.options(ignore_status=404).indices.delete(index=f"{prefix}-*")
    for kind in INDICES:
        store.client.options(ignore_status=404).indices.delete_index_template(name=f"{prefix}-{kind}")


@dataclass
class TwoRuns:
    server: FixtureServer
    store: Store
    first: CrawlStats
    second: CrawlStats
    docs: list[dict]
    requests_first: list[str]
    requests_second: list[str]
    not_modified_first: list[str]
    not_modified_second: list[str]
    validators_first: dict[str, dict[str, str]]
    validators_second: dict[str, dict[str, str]]
    touched: str  # the feed path whose validators changed between the runs


@pytest.fixture(scope="module")
def runs(es_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoRuns]:
    """Two crawls of the whole fixture site; one feed changes in between."""
    server = start_fixture_site()
    site = server.site
    prefix = f"rasad-h9{uuid.uuid4().hex[:8]}"
    config = crawl_config(tmp_path_factory.mktemp("extra"), es_url, prefix, server)
    store = Store(config)
    store.init()
    try:
        first = run_crawl(config, run_id="extra-1")
        docs = list(store.scan("articles"))
        mark, nm_mark = len(site.requests), len(site.not_modified)
        validators_first = store.feed_validators()
        touched = urlsplit(site.sources[TOUCHED_OUTLET].with_base(server.outlet_base).feeds[0]).path
        site.touch(touched)
        second = run_crawl(config, run_id="extra-2")
        yield TwoRuns(server, store, first, second, docs, site.requests[:mark], site.requests[mark:],
                      site.not_modified[:nm_mark], site.not_modified[nm_mark:], validators_first,
                      store.feed_validators(), touched)
    finally:
        drop_indices(store, prefix)
        store.close()
        server.stop()


def url_of(r: TwoRuns, article_id: str) -> str:
    return r.server.base_url + r.server.site.path_of(article_id)


def path_query(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def paths(requests: list[str]) -> list[str]:
    return [p.split("?")[0] for p in requests]


def feed_urls(r: TwoRuns) -> dict[str, str]:
    """Canonical feed URL -> outlet, for every feed the fixture site serves (not the 404 ones)."""
    out = {}
    for name, o in r.server.site.outlets.items():
        src = r.server.site.sources[name].with_base(r.server.outlet_base)
        kinds = o["feeds"] or ["rss"]
        for i, url in enumerate(src.feeds):
            if kinds[min(i, len(kinds) - 1)] != "404":
                out[canonical(url)] = name
    return out


def retried_feed_outlets(r: TwoRuns) -> set[str]:
    """Outlets whose feeds list an article that fails with a server error (worth retrying next run)."""
    site = r.server.site
    return {a["outlet"] for i, a in site.articles.items() if a.get("status") == 500 and "feed" in site.channels(i)}


# -- conditional requests ---------------------------------------------------------------------


def test_feed_validators_are_stored_sent_and_a_304_is_counted(runs: TwoRuns) -> None:
    site = runs.server.site
    feeds = feed_urls(runs)
    retried = retried_feed_outlets(runs)
    assert retried and set(feeds.values()) - retried  # both kinds of feed are on the site
    for url, outlet in feeds.items():
        if outlet in retried:
            # An article it led to failed with a 500: read in full next run, so no validators kept.
            assert url not in runs.validators_first, url
            continue
        v = runs.validators_first[url]
        if urlsplit(url).path == runs.touched:
            continue  # changed since: checked below
        with urllib.request.urlopen(url, timeout=10) as resp:  # what the server sends for it
            assert v["etag"] == resp.headers["ETag"] and v["last_modified"] == resp.headers["Last-Modified"]
    assert runs.not_modified_first == []
    # Second run: every feed with validators, except the one that changed, answered 304.
    expected = {path_query(u) for u, o in feeds.items() if o not in retried and urlsplit(u).path != runs.touched}
    got_feeds = [p for p in runs.not_modified_second if "/sitemaps/" not in p]
    assert sorted(got_feeds) == sorted(expected)
    assert sum(c.get("feed/not_modified", 0) for c in runs.second.per_source.values()) == len(expected)
    # Leaf sitemaps too (indexes are always read: their children may have changed).
    sitemap_304 = [p for p in runs.not_modified_second if "/sitemaps/" in p]
    assert sitemap_304 and sum(c.get("sitemap/not_modified", 0) for c in runs.second.per_source.values()) == len(sitemap_304)
    # The changed feed was read in full and its new validators replace the old ones.
    touched_url = next(u for u in feeds if urlsplit(u).path == runs.touched)
    assert runs.touched not in paths(runs.not_modified_second)
    assert runs.validators_second[touched_url]["etag"] != runs.validators_first[touched_url]["etag"]
    # A feed's validators are not a remembered page: its URL stays out of the known set.
    assert not set(feeds) & runs.store.known_urls()
    assert site.hits(runs.touched) == 2
    assert set(site.not_modified) == set(runs.not_modified_second)  # the test's own GETs sent no validators


def test_second_run_still_retries_what_failed_and_finds_nothing_new(runs: TwoRuns) -> None:
    site = runs.server.site
    retried = {site.path_of(i) for i, a in site.articles.items() if a.get("status") == 500}
    article_paths = {site.path_of(i) for i in site.articles}
    assert {p for p in paths(runs.requests_second) if p in article_paths} == retried
    assert runs.second.indexed == 0


def test_validators_are_not_sent_when_this_run_looks_further_back() -> None:
    from scrapy.utils.reactor import install_reactor, is_reactor_installed
    from scrapy.utils.test import get_crawler

    from crawler.spiders.news import NewsSpider

    if not is_reactor_installed():
        install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    feed = "http://site.test/youm7/rss.xml"
    read_with = datetime(2026, 1, 10, tzinfo=UTC)
    stored = {canonical(feed): {"etag": '"v1"', "last_modified": "Sat, 10 Jan 2026 08:00:00 GMT",
                                "window_since": read_with.isoformat()}}

    def headers(since: datetime) -> dict[str, str]:
        spider = NewsSpider.from_crawler(get_crawler(NewsSpider), sources=[], since=since, validators=stored)
        request = spider._page(feed, spider.parse_feed, "youm7")
        assert request.meta["handle_httpstatus_list"] == [304]
        return {k.decode(): v[0].decode() for k, v in request.headers.items()}

    same = headers(read_with + timedelta(days=1))
    assert same["If-None-Match"] == '"v1"' and same["If-Modified-Since"] == "Sat, 10 Jan 2026 08:00:00 GMT"
    assert "If-None-Match" not in headers(read_with - timedelta(days=30))  # older entries wanted: read in full


# -- pagination -------------------------------------------------------------------------------


def test_list_pagination_is_followed_and_bounded(runs: TwoRuns) -> None:
    site = runs.server.site
    by_canonical = {d["canonical_url"]: d for d in runs.docs}
    paged = {i: a for i, a in site.articles.items() if any(":" in c for c in a["channels"])}
    outlet = next(iter(paged.values()))["outlet"]
    last = site.last_page(outlet, "list")
    assert last > MAX_LISTING_PAGES  # the site goes on beyond the limit
    for i, a in paged.items():
        page = max(int(c.split(":")[1]) for c in a["channels"] if ":" in c)
        if page <= MAX_LISTING_PAGES:
            assert a["expect"] == "indexed"
            d = by_canonical[canonical(url_of(runs, i))]
            assert d["discovered_via"] == "list" and d["source"] == outlet
        else:
            assert site.path_of(i) not in paths(runs.requests_first), i
    list_path = urlsplit(site.sources[outlet].list_pages[0]).path
    requested = [p for p in runs.requests_first if p.startswith(f"/{outlet}{list_path}?page=")]
    assert sorted({int(p.rsplit("=", 1)[1]) for p in requested}) == list(range(2, MAX_LISTING_PAGES + 1))
    assert runs.first.per_source[outlet]["listing/page_limited"] >= 1
    # A pager whose "next" points at the home page is not pagination.
    assert site.hits(f"/{outlet}/") == 0


def test_next_page_link_prefers_rel_next_and_ignores_home_and_self_links() -> None:
    src = get_source("xinhua_arabic").with_base("http://site.test/{source}")
    here = "http://site.test/xinhua_arabic/world/index.htm"

    def page(links: str) -> HtmlResponse:
        return HtmlResponse(here, body=f"<html><body>{links}</body></html>".encode(), encoding="utf-8")

    home = '<a href="/xinhua_arabic/">التالي</a>'
    assert next_page_url(page(home + f'<a href="{here}">التالي</a>'), src) is None  # decoration only
    assert next_page_url(page(home + '<a href="?page=2"> التالي </a>'), src) == here + "?page=2"
    assert next_page_url(page('<a href="?p=9">Next</a><a rel="next" href="?page=2">2</a>'), src) == here + "?page=2"
    assert next_page_url(page('<a href="http://elsewhere.test/x?page=2">التالي</a>'), src) is None  # other site


# -- redirects --------------------------------------------------------------------------------


def test_redirected_article_is_indexed_once_under_its_final_url(runs: TwoRuns) -> None:
    site = runs.server.site
    moved = [i for i, a in site.articles.items() if a.get("redirect_from")]
    assert moved
    for i in moved:
        a = site.articles[i]
        final, old = url_of(runs, i), site.listed_url_of(i, runs.server.base_url)
        found = [d for d in runs.docs if canonical(final) in (d["canonical_url"], d["url"])]
        assert len(found) == 1 and found[0]["canonical_url"] == canonical(final) and found[0]["url"] == final
        assert not [d for d in runs.docs if canonical(old) in (d["canonical_url"], canonical(d["url"]))]
        first_paths = paths(runs.requests_first)
        assert first_paths.count(f"/{a['outlet']}{a['redirect_from']}") == 1 and first_paths.count(site.path_of(i)) == 1
        # The old URL is remembered: the next run (which read the changed feed listing it) skips it.
        assert canonical(old) in runs.store.known_urls()
        assert f"/{a['outlet']}{a['redirect_from']}" not in paths(runs.requests_second)


def test_redirect_loop_is_abandoned_recorded_and_the_run_goes_on(runs: TwoRuns) -> None:
    site = runs.server.site
    loops = [i for i, a in site.articles.items() if a.get("redirect_loop")]
    assert loops
    assert runs.first.error_kinds.get("redirect_loop") == len(loops)
    assert runs.first.errors == []
    for i in loops:
        a = site.articles[i]
        assert not [d for d in runs.docs if d["url"].startswith(url_of(runs, i))]
        assert paths(runs.requests_first).count(site.path_of(i)) == 1  # abandoned, not hammered
        seen = list(runs.store.scan("seen", query={"term": {"url": canonical(url_of(runs, i))}}))
        assert [s["reason"] for s in seen] == ["redirect_loop"]
        assert site.path_of(i) not in paths(runs.requests_second)
        # The crawl went on: the outlet's other feed articles were indexed in the same run.
        others = [j for j, b in site.articles.items()
                  if b["outlet"] == a["outlet"] and b["expect"] == "indexed" and "feed" in b["channels"]]
        assert others and all(any(d["canonical_url"] == canonical(url_of(runs, j)) for d in runs.docs) for j in others)


# -- bulk results and the crawl command ---------------------------------------------------------


def test_bulk_results_count_new_and_updated_documents(store: Store) -> None:
    docs = [{"url": f"http://example.test/news/{n}", "title": "عنوان", "body": "نص"} for n in range(3)]
    first = store.index_articles(docs)
    second = store.index_articles([{**d, "title": "عنوان معدل"} for d in docs[:2]])
    assert (first.created, first.updated) == (3, 0)
    assert (second.created, second.updated) == (0, 2)
    assert set(second.outcomes.values()) == {"updated"}


def test_crawl_command_prints_one_line_per_outlet(es_url: str, tmp_path: Path) -> None:
    server = start_fixture_site()
    outlets = ["youm7", TOUCHED_OUTLET]
    prefix = f"rasad-h9{uuid.uuid4().hex[:8]}"
    config = crawl_config(tmp_path, es_url, prefix, server, outlets=outlets, aggregators=False)
    store = Store(config)
    store.init()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "jobs.cli", "--config", str(config.source_file), "crawl",
             *[x for o in outlets for x in ("--source", o)]],
            capture_output=True, text=True, cwd=ROOT, timeout=300,
        )
        docs = list(store.scan("articles", fields=["source"]))
        irrelevant = [s["url"] for s in store.scan("seen", query={"term": {"status": "irrelevant"}})]
        records = store.runs()
    finally:
        server.stop()
        drop_indices(store, prefix)
        store.close()
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:1] == ["outlet"])
    # What each route found comes first: one row per crawl route, dry ones included.
    routes = {line.split()[0] for line in lines[:header] if line.split()[:1] != ["route"] and len(line.split()) == 5}
    assert {"feed", "sitemap", "search", "list", "gdelt", "google-news"} <= routes
    assert lines[header].split()[1:] == list(COLUMNS)
    body = lines[header + 1:header + 1 + len(outlets)]
    rows = {line.split()[0]: dict(zip(COLUMNS, map(int, line.split()[1:]), strict=True)) for line in body}
    assert set(rows) == set(outlets)
    total = lines[header + 1 + len(outlets)].split()
    assert total[0] == "all" and list(map(int, total[1:])) == [sum(r[c] for r in rows.values()) for c in COLUMNS]
    for o in outlets:
        row = rows[o]
        assert row["new"] == sum(1 for d in docs if d["source"] == o) and row["updated"] == 0
        assert row["irrelevant"] == sum(1 for u in irrelevant if f"/{o}/" in u)
        assert row["pages"] > row["new"] + row["irrelevant"]  # listings and articles
    assert sum(r["new"] for r in rows.values()) == len(docs) > 0
    assert rows[TOUCHED_OUTLET]["irrelevant"] >= 1 and rows[TOUCHED_OUTLET]["failed"] >= 1  # s2; the loop
    # The run record is kept as before.
    [record] = [r for r in records if r["kind"] == "crawl"]
    assert record["counts"]["indexed"] == len(docs) and record["counts"]["created"] == len(docs)


def test_story_ids_hold_across_crawls(es_url: str, tmp_path: Path) -> None:
    """The first copy of the reference is crawled alone; the copies found by a later crawl join its story.

    Each crawl is a new process with a new story index: only the seeding from the stored articles
    (pipelines.ComparePipeline.open_spider) can carry the story over.
    """
    server = start_fixture_site()
    prefix = f"rasad-story{uuid.uuid4().hex[:8]}"
    config = crawl_config(tmp_path, es_url, prefix, server, aggregators=False)
    store = Store(config)
    store.init()
    try:
        first = run_crawl(config, source_names=["xinhua_arabic"], run_id="story-1")
        story_first = {canonical(d["url"]): d["story_id"] for d in store.scan("articles")}
        run_crawl(config, source_names=["peoples_daily_arabic", "cgtn_arabic"], run_id="story-2")
        story_after = {canonical(d["url"]): d["story_id"] for d in store.scan("articles")}
        url = {i: canonical(server.base_url + server.site.path_of(i)) for i in ("x1", "p1", "c1")}
    finally:
        drop_indices(store, prefix)
        store.close()
        server.stop()
    assert first.indexed >= 1 and url["x1"] in story_first and url["p1"] not in story_first
    x1_story = story_first[url["x1"]]
    assert story_after[url["x1"]] == x1_story  # unchanged by the second crawl
    assert story_after[url["p1"]] == x1_story and story_after[url["c1"]] == x1_story
    # ...and the related coverage crawled alongside did not join it.
    assert sum(1 for s in story_after.values() if s == x1_story) == 3
