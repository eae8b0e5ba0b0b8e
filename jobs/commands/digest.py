"""`rasad digest [--since DATE] [--until DATE] [--send] [--topic NAME]`: build (and email) the digest.

Without --send the digest is a preview: its files are written and nothing else happens (it is not
recorded, so its articles and period stay for the next real digest, and no mail is queued). With
--send it is recorded, emailed, and earlier undelivered digests are resent: what the scheduled
digest does.
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
    p.add_argument("--topic", help="topic to report on (default: the configured default topic)")
    p.set_defaults(func=run)


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
            f"{count} articles; see them with: RASAD_INDEX_PREFIX={demo_prefix} rasad digest --since 30d")


def run(args: argparse.Namespace, config: Config) -> int:
    from jobs import tasks
    from jobs.lock import EX_TEMPFAIL, LockHeld, run_lock
    from jobs.runs import FAILED, track_run
    from reports.service import make_digest, send_pending

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
                        config, store, since=args.since, until=args.until, send=args.send, run_id=record.run_id,
                        topic=topic, preview=not args.send,
                    )
                except ValueError as exc:
                    print(f"rasad digest: {exc}", file=sys.stderr)
                    return 2
                record.count("articles", outcome.article_count)
                record.count("sent", int(outcome.sent))
                if outcome.error:
                    record.error(outcome.error)
                undelivered = args.send and not outcome.sent and outcome.status not in ("sent", "empty")
                if outcome.status == FAILED or undelivered:
                    record.mark(FAILED)
            hint = demo_hint(config, store) if not outcome.article_count else None
    except LockHeld as exc:
        print(f"rasad digest: {exc}; try again later", file=sys.stderr)
        return EX_TEMPFAIL
    what = "preview" if not args.send else "digest"
    print(f"{what} {outcome.digest_id}: {outcome.article_count} articles, status {outcome.status}")
    for path in outcome.files:
        print(f"  {path}")
    if not outcome.files:
        print("  no files written (no new coverage and digest.send_empty is off)")
    if args.send:
        print("delivery: sent" if outcome.sent else f"delivery: not sent ({outcome.error or outcome.status})")
    else:
        print("delivery: nothing will be sent, now or later (a preview is not recorded); "
              "`rasad digest --send` records and emails the digest")
    if hint:
        print(hint)
    # --send whose delivery was impossible (no recipients, server down) is a failure for cron.
    return EXIT_FAILED if outcome.status == FAILED or undelivered else EXIT_OK
