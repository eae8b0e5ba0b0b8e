"""Run records against the real Elasticsearch runs index, and through the disk spool when it is down."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.config import load_config
from crawler.store import Store
from jobs.runs import track_run
from tests.conftest import free_port, write_config

pytestmark = pytest.mark.es
ROOT = Path(__file__).resolve().parent.parent


def _record(store: Store, run_id: str) -> dict:
    store.refresh("runs")
    return store.client.get(index=store.aliases["runs"], id=run_id)["_source"]


def test_record_is_running_at_start_and_ok_with_counts_at_end(store: Store) -> None:
    with track_run(store, "crawl", "test") as run:
        during = _record(store, run.run_id)
        run.count("articles", 3)
        run.count("articles", 2)
        run.add_counts({"pages": 7, "flag": True})
        time.sleep(0.05)
    assert during["status"] == "running"
    assert "finished_at" not in during
    assert during["kind"] == "crawl" and during["trigger"] == "test" and during["host"]
    after = _record(store, run.run_id)
    assert after["status"] == "ok"
    assert after["counts"] == {"articles": 5, "pages": 7}
    assert after["error_count"] == 0 and after["errors"] == []
    assert after["duration_s"] >= 0.05
    assert after["finished_at"] >= after["started_at"]
    assert [r["run_id"] for r in store.runs()] == [run.run_id]


def test_exception_marks_the_run_failed_and_is_reraised(store: Store) -> None:
    with pytest.raises(RuntimeError, match="outlet feed parser exploded"):
        with track_run(store, "digest", "test") as run:
            raise RuntimeError("outlet feed parser exploded")
    rec = _record(store, run.run_id)
    assert rec["status"] == "failed"
    assert rec["error_count"] == 1
    assert rec["errors"] == ["RuntimeError: outlet feed parser exploded"]
    assert "finished_at" in rec


def test_non_fatal_errors_make_the_run_partial(store: Store) -> None:
    with track_run(store, "crawl", "test") as run:
        run.count("articles", 4)
        run.error("aljazeera: feed answered 503")
    rec = _record(store, run.run_id)
    assert rec["status"] == "partial"
    assert rec["errors"] == ["aljazeera: feed answered 503"]
    assert rec["counts"] == {"articles": 4}


def test_record_is_spooled_when_elasticsearch_is_down_and_replayed_later(store: Store, tmp_path) -> None:
    prefix = store.config.elasticsearch.index_prefix
    # Same spool directory as the live store (tmp_path/spool), but a port nobody listens on.
    down_cfg = load_config(write_config(tmp_path, f"http://127.0.0.1:{free_port()}", prefix), env={})
    down = Store(down_cfg)
    assert down.spool.dir == store.spool.dir
    with track_run(down, "crawl", "cron") as run:
        run.count("articles", 1)
    actions = [json.loads(line) for f in down.spool.files() for line in f.read_text(encoding="utf-8").splitlines()]
    assert [a["_id"] for a in actions] == [run.run_id, run.run_id]  # start and end
    assert [a["doc"]["status"] for a in actions] == ["running", "ok"]
    assert run.run_id not in {r["run_id"] for r in store.runs()}

    assert store.replay_spool() == 2
    rec = _record(store, run.run_id)
    assert rec["status"] == "ok" and rec["counts"] == {"articles": 1} and rec["trigger"] == "cron"
    assert store.spool.files() == []


# -- the cron cycle end to end: fixture site, Elasticsearch, SMTP sink ---------------------------


class MailSink:
    """An aiosmtpd handler that keeps the messages it receives."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001 - aiosmtpd hook
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def cycle_env(store: Store, tmp_path):
    """A config file pointing the fixture outlets, the store's indices and an SMTP sink together."""
    from aiosmtpd.controller import Controller

    from jobs.fixture_site import start_fixture_site

    site = start_fixture_site()
    sink = MailSink()
    smtp = Controller(sink, hostname="127.0.0.1", port=free_port())
    smtp.start()
    home = tmp_path / "cycle"
    home.mkdir()
    cfg = home / "rasad.toml"
    cfg.write_text(
        f"""
[elasticsearch]
url = "{store.config.elasticsearch.effective_url}"
index_prefix = "{store.config.elasticsearch.index_prefix}"
[spool]
dir = "{home / 'spool'}"
[crawl]
base_url_override = "{site.outlet_base}"
sources = ["aljazeera", "youm7", "sky_news_arabia", "cgtn_arabic", "xinhua_arabic", "peoples_daily_arabic"]
aggregators = false
allow_private_addresses = true
download_delay = 0
[digest]
out_dir = "{home / 'out'}"
recipients = ["desk@example.org"]
[smtp]
port = {smtp.port}
[schedule]
jobstore_url = "sqlite:///{home / 'jobs.sqlite'}"
lock_file = "{home / 'rasad.lock'}"
""",
        encoding="utf-8",
    )
    yield cfg, sink
    smtp.stop()
    site.stop()


def _rasad(cfg, *args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "jobs.cli", "-c", str(cfg), *args],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw,
    )


@pytest.mark.slow
def test_run_once_records_a_crawl_and_a_digest_run(store: Store, cycle_env) -> None:
    cfg, sink = cycle_env
    proc = _rasad(cfg, "run-once")
    out, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err[-3000:]
    runs = {r["kind"]: r for r in store.runs()}
    assert set(runs) == {"crawl", "digest"}
    crawl, digest = runs["crawl"], runs["digest"]
    assert crawl["status"] == "ok" and crawl["trigger"] == "cron" and crawl["finished_at"] <= digest["started_at"]
    indexed = store.count()
    assert indexed > 0 and crawl["counts"]["indexed"] == indexed
    # Every article indexed by the crawl carries the run's id.
    tagged = store.client.count(index=store.articles, body={"query": {"term": {"run_id": crawl["run_id"]}}})
    assert tagged["count"] == indexed
    assert digest["status"] == "ok" and digest["counts"]["sent"] == 1
    recorded = store.digests()
    assert len(recorded) == 1 and recorded[0]["run_id"] == digest["run_id"]
    assert recorded[0]["article_count"] == digest["counts"]["articles"]
    assert len(sink.messages) == 1
    assert crawl["run_id"] in out and digest["run_id"] in out


@pytest.mark.slow
def test_sigterm_during_run_once_stops_the_crawl_and_skips_the_digest(store: Store, cycle_env) -> None:
    cfg, sink = cycle_env
    proc = _rasad(cfg, "-v", "run-once")  # -v: the crawl child's lines and the signal's reach stderr
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:  # wait until the crawl child's spider is running
        seen.append(line)
        if "Spider opened" in line:
            break
    proc.send_signal(signal.SIGTERM)
    t = time.monotonic()
    out, err = proc.communicate(timeout=60)
    elapsed = time.monotonic() - t
    log = "".join(seen) + err
    assert proc.returncode == 1, log[-3000:]
    assert "received SIGTERM" in log and "asking the crawl" in log
    runs = store.runs()
    assert [r["kind"] for r in runs] == ["crawl"]  # the digest never started
    assert runs[0]["status"] == "interrupted" and "finished_at" in runs[0]
    assert sink.messages == []
    assert elapsed < 30
