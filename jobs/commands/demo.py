"""`rasad demo`: the whole pipeline offline.

Local Elasticsearch node (or the configured cluster) + the bundled fixture news site + one
crawl-and-digest cycle + delivery to a local SMTP sink whose received message is saved as .eml.
Demo data goes to its own indices (prefix `<prefix>-demo`) so it never mixes with real coverage.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
from pathlib import Path

from crawler.config import Config
from jobs import tasks
from jobs.lock import EX_TEMPFAIL, LockHeld

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="run the whole pipeline offline against the bundled fixture site")
    p.add_argument("--fresh", action="store_true", help="delete the demo indices first (a digest of everything)")
    p.set_defaults(func=run)


DEMO_SITE_PORT = 8765  # fixed, so article URLs (and what is already known) stay the same across demos


def fixture_outlets() -> list[str]:
    """The registered outlets that the fixture site serves."""
    from jobs.fixture_site import SITE_DIR

    return list(json.loads((SITE_DIR / "manifest.json").read_text(encoding="utf-8"))["outlets"])


def demo_config(config: Config, site_base: str, smtp_port: int) -> Config:
    """The configuration of a demo run: fixture site, loopback allowed, local mail sink, own indices."""
    cfg = config.model_copy(deep=True)
    cfg.elasticsearch.index_prefix = f"{config.elasticsearch.index_prefix}-demo"
    cfg.crawl.base_url_override = site_base
    cfg.crawl.sources = fixture_outlets()
    cfg.crawl.allow_private_addresses = True  # the fixture site is on 127.0.0.1
    cfg.crawl.download_delay = 0.0
    cfg.crawl.gdelt_slice_days = 90  # the GDELT stand-in ignores dates: one request per query, 5 s apart
    cfg.spool.dir = str(cfg.path("var/demo/spool"))
    cfg.schedule.lock_file = str(cfg.path("var/demo/rasad.lock"))
    cfg.digest.out_dir = str(cfg.path(config.digest.out_dir) / "demo")
    cfg.smtp.host, cfg.smtp.port, cfg.smtp.security = "127.0.0.1", smtp_port, "none"
    cfg.smtp.username = ""
    cfg.smtp.retries = 1
    if not cfg.digest.recipients:
        cfg.digest.recipients = ["demo@localhost"]
    return cfg


def run(args: argparse.Namespace, config: Config) -> int:
    from jobs.fixture_site import start_fixture_site
    from jobs.mailsink import MailSink

    tasks.install_signal_handlers()
    out_dir = config.path(config.digest.out_dir) / "demo"
    mail_dir = out_dir / "mail"
    shutil.rmtree(mail_dir, ignore_errors=True)
    try:
        site = start_fixture_site(DEMO_SITE_PORT)
    except OSError:
        log.warning("port %d is busy: the demo site takes a free port (articles will look new)", DEMO_SITE_PORT)
        site = start_fixture_site()
    sink = MailSink(mail_dir).start()
    try:
        cfg = demo_config(config, site.outlet_base, sink.port)
        log.info("demo: fixture site at %s, SMTP sink on 127.0.0.1:%d, indices %s-*", site.base_url, sink.port, cfg.elasticsearch.index_prefix)
        if args.fresh:
            _drop_demo_indices(cfg)
        try:
            result = tasks.cycle(cfg, trigger="demo")
        except LockHeld as exc:
            print(f"rasad demo: {exc}")
            return EX_TEMPFAIL
    finally:
        sink.stop()
        site.stop()
    crawl, digest = result["crawl"], result["digest"]
    counts = crawl.get("counts", {})
    print(f"crawl:  {crawl['status']}  " + "  ".join(f"{k}={v}" for k, v in sorted(counts.items()) if not k.startswith("source_")))
    print(f"digest: {digest['status']}  {digest.get('digest_id', '')}  {digest.get('digest_status', '')}")
    short = str(digest.get("digest_id", ""))[:8]
    files = sorted(p for p in out_dir.glob(f"rasad-digest-*-{short}.*") if p.is_file()) if short else []
    for f in files:
        print(f"  file: {f}")
    for msg in sink.saved:
        print(f"  mail received by the local SMTP sink: {msg}")
    if not sink.saved:
        print("  no mail was received (nothing new since the last demo? use --fresh)")
    return 0 if result["status"] in ("ok", "partial") else 1


def _drop_demo_indices(cfg: Config) -> None:
    from jobs.context import open_store

    store = open_store(cfg)
    store.client.indices.delete(index=f"{cfg.elasticsearch.index_prefix}-*", ignore=[404])
    for p in Path(cfg.spool.dir).glob("*.jsonl"):
        p.unlink()
    log.info("demo: dropped indices %s-*", cfg.elasticsearch.index_prefix)
