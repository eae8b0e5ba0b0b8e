"""`rasad sources list` and `rasad sources check [--source NAME]`: the declared outlets and their health."""

from __future__ import annotations

import argparse
import logging
import sys

from crawler.config import Config
from crawler.sources.base import Source
from crawler.sources.check import SourceCheck, UrlCheck, check_sources
from crawler.sources.registry import UnknownSourceError, sources_for

log = logging.getLogger(__name__)

EXIT_UNKNOWN_SOURCE = 2


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sources", help="list the declared outlets; check their feeds and sitemaps")
    actions = p.add_subparsers(dest="sources_action", metavar="ACTION", required=True)
    actions.add_parser("list", help="one line per outlet")
    check = actions.add_parser("check", help="fetch every feed, sitemap and list page; one line per outlet")
    check.add_argument(
        "--source",
        action="append",
        dest="sources",
        metavar="NAME",
        help="check only this outlet (repeatable)",
    )
    check.add_argument("--timeout", type=float, default=10.0, help="seconds per request (default 10)")
    check.add_argument("--workers", type=int, default=4, help="outlets checked at once (default 4)")
    p.set_defaults(func=run)


def list_line(s: Source) -> str:
    """name, group, counts, search yes/no, unconfirmed count, then the Arabic display name."""
    return (
        f"{s.name:<22} {s.group:<6} feeds={len(s.feeds)} sitemaps={len(s.sitemaps)} "
        f"lists={len(s.list_pages)} search={'yes' if s.search_url else 'no':<3} "
        f"unconfirmed={len(s.unconfirmed)}  {s.display_name}"
    )


def _url_part(c: UrlCheck) -> str:
    status = str(c.status) if c.status is not None else "-"
    newest = c.newest.isoformat() if c.newest else "-"
    text = f"{c.kind} {c.url} status={status} items={c.items} newest={newest}"
    return f"{text} error={c.error}" if c.error else text


def check_line(result: SourceCheck) -> str:
    """OK/FAIL, the outlet, then per URL: status, items, newest date (and the error, if any)."""
    verdict = "OK  " if result.ok else "FAIL"
    parts = " | ".join(_url_part(c) for c in result.checks) or "nothing to check"
    return f"{verdict} {result.name}: {parts}"


def run(args: argparse.Namespace, config: Config) -> int:
    try:
        sources = sources_for(config, getattr(args, "sources", None))
    except UnknownSourceError as exc:
        print(f"rasad sources: {exc}", file=sys.stderr)
        return EXIT_UNKNOWN_SOURCE
    if args.sources_action == "list":
        for s in sources:
            print(list_line(s))
        return 0
    results = check_sources(
        sources,
        timeout=args.timeout,
        max_bytes=config.crawl.max_response_bytes,
        user_agent=config.crawl.user_agent,
        workers=args.workers,
    )
    for r in results:
        print(check_line(r), flush=True)
    failed = sum(not r.ok for r in results)
    log.info("checked %d outlets: %d OK, %d failing", len(results), len(results) - failed, failed)
    return 0  # failing outlets are reported, not fatal: the check is a report
