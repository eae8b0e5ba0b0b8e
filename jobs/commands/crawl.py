"""`rasad crawl [--source NAME ...] [--since DATE]`: one crawl cycle, under the run lock."""

from __future__ import annotations

import argparse
import re
import sys
from datetime import UTC, datetime, timedelta

from crawler.config import Config
from crawler.sources.registry import UnknownSourceError, get_source
from jobs import tasks
from jobs.lock import EX_TEMPFAIL, LockHeld
from jobs.runs import OK, PARTIAL

DURATION = re.compile(r"^(\d+)([dh])$")


def parse_since(value: str) -> datetime:
    """An ISO 8601 date or date-time (UTC when no offset is given), or a duration back from now (7d, 12h)."""
    m = DURATION.match(value.strip())
    if m:
        n, unit = int(m.group(1)), m.group(2)
        return datetime.now(UTC) - (timedelta(days=n) if unit == "d" else timedelta(hours=n))
    try:
        dt = datetime.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an ISO date such as 2020-11-20 or 2020-11-20T08:00+08:00, or a duration such as 7d or 12h; got {value!r}"
        ) from None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("crawl", help="one crawl cycle over the configured outlets and aggregators")
    p.add_argument(
        "--source", action="append", dest="sources", metavar="NAME", help="crawl only this outlet (repeatable)"
    )
    p.add_argument("--since", type=parse_since, metavar="DATE", help="only articles published since DATE (or 7d, 12h)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, config: Config) -> int:
    for name in args.sources or []:
        try:
            get_source(name)
        except UnknownSourceError as exc:
            print(f"rasad crawl: {exc}", file=sys.stderr)
            return 2
    tasks.install_signal_handlers()
    try:
        result = tasks.crawl(config, "manual", source_names=args.sources, since=args.since)
    except LockHeld as exc:
        print(f"rasad crawl: {exc}; try again later", file=sys.stderr)
        return EX_TEMPFAIL
    print(f"crawl {result['run_id']}: {result['status']} in {result.get('duration_s', 0):.1f}s {result['counts']}")
    return 0 if result["status"] in (OK, PARTIAL) else 1
