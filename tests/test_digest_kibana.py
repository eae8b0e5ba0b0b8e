"""Kibana links in the digest only for a Kibana that answers; otherwise how to search with `rasad search`.

Kibana here is tests.kibana_helpers.kibana_server: a local HTTP server answering as Kibana's status
API does (the only stand-in allowed); "unreachable" is a port nothing listens on, and a socket that
accepts connections but never answers.
"""

from __future__ import annotations

import socket
import time
from datetime import timedelta
from pathlib import Path

import pytest

from reports.kibana_probe import TIMEOUT_S, kibana_answers
from reports.service import make_digest
from tests.conftest import free_port
from tests.digest_helpers import sample_articles
from tests.kibana_helpers import kibana_server
from tests.test_digest_ux import P0, P1

SEARCH = "rasad search 'المؤتمر العالمي للإنترنت'"


def _files(outcome) -> tuple[str, str]:
    html = next(Path(f) for f in outcome.files if f.endswith(".html")).read_text(encoding="utf-8")
    text = next(Path(f) for f in outcome.files if f.endswith(".txt")).read_text(encoding="utf-8")
    return html, text


@pytest.mark.es
def test_answering_kibana_gets_discover_links(config, store) -> None:
    store.index_articles(sample_articles(P0 + timedelta(hours=1)))
    with kibana_server() as (url, paths):
        config.digest.kibana_url = url
        html, text = _files(make_digest(config, store, since=P0, until=P1, now=P1))
    assert paths == ["/api/status"]  # one quick check
    assert f"{url}/app/discover#/" in html and f"Kibana: {url}/app/discover#/" in text
    assert "rasad search" not in html and "rasad search" not in text


@pytest.mark.es
def test_unreachable_kibana_gets_the_search_command_instead(config, store) -> None:
    store.index_articles(sample_articles(P0 + timedelta(hours=1)))
    config.digest.kibana_url = f"http://127.0.0.1:{free_port()}"
    html, text = _files(make_digest(config, store, since=P0, until=P1, now=P1))
    assert "/app/discover" not in html and "/app/discover" not in text and "Kibana" not in text
    # Arabic wording, the command left-to-right inside the right-to-left report.
    assert f"للبحث في المقالات المخزنة من سطر الأوامر: {SEARCH}" in text
    assert f"{SEARCH} --relation copy" in text and "rasad show" in text
    assert '<html lang="ar" dir="rtl">' in html and "البحث من سطر الأوامر" in html
    assert '<span dir="ltr"' in html and f"{SEARCH} --relation rewrite" in html.replace("&#39;", "'")


@pytest.mark.es
def test_empty_period_without_kibana_says_how_to_search(config, store) -> None:
    config.digest.kibana_url = ""  # not configured: not even checked
    html, text = _files(make_digest(config, store, since=P0, until=P1, now=P1))
    assert "لا تغطية جديدة" in text and SEARCH in text and "Kibana" not in text
    assert "فتح الفترة في Kibana" not in html and SEARCH in html.replace("&#39;", "'")


def test_kibana_behind_a_login_counts_and_other_servers_do_not() -> None:
    with kibana_server(status=401, body=b"") as (url, _):
        assert kibana_answers(url)
    with kibana_server(status=404, body=b"<html>not here</html>") as (url, _):
        assert not kibana_answers(url)
    with kibana_server(status=200, body=b"<html>a web server, not Kibana</html>") as (url, _):
        assert not kibana_answers(url)
    assert not kibana_answers("") and not kibana_answers("kibana:5601")


def test_a_kibana_that_never_answers_is_given_up_within_the_deadline() -> None:
    with socket.socket() as silent:  # accepts connections (backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        started = time.monotonic()
        assert not kibana_answers(f"http://127.0.0.1:{silent.getsockname()[1]}")
        assert time.monotonic() - started < TIMEOUT_S + 1.0
    started = time.monotonic()
    assert not kibana_answers(f"http://127.0.0.1:{free_port()}")  # refused: at once
    assert time.monotonic() - started < 1.0
