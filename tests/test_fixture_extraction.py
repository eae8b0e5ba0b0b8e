"""Extraction of every fixture-site article page, served over HTTP, against the site's manifest and texts.

The expectations are what jobs/fixture_site.py renders into each page (FixtureSite.expected_article):
headline and paragraphs from tests/fixtures/site/articles, the date from the manifest's age on a fixed
clock, the byline where the layout shows one, the canonical URL the page declares.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from crawler.items import Article
from crawler.text.extract import extract
from jobs.fixture_site import FixtureServer, FixtureSite, start_fixture_site

_SITE = FixtureSite()
ARTICLE_IDS = [i for i in _SITE.articles if _SITE.has_page(i)]


@pytest.fixture(scope="module")
def server() -> Iterator[FixtureServer]:
    srv = start_fixture_site(now=datetime.now(UTC).replace(microsecond=0))  # fixed clock: exact dates
    yield srv
    srv.stop()


def fetch_and_extract(server: FixtureServer, article_id: str) -> Article:
    """GET the page and extract it as the spider does (bytes, Content-Type, the outlet's selectors)."""
    site = server.site
    url = server.base_url + site.path_of(article_id)
    with urllib.request.urlopen(url, timeout=30) as resp:
        body, ctype = resp.read(), resp.headers.get("Content-Type")
    source = site.sources[site.articles[article_id]["outlet"]].with_base(server.outlet_base)
    return extract(body, url, selectors=source.selectors, content_type=ctype)


def squash(text: str) -> str:
    return " ".join(text.split())


def test_every_article_page_of_the_site_is_covered() -> None:
    layouts = {_SITE.layout_of(i) for i in ARTICLE_IDS}
    assert len(ARTICLE_IDS) >= 15 and layouts >= {"article", "portal", "legacy", "amp"}


@pytest.mark.parametrize("article_id", ARTICLE_IDS)
def test_extraction_matches_the_fixture_article(server: FixtureServer, article_id: str) -> None:
    expected = server.site.expected_article(article_id, server.base_url)
    a = fetch_and_extract(server, article_id)
    assert a.title == expected["title"]
    assert a.published_at is not None
    assert datetime.fromisoformat(a.published_at) == datetime.fromisoformat(expected["published_at"])
    assert a.modified_at == expected["modified_at"]
    body = squash(a.body)
    assert body.startswith(squash(expected["body_start"])), body[:80]
    assert body.endswith(squash(expected["body_end"])), body[-80:]
    assert a.authors == expected["authors"]
    assert a.canonical_url == expected["canonical_url"]
