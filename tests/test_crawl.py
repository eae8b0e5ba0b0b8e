"""Full crawls of the offline fixture site with real Scrapy (in a child process) and real Elasticsearch.

The fixture site (jobs/fixture_site.py) serves six registered outlets under /<outlet>/ plus Google
News and GDELT stand-ins; its manifest says what each article is and what must become of it.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.config import Config, load_config
from crawler.discovery.links import canonical
from crawler.run import CrawlStats, run_crawl
from crawler.store import Store
from crawler.store.schema import INDICES
from jobs.fixture_site import FixtureServer, start_fixture_site
from tests.conftest import write_config

pytestmark = [pytest.mark.es, pytest.mark.slow]


@dataclass
class Crawled:
    server: FixtureServer
    config: Config
    store: Store
    first: CrawlStats
    docs: list[dict]
    requests_first: list[str]
    second: CrawlStats | None = None
    requests_second: list[str] | None = None


def crawl_config(tmp: Path, es_url: str, prefix: str, server: FixtureServer, allow_private: bool = True) -> Config:
    outlets = json.dumps(list(server.site.outlets))
    extra = f"""
[crawl]
base_url_override = "{server.outlet_base}"
allow_private_addresses = {str(allow_private).lower()}
download_delay = 0
concurrent_requests_per_domain = 8
sources = {outlets}
# The fixture's Google News stand-in allows crawlers in its robots.txt (the real service does not).
google_news = true
# One GDELT slice per query: the stand-in ignores the dates, and each extra request costs 5 s.
gdelt_slice_days = 90
"""
    return load_config(write_config(tmp, es_url, prefix, extra=extra), env={})


def drop_indices(store: Store, prefix: str) -> None:
    store.client.options(ignore_status=404).indices.delete(index=f"{prefix}-*")
    for kind in INDICES:
        store.client.options(ignore_status=404).indices.delete_index_template(name=f"{prefix}-{kind}")


@pytest.fixture(scope="module")
def crawled(es_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    """Two crawl cycles over the fixture site into a fresh index prefix."""
    server = start_fixture_site()
    prefix = f"rasad-h3b{uuid.uuid4().hex[:8]}"
    config = crawl_config(tmp_path_factory.mktemp("crawl"), es_url, prefix, server)
    store = Store(config)
    store.init()
    try:
        first = run_crawl(config, run_id="run-1")
        docs = list(store.scan("articles"))
        result = Crawled(server, config, store, first, docs, list(server.site.requests))
        mark = len(server.site.requests)
        result.second = run_crawl(config, run_id="run-2")
        result.requests_second = server.site.requests[mark:]
        yield result
    finally:
        drop_indices(store, prefix)
        store.close()
        server.stop()


def full_url(c: Crawled, article_id: str) -> str:
    return c.server.base_url + c.server.site.path_of(article_id)


def by_canonical(c: Crawled) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for d in c.docs:
        out.setdefault(d["canonical_url"], []).append(d)
    return out


def ids_expecting(c: Crawled, *expect: str) -> list[str]:
    return [i for i, a in c.server.site.articles.items() if a["expect"] in expect]


def test_every_relevant_article_is_indexed_once_with_its_discovery_channel(crawled: Crawled) -> None:
    docs = by_canonical(crawled)
    site = crawled.server.site
    expected = ids_expecting(crawled, "indexed")
    assert len(expected) >= 7
    for i in expected:
        found = docs.get(canonical(full_url(crawled, i)), [])
        assert len(found) == 1, f"{i}: {len(found)} documents"
        d = found[0]
        assert d["discovered_via"] in site.discovered_via_options(i), (i, d["discovered_via"])
        assert d["source"] == site.articles[i]["outlet"]
        assert d["source_name"] and d["domain"] == "127.0.0.1"
        assert d["discovered_at"] and d["fetched_at"] and d["run_id"] == "run-1"
        assert d["topic"] == "wic-2020" and d["relevance"] > 0 and d["relation"] in {"copy", "rewrite", "related"}
        assert d["language"] == "ar" and d["word_count"] > 0 and d["content_hash"]
        # Decoded right whatever the outlet's encoding (windows-1256 declared in the header or only in <meta>).
        assert site.title_of(i) in d["title"], (i, d["title"])
    # Nothing else made it in except articles the manifest leaves to the relevance threshold.
    allowed = {canonical(full_url(crawled, i)) for i in ids_expecting(crawled, "indexed", "either")}
    assert set(docs) <= allowed
    assert crawled.first.indexed == len(crawled.docs)
    assert crawled.first.discovered_via.keys() >= {"feed", "sitemap", "search", "list", "google-news", "gdelt"}
    # Google News ids of the newer kind were decoded through its page and batchexecute, one each.
    paths = [p.split("?")[0] for p in crawled.requests_first]
    assert paths.count("/google-news/_/DotsSplashUi/data/batchexecute") == 2
    assert sum(p.startswith("/google-news/articles/") for p in paths) == 2
    assert crawled.first.error_kinds.get("aggregator", 0) == 0


def test_irrelevant_broken_and_old_pages_are_not_indexed_and_the_run_goes_on(crawled: Crawled) -> None:
    urls = {d["url"] for d in crawled.docs} | set(by_canonical(crawled))
    for i in ids_expecting(crawled, "dropped", "not_indexed", "not_fetched"):
        assert canonical(full_url(crawled, i)) not in urls, i
    s = crawled.first
    assert s.dropped.get("irrelevant", 0) >= 4  # football, election x2, phone
    assert s.dropped.get("language") == 1  # the English page on an Arabic site
    assert s.dropped.get("old") == 1  # found on a list page, dated outside the window
    assert s.dropped.get("duplicate") == 1  # the AMP variant of an indexed article
    assert s.error_kinds.get("http_404", 0) >= 1 and s.error_kinds.get("http_500") == 1
    assert s.error_kinds.get("extraction") == 2  # empty body, truncated HTML
    assert s.errors == []  # page-level failures are counted, not run errors
    # The AMP page is not a document of its own: its canonical page is.
    amp = crawled.server.site.articles["a1amp"]
    assert amp["amp_of"] == "a1" and canonical(full_url(crawled, "a1amp")) not in urls


def test_disallowed_and_out_of_window_pages_are_never_fetched(crawled: Crawled) -> None:
    paths = [p.split("?")[0] for p in crawled.requests_first + (crawled.requests_second or [])]
    site = crawled.server.site
    for i in ids_expecting(crawled, "not_fetched"):
        assert site.path_of(i) not in paths, i
    assert crawled.first.error_kinds.get("robots") == 1
    assert "/robots.txt" in paths
    assert "/aljazeera/sitemaps/stale.xml" not in paths  # index lastmod outside the window
    assert "/aljazeera/sitemaps/level-4.xml" not in paths  # beyond the sitemap depth limit


def test_copies_of_the_reference_are_copies_of_one_story(crawled: Crawled) -> None:
    docs = by_canonical(crawled)
    copies = [i for i, a in crawled.server.site.articles.items() if a.get("relation") == "copy"]
    assert len(copies) >= 3
    found = [docs[canonical(full_url(crawled, i))][0] for i in copies]
    assert {d["relation"] for d in found} == {"copy"}
    assert len({d["story_id"] for d in found}) == 1
    # The republished copy declares the original as canonical; it stays a document of its own.
    p1 = docs[canonical(full_url(crawled, "p1"))][0]
    assert p1["canonical_url"] == canonical(full_url(crawled, "p1"))
    related = [docs[canonical(full_url(crawled, i))][0] for i in ("a1", "y2", "s1")]
    assert all(d["story_id"] != found[0]["story_id"] for d in related)


def test_second_crawl_fetches_no_known_url_and_indexes_nothing(crawled: Crawled) -> None:
    second = crawled.second
    assert second is not None and crawled.requests_second is not None
    assert second.indexed == 0 and second.extracted == 0
    known = crawled.store.known_urls()
    fetched_again = {crawled.server.base_url + p.split("?")[0] for p in crawled.requests_second}
    assert not (fetched_again & known)
    assert second.skipped_known >= len(crawled.docs)
    # Only the page that failed with a server error is worth another try.
    article_paths = {crawled.server.site.path_of(i) for i in crawled.server.site.articles}
    retried = {p for p in (q.split("?")[0] for q in crawled.requests_second) if p in article_paths}
    assert retried == {crawled.server.site.path_of("a4")}


def test_private_addresses_are_refused_unless_allowed(es_url: str, tmp_path: Path) -> None:
    server = start_fixture_site()
    prefix = f"rasad-h3b{uuid.uuid4().hex[:8]}"
    config = crawl_config(tmp_path, es_url, prefix, server, allow_private=False)
    config.crawl.sources = ["aljazeera"]
    config.crawl.aggregators = False
    try:
        stats = run_crawl(config)
    finally:
        server.stop()
        store = Store(config)
        drop_indices(store, prefix)
        store.close()
    assert server.site.requests == []  # not even robots.txt
    assert stats.error_kinds.get("private_address", 0) >= 3  # two feeds, the sitemap, the search page
    assert stats.discovered == 0 and stats.indexed == 0


def small_crawl_config(es_url: str, tmp_path: Path, server: FixtureServer, outlets: list[str]) -> tuple[Config, str]:
    prefix = f"rasad-h3b{uuid.uuid4().hex[:8]}"
    config = crawl_config(tmp_path, es_url, prefix, server)
    config.crawl.sources = outlets
    config.crawl.aggregators = False
    return config, prefix


def test_throttled_feed_is_retried_after_retry_after(es_url: str, tmp_path: Path) -> None:
    server = start_fixture_site()
    config, prefix = small_crawl_config(es_url, tmp_path, server, ["youm7"])
    feed_path = "/youm7/rss/SectionRss"
    server.site.inject(feed_path, 429, times=1, retry_after="2")
    store = Store(config)
    store.init()
    try:
        stats = run_crawl(config)
        times = [t for t, p in server.site.request_times if p.startswith(feed_path + "?SectionID=65")]
        n_docs = store.count()
    finally:
        server.stop()
        drop_indices(store, prefix)
        store.close()
    assert len(times) == 2 and times[1] - times[0] >= 1.9  # waited for Retry-After, not re-queued at once
    assert n_docs == stats.indexed == 2  # y1 and y2 still found


def test_stop_event_ends_a_throttled_crawl_promptly(es_url: str, tmp_path: Path) -> None:
    import threading

    server = start_fixture_site()
    config, prefix = small_crawl_config(es_url, tmp_path, server, ["aljazeera", "youm7"])
    # The listing pages answer 503 for a while: without a stop the crawl would wait out the backoff.
    server.site.inject("/aljazeera/sitemap.xml", 503, times=3, retry_after="20")
    stop = threading.Event()

    def stop_once_throttled() -> None:
        # Stop while the crawl waits out the server's Retry-After.
        while not server.site.hits("/aljazeera/sitemap.xml") and not stop.is_set():
            time.sleep(0.1)
        stop.set()

    threading.Thread(target=stop_once_throttled, daemon=True).start()
    store = Store(config)
    store.init()
    try:
        stats = run_crawl(config, stop=stop)
    finally:
        server.stop()
        drop_indices(store, prefix)
        store.close()
    assert stop.is_set() and stats.errors == []
    assert stats.duration_s < 15  # shut down gracefully instead of waiting out 3 x 20 s
    assert server.site.hits("/aljazeera/sitemap.xml") == 1  # the retry was abandoned, not sent


def test_each_route_says_what_it_found(crawled: Crawled) -> None:
    """Per-route counts (discovered, fetched, kept, errors) match what the index holds per discovered_via."""
    from crawler.found import CRAWL_ROUTES, route_rows

    first = crawled.first
    rows = {r["route"]: r for r in route_rows(first.discovered_via, first.routes, CRAWL_ROUTES)}
    kept: dict[str, int] = {}
    for d in crawled.docs:
        kept[d["discovered_via"]] = kept.get(d["discovered_via"], 0) + 1
    assert set(CRAWL_ROUTES) <= set(rows)
    for route, n in kept.items():
        assert rows[route]["kept"] == n, route
    assert rows["feed"]["fetched"] >= rows["feed"]["kept"] > 0
    assert rows["feed"]["errors"] >= 1  # the feed's 404 and 500 articles
    assert sum(r["fetched"] for r in rows.values()) == first.fetched
