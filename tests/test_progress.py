"""The progress display (jobs/progress.py), fed by a real crawl child of the fixture site, and the summary table."""

from __future__ import annotations

import io
import logging
import uuid

import pytest

from crawler.run import run_crawl
from crawler.store import Store
from jobs.commands.crawl import summary_table
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
    assert plain[0].split() == ["outlet", "pages", "new", "updated", "irrelevant", "dropped", "failed", "known",
                                "unchanged"]
    assert plain[1].split()[:7] == ["aljazeera", "15", "2", "0", "0", "0", "3"] and "exp." not in plain[1]
    assert plain[-1].split()[:2] == ["all", "25"]
    labelled = summary_table(per_source, expected={"aljazeera": 3}).splitlines()
    assert "3 (3 exp.)" in labelled[1] and "3 (3 exp.)" in labelled[-1]
    assert "exp." not in labelled[2]  # no failures: nothing to label


def test_expected_failures_follow_the_fixture_manifest() -> None:
    expected = expected_failures()
    # aljazeera: a 404 feed, a 500 page and an empty page; youm7: robots-disallowed and truncated pages.
    assert expected["aljazeera"] == 3 and expected["youm7"] == 2
    assert expected["cgtn_arabic"] == 1 and expected["sky_news_arabia"] == 1 and expected["xinhua_arabic"] == 0


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
