"""`rasad digest [--since DATE] [--until DATE] [--all] [--send] [--topic NAME]`: build (and email) the digest.

Without --send the digest is a preview: its files are written and nothing else happens (no digest
record, no run record, nothing spooled, so its articles and period stay for the next real digest,
and no mail is queued). `--all` (preview only) also shows the articles that earlier digests already
reported. With --send it is recorded, emailed, and earlier undelivered digests are resent: what the
scheduled digest does.
"""

from __future__ import annotations

import argparse
import sys

from crawler.config import Config
from jobs.commands.crawl import parse_since
from jobs.exitcodes import EXIT_FAILED, EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "digest",
        help="write a preview of the digest of new coverage under reports/out/; --send records and emails it",
    )
    p.add_argument(
        "--since", type=parse_since, metavar="DATE", help="period start (default: end of the last digest)"
    )
    p.add_argument("--until", type=parse_since, metavar="DATE", help="period end (default: now)")
    p.add_argument(
        "--send", action="store_true",
        help="record and email it (and resend earlier undelivered digests); without it, only the files are written",
    )
    p.add_argument(
        "--all", action="store_true", dest="everything",
        help="preview every article of the period, also those earlier digests already reported (not with --send)",
    )
    p.add_argument("--topic", help="topic to report on (default: the configured default topic)")
    p.set_defaults(func=run)


def demo_articles_command(demo_prefix: str) -> str:
    """The command that shows the demo's stored articles (a preview of everything of the last 30 days)."""
    return f"RASAD_INDEX_PREFIX={demo_prefix} .venv/bin/rasad digest --since 30d --all"


def demo_hint(config: Config, store) -> str | None:
    """When this digest found nothing but `rasad demo` indexed articles, say where they are."""
    demo_prefix = f"{config.elasticsearch.index_prefix}-demo"
    try:
        count = int(store.client.count(index=f"{demo_prefix}-articles", ignore_unavailable=True)["count"])
    except Exception:  # noqa: BLE001 - only a hint
        return None
    if not count:
        return None
    return (f"hint: `rasad demo` (and `make run` without network) indexes into {demo_prefix}-*, which holds "
            f"{count} articles; see them with: {demo_articles_command(demo_prefix)}")


def run(args: argparse.Namespace, config: Config) -> int:
    topic = config.topic(args.topic).name  # unknown topic: ConfigError before any work
    if args.everything and args.send:
        print("rasad digest: --all is for a preview; a sent digest reports only articles no digest reported yet",
              file=sys.stderr)
        return 2
    if not args.send:
        return _preview(args, config, topic)
    return _send(args, config, topic)


def _preview(args: argparse.Namespace, config: Config, topic: str) -> int:
    """Write the files and nothing else: no run record, no digest record, nothing spooled."""
    from jobs.context import open_store
    from reports.service import make_digest

    store = open_store(config)  # an unreachable cluster ends here (exit 1): a preview has nothing to show
    store.init()  # the schema only (idempotent), so that a fresh cluster reads as empty
    try:
        outcome = make_digest(config, store, since=args.since, until=args.until, topic=topic, preview=True,
                              include_reported=args.everything)
    except ValueError as exc:
        print(f"rasad digest: {exc}", file=sys.stderr)
        return 2
    hint = demo_hint(config, store) if not outcome.article_count else None
    print(f"preview {outcome.digest_id}: {outcome.article_count} articles, status {outcome.status}")
    for path in outcome.files:
        print(f"  {path}")
    print("delivery: nothing will be sent, now or later (a preview is not recorded); "
          "`rasad digest --send` records and emails the digest")
    if hint:
        print(hint)
    return EXIT_OK


def _send(args: argparse.Namespace, config: Config, topic: str) -> int:
    from jobs import tasks
    from jobs.lock import EX_TEMPFAIL, LockHeld, run_lock
    from jobs.runs import FAILED, track_run
    from reports.service import make_digest, send_pending

    tasks.install_signal_handlers()
    try:
        with run_lock(config):
            store = tasks.open_job_store(config)
            with track_run(store, "digest", "manual") as record:
                resent = send_pending(config, store)
                record.count("pending_sent", resent)
                if resent:
                    print(f"resent {resent} earlier digest(s)")
                try:
                    outcome = make_digest(config, store, since=args.since, until=args.until, send=True,
                                          run_id=record.run_id, topic=topic)
                except ValueError as exc:
                    print(f"rasad digest: {exc}", file=sys.stderr)
                    return 2
                record.count("articles", outcome.article_count)
                record.count("sent", int(outcome.sent))
                if outcome.error:
                    record.error(outcome.error, echo=False)  # printed once below, as the delivery line
                undelivered = not outcome.sent and outcome.status not in ("sent", "empty")
                if outcome.status == FAILED or undelivered:
                    record.mark(FAILED)
            hint = demo_hint(config, store) if not outcome.article_count else None
    except LockHeld as exc:
        print(f"rasad digest: {exc}; try again later", file=sys.stderr)
        return EX_TEMPFAIL
    print(f"digest {outcome.digest_id}: {outcome.article_count} articles, status {outcome.status}")
    for path in outcome.files:
        print(f"  {path}")
    if not outcome.files:
        print("  no files written (no new coverage and digest.send_empty is off)")
    print("delivery: sent" if outcome.sent else f"delivery: not sent ({outcome.error or outcome.status})")
    if hint:
        print(hint)
    # --send whose delivery was impossible (no recipients, server down) is a failure for cron.
    return tasks.exit_status(EXIT_FAILED if outcome.status == FAILED or undelivered else EXIT_OK)
