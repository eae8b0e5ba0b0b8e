"""Archive discovery pieces without a network: CDX answers, collinfo.json, WARC records, cheap filters,
the backfill window and the per-archive pacing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.backfill import archive_slots, plan_backfill
from crawler.config import ConfigError, load_config
from crawler.discovery.archives import commoncrawl, wayback
from crawler.discovery.archives.captures import Capture, CdxError, read_cdx, unique_content
from crawler.discovery.archives.filters import keyword_forms, reject_reason, slug_matches
from crawler.discovery.archives.state import BackfillState, query_key
from crawler.discovery.archives.warc import WarcFileError, check_warc, html_pages
from crawler.found import add_up, outlet_rows, route_rows
from crawler.sources.base import Source
from jobs.local_archive import ArchivedPage, write_warc
from tests.conftest import write_config

WINDOW = (datetime(2020, 11, 9, tzinfo=UTC), datetime(2020, 12, 15, 23, 59, tzinfo=UTC))
FORMS = keyword_forms(["wic", "wuzhen", "world-internet-conference", "المؤتمر العالمي للإنترنت", "ووتشن"])
OUTLET = Source(name="t", display_name="t", domains=("example.com",), base_url="https://www.example.com/",
                article_url_pattern=r"/news/\d{4}/")


def test_wayback_json_array_with_resume_key() -> None:
    body = json.dumps([
        ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"],
        ["com,example)/news/2020/a-1", "20201123101500", "https://www.example.com/news/2020/a-1", "text/html", "200", "AAA", "900"],
        ["com,example)/news/2020/a-1", "20201124101500", "https://www.example.com/news/2020/a-1", "text/html", "200", "AAA", "900"],
        [],
        ["com,example)/news/2020/a-2 20201125000000"],
    ]).encode()
    answer = read_cdx(body)
    captures, resume = answer.captures, answer.resume
    assert answer.errors == []
    assert [c.url for c in captures] == ["https://www.example.com/news/2020/a-1"] * 2
    assert resume == "com,example)/news/2020/a-2 20201125000000"
    assert captures[0].captured_at == datetime(2020, 11, 23, 10, 15, tzinfo=UTC)
    assert len(unique_content(captures)) == 1  # same digest: one fetch


def test_pywb_ndjson_with_warc_location() -> None:
    body = b'{"urlkey": "x", "timestamp": "20201123", "url": "https://www.example.com/news/2020/b", "mime": "text/html", ' \
           b'"status": "200", "digest": "D", "length": "512", "offset": "1024", "filename": "crawl/x.warc.gz"}\n'
    answer = read_cdx(body)
    [c], resume = answer.captures, answer.resume
    assert resume is None and (c.filename, c.offset, c.length, c.status) == ("crawl/x.warc.gz", 1024, 512, "200")
    assert commoncrawl.range_header(c) == "bytes=1024-1535"
    assert commoncrawl.record_url("https://data.example.org/", c) == "https://data.example.org/crawl/x.warc.gz"
    with pytest.raises(CdxError):
        read_cdx(b"<html>rate limited</html>")


def _pywb_line(n: int, timestamp: str | None = None) -> str:
    return json.dumps({"urlkey": "x", "timestamp": timestamp or f"202011{n + 10:02d}101500",
                       "url": f"https://www.example.com/news/2020/p-{n}", "mime": "text/html", "status": "200",
                       "digest": f"D{n}", "length": "512", "offset": str(1024 * n), "filename": "crawl/x.warc.gz"})


def test_cdx_bad_line_is_one_error_and_the_rest_of_the_page_is_kept() -> None:
    """pywb's one object a line: a cut or garbled line in the middle, the first and the last lines kept."""
    lines = [_pywb_line(n) for n in range(5)]
    lines[2] = lines[2][:37]  # cut mid-object
    answer = read_cdx("\n".join(lines).encode())
    assert [c.url.rsplit("-", 1)[1] for c in answer.captures] == ["0", "1", "3", "4"]
    assert len(answer.errors) == 1 and answer.errors[0].startswith("line 3 is not JSON")


def test_wayback_array_with_a_broken_row_keeps_the_other_rows() -> None:
    """The Wayback Machine's JSON array, one row a line: a broken row breaks the array, not its page."""
    header = '["urlkey","timestamp","original","mimetype","statuscode","digest","length"]'
    rows = [f'["k","2020112{n}101500","https://www.example.com/news/2020/w-{n}","text/html","200","W{n}","9"]'
            for n in range(4)]
    rows[1] = rows[1][:30]
    body = "[" + ",\n".join([header, *rows, "[]", '["resume-key"]']) + "]"
    answer = read_cdx(body.encode())
    assert [c.url[-1] for c in answer.captures] == ["0", "2", "3"]
    assert answer.resume == "resume-key" and len(answer.errors) == 1


def test_cdx_row_with_a_bad_timestamp_is_one_error() -> None:
    """A row whose timestamp is no date: that row is counted as an error, the rows after it are kept."""
    lines = [_pywb_line(0), _pywb_line(1, "2020-11-2X"), _pywb_line(2, "20201399000000"), _pywb_line(3)]
    answer = read_cdx("\n".join(lines).encode())
    assert [c.url[-1] for c in answer.captures] == ["0", "3"]
    assert len(answer.errors) == 2 and all("bad timestamp" in e for e in answer.errors)
    assert all(c.captured_at.year == 2020 for c in answer.captures)


def test_wayback_query_and_raw_capture_address() -> None:
    url = wayback.cdx_query_url("https://web.archive.org/cdx/search/cdx", wayback.url_prefix("https://www.youm7.com/"),
                                *WINDOW, limit=500, resume_key="k")
    for part in ("url=youm7.com%2F", "matchType=prefix", "from=20201109000000", "to=20201215235900",
                 "filter=statuscode%3A200", "filter=mimetype%3Atext%2Fhtml", "collapse=digest", "resumeKey=k"):
        assert part in url
    c = Capture("https://www.youm7.com/story/1", "20201123101500")
    assert wayback.replay_url("https://web.archive.org/web/", c) == \
        "https://web.archive.org/web/20201123101500id_/https://www.youm7.com/story/1"


def test_prefixes_per_declared_host() -> None:
    assert wayback.url_prefixes("https://arabic.people.com.cn/", ("arabic.people.com.cn", "arabic.peopledaily.com.cn")) \
        == ["arabic.people.com.cn/", "arabic.peopledaily.com.cn/"]
    # An outlet under a path owns only that path: not the whole of its host.
    assert wayback.url_prefixes("https://www.bbc.com/arabic", ("bbc.com", "bbci.co.uk")) == ["bbc.com/arabic/"]
    assert wayback.url_prefixes("http://127.0.0.1:8765/youm7/", ("127.0.0.1",)) == ["127.0.0.1:8765/youm7/"]


def test_collinfo_crawls_overlapping_the_window() -> None:
    body = json.dumps([
        {"id": "CC-MAIN-2021-04", "cdx-api": "https://i/CC-MAIN-2021-04-index", "from": "2021-01-15T00:00:00", "to": "2021-01-28T00:00:00"},
        {"id": "CC-MAIN-2020-50", "cdx-api": "https://i/CC-MAIN-2020-50-index", "from": "2020-11-23T00:00:00", "to": "2020-12-06T00:00:00"},
        {"id": "CC-MAIN-2020-45", "cdx-api": "https://i/CC-MAIN-2020-45-index"},  # no dates: from the id
        {"id": "CC-MAIN-2019-47", "cdx-api": "https://i/CC-MAIN-2019-47-index"},
    ]).encode()
    crawls = commoncrawl.parse_collinfo(body)
    assert [c.id for c in commoncrawl.overlapping(crawls, *WINDOW)] == ["CC-MAIN-2020-50", "CC-MAIN-2020-45"]
    with pytest.raises(commoncrawl.CommonCrawlError):
        commoncrawl.parse_collinfo(b"not json")


def test_warc_record_by_byte_range_and_local_files(tmp_path: Path) -> None:
    html = "<html><body><p>قمة ووتشن</p></body></html>".encode()
    pages = [ArchivedPage("https://www.example.com/news/2020/a", datetime(2020, 11, 23, tzinfo=UTC), html),
             ArchivedPage("https://www.example.com/logo.png", datetime(2020, 11, 23, tzinfo=UTC), b"\x89PNG", "image/png"),
             ArchivedPage("https://www.example.com/news/2019/b", datetime(2019, 1, 1, tzinfo=UTC), html)]
    gz = write_warc(tmp_path / "a.warc.gz", pages)
    plain = write_warc(tmp_path / "a.warc", pages, gzip=False)
    for f in (gz, plain):
        assert [p.url for p in html_pages(f)] == [pages[0].url, pages[2].url]  # HTML only, all dates
        assert [p.url for p in html_pages(f, *WINDOW)] == [pages[0].url]
    page = commoncrawl.parse_record(gz.read_bytes())  # the first record, as a byte range would give it
    assert page is not None and page.body == html and page.url == pages[0].url
    with pytest.raises(WarcFileError, match="not found"):
        list(html_pages(tmp_path / "missing.warc"))
    check_warc(gz)
    check_warc(plain)
    (tmp_path / "notes.warc").write_text("not a WARC file", encoding="utf-8")
    with pytest.raises(WarcFileError, match="notes.warc: not a readable WARC file"):
        check_warc(tmp_path / "notes.warc")


def test_cheap_filters_pattern_slug_and_date() -> None:
    inside = "20201123000000"
    assert slug_matches("https://www.example.com/news/2020/wic-wuzhen-opening", FORMS) is True
    arabic = "https://www.example.com/news/2020/%D9%82%D9%85%D8%A9-%D9%88%D9%88%D8%AA%D8%B4%D9%86-2020"  # قمة-ووتشن-2020
    assert slug_matches(arabic, FORMS) is True
    assert slug_matches("https://www.example.com/news/2020/foldable-phone-battery", FORMS) is False
    assert slug_matches("https://www.example.com/news/2020/c_139537410.htm", FORMS) is None  # an id: fetched
    assert reject_reason(Capture(arabic, inside), OUTLET, *WINDOW, FORMS) is None
    assert reject_reason(Capture("https://www.example.com/tag/china", inside), OUTLET, *WINDOW, FORMS) == "pattern"
    assert reject_reason(Capture("https://www.example.com/news/2020/football-final", inside), OUTLET, *WINDOW, FORMS) == "slug"
    assert reject_reason(Capture(arabic, "20190101000000"), OUTLET, *WINDOW, FORMS) == "date"


def test_backfill_window_from_the_topic_event(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, "http://127.0.0.1:9", "p"), env={})
    plan = plan_backfill(config, start=None, end=None, topic="wic-2020", archives=None, warc_files=None, source_names=None)
    assert (plan.start.date().isoformat(), plan.end.date().isoformat()) == ("2020-11-09", "2020-12-15")
    assert plan.archives == ["ia", "cc"] and not plan.dated  # WARC files given too would be read whole
    only_warc = plan_backfill(config, start=None, end=None, topic=None, archives=None, warc_files=["x.warc"], source_names=None)
    assert only_warc.archives == [] and only_warc.warc_files == ["x.warc"] and not only_warc.dated
    dated = plan_backfill(config, start=WINDOW[0], end=None, topic=None, archives=None, warc_files=["x.warc"],
                          source_names=None)
    assert dated.dated and dated.start == WINDOW[0]
    config.topics["wic-2020"].event_start = None
    with pytest.raises(ConfigError, match="event_start"):
        plan_backfill(config, start=None, end=None, topic=None, archives=["ia"], warc_files=None, source_names=None)
    with pytest.raises(ConfigError, match="empty"):
        plan_backfill(config, start=WINDOW[1], end=WINDOW[0], topic=None, archives=["ia"], warc_files=None, source_names=None)


def test_archive_hosts_are_paced_one_request_at_a_time(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, "http://127.0.0.1:9", "p"), env={})
    slots = archive_slots(config)
    # CDX (0.4/s) and playback (1/s) share web.archive.org: the slower rate holds for the host.
    assert slots["web.archive.org"] == {"concurrency": 1, "delay": 2.5, "randomize_delay": False}
    assert slots["index.commoncrawl.org"]["delay"] == 1.0 and slots["data.commoncrawl.org"]["delay"] == 1.0


def test_state_survives_a_restart(tmp_path: Path) -> None:
    key = query_key("ia", "wayback", "youm7.com/", *WINDOW)
    BackfillState(tmp_path / "s.json").finish(key, captures=3)
    again = BackfillState(tmp_path / "s.json")
    assert again.is_done(key) and again.done[key]["captures"] == 3
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.json"):
        BackfillState(tmp_path / "bad.json")


def test_route_and_outlet_rows() -> None:
    rows = route_rows({"feed": 4, "archive:ia": 2}, {"feed": {"fetched": 4, "kept": 1, "errors": 1}}, expected=["gdelt"])
    assert [r["route"] for r in rows] == ["archive:ia", "feed", "gdelt"]
    assert rows[1] == {"route": "feed", "discovered": 4, "fetched": 4, "kept": 1, "errors": 1}
    assert rows[2]["discovered"] == 0  # a dry route still has its row
    assert add_up(rows + rows, "route")[1]["kept"] == 2
    out = outlet_rows({"youm7": {"discovered": 3, "fetched": 2, "stored": 1, "errors/http_503": 1, "errors/timeout": 1}})
    assert out == [{"outlet": "youm7", "discovered": 3, "fetched": 2, "kept": 1, "errors": 2}]

