"""`rasad backfill`: find past coverage in web archives (Wayback Machine, Common Crawl) and WARC files.

Captures go through the same extraction, relevance, comparison and storage as a crawl, under the run
lock, with a run record; re-running skips the archive queries already finished and the pages known.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime, time
from pathlib import Path

from crawler.config import Config, ConfigError
from crawler.found import outlet_rows, table
from jobs.commands.crawl import not_coverage_line


def parse_day(value: str, end: bool = False) -> datetime:
    """An ISO date (the whole day) or date-time; UTC when no offset is given."""
    text = value.strip()
    try:
        if len(text) == 10:
            d = date.fromisoformat(text)
            return datetime.combine(d, time.max if end else time.min, tzinfo=UTC).replace(microsecond=0)
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an ISO date such as 2020-11-01 or 2020-11-01T08:00; got {value!r}") from None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backfill", help="find past coverage in web archives and WARC files")
    p.add_argument("--from", dest="start", type=parse_day, metavar="DATE", help="window start (default: the topic's event window)")
    p.add_argument("--to", dest="end", type=lambda v: parse_day(v, end=True), metavar="DATE", help="window end (a date: its whole day)")
    p.add_argument("--topic", metavar="T", help="topic (default: default_topic); its event dates give the window")
    p.add_argument("--source", action="append", dest="sources", metavar="NAME", help="only this outlet (repeatable)")
    p.add_argument("--archive", action="append", dest="archives", choices=["ia", "cc", "ccnews", "ccindex"],
                   help="ia = Internet Archive Wayback Machine, cc = Common Crawl's CDX index, ccnews = CC-NEWS files "
                        "streamed whole (any host), ccindex = Common Crawl's columnar index by language and URL words "
                        "(repeatable; default: archive.archives)")
    p.add_argument("--engine", choices=["local", "dask"],
                   help="scan CC-NEWS files as tasks on an engine: local = one after the other in this process, "
                        "dask = Dask distributed (a local pool of --workers processes, or the cluster at --scheduler); "
                        "with --archive ccnews and/or ccindex only")
    p.add_argument("--workers", type=int, default=2, metavar="N", help="local Dask worker processes (default 2)")
    p.add_argument("--scheduler", metavar="ADDR", help="a running Dask scheduler, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--warc", action="append", dest="warcs", metavar="FILE", help="a local WARC file, gzip or not (repeatable)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, config: Config) -> int:
    # Late imports: `rasad --help` and the other quick commands must not load Scrapy or Elasticsearch.
    from crawler.backfill import plan_backfill
    from crawler.discovery.archives.warc import WarcFileError, check_warc
    from crawler.sources.registry import UnknownSourceError, get_source
    from jobs import tasks
    from jobs.exitcodes import exit_code
    from jobs.lock import EX_TEMPFAIL, LockHeld
    from jobs.progress import CrawlProgress

    for name in args.sources or []:
        try:
            get_source(name)
        except UnknownSourceError as exc:
            print(f"rasad backfill: {exc}", file=sys.stderr)
            return 2
    for f in args.warcs or []:
        try:
            check_warc(f)
        except WarcFileError as exc:
            print(f"rasad backfill: {exc}", file=sys.stderr)
            return 2
    try:
        plan = plan_backfill(config, start=args.start, end=args.end, topic=args.topic, archives=args.archives,
                             warc_files=[str(Path(f).resolve()) for f in args.warcs or []], source_names=args.sources)
    except ConfigError as exc:
        print(f"rasad backfill: {exc}", file=sys.stderr)
        return 2
    engine = engine_options(args, plan.archives, bool(plan.warc_files))
    if isinstance(engine, str):
        print(f"rasad backfill: {engine}", file=sys.stderr)
        return 2
    tasks.install_signal_handlers()
    try:
        if engine:
            result = tasks.backfill(config, plan, on_progress=engine_progress, engine=engine)
        else:
            with CrawlProgress("backfill") as progress:
                result = tasks.backfill(config, plan, on_progress=progress.update)
    except LockHeld as exc:
        print(f"rasad backfill: {exc}; try again later", file=sys.stderr)
        return EX_TEMPFAIL
    window = f"{plan.start.date()}..{plan.end.date()}" if plan.archives or plan.dated else "all dates"
    print(f"backfill {result['run_id']}: {result['status']} in {result.get('duration_s', 0):.1f}s, window {window}, "
          f"archives {','.join(plan.archives) or '-'}, WARC files {len(plan.warc_files)}")
    print(summary(result))
    accounting = warc_accounting(result.get("counts") or {})
    if accounting:
        print(accounting)
    if not_coverage := not_coverage_line(result.get("counts") or {}):
        print(not_coverage)
    if result.get("alert"):
        from jobs.commands.alert import outcome_text

        print(f"alert: {outcome_text(result['alert'])}")
    for err in (result.get("errors") or [])[:MAX_ERRORS_SHOWN]:
        print(f"error: {err}")
    return tasks.exit_status(exit_code(result["status"]))


MAX_ERRORS_SHOWN = 10


def engine_options(args: argparse.Namespace, archives: list[str], warcs: bool) -> dict | str | None:
    """The engine's options, None without --engine, or why they cannot be used (a message)."""
    if not args.engine:
        if args.scheduler:
            return "--scheduler needs --engine dask"
        return None
    if not archives or set(archives) - {"ccnews", "ccindex"} or warcs:
        return ("--engine runs the CC-NEWS and columnar-index routes only: give --archive ccnews and/or --archive "
                f"ccindex, no --warc (got {','.join(archives) or 'none'})")
    if args.workers < 1:
        return f"--workers must be 1 or more (got {args.workers})"
    if args.scheduler and args.engine != "dask":
        return "--scheduler needs --engine dask"
    return {"engine": args.engine, "workers": args.workers, "scheduler": args.scheduler}


def engine_progress(snapshot: dict) -> None:
    """One line per file scanned: files, bytes and records so far, and the rate."""
    elapsed = snapshot.get("elapsed_s") or 0.0
    mb = snapshot.get("scanned_bytes", 0) / 1e6
    rate = f", {mb / elapsed:.1f} MB/s" if elapsed else ""
    print(f"CC-NEWS: {snapshot['files_done']}/{snapshot['files']} files, {mb:.1f} MB, "
          f"{snapshot.get('scanned_records', 0)} records, {snapshot.get('pages', 0)} pages to extract{rate}",
          file=sys.stderr, flush=True)


def summary(result: dict, outlets: bool = True) -> str:
    """Per-route and (unless `outlets` is false) per-outlet tables of a crawl or backfill result."""
    routes = table(result.get("routes") or [], "route")
    if not outlets:
        return routes
    rows = result.get("outlets") or outlet_rows(result.get("per_source") or {})
    return routes + "\n\n" + table(rows, "outlet")


def warc_accounting(counts: dict) -> str:
    """"WARC records: N read = S stored + D dropped (why) + F failed (why)", or "" without WARC files."""
    read = int(counts.get("archive_warc_read", 0))
    if not read:
        return ""

    def part(outcome: str) -> str:
        total = int(counts.get(f"archive_warc_{outcome}", 0))
        prefix = f"archive_warc_{outcome}_"
        why = ", ".join(f"{k[len(prefix):]} {int(v)}" for k, v in sorted(counts.items()) if k.startswith(prefix) and v)
        return f"{total} {outcome}" + (f" ({why})" if why else "")

    return f"WARC records: {read} read = {int(counts.get('archive_warc_stored', 0))} stored + {part('dropped')} + {part('failed')}"

