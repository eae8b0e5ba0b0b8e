"""The bad-input corpus (tests/fixtures/bad/, plus big inputs generated in tmp_path) through the real entry points.

Every bad input must end in a clear message naming it, never in a crash, a hang, an entity expansion
or a leaked file, and the run must go on with the other inputs.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.discovery.feeds import FeedError, parse_feed
from crawler.discovery.sitemaps import parse_sitemap
from crawler.run import run_crawl
from crawler.sources.base import Source
from crawler.sources.check import check_sources
from crawler.store import Store
from crawler.text.extract import ExtractionError, extract
from jobs.fixture_site import Response, start_fixture_site
from tests.conftest import write_config
from tests.drill_helpers import (
    BAD_DIR,
    Overrides,
    big_html,
    canonical_urls,
    crawl_config,
    drop_indices,
    gzip_bomb,
)

ROOT = Path(__file__).resolve().parent.parent
RASAD = [sys.executable, "-m", "jobs.cli"]
GB = 1024**3
PASSWD_MARK = "root:x:0:0"  # the first line of /etc/passwd here; must never show up anywhere


def bad(name: str) -> bytes:
    return (BAD_DIR / name).read_bytes()


def huge_feed(size: int) -> bytes:
    """A well-formed RSS feed of about `size` bytes (thousands of items)."""
    item = ("<item><title>خبر رقم {n} عن المؤتمر العالمي للإنترنت</title><link>http://127.0.0.1/a/{n}</link>"
            "<description>" + "نص " * 100 + "</description></item>")
    unit = len(item.encode()) + 4
    items = "".join(item.format(n=n) for n in range(size // unit + 1))
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()


def measured(code: str) -> dict:
    """Run `code` in a fresh interpreter; its JSON result plus peak memory (MB)."""
    wrapper = f"""
import json, resource, sys
result = {{}}
{code}
# VmHWM, not ru_maxrss: ru_maxrss carries the forking test process's own peak across exec.
result["max_rss_mb"] = int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM:")).split()[1]) / 1024
print(json.dumps(result, ensure_ascii=False))
"""
    done = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- feed and sitemap parsers -------------------------------------------------------------------


def test_invalid_feed_and_html_in_place_of_a_feed_are_named_errors() -> None:
    for name in ("invalid-feed.xml", "not-a-feed.html"):
        url = f"http://127.0.0.1/{name}"
        with pytest.raises(FeedError, match=f"{url}: not a readable feed"):
            parse_feed(bad(name), url)


def test_xml_bombs_and_external_entities_are_refused_without_expansion(tmp_path: Path) -> None:
    """Billion laughs (10^9 expansions if honoured) and XXE, in a feed and in a sitemap."""
    code = f"""
from pathlib import Path
from crawler.discovery.feeds import FeedError, parse_feed
from crawler.discovery.sitemaps import SitemapError, parse_sitemap
bad = Path({str(BAD_DIR)!r})
for name, parse, error in [("billion-laughs-feed.xml", parse_feed, FeedError),
                           ("billion-laughs-sitemap.xml", parse_sitemap, SitemapError),
                           ("xxe-feed.xml", parse_feed, FeedError), ("xxe-sitemap.xml", parse_sitemap, SitemapError)]:
    try:
        result[name] = repr(parse((bad / name).read_bytes(), "http://127.0.0.1/" + name))
    except error as exc:
        result[name] = "refused: " + str(exc)
"""
    got = measured(code)
    for name in ("billion-laughs-feed.xml", "billion-laughs-sitemap.xml", "xxe-feed.xml", "xxe-sitemap.xml"):
        assert got[name].startswith(f"refused: http://127.0.0.1/{name}: unsafe XML refused"), got[name]
        assert PASSWD_MARK not in got[name]
    # Expanded, the bombs would need gigabytes; the imports alone take most of this. (No time
    # bound: this machine is shared and noisy; memory is the deterministic witness.)
    assert got["max_rss_mb"] < 300


def test_gzip_bomb_sitemap_stops_at_the_gunzip_limit() -> None:
    bomb = gzip_bomb(GB + 16 * 1024 * 1024)
    assert len(bomb) < 2 * 1024 * 1024  # small on the wire, over 1 GB expanded
    code = f"""
from crawler.discovery.sitemaps import MAX_UNCOMPRESSED, SitemapError, parse_sitemap
from tests.drill_helpers import gzip_bomb
body = gzip_bomb({GB + 16 * 1024 * 1024})
result["limit"] = MAX_UNCOMPRESSED
try:
    parse_sitemap(body, "http://127.0.0.1/bomb.xml.gz")
except SitemapError as exc:
    result["error"] = str(exc)
"""
    got = measured(code)
    assert got["error"].startswith("http://127.0.0.1/bomb.xml.gz: not a sitemap")
    assert f"exceed the specified maximum ({got['limit']} B)" in got["error"]
    assert got["max_rss_mb"] < 400  # stopped near 50 MB, not at 1 GB


def test_sitemap_index_naming_itself_parses_to_one_entry() -> None:
    url = "http://127.0.0.1/self/sitemap.xml"
    body = (f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>{url}</loc></sitemap>'
            "</sitemapindex>").encode()
    sitemap = parse_sitemap(body, url)
    assert sitemap.kind == "index" and [e.loc for e in sitemap.entries] == [url]  # the spider skips it (crawl test)


# -- sources check over HTTP --------------------------------------------------------------------


@pytest.fixture
def corpus_server(tmp_path: Path) -> Iterator[str]:
    """The corpus (and a generated 20 MB feed) served by a plain http.server on 127.0.0.1."""
    root = tmp_path / "www"
    root.mkdir()
    for f in BAD_DIR.iterdir():
        (root / f.name).write_bytes(f.read_bytes())
    (root / "huge-feed.xml").write_bytes(huge_feed(20 * 1024 * 1024))
    handler = partial(SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_sources_check_reports_each_bad_feed_and_sitemap_and_goes_on(corpus_server: str) -> None:
    b = corpus_server
    feeds = ("invalid-feed.xml", "not-a-feed.html", "billion-laughs-feed.xml", "xxe-feed.xml", "huge-feed.xml", "gone.xml")
    sitemaps = ("billion-laughs-sitemap.xml", "xxe-sitemap.xml")
    outlet = Source(name="bad", display_name="corpus", domains=("127.0.0.1",), base_url=b,
                    feeds=tuple(f"{b}/{f}" for f in feeds), sitemaps=tuple(f"{b}/{s}" for s in sitemaps))
    (result,) = check_sources([outlet], timeout=10)
    errors = {c.url.rsplit("/", 1)[1]: c.error or "" for c in result.checks}
    assert list(errors) == [*feeds, *sitemaps]  # every URL checked, in order, none hidden by another
    assert not result.ok and all(errors.values())
    assert errors["invalid-feed.xml"].startswith("bad XML")
    assert errors["not-a-feed.html"].startswith(("bad XML", "not a feed"))
    for name in ("billion-laughs-feed.xml", "xxe-feed.xml", *sitemaps):
        assert errors[name].startswith("unsafe XML refused"), (name, errors[name])
    assert errors["huge-feed.xml"] == f"answer larger than {10 * 1024 * 1024} bytes"
    assert errors["gone.xml"].startswith("HTTP 404")
    assert not any(PASSWD_MARK in e for e in errors.values())


# -- extraction ---------------------------------------------------------------------------------


def test_extract_binary_empty_mislabelled_and_bad_dates(caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(ExtractionError, match="binary.html: not an HTML page"):
        extract(bad("binary.html"), "http://127.0.0.1/binary.html", content_type="text/html; charset=utf-8")
    with pytest.raises(ExtractionError, match="zero-words.html: no article text found"):
        extract(bad("zero-words.html"), "http://127.0.0.1/zero-words.html")
    # windows-1256 bytes served and declared as UTF-8: decoded by what the bytes are, not the label.
    mis = extract(bad("mislabelled-windows-1256.html"), "http://127.0.0.1/m.html", content_type="text/html; charset=utf-8")
    assert mis.title.startswith("افتتاح المؤتمر العالمي للإنترنت") and "\ufffd" not in mis.body
    # Impossible dates everywhere: none of them becomes a date (not even a guess such as 2020-02-01
    # made of the "02/2020" in 31/02/2020), the reason is logged, and extraction does not fail.
    dated = extract(bad("malformed-dates.html"), "http://127.0.0.1/d.html")
    assert dated.word_count > 100
    assert dated.published_at is None and dated.modified_at is None
    assert "d.html: unreadable publication date 'not a date'; left empty" in caplog.text
    # Without any declared date, htmldate's heuristic still dates the page (here from its URL).
    undeclared = re.sub(r'<meta property="article:[a-z_]+time"[^>]*>|<script.*?</script>|<time[^>]*>.*?</time>', "",
                        bad("malformed-dates.html").decode(), flags=re.S)
    guessed = extract(undeclared.encode(), "http://127.0.0.1/2020/11/24/u.html").published_at
    assert guessed is not None and guessed.startswith("2020-11-24")


def test_rasad_extract_json_reports_every_bad_input_in_order(tmp_path: Path) -> None:
    big = tmp_path / "fifty-mb.html"
    big.write_bytes(big_html(50 * 1024 * 1024))
    inputs = [str(BAD_DIR / "binary.html"), str(big), str(BAD_DIR / "zero-words.html"),
              str(BAD_DIR / "mislabelled-windows-1256.html"), str(tmp_path / "missing.html")]
    done = subprocess.run([*RASAD, "extract", "--json", *inputs], capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env={**os.environ, "RASAD_CONFIG": str(write_config(tmp_path, "", "rasad-h7x"))})
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 1 and [r["input"] for r in rows] == inputs
    assert "not an HTML page" in rows[0]["error"]
    assert rows[1]["error"] == f"{big}: file larger than {10 * 1024 * 1024} bytes (crawl.max_response_bytes)"
    assert "no article text found" in rows[2]["error"]
    assert "error" not in rows[3] and rows[3]["title"].startswith("افتتاح")
    assert "cannot read file" in rows[4]["error"]
    assert f"{big}: file larger than" in done.stderr and "4 of 5 inputs failed" in done.stderr


# -- command line -------------------------------------------------------------------------------


def test_invalid_configuration_file_exits_2_naming_the_key(tmp_path: Path) -> None:
    done = subprocess.run([*RASAD, "--config", str(BAD_DIR / "bad-config.toml"), "init"], capture_output=True, text=True,
                          timeout=60, cwd=tmp_path, env={k: v for k, v in os.environ.items() if k != "RASAD_CONFIG"})
    assert done.returncode == 2
    assert "bad-config.toml" in done.stderr and "smtp.security" in done.stderr and "tls-please" in done.stderr


def test_unknown_outlet_exits_2_listing_the_known_ones(tmp_path: Path) -> None:
    from crawler.sources.registry import all_sources

    cfg = write_config(tmp_path, "http://127.0.0.1:9", "rasad-h7u")
    done = subprocess.run([*RASAD, "--config", str(cfg), "crawl", "--source", "nope"], capture_output=True, text=True,
                          timeout=60, cwd=tmp_path)
    assert done.returncode == 2 and "nope" in done.stderr
    names = [s.name for s in all_sources()]
    assert len(names) >= 15 and all(n in done.stderr for n in names)


# -- a crawl of the fixture site with the bad items served -------------------------------------


def _rss(base: str, paths: list[str]) -> bytes:
    items = "".join(f"<item><title>خبر</title><link>{base}{p}</link></item>" for p in paths)
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()


@pytest.mark.es
@pytest.mark.slow
def test_crawl_with_bad_items_served_counts_them_and_indexes_the_rest(
    es_url: str, tmp_path: Path, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="crawler.child")  # the crawl child's lines, forwarded by run_crawl
    server = start_fixture_site()
    site = server.site
    b = server.base_url
    prefix = f"rasad-h7b{uuid.uuid4().hex[:8]}"
    config = crawl_config(tmp_path, es_url, prefix, server, sources=["aljazeera", "sky_news_arabia"],
                          aggregators=False, max_response_bytes=5 * 1024 * 1024)
    o = Overrides(site)
    xml, html = "application/xml", "text/html; charset=utf-8"
    # aljazeera: its sitemap index's children turn bad; the feed still lists a1 (relevant).
    o.serve("/aljazeera/sitemaps/news.xml", Response(200, bad("billion-laughs-sitemap.xml"), xml))
    o.serve("/aljazeera/sitemaps/archive.xml.gz", Response(200, gzip_bomb(GB + 16 * 1024 * 1024), "application/x-gzip"))
    self_index = f"{b}/aljazeera/sitemaps/nested.xml"
    o.serve("/aljazeera/sitemaps/nested.xml", Response(200, (
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{self_index}</loc></sitemap></sitemapindex>").encode(), xml))
    # sky_news_arabia: one feed is an XXE, the other lists the bad pages below.
    sky = site.sources["sky_news_arabia"]
    feed_paths = [f"/sky_news_arabia{urlsplit(u).path}" for u in sky.feeds]
    assert len(set(feed_paths)) == 2
    pages = {
        "/sky_news_arabia/bad/fifty-mb": Response(200, big_html(50 * 1024 * 1024), html),
        "/sky_news_arabia/bad/gzip-bomb": Response(200, gzip_bomb(GB + 16 * 1024 * 1024), html,
                                                   {"Content-Encoding": "gzip"}),
        "/sky_news_arabia/bad/binary": Response(200, bad("binary.html"), html),
        "/sky_news_arabia/bad/zero-words": Response(200, bad("zero-words.html"), html),
        "/sky_news_arabia/bad/mislabelled": Response(200, bad("mislabelled-windows-1256.html"), html),
        # A page redirecting to itself, and an endless chain of new URLs.
        "/sky_news_arabia/bad/loop": Response(302, b"", html, {"Location": f"{b}/sky_news_arabia/bad/loop"}),
        "/sky_news_arabia/bad/chain": lambda raw: Response(302, b"", html, {
            "Location": f"{b}/sky_news_arabia/bad/chain?n={int(raw.partition('n=')[2] or 0) + 1}"}),
        "/sky_news_arabia/bad/invalid-feed.xml": Response(200, bad("invalid-feed.xml"), xml),
    }
    for path, answer in pages.items():
        o.serve(path, answer)
    o.serve(feed_paths[0], Response(200, _rss(b, [p for p in pages if "feed" not in p]), xml))
    o.serve(feed_paths[1], Response(200, bad("xxe-feed.xml"), xml))
    store = Store(config)
    store.init()
    try:
        stats = run_crawl(config, run_id="bad")
        urls = canonical_urls(store)
        chain_hits, loop_hits = site.hits("/sky_news_arabia/bad/chain"), site.hits("/sky_news_arabia/bad/loop")
    finally:
        o.close()
        server.stop()
        drop_indices(store, prefix)
        store.close()
    err = capfd.readouterr().err + caplog.text
    assert stats.errors == []  # page-level failures are counted; the run itself did not fail
    assert stats.error_kinds.get("sitemap") == 2  # the billion laughs and the gzip bomb
    assert stats.per_source["aljazeera"].get("sitemap/loop_skipped", 0) >= 1
    assert stats.error_kinds.get("feed") == 1  # the XXE feed
    assert stats.error_kinds.get("too_large") == 2  # the 50 MB page and the gzip-encoded bomb
    # Both are loops: the chain stopped at REDIRECT_MAX_TIMES, the self-redirect seen when the
    # duplicate filter drops the request back to itself (fetched once, not again).
    assert stats.error_kinds.get("redirect_loop") == 2
    assert 2 <= chain_hits <= 7
    assert loop_hits == 1
    assert stats.error_kinds.get("extraction", 0) >= 2  # binary, zero words (and the fixture's empty page)
    assert "unsafe XML refused" in err and "exceed the specified maximum" in err
    assert "bad/fifty-mb: expected response size" in err and "larger than download max size" in err
    assert "bad/gzip-bomb failed: too_large (Ignored response" in err and "exceeded DOWNLOAD_MAXSIZE" in err
    assert "bad/chain?n=5 failed: redirect_loop (max redirections reached)" in err
    assert "bad/loop failed: redirect_loop" in err
    assert PASSWD_MARK not in err
    # The rest of the run went on: a1 (feed) and the mislabelled page (decoded right) are indexed.
    assert f"{b}{site.path_of('a1')}" in urls and f"{b}/sky_news_arabia/bad/mislabelled" in urls
    assert stats.indexed == len(urls)
