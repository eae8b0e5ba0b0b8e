"""The catalogue against real addresses: every declared outlet's article pattern accepts the article
pages gathered from public evidence and rejects the real non-article pages (home, section, feed,
video, image, AMP copy) of its hosts.

The addresses, each with where it was seen, are in tests/fixtures/catalogue_evidence.toml. Live outlets
cannot be reached here, so the addresses are checked as addresses: which outlet claims them and
whether its article pattern accepts them, through the same functions the spider uses and through
`rasad sources match`.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from crawler.discovery.links import belongs_to, looks_like_article, source_for_url
from crawler.sources.registry import all_sources, get_source
from jobs import cli

EVIDENCE_FILE = Path(__file__).parent / "fixtures" / "catalogue_evidence.toml"
EVIDENCE: dict[str, dict[str, list[dict[str, str]]]] = tomllib.loads(EVIDENCE_FILE.read_text(encoding="utf-8"))
CATALOGUE = all_sources()


def rows(kind: str) -> list[tuple[str, str, str]]:
    """(outlet, url, where seen) for every accepted or rejected address."""
    return [(name, r["url"], r["seen"]) for name, e in EVIDENCE.items() for r in e.get(kind, [])]


def test_every_declared_outlet_has_real_article_addresses():
    missing = [s.name for s in CATALOGUE if not EVIDENCE.get(s.name, {}).get("accept")]
    assert not missing, f"outlets without a real article address in {EVIDENCE_FILE.name}: {missing}"
    unknown = sorted(set(EVIDENCE) - {s.name for s in CATALOGUE})
    assert not unknown, f"evidence for outlets that are not declared: {unknown}"
    # every outlet with a pattern also has real non-article addresses to reject
    assert all(EVIDENCE[s.name].get("reject") for s in CATALOGUE if s.article_url_pattern)


def test_every_address_says_where_it_was_seen():
    for name, url, seen in rows("accept") + rows("reject"):
        assert url.startswith(("http://", "https://")), (name, url)
        assert seen.startswith(("stored page", "public code", "public feed list", "public list", "OUTLETS.md",
                                "CCTV", "CGTN", "GDELT", "china.org.cn", "public lists")), (name, seen)


@pytest.mark.parametrize(("outlet", "url", "seen"), rows("accept"), ids=lambda v: str(v)[:60])
def test_real_article_address_is_claimed_and_accepted(outlet: str, url: str, seen: str):
    source = source_for_url(url, CATALOGUE)
    assert source is not None and source.name == outlet, f"{url} claimed by {source and source.name}"
    assert looks_like_article(url, source), f"{outlet} pattern rejects its article {url} ({seen})"


@pytest.mark.parametrize(("outlet", "url", "seen"), rows("reject"), ids=lambda v: str(v)[:60])
def test_real_non_article_address_is_claimed_and_rejected(outlet: str, url: str, seen: str):
    source = source_for_url(url, CATALOGUE)
    assert source is not None and source.name == outlet, f"{url} claimed by {source and source.name}"
    assert not looks_like_article(url, source), f"{outlet} pattern accepts the non-article {url} ({seen})"


@pytest.mark.parametrize("source", CATALOGUE, ids=lambda s: s.name)
def test_declared_routes_are_not_taken_for_articles(source):
    for url in [*source.feeds, *source.sitemaps, *source.list_pages, *source.search_urls(["ووتشن"])]:
        if belongs_to(url, source):
            assert not looks_like_article(url, source), f"{url} would be fetched as an article"


def test_sources_match_json_accepts_every_real_article(capsys: pytest.CaptureFixture[str]):
    accepted, rejected = rows("accept"), rows("reject")
    urls = [u for _, u, _ in accepted + rejected] + ["https://example.org/2020/11/23/wuzhen-123456.html"]
    assert cli.main(["sources", "match", *urls, "--json"]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o["url"] for o in out] == urls  # one line per URL, in input order
    expected = [(o, True) for o, _, _ in accepted] + [(o, False) for o, _, _ in rejected] + [(None, False)]
    assert [(o["source"], o["article"]) for o in out] == expected


def test_sources_match_text_and_bad_input(capsys: pytest.CaptureFixture[str]):
    article = EVIDENCE["xinhua_arabic"]["accept"][0]["url"]
    feed = "https://arabic.news.cn/world/index.htm"
    assert cli.main(["sources", "match", article, feed, "ftp://arabic.news.cn/x", "https://example.org/"]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0] == f"{article}: xinhua_arabic, article"
    assert lines[1].startswith(f"{feed}: xinhua_arabic, not an article")
    assert lines[2] == "ftp://arabic.news.cn/x: error: not an http(s) URL"
    assert lines[3] == "https://example.org/: no declared outlet"
    assert "ftp://arabic.news.cn/x" in captured.err


def test_plain_http_links_belong_to_an_outlet_whose_base_has_a_path():
    """BBC's base is https://www.bbc.com/arabic/: http links under /arabic/ are its own, /news/ is not."""
    bbc = get_source("bbc_arabic")
    assert belongs_to("http://www.bbc.com/arabic/worldnews/2009/07/090724_als_x", bbc)
    assert belongs_to("https://feeds.bbci.co.uk/arabic/rss.xml", bbc)  # its second host is not path-scoped
    assert not belongs_to("http://www.bbc.com/news/world-12345678", bbc)
    # On the fixture site every outlet owns only its own prefix of the one host and port.
    moved = get_source("xinhua_arabic").with_base("http://127.0.0.1:8765/{source}")
    assert belongs_to("http://127.0.0.1:8765/xinhua_arabic/c_1.htm", moved)
    assert not belongs_to("http://127.0.0.1:8765/youm7/story/1", moved)
    assert not belongs_to("http://127.0.0.1:8766/xinhua_arabic/c_1.htm", moved)
    # ...and is not held to the live site's article pattern there.
    assert moved.article_url_pattern is None and looks_like_article("http://127.0.0.1:8765/xinhua_arabic/c_139537410.htm", moved)


def test_sputnik_both_hosts_and_spa_arabic_prefix():
    sputnik, spa = get_source("sputnik_arabic"), get_source("spa")
    assert {"sarabic.ae", "sputnikarabic.ae"} <= set(sputnik.domains)
    assert looks_like_article("https://sputnikarabic.ae/20201123/slug-1047123456.html", sputnik)
    assert looks_like_article("https://www.spa.gov.sa/ar/N2585737", spa)
    assert not looks_like_article("https://www.spa.gov.sa/ar/news", spa)
