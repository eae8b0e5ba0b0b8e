"""The open world (issue 19): a relevant archived article is kept whatever its host.

Its outlet is then the host's registered domain, marked undeclared; the digest shows the marker and
`rasad sources suggest` ranks such domains by the coverage stored from them. The backfill reads a
CC-NEWS-shaped tree served on 127.0.0.1 (jobs/local_commoncrawl.py) into the real Elasticsearch node.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crawler.config import Config, load_config
from crawler.discovery.domains import registered_domain
from crawler.discovery.links import outlet_for_url
from crawler.sources.registry import all_sources
from crawler.store import Store
from crawler.store.schema import ARTICLE_PROPERTIES
from jobs import tasks
from jobs.local_archive import ArchivedPage
from jobs.local_commoncrawl import LocalCommonCrawl, write_listing, write_records
from tests.test_backfill import drop, real_pages
from tests.test_ccnews import cc_config

START, END = datetime(2022, 11, 1, tzinfo=UTC), datetime(2022, 11, 30, 23, 59, 59, tzinfo=UTC)
CC_FILE = "crawl-data/CC-NEWS/2022/11/CC-NEWS-20221109000000-00001.warc.gz"
# Two real conference reports moved onto two hosts of one domain in no catalogue entry (a two-part suffix).
NEWS_HOST = "https://news.wahapress.com.eg/local/338769"
WWW_HOST = "https://www.wahapress.com.eg/tech/2022/11/12/wuzhen-summit"
ROSA = "https://www.rosaelyoussef.com/1029938"  # declared (egypt.py)
OFF_TOPIC = "https://www.other-portal.example/news/17609"  # undeclared, not about the conference: dropped
MARK = "خارج قائمة المصادر"


def dated_html(page: dict, published: datetime) -> bytes:
    paras = "".join(f"<p>{t}</p>" for t in page["text"])
    return (f"<!doctype html><html lang='ar' dir='rtl'><head><meta charset='utf-8'><title>{page['title']}</title>"
            f"<meta property='article:published_time' content='{published.isoformat()}'></head>"
            f"<body><article><h1>{page['title']}</h1>{paras}</article></body></html>").encode()


def page(url: str) -> dict:
    return next(p for p in real_pages() if p["url"] == url)


def test_registered_domain_reads_multi_part_suffixes() -> None:
    assert registered_domain("news.example.com.eg") == "example.com.eg"
    assert registered_domain("www.example.com.eg") == "example.com.eg"
    assert registered_domain("example.com.eg") == "example.com.eg"
    assert registered_domain("www.bbc.co.uk") == "bbc.co.uk"
    assert registered_domain("arabic.news.cn") == "news.cn"
    assert registered_domain("WWW.Example.COM.") == "example.com"
    assert registered_domain("www.gulf-portal.example") == "gulf-portal.example"  # an unlisted top-level domain
    assert registered_domain("someone.blogspot.com") == "someone.blogspot.com"  # a private suffix: one blog
    # Nothing shorter names the owner: kept as they are.
    assert registered_domain("com.eg") == "com.eg"
    assert registered_domain("127.0.0.1") == "127.0.0.1"
    assert registered_domain("::1") == "::1"
    assert registered_domain("localhost") == "localhost"


def test_outlet_for_url_declared_or_registered_domain() -> None:
    catalogue = all_sources()
    xinhua = outlet_for_url("https://arabic.news.cn/2017-12/03/c_136797688.htm", catalogue)
    assert (xinhua.name, xinhua.declared) == ("xinhua_arabic", True) and xinhua.source is not None
    other = outlet_for_url(NEWS_HOST, catalogue)
    assert (other.name, other.display_name, other.declared, other.source) == (
        "wahapress.com.eg", "wahapress.com.eg", False, None)
    assert outlet_for_url(WWW_HOST, catalogue) == other  # two hosts, one outlet


@dataclass
class Backfilled:
    config: Config
    store: Store
    started: datetime
    docs: dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory: pytest.TempPathFactory, es_url: str) -> Iterator[Backfilled]:
    from crawler.backfill import plan_backfill

    tmp = tmp_path_factory.mktemp("undeclared")
    crik, alain = page("https://crik.sa/?p=338769"), page("https://al-ain.com/article/china-world-internet-conference")
    unrelated = page("https://alareen.news/17609/")
    at = lambda day, hour=12: datetime(2022, 11, day, hour, tzinfo=UTC)  # noqa: E731
    write_records(tmp / "data" / CC_FILE, [
        ArchivedPage(NEWS_HOST, at(9), dated_html(crik, at(9, 8))),
        ArchivedPage(OFF_TOPIC, at(9), dated_html(unrelated, at(9, 9))),
        ArchivedPage(ROSA, at(10), dated_html(page(ROSA), at(10, 8))),
        ArchivedPage(WWW_HOST, at(12), dated_html(alain, at(12, 10))),
    ])
    write_listing(tmp / "data" / "crawl-data/CC-NEWS/2022/11/warc.paths.gz", [CC_FILE])
    server = LocalCommonCrawl(tmp / "data").start()
    prefix = f"rasad-un{datetime.now(UTC).strftime('%H%M%S%f')}"
    config = load_config(cc_config(tmp, es_url, prefix, server), env={})
    store = Store(config)
    started = datetime.now(UTC) - timedelta(minutes=1)
    try:
        plan = plan_backfill(config, start=START, end=END, topic="wic-2020", archives=["ccnews"], warc_files=None,
                             source_names=None)
        result = tasks.backfill(config, plan)
        assert result["status"] == "ok", result
        store.client.indices.refresh(index=f"{prefix}-*")
        yield Backfilled(config, store, started, {d["url"]: d for d in store.scan("articles")})
    finally:
        server.stop()
        drop(store, prefix)


def test_relevant_article_on_an_undeclared_host_is_kept_under_its_registered_domain(backfilled: Backfilled) -> None:
    docs = backfilled.docs
    assert set(docs) == {NEWS_HOST, WWW_HOST, ROSA}  # the off-topic page of an undeclared host is dropped
    for url, host in ((NEWS_HOST, "news.wahapress.com.eg"), (WWW_HOST, "www.wahapress.com.eg")):
        d = docs[url]
        assert (d["source"], d["source_name"], d["domain"], d["outlet_declared"]) == (
            "wahapress.com.eg", "wahapress.com.eg", host, False)
        assert d["relation"] and d["discovered_via"] == "archive:ccnews"
    assert docs[ROSA]["source"] == "rosa_el_youssef" and docs[ROSA]["outlet_declared"] is True
    mapping = backfilled.store.mapping("articles")
    assert mapping["properties"]["outlet_declared"] == {"type": "boolean"}


def test_digest_marks_the_undeclared_outlet(backfilled: Backfilled) -> None:
    from reports.service import make_digest

    outcome = make_digest(backfilled.config, backfilled.store, since=backfilled.started,
                          until=datetime.now(UTC) + timedelta(minutes=1), preview=True)
    assert outcome.article_count == 3
    files = {Path(p).suffix: Path(p).read_text(encoding="utf-8") for p in outcome.files if p.endswith((".txt", ".html"))}
    text = files[".txt"]
    assert f"wahapress.com.eg «{MARK}»: 2" in text  # the outlets list
    assert text.count(f"wahapress.com.eg «{MARK}» |") == 2  # each article's line
    rosa = next(line for line in text.splitlines() if "روزاليوسف" in line and "|" in line)
    assert MARK not in rosa
    assert files[".html"].count(MARK) == 3


def suggest(config: Config, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    from jobs.cli import main

    code = main(["--config", config.source_file, "sources", "suggest", *args])
    out = capsys.readouterr().out
    assert code == 0, out
    return out


def test_sources_suggest_lists_the_undeclared_domain_with_its_evidence(
        backfilled: Backfilled, capsys: pytest.CaptureFixture[str]) -> None:
    out = suggest(backfilled.config, capsys)
    lines = out.splitlines()
    assert lines[0].startswith("1 undeclared domain with stored coverage")
    assert lines[1].split() == ["wahapress.com.eg", "articles=2", "published", "2022-11-09", "..", "2022-11-12",
                                "hosts:", "news.wahapress.com.eg,", "www.wahapress.com.eg"]
    assert {line.strip() for line in lines[2:4]} == {NEWS_HOST, WWW_HOST}
    assert "rosaelyoussef" not in out and "other-portal" not in out
    (row,) = [json.loads(line) for line in suggest(backfilled.config, capsys, "--json").splitlines()]
    assert row["domain"] == "wahapress.com.eg" and row["articles"] == 2
    assert row["first"].startswith("2022-11-09T08:00") and row["last"].startswith("2022-11-12T10:00")
    assert set(row["samples"]) == {NEWS_HOST, WWW_HOST}
    # --since counts what was published on or after it.
    (later,) = [json.loads(line) for line in suggest(backfilled.config, capsys, "--json", "--since", "2022-11-10")
                .splitlines()]
    assert later["articles"] == 1 and later["samples"] == [WWW_HOST]
    assert "no stored article published since 2030-01-01" in suggest(backfilled.config, capsys, "--since", "2030-01-01")


def test_sources_suggest_refuses_a_bad_limit(backfilled: Backfilled, capsys: pytest.CaptureFixture[str]) -> None:
    from jobs.cli import main

    assert main(["--config", backfilled.config.source_file, "sources", "suggest", "--limit", "0"]) == 2
    assert "limit must be between 1 and 1000 (got 0)" in capsys.readouterr().err


@pytest.mark.es
def test_init_adds_the_flag_to_an_existing_index_in_place(config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    """An articles index made by a Rasad without the flag gets it from `rasad init`, documents untouched."""
    store = Store(config)
    try:
        with monkeypatch.context() as older:  # the schema as it was before the flag
            older.delitem(ARTICLE_PROPERTIES, "outlet_declared")
            assert store.init()[store.articles] == "created"
        store.client.index(index=store.articles, id="old", document={"url": "https://www.example.com.eg/a/1"},
                           refresh=True)
        assert "outlet_declared" not in store.mapping("articles")["properties"]
        assert store.init()[store.articles] == "unchanged"  # no new versioned index, no copy
        assert store.mapping("articles")["properties"]["outlet_declared"] == {"type": "boolean"}
        assert store.get_article("old") == {"url": "https://www.example.com.eg/a/1"}
    finally:
        store.drop()
        store.close()


def test_search_and_show_name_the_undeclared_outlet(backfilled: Backfilled, capsys: pytest.CaptureFixture[str]) -> None:
    from jobs.cli import main

    assert main(["--config", backfilled.config.source_file, "search", "ووتشن", "--json"]) == 0
    rows = {r["url"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert rows[NEWS_HOST]["outlet_declared"] is False and rows[NEWS_HOST]["source"] == "wahapress.com.eg"
    assert rows[ROSA]["outlet_declared"] is True
    assert main(["--config", backfilled.config.source_file, "show", NEWS_HOST]) == 0
    assert "wahapress.com.eg (undeclared outlet) |" in capsys.readouterr().out
