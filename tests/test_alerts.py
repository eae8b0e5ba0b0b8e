"""Alerts as they happen: the mail a run sends when it finds new copies, rewrites or conflicting figures.

SMTP is a real aiosmtpd server on 127.0.0.1 (the demo's own sink, jobs/mailsink.py); Elasticsearch
is the shared node; the crawl test crawls the fixture site with real Scrapy.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
import socket
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path

import pytest

from crawler.config import Config, ConfigError, load_config
from crawler.items import doc_id_for
from crawler.store import Store
from jobs.mailsink import MailSink
from reports.alerting import make_alert, preview_alert, send_pending_alerts
from tests.conftest import write_config
from tests.digest_helpers import TOPIC, sample_articles

pytestmark = pytest.mark.es

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)
# In sample_articles: four copies and two rewrites (one of them with conflicting figures).
ALERTED_IN_SAMPLE = 6


@pytest.fixture
def sink(tmp_path: Path):
    s = MailSink(tmp_path / "mail").start()
    yield s
    s.stop()


def _alerting(config: Config, port: int, **alerts) -> Config:
    cfg = config.model_copy(deep=True)
    cfg.alerts.enabled = True
    for key, value in alerts.items():
        setattr(cfg.alerts, key, value)
    cfg.digest.recipients = ["desk@example.org"]
    cfg.smtp.host, cfg.smtp.port, cfg.smtp.timeout, cfg.smtp.retries, cfg.smtp.retry_backoff = "127.0.0.1", port, 5, 1, 0.01
    return cfg


def _of_run(docs: list[dict], run_id: str) -> list[dict]:
    return [{**d, "run_id": run_id} for d in docs]


def _received(sink: MailSink) -> list[EmailMessage]:
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in sink.saved]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again: nothing listens there


def test_a_run_with_copies_sends_one_alert_once(config: Config, store: Store, sink: MailSink) -> None:
    cfg = _alerting(config, sink.port)
    store.index_articles(_of_run(sample_articles(T0), "crawl-1"))
    outcome = make_alert(cfg, store, run_id="crawl-1", finder="crawl", now=T0 + timedelta(hours=1))
    assert outcome.sent and outcome.status == "sent" and outcome.article_count == ALERTED_IN_SAMPLE
    assert outcome.counts == {"copy": 4, "rewrite": 2, "conflict": 1}
    (msg,) = _received(sink)
    assert msg["Message-ID"] == f"<alert-{outcome.alert_id}@rasad>"
    assert [a.addr_spec for a in msg["To"].addresses] == ["desk@example.org"]  # the digest's recipients
    assert "تنبيه" in str(msg["Subject"])
    text = msg.get_body(("plain",)).get_content()
    assert text.count(" * ") == ALERTED_IN_SAMPLE and "!! رقم متعارض" in text
    (record,) = store.alerts()
    assert record["status"] == "sent" and record["run_id"] == "crawl-1" and len(record["article_ids"]) == ALERTED_IN_SAMPLE

    # The same run again, then a run that found nothing new: no second mail.
    assert make_alert(cfg, store, run_id="crawl-1", finder="crawl").status == "sent"
    assert make_alert(cfg, store, run_id="crawl-2", finder="crawl").status == "nothing"
    assert len(sink.saved) == 1

    # A later run re-finding the same copies (upserts: new run id) plus one new copy alerts only the new one.
    again = _of_run(sample_articles(T0), "crawl-3")
    new = {**again[0], "url": "https://example.net/copy.html", "canonical_url": "https://example.net/copy.html"}
    new["id"] = doc_id_for(new["url"])
    store.index_articles([*again, new])
    later = make_alert(cfg, store, run_id="crawl-3", finder="crawl")
    assert later.sent and later.article_count == 1
    assert store.alerts()[-1]["article_ids"] == [new["id"]]
    assert len(sink.saved) == 2


def test_a_run_that_could_not_alert_is_caught_up_but_the_archive_is_not_alerted(
    config: Config, store: Store, sink: MailSink
) -> None:
    cfg = _alerting(config, sink.port)
    store.index_articles(_of_run(sample_articles(T0, prefix="archive/"), "crawl-0"))  # before alerts were on
    store.index_articles(_of_run(sample_articles(T0), "crawl-1"))
    first = make_alert(cfg, store, run_id="crawl-1", finder="crawl", now=T0 + timedelta(hours=1))
    assert first.article_count == ALERTED_IN_SAMPLE  # crawl-0's copies stay unalerted
    # crawl-2 indexed copies and ended before its alert step (stopped, Elasticsearch down): crawl-3 alerts them.
    store.index_articles(_of_run(sample_articles(T0 + timedelta(hours=2), prefix="late/"), "crawl-2"))
    caught_up = make_alert(cfg, store, run_id="crawl-3", finder="crawl", now=T0 + timedelta(hours=3))
    assert caught_up.sent and caught_up.article_count == ALERTED_IN_SAMPLE
    late = {d["id"] for d in sample_articles(T0, prefix="late/")}
    assert set(store.alerts()[-1]["article_ids"]) <= late
    assert len(sink.saved) == 2


def test_no_mail_when_nothing_qualifies_or_alerts_are_off(config: Config, store: Store, sink: MailSink) -> None:
    docs = _of_run(sample_articles(T0), "crawl-1")
    store.index_articles([d for d in docs if d["relation"] in ("related", "mention") and not d["facts_conflicting"]])
    assert make_alert(_alerting(config, sink.port), store, run_id="crawl-1", finder="crawl").status == "nothing"

    store.index_articles(docs)  # copies too, but alerts are off
    off = _alerting(config, sink.port)
    off.alerts.enabled = False
    assert make_alert(off, store, run_id="crawl-1", finder="crawl").status == "off"
    # Only copies asked for: rewrites and conflicts are not alerted.
    only = make_alert(_alerting(config, sink.port, on=["copy"]), store, run_id="crawl-1", finder="crawl")
    assert only.counts == {"copy": 4} and only.article_count == 4
    assert len(sink.saved) == 1 and len(store.alerts()) == 1


def test_smtp_down_leaves_the_alert_pending_and_a_later_run_resends_the_same_message(
    config: Config, store: Store, sink: MailSink, tmp_path: Path
) -> None:
    down = _alerting(config, _closed_port())
    store.index_articles(_of_run(sample_articles(T0), "crawl-1"))
    failed = make_alert(down, store, run_id="crawl-1", finder="crawl")
    assert not failed.sent and failed.status == "failed" and "127.0.0.1" in (failed.error or "")
    (record,) = store.alerts()
    assert record["status"] == "failed" and record["article_ids"]  # recorded before the try
    eml = next(Path(f) for f in record["files"] if f.endswith(".eml"))
    first_id = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)["Message-ID"]

    up = _alerting(config, sink.port)
    # The next run found nothing new: its alert step still resends the pending alert, and no new one.
    later = make_alert(up, store, run_id="crawl-2", finder="crawl")
    assert later.resent == 1 and later.status == "nothing"
    (msg,) = _received(sink)
    assert msg["Message-ID"] == first_id
    assert store.alerts()[0]["status"] == "sent" and store.alerts()[0]["attempts"] >= 2
    # Never twice: nothing is pending any more; the articles are not alerted again by a new run.
    assert send_pending_alerts(up, store) == 0
    assert make_alert(up, store, run_id="crawl-3", finder="crawl").status == "nothing"
    assert len(sink.saved) == 1


def test_rasad_alert_resends_what_smtp_refused(config: Config, store: Store, sink: MailSink, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from jobs.cli import main

    port = _closed_port()
    path = write_config(tmp_path / "cli", config.elasticsearch.url, config.elasticsearch.index_prefix,
                        extra=f"[alerts]\nenabled = true\n\n[smtp]\nhost = \"127.0.0.1\"\nport = {port}\nretries = 0\n")
    path.write_text(path.read_text(encoding="utf-8").replace("[digest]\n", '[digest]\nrecipients = ["desk@example.org"]\n'),
                    encoding="utf-8")
    cfg = load_config(path, env={})
    assert cfg.alerts.enabled and cfg.alert_recipients == ["desk@example.org"]
    store.index_articles(_of_run(sample_articles(T0), "backfill-1"))
    assert make_alert(cfg, store, run_id="backfill-1", finder="backfill").status == "failed"

    assert main(["--config", str(path), "alert"]) == 1  # still down: exit 1, says what is left
    assert "still undelivered: 1" in capsys.readouterr().out
    path.write_text(path.read_text(encoding="utf-8").replace(f"port = {port}", f"port = {sink.port}"), encoding="utf-8")
    assert main(["--config", str(path), "alert"]) == 0
    assert "alerts resent: 1; still undelivered: 0" in capsys.readouterr().out
    assert main(["--config", str(path), "alert"]) == 0  # nothing left: no second mail
    (msg,) = _received(sink)
    assert "البحث في أرشيفات الويب" in msg.get_body(("plain",)).get_content()  # found by the backfill


def test_one_mail_per_run_however_many_articles(config: Config, store: Store, sink: MailSink) -> None:
    cfg = _alerting(config, sink.port, max_articles=5)
    docs = [d for i in range(10) for d in sample_articles(T0, prefix=f"batch{i}/")]
    store.index_articles(_of_run(docs, "crawl-1"))
    outcome = make_alert(cfg, store, run_id="crawl-1", finder="crawl")
    assert outcome.sent and outcome.article_count == 10 * ALERTED_IN_SAMPLE
    (msg,) = _received(sink)
    text = msg.get_body(("plain",)).get_content()
    assert text.count(" * ") == 5
    assert f"و{10 * ALERTED_IN_SAMPLE - 5} مقالات أخرى لم تُعرض هنا (يعرض التنبيه 5 مقالا على الأكثر)" in text
    html = msg.get_body(("html",)).get_content()
    assert html.count("التشابه") == 5
    # Every article is counted and recorded as alerted, listed or not.
    assert len(store.alerts()[0]["article_ids"]) == 10 * ALERTED_IN_SAMPLE


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.root: dict[str, str | None] = {}

    def handle_starttag(self, tag, attrs):
        if tag == "html":
            self.root = dict(attrs)
        self.parts += [v for k, v in attrs if k in ("alt", "title") and v]

    def handle_data(self, data):
        self.parts.append(data)


def _latin_words(text: str, allowed: set[str]) -> list[str]:
    text = re.sub(r"https?://\S+", " ", text)
    return [w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in allowed]


def test_alert_is_arabic_right_to_left_without_english(config: Config, store: Store, sink: MailSink) -> None:
    store.index_articles(_of_run(sample_articles(T0), "crawl-1"))
    outcome = make_alert(_alerting(config, sink.port), store, run_id="crawl-1", finder="crawl")
    (msg,) = _received(sink)
    assert msg["Content-Language"] == "ar"
    html = msg.get_body(("html",)).get_content()
    parser = _Visible()
    parser.feed(html)
    assert parser.root.get("dir") == "rtl" and parser.root.get("lang") == "ar"
    assert '<body dir="rtl"' in html
    allowed = {*re.findall(r"[A-Za-z]{2,}", TOPIC), *re.findall(r"[A-Za-z]{2,}", outcome.alert_id)}
    text = msg.get_body(("plain",)).get_content()
    assert _latin_words(text, allowed) == []
    assert _latin_words(" ".join(parser.parts), allowed) == []
    assert "نسخ حرفي للمقال المرجعي" in text and "بالتوقيت العالمي" in text


def test_preview_writes_files_and_records_nothing(config: Config, store: Store, sink: MailSink) -> None:
    cfg = _alerting(config, sink.port)
    store.index_articles(_of_run(sample_articles(datetime.now(UTC) - timedelta(hours=1)), "crawl-1"))
    outcome = preview_alert(cfg, store)
    assert outcome.status == "preview" and outcome.article_count == ALERTED_IN_SAMPLE
    assert {Path(f).suffix for f in outcome.files} == {".html", ".txt", ".eml"}
    assert store.alerts() == [] and not sink.saved
    # The run's own alert still reports them all.
    assert make_alert(cfg, store, run_id="crawl-1", finder="crawl").article_count == ALERTED_IN_SAMPLE


@pytest.mark.parametrize(("section", "message"), [
    ('[alerts]\non = ["copies"]', "alerts.on.0"),
    ("[alerts]\nenabled = true\non = []", "alerts.on is empty"),
    ("[alerts]\nmax_articles = 0", "alerts.max_articles"),
    ("[alerts]\nrecipient = []", "did you mean 'recipients'"),
])
def test_bad_alerts_settings_are_refused_naming_the_key(tmp_path: Path, es_url: str, section: str, message: str) -> None:
    path = write_config(tmp_path, es_url, "rasad-alerts-cfg", extra=section)
    with pytest.raises(ConfigError) as err:
        load_config(path, env={})
    assert message in str(err.value) and str(path) in str(err.value)


def test_defaults_are_off_with_the_digest_recipients(tmp_path: Path, es_url: str) -> None:
    path = write_config(tmp_path, es_url, "rasad-alerts-cfg")
    path.write_text(path.read_text(encoding="utf-8").replace("[digest]\n", '[digest]\nrecipients = ["a@b.org"]\n'),
                    encoding="utf-8")
    cfg = load_config(path, env={})
    assert not cfg.alerts.enabled and cfg.alerts.on == ["copy", "rewrite", "conflict"] and cfg.alerts.max_articles == 50
    assert cfg.alert_recipients == ["a@b.org"]


@pytest.mark.slow
def test_a_real_crawl_that_finds_copies_mails_its_alert(es_url: str, tmp_path: Path, index_prefix: str,
                                                       sink: MailSink) -> None:
    """The fixture site's syndicated copies of the reference, crawled by real Scrapy: one alert mail."""
    from jobs import tasks
    from jobs.fixture_site import start_fixture_site
    from tests.conftest import drop_prefix

    site = start_fixture_site()
    extra = f"""
[crawl]
base_url_override = "{site.outlet_base}"
allow_private_addresses = true
download_delay = 0
concurrent_requests_per_domain = 8
sources = {json.dumps(list(site.site.outlets))}
aggregators = false

[alerts]
enabled = true
recipients = ["desk@example.org"]

[smtp]
host = "127.0.0.1"
port = {sink.port}
"""
    config = load_config(write_config(tmp_path, es_url, index_prefix, extra=extra), env={})
    try:
        result = tasks.crawl(config, trigger="test")
        alert = result["alert"]
        assert alert["sent"] and alert["counts"]["copy"] >= 1, alert
        (msg,) = _received(sink)
        assert msg["Message-ID"] == f"<alert-{alert['alert_id']}@rasad>"
        assert result["counts"]["alerts_sent"] == 1 and result["counts"]["alerted_articles"] == alert["article_count"]
        # A second crawl finds nothing new: no second mail.
        again = tasks.crawl(config, trigger="test")
        assert again["alert"]["status"] == "nothing" and len(sink.saved) == 1
    finally:
        site.stop()
        drop_prefix(config)


def test_rasad_alert_preview_says_where_the_files_are_and_sends_nothing(
    config: Config, store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from jobs.cli import main

    path = write_config(tmp_path / "cli", config.elasticsearch.url, config.elasticsearch.index_prefix)
    assert main(["--config", str(path), "alert", "--since", "2d"]) == 2  # --since goes with --preview
    assert "--since and --topic go with --preview" in capsys.readouterr().err
    assert main(["--config", str(path), "alert", "--preview"]) == 0
    assert "no article to alert" in capsys.readouterr().out
    store.index_articles(_of_run(sample_articles(datetime.now(UTC) - timedelta(hours=1)), "crawl-1"))
    assert main(["--config", str(path), "alert", "--preview", "--since", "2d"]) == 0
    out = capsys.readouterr().out
    assert f"preview: {ALERTED_IN_SAMPLE} articles (4 copy, 2 rewrite, 1 conflict)" in out
    assert ".eml" in out and "nothing will be sent" in out
    assert store.alerts() == []
