"""`rasad digest [--since DATE] [--until DATE] [--send] [--topic NAME]`: build (and email) the digest."""

from __future__ import annotations

import argparse
import sys

from crawler.config import Config
from jobs import tasks
from jobs.commands.crawl import parse_since
from jobs.lock import EX_TEMPFAIL, LockHeld, run_lock
from jobs.runs import FAILED, track_run
from reports.service import make_digest, send_pending


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("digest", help="build the digest of new coverage under reports/out/ (and email it with --send)")
    p.add_argument(
        "--since", type=parse_since, metavar="DATE", help="period start (default: end of the last digest)"
    )
    p.add_argument("--until", type=parse_since, metavar="DATE", help="period end (default: now)")
    p.add_argument("--send", action="store_true", help="email it (and resend earlier undelivered digests)")
    p.add_argument("--topic", help="topic to report on (default: the configured default topic)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, config: Config) -> int:
    topic = config.topic(args.topic).name  # unknown topic: ConfigError before any work
    tasks.install_signal_handlers()
    try:
        with run_lock(config):
            store = tasks.open_job_store(config)
            with track_run(store, "digest", "manual") as record:
                if args.send:
                    resent = send_pending(config, store)
                    record.count("pending_sent", resent)
                    if resent:
                        print(f"resent {resent} earlier digest(s)")
                try:
                    outcome = make_digest(
                        config, store, since=args.since, until=args.until, send=args.send, run_id=record.run_id, topic=topic
                    )
                except ValueError as exc:
                    print(f"rasad digest: {exc}", file=sys.stderr)
                    return 2
                record.count("articles", outcome.article_count)
                record.count("sent", int(outcome.sent))
                if outcome.error:
                    record.error(outcome.error)
                if outcome.status == FAILED:
                    record.mark(FAILED)
    except LockHeld as exc:
        print(f"rasad digest: {exc}; try again later", file=sys.stderr)
        return EX_TEMPFAIL
    print(f"digest {outcome.digest_id}: {outcome.article_count} articles, status {outcome.status}")
    for path in outcome.files:
        print(f"  {path}")
    if not outcome.files:
        print("  no files written (no new coverage and digest.send_empty is off)")
    if args.send:
        print("delivery: sent" if outcome.sent else f"delivery: not sent ({outcome.error or outcome.status})")
    return 1 if outcome.status == FAILED else 0
