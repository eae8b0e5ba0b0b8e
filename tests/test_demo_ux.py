"""`rasad demo` (what `make run` falls back to offline) as a newcomer sees it, end to end: real node,
fixture site, crawl child, digest and the local mail sink, run as the command-line user runs it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from html import unescape
from pathlib import Path
from urllib.parse import unquote

import pytest

from crawler.config import load_config
from crawler.store import Store
from crawler.store.schema import INDICES
from tests.conftest import write_config

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.es, pytest.mark.slow]
NOISE = ("Scrapy 2.", "Overridden settings", "Enabled extensions", "[elasticsearch]", "Traceback", "Gave up retrying",
         "POST http", "INFO")


def _rasad(config: Path, es_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(config.parent), "RASAD_CONFIG": str(config),
           "ES_URL": es_url}
    return subprocess.run([sys.executable, "-m", "jobs.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env=env)


def test_demo_is_quiet_labels_expected_failures_and_keeps_every_mail(es_url: str, tmp_path: Path) -> None:
    prefix = f"rasad-d{uuid.uuid4().hex[:8]}"
    cfg_path = write_config(tmp_path, es_url, prefix)
    config = load_config(cfg_path, env={})
    try:
        first = _rasad(cfg_path, es_url, "demo", "--fresh")
        assert first.returncode == 0, first.stdout + first.stderr
        shown = (first.stdout + first.stderr).splitlines()
        assert len(shown) <= 30, "\n".join(shown)
        assert not [line for line in shown if any(n in line for n in NOISE)]
        out = first.stdout
        assert re.search(r"^outlet\s+pages\s+new\s+updated\s+irrelevant\s+dropped\s+unreadable\s+failed", out, re.M)
        assert re.search(r"^aljazeera\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+\s+1 \(1 exp\.\)\s+2 \(2 exp\.\)", out, re.M)
        assert re.search(r"^all\s+.*\s(\d+) \(\1 exp\.\)", out, re.M)  # every failure of the demo is expected
        assert "exp. = expected: the fixture site fails these on purpose" in out
        # The details are in the log file: the crawl child's own lines included.
        log_text = (tmp_path / "var" / "log" / "rasad.log").read_text(encoding="utf-8")
        assert "INFO crawler.child: [scrapy.core.engine] Spider opened" in log_text
        assert "ERROR crawler.child: [scrapy.downloadermiddlewares.retry] Gave up retrying" in log_text
        mail = config.path(config.digest.out_dir) / "demo" / "mail"
        # The backfill's and the crawl's alerts (copies of the reference found), then the digest.
        assert [p.name for p in sorted(mail.glob("*.eml"))] == ["message-001.eml", "message-002.eml", "message-003.eml"]
        first_mail = (mail / "message-001.eml").read_bytes()
        # No Kibana answers offline: the demo digest links to none and says how to search instead.
        html = next((config.path(config.digest.out_dir) / "demo").glob("rasad-digest-*.html"))
        links = unescape(unquote(html.read_text(encoding="utf-8")))
        assert "index:'" not in links and "rasad search" in links

        second = _rasad(cfg_path, es_url, "demo")
        assert second.returncode == 0, second.stdout + second.stderr
        # Nothing new to alert: only the (empty) digest arrives.
        assert [p.name for p in sorted(mail.glob("*.eml"))][3:] == ["message-004.eml"]
        assert "<digest-" in (mail / "message-004.eml").read_text(encoding="utf-8", errors="replace")
        assert (mail / "message-001.eml").read_bytes() == first_mail  # kept as it was received

        # `rasad digest` on the real indices after the demo finds nothing, and says where the demo's articles are.
        digest = _rasad(cfg_path, es_url, "digest")
        assert digest.returncode == 0, digest.stdout + digest.stderr
        assert "0 articles" in digest.stdout
        assert f"RASAD_INDEX_PREFIX={prefix}-demo .venv/bin/rasad digest --since 30d --all" in digest.stdout
        assert "nothing will be sent" in digest.stdout
    finally:
        store = Store(config)
        store.client.options(ignore_status=404).indices.delete(index=f"{prefix}-*")
        for kind in INDICES:
            for p in (prefix, f"{prefix}-demo"):
                store.client.options(ignore_status=404).indices.delete_index_template(name=f"{p}-{kind}")
        store.close()
