"""`rasad run-once`: one cycle for cron (lock, replay spool, crawl, send pending, digest and send).

Exit status (jobs.exitcodes): 0 ok, 3 partial (some outlets or articles failed), 1 failed (the crawl or
the digest failed, or the run was interrupted), 75 (EX_TEMPFAIL) when another run holds the lock.
"""

from __future__ import annotations

import argparse
import logging
import socket
import sys

from crawler.config import Config

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run-once", help="crawl, then build and send the digest: what cron calls")
    p.add_argument("--trigger", default="cron", help="recorded in the run records (default: cron)")
    p.add_argument(
        "--demo-if-offline",
        action="store_true",
        help="when no outlet can be reached (no network), run `rasad demo` against the offline fixture site instead",
    )
    p.set_defaults(func=run)


def network_reachable(hosts: tuple[str, ...] = ("arabic.news.cn", "www.aljazeera.net", "news.google.com"), timeout: float = 3.0) -> bool:
    """True when at least one outlet answers a TCP connection on port 443."""
    for host in hosts:
        try:
            with socket.create_connection((host, 443), timeout=timeout):
                return True
        except OSError:
            continue
    return False


def run(args: argparse.Namespace, config: Config) -> int:
    if args.demo_if_offline and not config.crawl.base_url_override and not network_reachable():
        log.warning("no outlet is reachable (no network): running the offline demo against the fixture site instead")
        from jobs.commands import demo

        return demo.run(argparse.Namespace(fresh=False), config)
    from jobs import tasks
    from jobs.commands.crawl import LEGEND, crawl_line, summary_table
    from jobs.context import local_node_notice
    from jobs.exitcodes import exit_code
    from jobs.lock import EX_TEMPFAIL, LockHeld
    from jobs.progress import CrawlProgress

    tasks.install_signal_handlers()
    try:
        with CrawlProgress("crawl") as progress:
            result = tasks.cycle(config, trigger=args.trigger, on_progress=progress.update)
    except LockHeld as exc:
        print(f"rasad run-once: {exc}; try again later", file=sys.stderr)
        return EX_TEMPFAIL
    crawl, digest = result["crawl"], result["digest"]
    print(crawl_line(crawl) if "counts" in crawl else f"crawl: {crawl['status']} {crawl.get('errors') or ''}".rstrip())
    if crawl.get("per_source"):
        print(summary_table(crawl["per_source"]))
        print(LEGEND)
    counts = digest.get("counts") or {}
    print(f"digest {digest.get('digest_id', '-')}: {digest['status']}, {counts.get('articles', 0)} articles, "
          f"{digest.get('digest_status', digest.get('reason', ''))} (run {digest.get('run_id', '-')})")
    notice = local_node_notice(config)
    if notice:
        print(notice)
    return tasks.exit_status(exit_code(result["status"]))  # 0 ok, 3 partial, 1 failed or stopped, 130 Ctrl-C
