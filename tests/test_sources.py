"""Outlet registry, aggregator URL builders, and `rasad sources list/check` against a local HTTP server.

There is no network here: the live outlets cannot be reached, so `sources check` is exercised on a
real HTTP server on 127.0.0.1 (python http.server in a thread) serving feeds, sitemaps, a 404,
broken and unsafe XML, and a slow answer. The outlets' own definitions are tested statically.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from crawler.config import load_config
from crawler.discovery import aggregators
from crawler.discovery.aggregators import (
    GDELT_WINDOW,
    AggregatorError,
    gdelt_requests,
    gdelt_slices,
    gdelt_url,
    google_news_urls,
    parse_gdelt,
)
from crawler.sources.base import Source
from crawler.sources.check import check_source, check_sources, fetch_url, parse_feed
from crawler.sources.registry import UnknownSourceError, all_sources, get_source, register, sources_for
from jobs import cli

CHINESE_SERVICES = {
    "xinhua_arabic",
    "peoples_daily_arabic",
    "cgtn_arabic",
    "cri_arabic",
    "china_org_arabic",
    "china_today_arabic",
}

def declared_urls(s: Source) -> list[str]:
    return [*s.feeds, *s.sitemaps, *s.list_pages, *([s.search_url] if s.search_url else [])]


def on_domain(url: str, domains: tuple[str, ...]) -> bool:
    host = urlsplit(url).hostname or ""
    return any(host == d or host.endswith("." + d) for d in domains)


# -- registry ---------------------------------------------------------------------------------


def test_registry_has_enough_outlets_with_unique_names():
    sources = all_sources()
    names = [s.name for s in sources]
    assert len(sources) >= 15
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"[a-z0-9_]+", n) for n in names), names


def test_registry_covers_chinese_services_and_arab_outlets():
    sources = all_sources()
    china = {s.name for s in sources if s.group == "china"}
    assert CHINESE_SERVICES <= china
    assert len([s for s in sources if s.group in {"arab", "intl"}]) >= 8
    assert {"aljazeera", "alarabiya", "sky_news_arabia", "rt_arabic", "asharq_al_awsat", "wam", "spa"} <= {
        s.name for s in sources
    }


def test_registering_a_name_twice_is_refused():
    with pytest.raises(ValueError, match="registered twice"):
        register(get_source("aljazeera"))


@pytest.mark.parametrize("source", all_sources(), ids=lambda s: s.name)
def test_outlet_definition_is_consistent(source: Source):
    assert re.search(r"[\u0600-\u06FF]", source.display_name), "display name must be Arabic"
    assert source.base_url.startswith("https://") and on_domain(source.base_url, source.domains)
    assert declared_urls(source), "an outlet needs at least a feed, sitemap, list page or search"
    for url in declared_urls(source):
        assert url.startswith("https://"), url
        assert on_domain(url, source.domains), f"{url} is not on {source.domains}"
    # unconfirmed names only URLs the outlet declares, and notes say what evidence there is
    assert set(source.unconfirmed) <= set(declared_urls(source))
    assert source.notes.strip()
    if source.search_url:
        assert source.search_url.count("{query}") == 1
        url = source.search_urls(["المؤتمر العالمي للإنترنت"])[0]
        assert "{query}" not in url and quote("المؤتمر العالمي للإنترنت") in url


# Article patterns are checked against real addresses in tests/test_catalogue_evidence.py.


def test_unknown_outlet_error_lists_known_outlets():
    with pytest.raises(UnknownSourceError) as err:
        get_source("no_such_outlet")
    text = str(err.value)
    assert "no_such_outlet" in text and "xinhua_arabic" in text and "aljazeera" in text


@pytest.mark.parametrize("source", all_sources(), ids=lambda s: s.name)
def test_with_base_moves_every_url_onto_the_local_base(source: Source):
    moved = source.with_base("http://127.0.0.1:8765/{source}")
    base = f"http://127.0.0.1:8765/{source.name}/"
    assert moved.base_url == base
    assert len(declared_urls(moved)) == len(declared_urls(source))
    for url in declared_urls(moved):
        assert url.startswith(base), url
    if moved.search_url:
        assert "{query}" in moved.search_url


def test_sources_for_applies_names_and_override():
    config = load_config(None, env={}).model_copy(deep=True)
    assert [s.name for s in sources_for(config)] == [s.name for s in all_sources()]
    config.crawl.sources = ["bbc_arabic", "xinhua_arabic"]
    config.crawl.base_url_override = "http://127.0.0.1:9/{source}"
    chosen = sources_for(config)
    assert [s.name for s in chosen] == ["bbc_arabic", "xinhua_arabic"]
    assert chosen[0].feeds[0] == "http://127.0.0.1:9/bbc_arabic/arabic/rss.xml"
    assert chosen[1].list_pages[0] == "http://127.0.0.1:9/xinhua_arabic/world/index.htm"
    config.crawl.sources = ["bbc_arabic", "nope"]
    with pytest.raises(UnknownSourceError, match="nope"):
        sources_for(config)


# -- aggregators ------------------------------------------------------------------------------

QUERY = "المؤتمر العالمي للإنترنت"


def test_google_news_urls_one_per_query_and_country():
    urls = google_news_urls([QUERY, "ووتشن"], ("EG", "SA"))
    assert len(urls) == 4
    parts = urlsplit(urls[1])
    assert (parts.scheme, parts.hostname, parts.path) == ("https", "news.google.com", "/rss/search")
    qs = parse_qs(parts.query)
    assert qs == {"q": [QUERY], "hl": ["ar"], "gl": ["SA"], "ceid": ["SA:ar"]}
    assert google_news_urls([QUERY], ("EG",), base="http://127.0.0.1:1/rss/search")[0].startswith(
        "http://127.0.0.1:1/rss/search?q="
    )
    with pytest.raises(ValueError, match="two capital letters"):
        google_news_urls([QUERY], ("egypt",))


def test_gdelt_url_carries_the_documented_parameters():
    start, end = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 8, 6, 30, tzinfo=UTC)
    url = gdelt_url("World Internet Conference", start, end)
    parts = urlsplit(url)
    assert (parts.hostname, parts.path) == ("api.gdeltproject.org", "/api/v2/doc/doc")
    qs = parse_qs(parts.query)
    assert qs["query"] == ['"World Internet Conference" sourcelang:arabic']
    assert qs["mode"] == ["artlist"] and qs["format"] == ["json"] and qs["maxrecords"] == ["250"]
    assert qs["startdatetime"] == ["20261101000000"] and qs["enddatetime"] == ["20261108063000"]
    assert "timespan" not in qs
    assert parse_qs(urlsplit(gdelt_url("Wuzhen", start, end)).query)["query"] == ["Wuzhen sourcelang:arabic"]
    with pytest.raises(ValueError, match="maxrecords"):
        gdelt_url("Wuzhen", start, end, max_records=300)


def test_gdelt_slices_cover_the_window_within_three_months():
    until = datetime(2026, 12, 1, tzinfo=UTC)
    slices = gdelt_slices(until - timedelta(days=20), until, 7)
    assert [(b - a).days for a, b in slices] == [7, 7, 6]
    assert slices[0][1] == until and slices[-1][0] == until - timedelta(days=20)
    assert all(slices[i][0] == slices[i + 1][1] for i in range(len(slices) - 1))  # no gap, no overlap
    # A window reaching further back than GDELT keeps is cut at three months.
    far = gdelt_slices(until - timedelta(days=400), until, 30)
    assert far[-1][0] == until - GDELT_WINDOW and len(far) == 3
    assert gdelt_slices(until, until, 7) == []
    # a few seconds over whole slices widen the oldest slice rather than cost one more request
    widened = gdelt_slices(until - timedelta(days=14, seconds=3), until, 7)
    assert len(widened) == 2 and widened[-1][0] == until - timedelta(days=14, seconds=3)
    with pytest.raises(ValueError, match="slice"):
        gdelt_slices(until - timedelta(days=1), until, 0)


def test_gdelt_requests_one_per_query_and_slice():
    until = datetime(2026, 12, 1, tzinfo=UTC)
    reqs = gdelt_requests(["World Internet Conference", "Wuzhen"], until - timedelta(days=14), until, slice_days=7)
    assert [(r.query, r.end - r.start) for r in reqs] == [
        ("World Internet Conference", timedelta(days=7)), ("Wuzhen", timedelta(days=7)),
        ("World Internet Conference", timedelta(days=7)), ("Wuzhen", timedelta(days=7)),
    ]
    assert all("sourcelang%3Aarabic" in r.url for r in reqs)


GDELT_ANSWER = {
    "articles": [
        {
            "url": "https://arabic.news.cn/20201123/0123456789abcdef0123456789abcdef/c.html",
            "title": "افتتاح المؤتمر العالمي للإنترنت\x01 في ووتشن",
            "seendate": "20201123T101500Z",
            "domain": "arabic.news.cn",
            "language": "Arabic",
        },
        {"title": "no url: skipped", "seendate": "20201123T101500Z"},
        {"url": "https://www.youm7.com/story/2020/11/23/x/5078934", "seendate": "bad", "language": "Arabic"},
    ]
}


def test_parse_gdelt_reads_articles_and_tolerates_control_characters():
    raw = json.dumps(GDELT_ANSWER, ensure_ascii=False).replace("\\u0001", "\x01").encode()
    rows = parse_gdelt(raw)
    assert [r["url"] for r in rows] == [
        GDELT_ANSWER["articles"][0]["url"],
        GDELT_ANSWER["articles"][2]["url"],
    ]
    assert rows[0]["seendate"] == "2020-11-23T10:15:00+00:00"
    assert rows[0]["title"].startswith("افتتاح") and rows[0]["language"] == "Arabic"
    assert rows[1]["seendate"] is None and rows[1]["domain"] == "www.youm7.com"
    assert parse_gdelt(b"") == [] and parse_gdelt(b"{}") == []


def test_parse_gdelt_rejects_bad_answers_clearly():
    with pytest.raises(AggregatorError, match="not valid JSON.*Please limit"):
        parse_gdelt(b"Please limit requests to one every 5 seconds", source="gdelt test")
    with pytest.raises(AggregatorError, match="expected a JSON object"):
        parse_gdelt(b"[1, 2]")
    with pytest.raises(AggregatorError, match="'articles' is str"):
        parse_gdelt(b'{"articles": "x"}')


# -- local HTTP server ------------------------------------------------------------------------

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>أخبار</title><link>https://example.org/</link><description>d</description>
<item><title>الأول</title><link>https://example.org/a</link><pubDate>Mon, 16 Nov 2026 09:00:00 +0000</pubDate></item>
<item><title>الثاني</title><link>https://example.org/b</link><pubDate>Fri, 20 Nov 2026 08:30:00 +0300</pubDate></item>
<item><title>الثالث</title><link>https://example.org/c</link><pubDate>Wed, 18 Nov 2026 12:00:00 +0000</pubDate></item>
</channel></rss>"""
RSS_NEWEST = datetime(2026, 11, 20, 5, 30, tzinfo=UTC)

SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://example.org/1</loc><lastmod>2026-11-01</lastmod></url>
<url><loc>https://example.org/2</loc><lastmod>2026-11-21T07:00:00+02:00</lastmod></url>
<url><loc>https://example.org/3</loc><news:news><news:publication_date>2026-11-19T10:00:00Z</news:publication_date></news:news></url>
<url><loc>https://example.org/4</loc></url>
</urlset>"""
SITEMAP_NEWEST = datetime(2026, 11, 21, 5, 0, tzinfo=UTC)

BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<rss version="2.0"><channel><title>&lol2;</title></channel></rss>"""

LIST_PAGE = """<html><body>
<a href="/n3/2026/1120/c31660-1.html">a</a><a href="/n3/2026/1120/c31660-1.html">dup</a>
<a href="/n3/2026/1119/c31659-2.html">b</a><a href="/about.html">about</a></body></html>"""

PAGES: dict[str, tuple[int, str, str]] = {
    "/feed.xml": (200, "application/rss+xml", RSS),
    "/sitemap.xml": (200, "application/xml", SITEMAP),
    "/broken.xml": (200, "application/xml", "<?xml version='1.0'?><rss><channel><item><title>x</titl"),
    "/bomb.xml": (200, "application/xml", BOMB),
    "/page.html": (200, "text/html", "<html><body><p>not a feed</p></body></html>"),
    "/list.html": (200, "text/html", LIST_PAGE),
    "/slow": (200, "application/rss+xml", RSS),  # answered after 2 s
    "/gdelt/api/v2/doc/doc": (200, "application/json", json.dumps(GDELT_ANSWER, ensure_ascii=False)),
    "/gnews/rss/search": (200, "application/rss+xml", RSS),
    # what `rasad sources check --source bbc_arabic` fetches once moved onto the local base
    "/bbc_arabic/arabic/rss.xml": (200, "application/rss+xml", RSS),
    "/bbc_arabic/arabic/index.xml": (200, "application/xml", "<rss><channel><item>"),
    "/bbc_arabic/arabic/sitemap.xml": (200, "application/xml", SITEMAP),
}


class FixtureHandler(BaseHTTPRequestHandler):
    """Serves PAGES; /slow answers after 2 s; anything else is a 404."""

    seen: list[str] = []
    slow_spans: list[tuple[float, float]] = []  # (start, end) of each /slow answer

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.seen.append(self.path)
        path = urlsplit(self.path).path
        if path == "/slow":
            start = time.monotonic()
            time.sleep(2)
            self.slow_spans.append((start, time.monotonic()))
        status, ctype, body = PAGES.get(path, (404, "text/plain", "not found"))
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", f"{ctype}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        try:
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout tests)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FixtureHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fixture_source(site: str, **urls: tuple[str, ...]) -> Source:
    return Source(
        name="fixture",
        display_name="موقع الاختبار",
        domains=("127.0.0.1",),
        base_url=site + "/",
        article_url_pattern=r"/n3/\d{4}/\d{4}/c\d+-\d+\.html$",
        **urls,
    )


# -- check ------------------------------------------------------------------------------------


def test_check_reports_status_items_and_newest_date(site: str):
    src = fixture_source(
        site,
        feeds=(f"{site}/feed.xml",),
        sitemaps=(f"{site}/sitemap.xml",),
        list_pages=(f"{site}/list.html",),
    )
    result = check_source(src, timeout=5)
    feed, sitemap, listing = result.checks
    assert (feed.kind, feed.status, feed.items, feed.newest, feed.error) == ("feed", 200, 3, RSS_NEWEST, None)
    assert (sitemap.status, sitemap.items, sitemap.newest) == (200, 4, SITEMAP_NEWEST)
    assert (listing.kind, listing.items, listing.newest) == ("list", 2, None)  # distinct article links only
    assert result.ok


def test_check_survives_every_kind_of_failure(site: str):
    src = fixture_source(
        site,
        feeds=(
            f"{site}/missing.xml",
            f"{site}/broken.xml",
            f"{site}/bomb.xml",
            f"{site}/page.html",
            f"http://127.0.0.1:{closed_port()}/feed.xml",
            f"{site}/slow",
            f"{site}/feed.xml",
        ),
    )
    started = time.monotonic()
    result = check_source(src, timeout=0.5)
    assert time.monotonic() - started < 10
    missing, broken, bomb, page, refused, slow, good = result.checks
    assert missing.status == 404 and "404" in (missing.error or "")
    assert broken.status == 200 and "bad XML" in (broken.error or "") and not broken.ok
    assert "unsafe XML refused" in (bomb.error or "") and bomb.items == 0
    assert page.error and not page.ok
    assert refused.status is None and "cannot connect" in (refused.error or "")
    assert slow.status is None and "timed out" in (slow.error or "")
    assert good.ok and good.items == 3
    assert not result.ok


def test_fetch_url_enforces_the_size_limit(site: str):
    got = fetch_url(f"{site}/feed.xml", 5, max_bytes=100)
    assert got.status == 200 and got.body == b"" and "larger than 100 bytes" in (got.error or "")


def test_check_sources_runs_outlets_concurrently_and_keeps_order(site: str):
    def outlet(name: str, feed: str) -> Source:
        return Source(
            name=name, display_name="اختبار", domains=("127.0.0.1",), base_url=site + "/", feeds=(feed,)
        )

    slow = outlet("slow", f"{site}/slow")
    fast = [outlet(f"fast{i}", f"{site}/feed.xml") for i in range(3)]
    began = time.monotonic()  # an earlier test's /slow answer may still be finishing
    results = check_sources([slow, slow, *fast], timeout=5, workers=4)
    assert [r.name for r in results] == ["slow", "slow", "fast0", "fast1", "fast2"]
    # Measured at the server, not with a stopwatch: the second request arrived while the first was served.
    (a_start, a_end), (b_start, b_end) = sorted(span for span in FixtureHandler.slow_spans if span[0] >= began)
    assert b_start < a_end, "the two slow answers must overlap"
    assert all(r.ok for r in results)


def test_aggregator_base_override_reaches_the_local_server(site: str):
    FixtureHandler.seen.clear()
    now = datetime.now(UTC)
    url = gdelt_url(QUERY, now - timedelta(days=7), now, base=f"{site}/gdelt/api/v2/doc/doc")
    got = fetch_url(url, 5)
    rows = parse_gdelt(got.body, source=url)
    assert len(rows) == 2 and rows[0]["domain"] == "arabic.news.cn"
    query = parse_qs(urlsplit(FixtureHandler.seen[-1]).query)["query"]
    assert query == [f'"{QUERY}" sourcelang:arabic']
    (gurl,) = google_news_urls([QUERY], ("EG",), base=f"{site}/gnews/rss/search")
    items, newest, error = parse_feed(fetch_url(gurl, 5).body)
    assert (items, newest, error) == (3, RSS_NEWEST, None)
    assert aggregators.GDELT_BASE.startswith("https://api.gdeltproject.org/")


# -- the command ------------------------------------------------------------------------------


def write_config(tmp_path: Path, site: str) -> Path:
    path = tmp_path / "rasad.toml"
    path.write_text(f'[crawl]\nbase_url_override = "{site}/{{source}}"\n', encoding="utf-8")
    return path


def test_cli_sources_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert cli.main(["--config", str(write_config(tmp_path, "http://127.0.0.1:9")), "sources", "list"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if not line.startswith("#")]  # header, legend
    assert len(lines) == len(all_sources()) >= 15
    xinhua = next(line for line in lines if line.startswith("xinhua_arabic "))
    assert "china" in xinhua and "feeds=0" in xinhua and "search=no" in xinhua and "شينخوا" in xinhua
    bbc = next(line for line in lines if line.startswith("bbc_arabic "))
    assert "feeds=2 sitemaps=1" in bbc and "search=yes" in bbc and "unconfirmed=1" in bbc


def test_cli_sources_check_one_outlet(site: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    config = str(write_config(tmp_path, site))
    # The only outlet checked fails (a broken feed): exit 1 (failed), as cron must see it.
    assert cli.main(["--config", config, "sources", "check", "--source", "bbc_arabic", "--timeout", "5"]) == 1
    line, summary = capsys.readouterr().out.splitlines()
    assert summary == "checked 1 outlet: 0 ok, 1 failed"  # --source: no aggregator routes checked
    assert line.startswith("FAIL bbc_arabic: ")  # index.xml is broken on the fixture site
    rss, index, sitemap = line.split(": ", 1)[1].split(" | ")
    assert f"feed {site}/bbc_arabic/arabic/rss.xml status=200 items=3 newest={RSS_NEWEST.isoformat()}" == rss
    assert "status=200" in index and "error=bad XML" in index
    assert f"status=200 items=4 newest={SITEMAP_NEWEST.isoformat()}" in sitemap


def test_cli_sources_check_unknown_outlet_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    config = str(write_config(tmp_path, "http://127.0.0.1:9"))
    assert cli.main(["--config", config, "sources", "check", "--source", "nope"]) == 2
    err = capsys.readouterr().err
    assert "unknown outlet 'nope'" in err and "known outlets:" in err and "aljazeera" in err


def test_offline_sources_check_ends_with_a_summary_and_shows_an_off_route_as_off(tmp_path: Path) -> None:
    """No name resolves (every host under .invalid, RFC 2606): one summary line says so; Google News,
    off by default, reads OFF, not FAIL. Run as the user runs it."""
    import os
    import subprocess
    import sys

    cfg = tmp_path / "rasad.toml"
    cfg.write_text('[crawl]\nbase_url_override = "http://no-such-host.invalid/{source}"\n'
                   f'[log]\nfile = "{tmp_path / "rasad.log"}"\n', encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "jobs.cli", "-c", str(cfg), "sources", "check", "--timeout", "3"],
                          cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True, timeout=300,
                          env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)})
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    n = len(all_sources())
    assert sum(line.startswith("FAIL ") and " aggregator " not in line for line in lines) == n
    assert lines[-1] == (f"checked {n} outlets: 0 ok, {n} failed; aggregator routes: 0 ok, 0 blocked, 1 off, 1 failed; "
                         "every failure is a DNS failure (no host name resolved): this machine seems offline, "
                         "check its network")
    google = next(line for line in lines if " aggregator google_news " in line)
    assert google.startswith("OFF  aggregator google_news [off (crawl.google_news)]")


def test_sources_check_summary_without_dns_failures_does_not_call_the_machine_offline(site: str, tmp_path: Path,
                                                                                      capsys) -> None:
    cfg = tmp_path / "rasad.toml"
    cfg.write_text(f'[crawl]\nbase_url_override = "{site}/{{source}}"\n', encoding="utf-8")
    cli.main(["--config", str(cfg), "sources", "check", "--source", "bbc_arabic", "--source", "aljazeera",
              "--timeout", "3"])
    last = capsys.readouterr().out.splitlines()[-1]
    assert re.fullmatch(r"checked 2 outlets: \d ok, \d failed", last), last
