"""What jobs call after a crawl or backfill: the alert mail of the new copies, rewrites and conflicting figures.

An alert follows the digest's rules for not losing anything (reports/service.py): it is recorded,
with its article ids, before it is sent, so each article is alerted once even when delivery fails;
an undelivered alert stays pending (its .eml on disk) and is resent, the same message, by the next
run's alert step or `rasad alert`. A run sends at most one alert of its own.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

from crawler.config import Config
from crawler.store import Store
from reports.alert import Alert, alert_id_for, build_alert
from reports.digest import parse_time
from reports.mail import compose_message
from reports.render import render_alert_html, render_alert_text
from reports.service import FAILED, PENDING, PREVIEW, SENT, deliver_recorded, resend_recorded

log = logging.getLogger(__name__)

NOTHING = "nothing"  # no new article qualifies: no record, no mail
OFF = "off"  # alerts.enabled is false


@dataclass
class AlertOutcome:
    """What one alert step did."""

    alert_id: str = ""
    status: str = NOTHING
    article_count: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    sent: bool = False
    resent: int = 0  # earlier undelivered alerts sent by this step
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def candidates(
    config: Config, store: Store, *, topic: str, run_id: str | None, since: datetime | None = None,
) -> list[dict[str, Any]]:
    """Articles of the topic that alerts.on asks for and no alert reported yet.

    Those of the run `run_id`, and those indexed since the topic's last alert (or `since`): so the
    articles of a run that could not alert (Elasticsearch down, a run stopped early) are alerted by
    the next run, while turning alerts on does not alert the whole archive.
    """
    records = [a for a in store.alerts() if a.get("alert_id") != (alert_id_for(run_id) if run_id else None)]
    alerted = {i for a in records for i in a.get("article_ids") or []}
    last = max((t for a in records if a.get("topic") == topic and (t := parse_time(a.get("created_at")))), default=None)
    on = config.alerts.on
    return store.alert_candidates(
        topic=topic, relations=[k for k in on if k in ("copy", "rewrite")], conflicting="conflict" in on,
        run_id=run_id, indexed_since=since or last, exclude_ids=alerted)


def _build(config: Config, articles: list[dict[str, Any]], *, alert_id: str, topic: str, finder: str,
           now: datetime) -> Alert:
    return build_alert(articles, alert_id=alert_id, topic=topic, found_at=now, finder=finder,
                       kinds=config.alerts.on, max_articles=config.alerts.max_articles)


def write_files(config: Config, alert: Alert) -> tuple[list[str], EmailMessage]:
    """Write .html, .txt and .eml (what is sent) beside the digests; returns the paths and the message."""
    out = config.path(config.digest.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"rasad-alert-{alert.found_at:%Y-%m-%d}-{alert.alert_id}"
    html, text = render_alert_html(alert), render_alert_text(alert)
    message = compose_message(
        html, text, sender=config.digest.sender, recipients=config.alert_recipients, subject=alert.subject,
        date=alert.found_at, message_key=alert.message_key, recipients_key="alerts.recipients")
    paths = []
    for suffix, data in ((".html", html.encode("utf-8")), (".txt", text.encode("utf-8")), (".eml", message.as_bytes())):
        path = out / f"{stem}{suffix}"
        path.write_bytes(data)
        paths.append(str(path))
    log.info("alert %s written to %s (%s.*)", alert.alert_id, out, stem)
    return paths, message


def send_pending_alerts(config: Config, store: Store, *, now: datetime | None = None) -> int:
    """Resend alerts recorded as pending or failed (the same message, from their .eml); how many were sent."""
    todo = [a for a in store.alerts() if a.get("status") in (PENDING, FAILED)]
    if not todo:
        return 0
    if not config.alert_recipients:
        log.warning("%d alerts pending but alerts.recipients and digest.recipients are empty in %s",
                    len(todo), config.source_file)
        return 0
    sent = resend_recorded(config, todo, recipients=config.alert_recipients, save=store.save_alert,
                           label=lambda r: f"alert {r['alert_id']}", now=now)
    log.info("resent %d of %d pending alerts", sent, len(todo))
    return sent


def make_alert(
    config: Config,
    store: Store,
    *,
    run_id: str,
    finder: str,
    topic: str | None = None,
    send: bool = True,
    now: datetime | None = None,
) -> AlertOutcome:
    """The alert step of a run: resend undelivered alerts, then alert what this run found (once).

    Args:
        run_id: the crawl or backfill whose articles are alerted (its alert's id derives from it).
        finder: the run kind ("crawl", "backfill"), named in the mail.
        topic: a configured topic; defaults to config.default_topic.
        send: False records the alert pending without mailing it (a run being stopped): the next
            alert step or `rasad alert` sends it.
    """
    if not config.alerts.enabled:
        return AlertOutcome(status=OFF)
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    topic_name = config.topic(topic).name
    outcome = AlertOutcome(alert_id=alert_id_for(run_id))
    if send:
        outcome.resent = send_pending_alerts(config, store, now=now)
    existing = next((a for a in store.alerts() if a.get("alert_id") == outcome.alert_id), None)
    if existing is not None:  # this run's alert exists already: never a second one
        outcome.status, outcome.article_count = existing.get("status", ""), int(existing.get("article_count") or 0)
        outcome.sent = outcome.status == SENT
        return outcome
    articles = candidates(config, store, topic=topic_name, run_id=run_id)
    if not articles:
        log.info("alert: no new %s article in run %s", "/".join(config.alerts.on), run_id)
        return outcome
    alert = _build(config, articles, alert_id=outcome.alert_id, topic=topic_name, finder=finder, now=now)
    outcome.files, message = write_files(config, alert)
    outcome.article_count, outcome.counts = len(alert.article_ids), dict(alert.counts)
    record: dict[str, Any] = {
        "alert_id": alert.alert_id,
        "run_id": run_id,
        "topic": topic_name,
        "created_at": _iso(now),
        "article_ids": alert.article_ids,
        "article_count": len(alert.article_ids),
        "kinds": [k for k, n in alert.counts.items() if n],
        "recipients": config.alert_recipients,
        "status": PENDING,
        "attempts": 0,
        "last_error": "",
        "files": outcome.files,
    }
    store.save_alert(record)  # before sending: the articles are alerted once, whatever delivery does
    outcome.status = PENDING
    if not send:
        return outcome
    if not config.alert_recipients:
        outcome.error = (f"{config.source_file}: alerts.recipients and digest.recipients are empty; "
                         f"alert {alert.alert_id} left pending")
        return outcome
    outcome.error = deliver_recorded(config, record, message, now, save=store.save_alert,
                                     label=f"alert {alert.alert_id}")
    outcome.status, outcome.sent = record["status"], outcome.error is None
    return outcome


def preview_alert(config: Config, store: Store, *, topic: str | None = None, since: datetime | None = None,
                  now: datetime | None = None) -> AlertOutcome:
    """Write the files of an alert of every qualifying article no alert reported yet, indexed since
    `since` (default: the topic's last alert, or crawl.since_days back). Nothing is recorded or sent."""
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    topic_name = config.topic(topic).name
    if since is None:
        last = [parse_time(a.get("created_at")) for a in store.alerts() if a.get("topic") == topic_name]
        since = max((t for t in last if t), default=now - timedelta(days=config.crawl.since_days))
    articles = candidates(config, store, topic=topic_name, run_id=None, since=since)
    outcome = AlertOutcome(alert_id=alert_id_for(f"preview|{_iso(now)}"), status=NOTHING)
    if not articles:
        return outcome
    alert = _build(config, articles, alert_id=outcome.alert_id, topic=topic_name, finder="preview", now=now)
    outcome.files, _ = write_files(config, alert)
    outcome.status, outcome.article_count, outcome.counts = PREVIEW, len(alert.article_ids), dict(alert.counts)
    return outcome
