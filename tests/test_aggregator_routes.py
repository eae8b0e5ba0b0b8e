"""`rasad sources check` reads the robots.txt of each aggregator route and says whether the crawl may
use it: Google News RSS search is reported as blocked by robots.txt (and stays off unless opted in),
GDELT as allowed.

A local server stands in for both services under the crawl's base URL override. Its robots.txt is the
one news.google.com is publicly reported to serve (every path disallowed to generic crawlers except
/, /home, /topics/, /publications/, /stories/, /swg/, /about), moved under the stand-in's /google-news/
prefix; the live file cannot be fetched here.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from crawler.sources.check import check_route_robots, fetch_url
from jobs import cli

GOOGLE_NEWS_ROBOTS = """User-agent: *
Disallow: /google-news/
Allow: /google-news/$
Allow: /google-news/home
Allow: /google-news/topics/
Allow: /google-news/publications/
Allow: /google-news/stories/
Allow: /google-news/swg/
Allow: /google-news/about
"""


class Handler(BaseHTTPRequestHandler):
    seen: list[str] = []
    robots: str | None = GOOGLE_NEWS_ROBOTS

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.seen.append(self.path)
        if self.path == "/robots.txt" and self.robots is not None:
            body = self.robots.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_error(404)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Handler.seen.clear()
    Handler.robots = GOOGLE_NEWS_ROBOTS
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def write_config(tmp_path: Path, site: str, google_news: bool) -> Path:
    path = tmp_path / "rasad.toml"
    path.write_text(
        f'[crawl]\nbase_url_override = "{site}/{{source}}"\ngoogle_news = {str(google_news).lower()}\n',
        encoding="utf-8",
    )
    return path


def route_lines(out: str) -> dict[str, str]:
    return {line.split()[2]: line for line in out.splitlines() if " aggregator " in line}


@pytest.mark.parametrize("opted_in", [False, True])
def test_sources_check_reports_google_news_blocked_by_robots(
    tmp_path: Path, site: str, capsys: pytest.CaptureFixture[str], opted_in: bool
):
    # The stand-in serves no outlet feed, so every outlet fails: exit 1 (failed); the route lines still come.
    assert cli.main(["--config", str(write_config(tmp_path, site, opted_in)), "sources", "check", "--timeout", "3"]) == 1
    lines = route_lines(capsys.readouterr().out)
    gn, gd = lines["google_news"], lines["gdelt"]
    # A route that is off says so first (it is never requested, so never a failure); its robots.txt still read.
    assert gn.startswith("BLOCKED aggregator google_news" if opted_in else "OFF  aggregator google_news")
    assert "blocked by robots.txt" in gn and f"{site}/robots.txt status=200" in gn
    assert ("[on]" in gn) if opted_in else ("[off (crawl.google_news)]" in gn)
    assert f"{site}/google-news/rss/search?q=" in gn
    assert gd.startswith("OK   aggregator gdelt [on]") and "allowed by robots.txt" in gd
    assert "/robots.txt" in Handler.seen  # the verdict comes from the file, fetched


def test_route_robots_verdicts(site: str):
    """The same parser as the crawl's (Protego): allowed paths stay allowed, 4xx robots allow all."""
    ua = "RasadBot/0.1"
    blocked = check_route_robots("google_news", f"{site}/google-news/rss/search?q=x", enabled=False, user_agent=ua)
    assert blocked.allowed is False and blocked.verdict == "blocked by robots.txt"
    topics = check_route_robots("google_news", f"{site}/google-news/topics/abc", enabled=False, user_agent=ua)
    assert topics.allowed is True
    Handler.robots = None  # robots.txt answers 404: RFC 9309 allows everything
    missing = check_route_robots("gdelt", f"{site}/gdelt/api/v2/doc/doc?query=x", enabled=True, user_agent=ua)
    assert (missing.allowed, missing.status) == (True, 404)
    dead = check_route_robots("gdelt", "http://127.0.0.1:9/x", enabled=True, user_agent=ua, timeout=2,
                              fetch=fetch_url)
    assert dead.allowed is None and dead.verdict.startswith("robots.txt unreadable")
