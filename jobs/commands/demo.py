"""`rasad demo`: the whole pipeline offline.

Local Elasticsearch node (or the configured cluster) + the bundled fixture news site + a backfill of
the fixture outlets' 2020 pages from a local web archive + one crawl-and-digest cycle + delivery to a local SMTP sink whose received messages are saved as .eml:
the alert mail of the copies the runs find (alerts are on in the demo) and the digest.
Demo data goes to its own indices (prefix `<prefix>-demo`) so it never mixes with real coverage.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import tempfile
from pathlib import Path

from crawler.config import Config

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
    cfg.archive.state_file = str(cfg.path("var/demo/backfill-state.json"))
    cfg.schedule.lock_file = str(cfg.path("var/demo/rasad.lock"))
    cfg.digest.out_dir = str(cfg.path(config.digest.out_dir) / "demo")
    cfg.smtp.host, cfg.smtp.port, cfg.smtp.security = "127.0.0.1", smtp_port, "none"
    cfg.smtp.username = ""
    cfg.smtp.retries = 1
    if not cfg.digest.recipients:
        cfg.digest.recipients = ["demo@localhost"]
    cfg.alerts.enabled = True  # the sink receives the alert of the copies found, besides the digest
    return cfg


# What the fixture site breaks on purpose, so the crawl's error paths run in every demo.
EXPECTED_NOTE = ("exp. = expected: the fixture site fails these on purpose (404 and 500 pages, an empty and a "
                 "truncated page, a redirect loop, a page robots.txt disallows, a missing feed)")


def expected_failures() -> dict[str, dict[str, int]]:
    """Per outlet, the unreadable pages and failed requests the fixture site provokes deliberately (its manifest)."""
    from jobs.fixture_site import SITE_DIR

    manifest = json.loads((SITE_DIR / "manifest.json").read_text(encoding="utf-8"))
    counts = {name: {"unreadable": 0, "failed": sum(1 for kind in outlet["feeds"] if kind == "404")}
              for name, outlet in manifest["outlets"].items()}
    for article in manifest["articles"]:
        if article["kind"] in ("broken", "disallowed"):
            # An empty or truncated page answers 200 and yields no text; the others get no usable answer.
            column = "unreadable" if article.get("status") in ("empty", "truncated") else "failed"
            counts.setdefault(article["outlet"], {"unreadable": 0, "failed": 0})[column] += 1
    return counts


def run(args: argparse.Namespace, config: Config) -> int:
    from jobs import tasks
    from jobs.commands.backfill import summary as backfill_summary
    from jobs.commands.crawl import LEGEND, crawl_line, summary_table
    from jobs.commands.digest import demo_articles_command
    from jobs.context import local_node_notice
    from jobs.fixture_site import start_fixture_site
    from jobs.lock import EX_TEMPFAIL, LockHeld
    from jobs.mailsink import MailSink
    from jobs.progress import CrawlProgress

    tasks.install_signal_handlers()
    out_dir = config.path(config.digest.out_dir) / "demo"
    mail_dir = out_dir / "mail"  # every message ever received is kept (message-NNN.eml, numbered on)
    try:
        site = start_fixture_site(DEMO_SITE_PORT)
    except OSError:
        log.warning("port %d is busy: the demo site takes a free port (articles will look new)", DEMO_SITE_PORT)
        site = start_fixture_site()
    sink = MailSink(mail_dir).start()
    try:
        cfg = demo_config(config, site.outlet_base, sink.port)
        print(f"demo: offline fixture site {site.base_url}, local mail sink 127.0.0.1:{sink.port}, "
              f"indices {cfg.elasticsearch.index_prefix}-*")
        if args.fresh:
            _drop_demo_indices(cfg)
        try:
            backfilled = _backfill_2020(cfg, site.base_url)
            result = None
            if not tasks.STOP.is_set():  # stopped during the backfill: start nothing more
                with CrawlProgress("demo crawl") as progress:
                    result = tasks.cycle(cfg, trigger="demo", on_progress=progress.update)
        except LockHeld as exc:
            print(f"rasad demo: {exc}")
            return EX_TEMPFAIL
    finally:
        sink.stop()
        site.stop()
    print(f"backfill: {backfilled['status']}  (the fixture outlets' 2020 pages from a local web archive)")
    print(backfill_summary(backfilled, outlets=False))  # the crawl's outlet table follows
    if tasks.STOP.is_set():
        # Stopped (Ctrl-C or SIGTERM): say what was done, not the steps that were skipped.
        crawl = (result or {}).get("crawl") or {}
        if "counts" in crawl:
            print(crawl_line(crawl))
        print("rasad demo: interrupted; run `rasad demo` again to finish (what is stored stays)")
        return tasks.exit_status(1)
    assert result is not None
    crawl, digest = result["crawl"], result["digest"]
    print(crawl_line(crawl))
    if crawl.get("per_source"):
        print(summary_table(crawl["per_source"], expected=expected_failures()))
        print(LEGEND)
        print(EXPECTED_NOTE)
    short = str(digest.get("digest_id", ""))[:8]
    files = sorted(p for p in out_dir.glob(f"rasad-digest-*-{short}.*") if p.is_file()) if short else []
    articles = (digest.get("counts") or {}).get("articles", 0)
    print(f"digest {digest.get('digest_id', '-')}: {digest['status']}, {articles} articles, "
          f"{digest.get('digest_status', '')} (run {digest.get('run_id', '-')})")
    if files:
        print(f"  files: {files[0].with_suffix('')}.{{{','.join(p.suffix[1:] for p in files)}}}")
    print(alerts_line({"backfill": backfilled.get("alert"), "crawl": crawl.get("alert")}))
    for msg in sink.saved:
        print(f"  mail received by the local SMTP sink: {msg}")
    if not sink.saved:
        print("  no mail was received" + ("" if args.fresh else " (nothing new since the last demo? use --fresh)"))
    print(f"  see the articles: {demo_articles_command(cfg.elasticsearch.index_prefix)}")
    notice = local_node_notice(config)
    if notice:
        print(notice)
    return 0 if result["status"] in ("ok", "partial") else 1


def alerts_line(alerts: dict[str, dict | None]) -> str:
    """One line: the alert mail of each run (run kind -> its alert outcome, None when alerts are off)."""
    from jobs.commands.alert import outcome_text

    return ("alerts (copies, rewrites, conflicting figures as they are found): "
            + "; ".join(f"{kind} {outcome_text(alert)}" for kind, alert in alerts.items()))


def _backfill_2020(cfg: Config, site_base: str) -> dict:
    """Backfill the fixture outlets' 2020 pages from a local archive (pywb + Common Crawl-style data server)."""
    from crawler.backfill import plan_backfill
    from jobs import tasks
    from jobs.fixture_archive import fixture_archive
    from jobs.fixture_ccnews import fixture_ccnews

    archive = fixture_archive(site_base).start()
    news_root = tempfile.mkdtemp(prefix="rasad-ccnews-")
    news = fixture_ccnews(site_base, Path(news_root)).start()
    try:
        a = cfg.archive
        a.wayback_cdx_url, a.wayback_replay_url = archive.cdx_url("ia"), archive.replay_url("ia")
        a.cc_index_url, a.cc_data_url = archive.cc_index_url, archive.cc_data_url
        a.ccnews_url = news.url  # CC-NEWS: a portal in no catalogue entry republishing the coverage
        a.wayback_cdx_rate = a.wayback_replay_rate = a.cc_index_rate = a.cc_data_rate = 0.0  # loopback: no pause
        log.info("demo: local web archive at %s (Wayback), %s (Common Crawl), %s (CC-NEWS)", archive.base,
                 archive.data_base, news.url)
        plan = plan_backfill(cfg, start=None, end=None, topic=None, archives=["ia", "cc", "ccnews"], warc_files=None,
                             source_names=None)
        return tasks.backfill(cfg, plan, trigger="demo")
    finally:
        news.stop()
        shutil.rmtree(news_root, ignore_errors=True)
        archive.stop()


def _drop_demo_indices(cfg: Config) -> None:
    from jobs.context import open_store

    store = open_store(cfg)
    store.drop(templates=False)
    for p in Path(cfg.spool.dir).glob("*.jsonl"):
        p.unlink()
    Path(cfg.archive.state_file).unlink(missing_ok=True)  # a fresh demo backfills again
    log.info("demo: dropped indices %s-*", cfg.elasticsearch.index_prefix)
