"""`rasad alert [--preview [--since DATE] [--topic NAME]]`: resend undelivered alerts, or preview the next one.

Alerts are made by the crawls and backfills themselves (alerts.enabled); this command sends again,
the same messages, the alerts whose delivery failed. `--preview` writes the files of an alert of
the articles that qualify and no alert reported yet, and nothing else (no record, no mail).
"""

from __future__ import annotations

import argparse
import sys

from crawler.config import Config
from jobs.commands.crawl import parse_since
from jobs.exitcodes import EXIT_FAILED, EXIT_OK


def outcome_text(alert: dict | None) -> str:
    """What a run's alert step did, in a few words (`alert` of a crawl's or backfill's result)."""
    if not alert:
        return "none (alerts.enabled is false)"
    if alert.get("article_count") and alert.get("status") in ("sent", "pending", "failed"):
        counts = ", ".join(f"{n} {k}" for k, n in (alert.get("counts") or {}).items())
        text = f"{alert['alert_id']} {alert['status']} ({alert['article_count']} articles: {counts})"
    elif alert.get("status") == "failed":
        text = f"not made ({alert.get('error', '')})"
    else:
        text = "nothing new to alert"
    return text + (f"; {alert['resent']} earlier alert(s) resent" if alert.get("resent") else "")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("alert", help="resend the alert mails that could not be delivered; --preview shows the next one")
    p.add_argument("--preview", action="store_true",
                   help="write the files of an alert of the articles no alert reported yet; nothing is recorded or sent")
    p.add_argument("--since", type=parse_since, metavar="DATE",
                   help="(--preview) articles indexed since DATE (default: the last alert, or crawl.since_days back)")
    p.add_argument("--topic", help="(--preview) topic (default: the configured default topic)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, config: Config) -> int:
    topic = config.topic(args.topic).name  # unknown topic: ConfigError before any work
    if (args.since or args.topic) and not args.preview:
        print("rasad alert: --since and --topic go with --preview (resending takes every undelivered alert)",
              file=sys.stderr)
        return 2
    return _preview(args, config, topic) if args.preview else _resend(config)


def _preview(args: argparse.Namespace, config: Config, topic: str) -> int:
    from jobs.context import open_store
    from reports.alerting import preview_alert

    store = open_store(config)  # an unreachable cluster ends here (exit 1): a preview has nothing to show
    store.init()
    outcome = preview_alert(config, store, topic=topic, since=args.since)
    if not outcome.files:
        print("preview: no article to alert (no new copy, rewrite or conflicting figure that no alert reported)")
        return EXIT_OK
    counts = ", ".join(f"{n} {kind}" for kind, n in outcome.counts.items())
    print(f"preview: {outcome.article_count} articles ({counts})")
    for path in outcome.files:
        print(f"  {path}")
    print("delivery: nothing will be sent (a preview is not recorded); crawls and backfills send alerts "
          "when alerts.enabled is true")
    return EXIT_OK


def _resend(config: Config) -> int:
    from jobs import tasks
    from jobs.lock import EX_TEMPFAIL, LockHeld, run_lock
    from reports.alerting import send_pending_alerts
    from reports.service import FAILED, PENDING

    tasks.install_signal_handlers()
    try:
        with run_lock(config):
            store = tasks.open_job_store(config)
            sent = send_pending_alerts(config, store)
            left = [a for a in store.alerts() if a.get("status") in (PENDING, FAILED)]
    except LockHeld as exc:
        print(f"rasad alert: {exc}; try again later", file=sys.stderr)
        return EX_TEMPFAIL
    print(f"alerts resent: {sent}; still undelivered: {len(left)}")
    for a in left:
        print(f"  alert {a.get('alert_id')} ({a.get('article_count', 0)} articles): "
              f"{a.get('last_error') or 'no recipients (alerts.recipients, digest.recipients)'}")
    if not config.alerts.enabled:
        print("note: alerts.enabled is false: crawls and backfills make no new alerts")
    return tasks.exit_status(EXIT_FAILED if left else EXIT_OK)
