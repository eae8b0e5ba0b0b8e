"""`rasad crawl [--source NAME ...] [--since DATE]`: one crawl cycle, under the run lock."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from crawler.config import Config
from crawler.found import table
from crawler.sources.registry import UnknownSourceError, get_source

DURATION = re.compile(r"^(\d+)([dh])$")


def parse_since(value: str) -> datetime:
    """An ISO 8601 date or date-time (UTC when no offset is given), or a duration back from now (7d, 12h)."""
    m = DURATION.match(value.strip())
    if m:
        n, unit = int(m.group(1)), m.group(2)
        try:
            return datetime.now(UTC) - (timedelta(days=n) if unit == "d" else timedelta(hours=n))
        except OverflowError:  # timedelta beyond 999,999,999 days, or a date before year 1
            raise argparse.ArgumentTypeError(
                f"{value!r} reaches back before the year 1; give a shorter duration (such as 30d) or a date"
            ) from None
    try:
        dt = datetime.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an ISO date such as 2020-11-20 or 2020-11-20T08:00+08:00, or a duration such as 7d or 12h; got {value!r}"
        ) from None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


# Columns of the per-outlet summary: heading -> how it is counted from the crawl's per-source stats.
# An article fetched ends as exactly one of new, updated, irrelevant, dropped or unreadable.
COLUMNS = ("pages", "new", "updated", "irrelevant", "dropped", "unreadable", "failed", "known", "unchanged")
LEGEND = ("pages: listings and articles fetched; new/updated: articles indexed; irrelevant: not coverage (the comparison calls them unrelated); "
          "dropped: old, not Arabic or duplicate;\nunreadable: fetched, no text extracted; failed: no usable answer "
          "(HTTP error, timeout, robots.txt, loop); known: seen before; unchanged: 304")
LABELLED = ("unreadable", "failed")  # the columns whose expected counts the demo labels "(n exp.)"


def outlet_row(counts: Mapping[str, float]) -> dict[str, int]:
    """One outlet's summary from its per-source stats (crawler.run.CrawlStats.per_source)."""

    def total(prefix: str) -> int:
        return int(sum(v for k, v in counts.items() if k.startswith(prefix)))

    irrelevant = int(counts.get("dropped/irrelevant", 0))
    unreadable = int(counts.get("errors/extraction", 0))
    return {
        "pages": int(counts.get("pages", 0) + counts.get("fetched", 0)),  # listings + articles
        "new": int(counts.get("created", 0)),
        "updated": int(counts.get("updated", 0)),
        "irrelevant": irrelevant,
        "dropped": total("dropped/") - irrelevant,  # old, not Arabic, duplicate
        "unreadable": unreadable,
        "failed": total("errors/") - unreadable,
        "known": int(counts.get("skipped/known", 0)),
        "unchanged": int(counts.get("feed/not_modified", 0) + counts.get("sitemap/not_modified", 0)),
    }


def summary_table(per_source: Mapping[str, Mapping[str, float]],
                  expected: Mapping[str, Mapping[str, int]] | None = None) -> str:
    """A plain-text table, one line per outlet (and a total): pages fetched and what became of the articles.

    `expected`: per outlet, the unreadable pages and failed requests it was known to produce (the
    demo's deliberately broken fixture pages); those columns then read "3 (3 exp.)" so a newcomer can
    tell them from real ones.
    """
    def labels(name: str, row: dict[str, int]) -> dict[str, int]:
        exp = (expected or {}).get(name) or {}
        return {c: min(row[c], int(exp.get(c, 0))) for c in LABELLED}

    rows = [(name, outlet_row(counts)) for name, counts in sorted(per_source.items())]
    rows = [(name, row, labels(name, row)) for name, row in rows]
    if len(rows) > 1:
        rows.append(("all", {c: sum(r[c] for _, r, _ in rows) for c in COLUMNS},
                     {c: sum(e[c] for _, _, e in rows) for c in LABELLED}))

    def cell(row: dict[str, int], exp: dict[str, int], column: str) -> str:
        if expected is not None and column in LABELLED and row[column]:
            return f"{row[column]} ({exp[column]} exp.)"
        return str(row[column])

    table = [["outlet", *COLUMNS]]
    table += [[name, *(cell(row, exp, c) for c in COLUMNS)] for name, row, exp in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    return "\n".join(
        "  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(r, widths, strict=True)))
        for r in table
    )


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("crawl", help="one crawl cycle over the configured outlets and aggregators")
    p.add_argument(
        "--source", action="append", dest="sources", metavar="NAME", help="crawl only this outlet (repeatable)"
    )
    p.add_argument("--since", type=parse_since, metavar="DATE", help="only articles published since DATE (or 7d, 12h)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, config: Config) -> int:
    from jobs import tasks
    from jobs.exitcodes import exit_code
    from jobs.lock import EX_TEMPFAIL, LockHeld
    from jobs.progress import CrawlProgress

    for name in args.sources or []:
        try:
            get_source(name)
        except UnknownSourceError as exc:
            print(f"rasad crawl: {exc}", file=sys.stderr)
            return 2
    tasks.install_signal_handlers()
    try:
        with CrawlProgress("crawl") as progress:
            result = tasks.crawl(config, "manual", source_names=args.sources, since=args.since,
                                 on_progress=progress.update)
    except LockHeld as exc:
        print(f"rasad crawl: {exc}; try again later", file=sys.stderr)
        return EX_TEMPFAIL
    print(crawl_line(result))
    if not_coverage := not_coverage_line(result.get("counts") or {}):
        print(not_coverage)
    if result.get("routes"):
        print(table(result["routes"], "route") + "\n")  # what each discovery route found
    if result.get("per_source"):
        print(summary_table(result["per_source"]))
        print(LEGEND)
    for query, counts in sorted((result.get("gdelt_queries") or {}).items()):
        # returned = articles in GDELT's answers; new = not already indexed or requested in this run.
        print(f"GDELT {query!r}: " + ", ".join(f"{k}={int(v)}" for k, v in sorted(counts.items())))
    if result.get("alert"):
        from jobs.commands.alert import outcome_text

        print(f"alert: {outcome_text(result['alert'])}")
    for err in result.get("errors") or []:
        print(f"  {err}", file=sys.stderr)
    return tasks.exit_status(exit_code(result["status"]))  # 0 ok, 3 partial, 1 failed or stopped, 130 Ctrl-C


def not_coverage_line(counts: Mapping[str, float]) -> str:
    """"not coverage (what the comparison calls unrelated): 2 town_only, 3 no_name", or "" when none was
    dropped so: why each irrelevant page was dropped (crawler.text.aboutness.NOT_ABOUT)."""
    whys = {k.removeprefix("unrelated_"): int(v) for k, v in sorted(counts.items()) if k.startswith("unrelated_") and v}
    if not whys:
        return ""
    return "not coverage (what the comparison calls unrelated): " + ", ".join(f"{n} {why}" for why, n in whys.items())


def crawl_line(result: Mapping) -> str:
    """One line: the run, its status and duration, and what became of the articles fetched, in the
    words of the summary table, adding up: fetched = kept + irrelevant + dropped + unreadable (+ not
    stored); then the requests that failed."""
    c = result.get("counts") or {}
    fetched = int(c.get("fetched", 0))
    kept = int(c.get("indexed", 0) + c.get("spooled", 0))
    irrelevant = int(c.get("dropped_irrelevant", 0))
    dropped = int(sum(v for k, v in c.items() if k.startswith("dropped_"))) - irrelevant
    unreadable = int(c.get("errors_extraction", 0))
    unstored = int(c.get("failed", 0))  # documents the store could not write (nor spool)
    failed = int(sum(v for k, v in c.items() if k.startswith("errors_"))) - unreadable
    parts = [f"{kept} kept ({int(c.get('created', 0))} new"
             + (f", {int(c['spooled'])} spooled" if c.get("spooled") else "") + ")",
             f"{irrelevant} irrelevant", f"{dropped} dropped", f"{unreadable} unreadable"]
    if unstored:
        parts.append(f"{unstored} not stored")
    other = fetched - kept - irrelevant - dropped - unreadable - unstored
    if other:  # any outcome not named above, so that the line still adds up
        parts.append(f"{other} other")
    return (f"crawl {result.get('run_id', '')}: {result.get('status')} in {result.get('duration_s', 0):.1f}s; "
            f"{fetched} articles fetched: " + ", ".join(parts) + f"; {failed} failed requests")
