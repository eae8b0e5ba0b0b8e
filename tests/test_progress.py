"""The progress display (jobs/progress.py), fed by a real crawl child of the fixture site, and the summary table."""

from __future__ import annotations

import io
import logging
import re
import uuid

import pytest

from crawler.run import run_crawl
from crawler.store import Store
from jobs.commands.crawl import crawl_line, summary_table
from jobs.commands.demo import expected_failures
from jobs.fixture_site import start_fixture_site
from jobs.progress import CrawlProgress, progress_counts, progress_text
from tests.test_crawl import crawl_config, drop_indices

SNAPSHOT = {
    "outlets": 6,
    "fetched": 12,
    "relevant": 5,
    "indexed": 3,
    "error_kinds": {"http_404": 2, "robots": 1},
    "per_source": {
        "aljazeera": {"pages": 4, "fetched": 5, "errors/http_404": 1},
        "youm7": {"pages": 2, "fetched": 3},
        "cgtn_arabic": {"errors/http_404": 1},
    },
}


def test_counts_of_a_snapshot() -> None:
    assert progress_counts(SNAPSHOT) == {"outlets_reached": 3, "outlets": 6, "pages": 18, "kept": 5, "errors": 3}
    assert progress_text("crawl", progress_counts(SNAPSHOT)) == (
        "crawl  outlets 3/6  pages 18  articles kept 5  errors 3")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_display_on_a_terminal_shows_the_counts_and_is_cleared() -> None:
    screen = _Terminal()
    with CrawlProgress("backfill", stream=screen) as progress:
        assert progress.enabled
        progress.update(SNAPSHOT)
        progress._progress.refresh()
        shown = screen.getvalue()
    assert "backfill  outlets 3/6  pages 18  articles kept 5  errors 3" in shown
    assert progress.last == progress_counts(SNAPSHOT)


def test_display_is_off_when_not_a_terminal() -> None:
    pipe = io.StringIO()  # isatty() is False, as for `rasad crawl > file` or cron
    with CrawlProgress("crawl", stream=pipe) as progress:
        assert not progress.enabled
        progress.update(SNAPSHOT)
    assert pipe.getvalue() == ""
    assert progress.last == progress_counts(SNAPSHOT)  # still counted, for callers that want the numbers


def test_summary_table_labels_expected_failures() -> None:
    per_source = {"aljazeera": {"pages": 10, "fetched": 5, "created": 2, "errors/http_404": 1, "errors/http_500": 1,
                                "errors/extraction": 1},
                  "xinhua_arabic": {"pages": 6, "fetched": 4, "created": 2}}
    plain = summary_table(per_source).splitlines()
    assert plain[0].split() == ["outlet", "pages", "new", "updated", "irrelevant", "dropped", "unreadable", "failed",
                                "known", "unchanged"]
    # The unreadable page was fetched; the 404 and the 500 were failed requests.
    assert plain[1].split()[:8] == ["aljazeera", "15", "2", "0", "0", "0", "1", "2"] and "exp." not in plain[1]
    assert plain[-1].split()[:2] == ["all", "25"]
    labelled = summary_table(per_source, expected={"aljazeera": {"unreadable": 1, "failed": 2}}).splitlines()
    assert "1 (1 exp.)" in labelled[1] and "2 (2 exp.)" in labelled[1] and "2 (2 exp.)" in labelled[-1]
    assert "exp." not in labelled[2]  # no failures: nothing to label


def test_expected_failures_follow_the_fixture_manifest() -> None:
    expected = expected_failures()
    # aljazeera: a 404 feed and a 500 page fail, an empty page is unreadable; youm7: a robots-disallowed page
    # fails, a truncated one is unreadable.
    assert expected["aljazeera"] == {"failed": 2, "unreadable": 1}
    assert expected["youm7"] == {"failed": 1, "unreadable": 1}
    assert expected["cgtn_arabic"] == {"failed": 1, "unreadable": 0}
    assert expected["sky_news_arabia"] == {"failed": 1, "unreadable": 0}
    assert expected["xinhua_arabic"] == {"failed": 0, "unreadable": 0}


def test_crawl_line_adds_up_in_the_words_of_the_table() -> None:
    """The demo's crawl: 19 fetched were 11 kept + 4 irrelevant + 2 dropped + 2 unreadable; 5 requests failed."""
    counts = {"fetched": 19, "indexed": 11, "created": 11, "dropped_irrelevant": 4, "dropped_old": 1,
              "dropped_language": 1, "errors_extraction": 2, "errors_http_404": 2, "errors_http_500": 1,
              "errors_redirect_loop": 1, "errors_robots": 1, "failed": 0, "spooled": 0}
    line = crawl_line({"run_id": "crawl-1", "status": "ok", "duration_s": 3.0, "counts": counts})
    assert line == ("crawl crawl-1: ok in 3.0s; 19 articles fetched: 11 kept (11 new), 4 irrelevant, 2 dropped, "
                    "2 unreadable; 5 failed requests")
    numbers = [int(n) for n in re.findall(r"(\d+) (?:kept|irrelevant|dropped|unreadable|not stored|other)", line)]
    assert sum(numbers) == 19
    lost = crawl_line({"counts": {**counts, "indexed": 9, "failed": 1, "spooled": 1}})
    assert "10 kept (11 new, 1 spooled)" in lost and "1 not stored" in lost  # still 19 in all


@pytest.mark.es
@pytest.mark.slow
def test_crawl_child_feeds_the_display_and_its_log_lines_go_to_the_log(es_url, tmp_path, caplog) -> None:
    server = start_fixture_site()
    prefix = f"rasad-p{uuid.uuid4().hex[:8]}"
    config = crawl_config(tmp_path, es_url, prefix, server)
    store = Store(config)
    store.init()
    snapshots: list[dict] = []
    try:
        with caplog.at_level(logging.INFO, logger="crawler.child"):
            stats = run_crawl(config, run_id="progress-1", on_progress=snapshots.append)
    finally:
        drop_indices(store, prefix)
        store.close()
        server.stop()
    assert len(snapshots) >= 2
    last = progress_counts(snapshots[-1])
    assert last["outlets"] == len(config.crawl.sources) == last["outlets_reached"]
    assert last["kept"] == stats.relevant > 0
    assert last["errors"] == sum(stats.error_kinds.values()) > 0
    pages = [progress_counts(s)["pages"] for s in snapshots]
    assert pages == sorted(pages) and pages[-1] > pages[0]
    child = [r for r in caplog.records if r.name == "crawler.child"]
    assert any("Spider opened" in r.getMessage() for r in child)
    # The fixture's 500 page: Scrapy's own ERROR line keeps its level in the parent's log.
    assert any(r.levelno == logging.ERROR and "Gave up retrying" in r.getMessage() for r in child)
    assert not any("elasticsearch" in r.getMessage() and "_bulk" in r.getMessage() for r in child)
