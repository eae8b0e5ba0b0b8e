"""Digest rough edges: previews are not queued, no English in the Arabic digest, no orphan chart in an
empty one, Kibana links that follow the index prefix, and a mail sink that keeps every message.
SMTP is a real aiosmtpd server (the demo's own sink); Elasticsearch is the real node."""

from __future__ import annotations

import email
import email.policy
import re
import smtplib
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest

from jobs.kibana import load_objects, saved_object_files, with_index_prefix
from jobs.mailsink import MailSink
from reports.digest import build_digest
from reports.render import render_html, render_text
from reports.service import make_digest, send_pending
from tests.digest_helpers import TOPIC, sample_articles
from tests.kibana_helpers import kibana_server

P0 = datetime(2026, 11, 26, tzinfo=UTC)
P1 = datetime(2026, 11, 27, tzinfo=UTC)


class _VisibleText(HTMLParser):
    """Text a reader sees: element text plus alt/title attributes; not URLs, not styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1
        self.parts += [v for k, v in attrs if k in ("alt", "title") and v]

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _latin_words(text: str, allowed: set[str]) -> list[str]:
    text = re.sub(r"https?://\S+", " ", text)
    return [w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in allowed]


def _allowed(digest) -> set[str]:
    # Kibana is a product name; the topic and the digest id are identifiers the reader may search for.
    return {"Kibana", *re.findall(r"[A-Za-z]{2,}", digest.topic), *re.findall(r"[A-Za-z]{2,}", digest.digest_id)}


@pytest.mark.parametrize("articles", [sample_articles(P0), []], ids=["with coverage", "empty"])
def test_no_english_in_the_arabic_digest(articles) -> None:
    d = build_digest(articles, topic=TOPIC, period_start=P0, period_end=P1, kibana_url="http://kibana:5601")
    parser = _VisibleText()
    parser.feed(render_html(d, d.chart_cid))
    for name, text in (("html", " ".join(parser.parts)), ("text", render_text(d))):
        assert _latin_words(text, _allowed(d)) == [], name
    assert "UTC" not in render_text(d) and "بالتوقيت العالمي" in render_text(d)


@pytest.mark.es
def test_empty_digest_attaches_no_chart(config, store) -> None:
    outcome = make_digest(config, store, since=P0, until=P1, now=P1, send=False)
    assert outcome.article_count == 0 and outcome.files
    assert not [f for f in outcome.files if f.endswith(".png")]
    eml = next(Path(f) for f in outcome.files if f.endswith(".eml"))
    msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert [p.get_content_type() for p in msg.walk()] == ["multipart/alternative", "text/plain", "text/html"]
    html = next(Path(f) for f in outcome.files if f.endswith(".html")).read_text(encoding="utf-8")
    assert "<img" not in html and "لا تغطية جديدة" in html


@pytest.mark.es
def test_digest_with_coverage_still_has_its_inline_chart(config, store) -> None:
    store.index_articles(sample_articles(P0 + timedelta(hours=1)))
    outcome = make_digest(config, store, since=P0, until=P1, now=P1)
    assert any(f.endswith(".png") for f in outcome.files)
    eml = next(Path(f) for f in outcome.files if f.endswith(".eml"))
    msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert "image/png" in [p.get_content_type() for p in msg.walk()]


@pytest.mark.es
def test_preview_is_not_recorded_and_its_articles_go_into_the_next_real_digest(config, store, capsys) -> None:
    from jobs.cli import main

    store.index_articles(sample_articles(P0 + timedelta(hours=1)))
    config_file = config.source_file
    assert main(["--config", config_file, "digest", "--since", P0.isoformat(), "--until", P1.isoformat()]) == 0
    out = capsys.readouterr().out
    assert "preview" in out and "nothing will be sent" in out
    html = next(line.strip() for line in out.splitlines() if line.strip().endswith(".html"))
    assert Path(html).exists() and str(config.path(config.digest.out_dir)) in html
    assert store.digests() == []
    config.digest.recipients = ["desk@example.org"]
    config.smtp.port = 9  # nothing listens: a pending digest would fail here instead of staying silent
    assert send_pending(config, store) == 0
    real = make_digest(config, store, since=P0, until=P1, now=P1)  # the scheduled kind: recorded
    assert real.article_count == 15 and real.status == "pending"


@pytest.mark.es
def test_kibana_links_point_at_the_configured_prefix(config, store) -> None:
    store.index_articles(sample_articles(P0 + timedelta(hours=1)))
    with kibana_server() as (url, _):  # links are written only for a Kibana that answers
        config.digest.kibana_url = url
        outcome = make_digest(config, store, since=P0, until=P1, now=P1)
    html = unescape(unquote(next(Path(f) for f in outcome.files if f.endswith(".html")).read_text(encoding="utf-8")))
    prefix = config.elasticsearch.index_prefix
    assert f"index:'{prefix}-articles'" in html and "index:'rasad-articles'" not in html


def test_kibana_import_names_data_views_after_the_prefix() -> None:
    objects = with_index_prefix(load_objects(saved_object_files()), "rasad-demo")
    views = {o["id"]: o["attributes"]["title"] for o in objects if o["type"] == "index-pattern"}
    assert views == {"rasad-demo-articles": "rasad-demo-articles", "rasad-demo-runs": "rasad-demo-runs"}
    refs = {r["id"] for o in objects for r in o.get("references", []) if r["type"] == "index-pattern"}
    assert refs <= set(views) and "rasad-demo-articles" in refs


def _send(port: int, subject: str) -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "rasad@localhost", "demo@localhost", subject
    msg.set_content("نص")
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.send_message(msg)


def test_mail_sink_keeps_every_message_across_runs(tmp_path: Path) -> None:
    for subject in ("first", "second"):
        sink = MailSink(tmp_path / "mail").start()
        try:
            _send(sink.port, subject)
        finally:
            sink.stop()
    files = sorted((tmp_path / "mail").glob("message-*.eml"))
    assert [f.name for f in files] == ["message-001.eml", "message-002.eml"]
    subjects = [email.message_from_bytes(f.read_bytes(), policy=email.policy.default)["Subject"] for f in files]
    assert subjects == ["first", "second"]


# -- issue 21: true hints, previews that record nothing -----------------------------------------


def _cli_env(config_file: str, **extra: str) -> dict[str, str]:
    import os

    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(Path(config_file).parent),
            "RASAD_CONFIG": config_file, **extra}


def _rasad(config_file: str, *args: str, **env: str):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "jobs.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env=_cli_env(config_file, **env))


ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.es
def test_the_demo_hint_of_an_empty_digest_shows_the_demo_articles_when_run(config, store) -> None:
    """The hint names a command; run as printed, it shows the demo's articles although an earlier
    (demo) digest already reported them."""
    import shlex
    import subprocess

    from crawler.store import Store

    demo_cfg = config.model_copy(deep=True)
    demo_cfg.elasticsearch.index_prefix = f"{config.elasticsearch.index_prefix}-demo"
    demo_store = Store(demo_cfg)
    demo_store.init()
    now = datetime.now(UTC)
    demo_store.index_articles(sample_articles(now - timedelta(days=1), topic=config.default_topic))
    earlier = make_digest(demo_cfg, demo_store)  # the demo's own digest: recorded, its articles reported
    assert earlier.article_count == 15 and earlier.status == "pending"

    empty = _rasad(config.source_file, "digest")
    assert empty.returncode == 0, empty.stderr
    hint = next(line for line in empty.stdout.splitlines() if line.startswith("hint:"))
    command = hint.split("see them with: ", 1)[1]
    words = shlex.split(command)
    env = dict(w.split("=", 1) for w in words if "=" in w and not w.startswith("-"))
    argv = [w for w in words if w not in {f"{k}={v}" for k, v in env.items()}]
    assert argv[0] == ".venv/bin/rasad" and env == {"RASAD_INDEX_PREFIX": demo_cfg.elasticsearch.index_prefix}
    shown = subprocess.run(command, shell=True, cwd=ROOT, capture_output=True, text=True, timeout=300,
                           env=_cli_env(config.source_file))
    assert shown.returncode == 0, shown.stderr
    assert "preview" in shown.stdout and ": 15 articles" in shown.stdout, shown.stdout
    # Without --all the same period shows none of them: they were reported by the earlier digest.
    plain = _rasad(config.source_file, "digest", "--since", "30d", RASAD_INDEX_PREFIX=demo_cfg.elasticsearch.index_prefix)
    assert ": 0 articles" in plain.stdout, plain.stdout
    assert _rasad(config.source_file, "digest", "--all", "--send").returncode == 2  # --all is for previews


@pytest.mark.es
def test_a_preview_writes_no_run_record_and_no_digest_record(config, store) -> None:
    store.index_articles(sample_articles(P0 + timedelta(hours=1)))
    store.refresh()  # the command is another process: it sees only what is refreshed
    before = store.runs()
    done = _rasad(config.source_file, "digest", "--since", P0.isoformat(), "--until", P1.isoformat())
    assert done.returncode == 0, done.stderr
    assert ": 15 articles" in done.stdout and "not recorded" in done.stdout
    store.client.indices.refresh(index=f"{config.elasticsearch.index_prefix}-*")
    assert store.runs() == before == [] and store.digests() == []


def test_a_preview_with_elasticsearch_down_spools_nothing(tmp_path: Path) -> None:
    """A preview against a cluster that is down says so (exit 1) and leaves no record in the spool that a
    later run would replay."""
    from tests.conftest import free_port, write_config

    cfg = write_config(tmp_path, f"http://127.0.0.1:{free_port()}", "rasad-tpreview")
    done = _rasad(str(cfg), "digest")
    assert done.returncode == 1 and "unreachable" in done.stderr, done.stdout + done.stderr
    spool = tmp_path / "spool"
    assert not spool.exists() or list(spool.iterdir()) == []


@pytest.mark.es
def test_digest_footer_shows_a_route_that_is_off_as_off_not_as_found_nothing(config, store) -> None:
    """Google News is off by default (crawl.google_news = false): its row of zeros is not a dry route."""
    store.index_articles(sample_articles(P0 + timedelta(hours=1)))
    store.refresh()  # the command is another process: it sees only what is refreshed
    zero = {"discovered": 0, "fetched": 0, "kept": 0, "errors": 0}
    store.record_run({"run_id": "crawl-footer", "kind": "crawl", "status": "ok", "trigger": "manual",
                      "started_at": (P0 + timedelta(hours=2)).isoformat(),
                      "finished_at": (P0 + timedelta(hours=3)).isoformat(),
                      "routes": [{"route": "feed", "discovered": 5, "fetched": 5, "kept": 4, "errors": 0},
                                 {"route": "sitemap", **zero}, {"route": "google-news", **zero}]})
    done = _rasad(config.source_file, "digest", "--since", P0.isoformat(), "--until", P1.isoformat())
    assert done.returncode == 0, done.stderr
    txt = next(Path(line.strip()) for line in done.stdout.splitlines() if line.strip().endswith(".txt"))
    rows = {line.split(":")[0].lstrip("- "): line for line in txt.read_text(encoding="utf-8").splitlines()
            if line.startswith("- ") and " / " in line}
    assert rows["أخبار غوغل"].endswith("متوقفة في الإعدادات") and "لم تجد شيئا" not in rows["أخبار غوغل"]
    assert rows["خرائط المواقع"].endswith("لم تجد شيئا")  # on, and found nothing: still flagged
    html = txt.with_suffix(".html").read_text(encoding="utf-8")
    google = next(line for line in html.splitlines() if "أخبار غوغل" in line)
    assert "متوقفة في الإعدادات" in google and "#b44d12" not in google  # not in the warning colour
