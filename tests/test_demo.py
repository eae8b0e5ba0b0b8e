"""`rasad demo` end to end (offline): the 2020 backfill from the local archive, the crawl, the digest, the mail."""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from crawler.config import load_config
from crawler.store import Store
from crawler.store.schema import INDICES
from tests.conftest import write_config

pytestmark = [pytest.mark.es, pytest.mark.slow]


def test_demo_backfills_the_2020_pages_then_crawls_and_mails(tmp_path: Path, es_url: str) -> None:
    prefix = f"rasad-dm{uuid.uuid4().hex[:8]}"
    cfg_path = write_config(tmp_path, es_url, prefix)
    done = subprocess.run([sys.executable, "-m", "jobs.cli", "-c", str(cfg_path), "demo", "--fresh"],
                          capture_output=True, text=True, timeout=280, cwd=tmp_path)
    demo_config = load_config(cfg_path, env={})
    demo_config.elasticsearch.index_prefix = f"{prefix}-demo"  # the demo keeps to its own indices
    store = Store(demo_config)
    try:
        assert done.returncode == 0, done.stderr[-3000:]
        out = done.stdout
        assert "\nbackfill: ok" in "\n" + out
        rows = {m.group(1): [int(x) for x in m.groups()[1:]]
                for m in re.finditer(r"^(archive:\w+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$", out, re.M)}
        assert set(rows) == {"archive:ia", "archive:cc", "archive:ccnews"}
        assert all(kept > 0 for _, _, kept, _ in rows.values())
        assert "mail received by the local SMTP sink" in out
        mails = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
                 for p in sorted((tmp_path / "out" / "demo" / "mail").glob("*.eml"))]
        (message,) = [m for m in mails if m["Message-ID"].startswith("<digest-")]
        text = message.get_body(preferencelist=("plain",)).get_content()
        # Alerts are on in the demo: the runs that found copies of the reference mailed them as they went.
        alerts = [m for m in mails if m["Message-ID"].startswith("<alert-")]
        assert alerts and all("نسخ حرفي للمقال المرجعي" in m.get_body(preferencelist=("plain",)).get_content()
                              for m in alerts)
        assert re.search(r"^alerts \(.*\): backfill \w+ sent .*; crawl \w+ sent ", out, re.M)
        assert "/2020/" in text  # the backfilled 2020 pages are in the digest
        assert "أرشيف الإنترنت (آلة الزمن)" in text  # and the footer names the archive routes
        store.client.indices.refresh(index=f"{prefix}-demo-*")
        docs = list(store.scan("articles", fields=["discovered_via", "source", "url", "outlet_declared"]))
        vias = {d["discovered_via"] for d in docs}
        assert {"archive:ia", "archive:cc", "archive:ccnews", "feed"} <= vias
        # CC-NEWS reached a portal in no catalogue entry: its copies are stored under its registered domain,
        # marked undeclared; every other outlet of the demo is declared.
        portal = {d["url"] for d in docs if d["source"] == "gulf-portal.example"}
        assert len(portal) == 2 and all(d["discovered_via"] == "archive:ccnews" for d in docs if d["url"] in portal)
        assert {d["source"] for d in docs if d.get("outlet_declared") is False} == {"gulf-portal.example"}
        assert all(d.get("outlet_declared") is True for d in docs if d["url"] not in portal)
        assert "gulf-portal.example «خارج قائمة المصادر»" in text  # the digest marks it
        suggested = subprocess.run([sys.executable, "-m", "jobs.cli", "-c", str(cfg_path), "sources", "suggest", "--json"],
                                   capture_output=True, text=True, timeout=60, cwd=tmp_path,
                                   env={**os.environ, "RASAD_INDEX_PREFIX": f"{prefix}-demo"})
        assert suggested.returncode == 0, suggested.stderr[-2000:]
        (row,) = [json.loads(line) for line in suggested.stdout.splitlines()]
        assert (row["domain"], row["articles"], row["hosts"]) == ("gulf-portal.example", 2, ["www.gulf-portal.example"])
        assert set(row["samples"]) == portal and row["first"].startswith("2020-11")
    finally:
        store.client.options(ignore_status=404).indices.delete(index=f"{prefix}-demo-*")
        for kind in INDICES:
            store.client.options(ignore_status=404).indices.delete_index_template(name=f"{prefix}-demo-{kind}")
        store.close()
