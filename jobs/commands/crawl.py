"""`rasad crawl [--source NAME ...] [--since DATE]`: one crawl cycle, under the run lock."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Mapping
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


# Columns of the per-outlet summary: heading -> how it is counted from the crawl's per-source stats.
COLUMNS = ("pages", "new", "updated", "irrelevant", "dropped", "failed", "known", "unchanged")


def outlet_row(counts: Mapping[str, float]) -> dict[str, int]:
    """One outlet's summary from its per-source stats (crawler.run.CrawlStats.per_source)."""

    def total(prefix: str) -> int:
        return int(sum(v for k, v in counts.items() if k.startswith(prefix)))

    irrelevant = int(counts.get("dropped/irrelevant", 0))
    return {
        "pages": int(counts.get("pages", 0) + counts.get("fetched", 0)),  # listings + articles
        "new": int(counts.get("created", 0)),
        "updated": int(counts.get("updated", 0)),
        "irrelevant": irrelevant,
        "dropped": total("dropped/") - irrelevant,  # old, not Arabic, duplicate
        "failed": total("errors/"),
        "known": int(counts.get("skipped/known", 0)),
        "unchanged": int(counts.get("feed/not_modified", 0) + counts.get("sitemap/not_modified", 0)),
    }


def summary_table(per_source: Mapping[str, Mapping[str, float]]) -> str:
    """A plain-text table, one line per outlet: pages fetched and what became of the articles."""
    rows = [(name, outlet_row(counts)) for name, counts in sorted(per_source.items())]
    width = max([len("outlet"), *(len(name) for name, _ in rows)])
    lines = ["outlet".ljust(width) + "".join(f"{c:>11}" for c in COLUMNS)]
    lines += [name.ljust(width) + "".join(f"{row[c]:>11}" for c in COLUMNS) for name, row in rows]
    return "\n".join(lines)


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
    if result.get("per_source"):
        # unchanged = feeds and sitemaps answered 304; known = listed articles skipped as already seen.
        print(summary_table(result["per_source"]))
    for query, counts in sorted((result.get("gdelt_queries") or {}).items()):
        # returned = articles in GDELT's answers; new = not already indexed or requested in this run.
        print(f"GDELT {query!r}: " + ", ".join(f"{k}={int(v)}" for k, v in sorted(counts.items())))
    return 0 if result["status"] in (OK, PARTIAL) else 1
