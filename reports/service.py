"""What jobs call: build the digest of the new period, write its files, record it, and deliver it.

A digest is recorded (with its article ids) before it is sent, so an article is reported once
even when delivery fails; failed and pending digests are resent by `send_pending` from their .eml.
"""

from __future__ import annotations

import email
import email.policy
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from crawler.config import Config
from crawler.store import Store
from reports.chart import timeline_png
from reports.digest import Digest, build_digest, digest_id_for, parse_time
from reports.kibana_probe import kibana_answers
from reports.mail import DeliveryError, build_message, send_message
from reports.render import render_html, render_text, subject_for

log = logging.getLogger(__name__)

PENDING, SENT, FAILED, EMPTY = "pending", "sent", "failed", "empty"
PREVIEW = "preview"  # written to disk only: not recorded, not queued for mail


@dataclass
class DigestOutcome:
    """What one make_digest call did."""

    digest_id: str
    status: str
    article_count: int
    files: list[str] = field(default_factory=list)
    sent: bool = False
    error: str | None = None


def _utc(value: datetime) -> datetime:
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    # Whole seconds: the period is part of the digest id and of file contents.
    return value.replace(microsecond=0)


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def resolve_period(
    config: Config, digests: list[dict[str, Any]], since: datetime | None, until: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    """[since, until): from the end of the topic's last digest (or crawl.since_days back) until now.

    Raises:
        ValueError: the period is empty or reversed (names both ends).
    """
    end = _utc(until) if until else now
    if since is not None:
        start = _utc(since)
    else:
        ends = [t for t in (parse_time(d.get("period_end")) for d in digests) if t and t <= end]
        start = max(ends) if ends else end - timedelta(days=config.crawl.since_days)
    if start >= end:
        raise ValueError(f"digest period is empty: since {_iso(start)} is not before until {_iso(end)}")
    return start, end


def file_stem(digest: Digest) -> str:
    """File name stem, dated by the period's end: rasad-digest-2026-11-28-<shortid>."""
    return f"rasad-digest-{digest.period_end:%Y-%m-%d}-{digest.digest_id[:8]}"


def write_files(config: Config, digest: Digest) -> tuple[list[str], EmailMessage]:
    """Write .html (viewable from disk), .txt, .png (when there is a chart) and .eml (what is sent).

    Returns the paths written and the message.
    """
    out = config.path(config.digest.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = file_stem(digest)
    chart = timeline_png(digest.days) if digest.days else None
    text = render_text(digest)
    message = build_message(
        digest,
        render_html(digest, digest.chart_cid),
        text,
        chart,
        sender=config.digest.sender,
        recipients=config.digest.recipients,
        subject=subject_for(digest),
    )
    contents: dict[str, bytes] = {
        ".html": render_html(digest, digest.chart_cid, chart_src=f"{stem}.png").encode("utf-8"),
        ".txt": text.encode("utf-8"),
        ".eml": message.as_bytes(),
    }
    if chart is not None:
        contents[".png"] = chart
    else:
        (out / f"{stem}.png").unlink(missing_ok=True)  # a re-run period that lost its articles
    paths = []
    for suffix, data in contents.items():
        path = out / f"{stem}{suffix}"
        path.write_bytes(data)
        paths.append(str(path))
    log.info("digest %s written to %s (%s.*)", digest.digest_id, out, stem)
    return paths, message


def deliver_recorded(
    config: Config, record: dict[str, Any], message: EmailMessage, now: datetime, *,
    save: Callable[[dict[str, Any]], Any], label: str,
) -> str | None:
    """Send one recorded message (a digest or an alert) and record the result with `save`.

    `label` names it in the log ("digest 1a2b...", "alert 3c4d..."). Returns the error, or None when sent.
    """
    record["attempts"] = int(record.get("attempts") or 0)
    try:
        send_message(message, config.smtp)
    except DeliveryError as exc:
        record.update(status=FAILED, last_error=str(exc), attempts=record["attempts"] + exc.attempts)
        save(record)
        log.error("%s not delivered: %s (files kept: %s)", label, exc, ", ".join(record["files"]))
        return str(exc)
    record.update(status=SENT, sent_at=_iso(now), last_error="", attempts=record["attempts"] + 1)
    save(record)
    return None


def _deliver(config: Config, store: Store, record: dict[str, Any], message: EmailMessage, now: datetime) -> str | None:
    return deliver_recorded(config, record, message, now, save=store.save_digest, label=f"digest {record['digest_id']}")


def period_routes(store: Store, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """What each discovery route found in the crawls and backfills that finished in [start, end)."""
    from crawler.found import add_up

    query = {"bool": {"filter": [{"terms": {"kind": ["crawl", "backfill"]}},
                                 {"range": {"finished_at": {"gte": _iso(start), "lt": _iso(end)}}}]}}
    try:
        runs = list(store.scan("runs", query=query, fields=["routes"]))
    except Exception as exc:  # noqa: BLE001 - the footer is a convenience; the digest goes out without it
        log.warning("route counts of the period not read: %s", exc)
        return []
    return add_up((r for run in runs for r in run.get("routes") or []), "route")


def off_routes(config: Config, topic: str) -> set[str]:
    """The crawl's discovery routes that the configuration switches off (named as crawler.found does)."""
    crawl = config.crawl
    off = set()
    if not (crawl.aggregators and crawl.google_news):
        off.add("google-news")
    if not (crawl.aggregators and config.topic(topic).gdelt_queries):
        off.add("gdelt")
    return off


def make_digest(
    config: Config,
    store: Store,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    send: bool = False,
    run_id: str | None = None,
    now: datetime | None = None,
    topic: str | None = None,
    preview: bool = False,
    include_reported: bool = False,
) -> DigestOutcome:
    """Build, write, record and (with `send`) deliver the digest of the period.

    Args:
        since, until: the period; by default from the end of the topic's last digest until `now`.
        send: email it to digest.recipients; otherwise it stays pending for the next `send_pending`.
        run_id: the job run that made it (recorded on the digest).
        now: the current time (tests); defaults to the wall clock.
        topic: a configured topic; defaults to config.default_topic.
        preview: only write the files (status "preview"): nothing is recorded, so the period and
            its articles stay for the next real digest, and nothing is queued for mail.
        include_reported: (previews) keep the articles that earlier digests already reported.
    """
    if include_reported and not preview:
        raise ValueError("include_reported is for previews: a recorded digest reports each article once")
    now = _utc(now or datetime.now(UTC))
    topic_name = config.topic(topic).name
    known = [d for d in store.digests() if d.get("topic") == topic_name]
    start, end = resolve_period(config, known, since, until, now)
    digest_id = digest_id_for(topic_name, start, end)
    existing = next((d for d in known if d.get("digest_id") == digest_id), None)
    # Articles of *other* digests are excluded; this digest's own stay, so a re-run reproduces it.
    reported = set() if include_reported else {
        i for d in known if d.get("digest_id") != digest_id for i in d.get("article_ids") or []}
    articles = store.search_articles(start, end, topic=topic_name, exclude_ids=reported)
    kibana = config.digest.kibana_url
    keywords = config.topic(topic_name).keywords
    digest = build_digest(
        articles,
        topic=topic_name,
        period_start=start,
        period_end=end,
        # Links only to a Kibana that answers now; otherwise the digest says how to search (`rasad search`).
        kibana_url=kibana if kibana and kibana_answers(kibana) else None,
        max_articles=config.digest.max_articles,
        data_view=f"{config.elasticsearch.index_prefix}-articles",
        routes=period_routes(store, start, end),
        search_query=keywords[0] if keywords else "",
        off_routes=off_routes(config, topic_name),
    )
    if preview:
        files, _ = write_files(config, digest)
        return DigestOutcome(digest_id, PREVIEW, len(digest.article_ids), files=files)
    record: dict[str, Any] = {
        "digest_id": digest_id,
        "topic": topic_name,
        "period_start": _iso(start),
        "period_end": _iso(end),
        "created_at": (existing or {}).get("created_at") or _iso(now),
        "article_ids": digest.article_ids,
        "article_count": len(digest.article_ids),
        "recipients": list(config.digest.recipients),
        "attempts": int((existing or {}).get("attempts") or 0),
        "run_id": run_id or (existing or {}).get("run_id") or "",
    }
    outcome = DigestOutcome(digest_id, PENDING, len(digest.article_ids))
    if existing and existing.get("status") == SENT:
        log.info("digest %s for this period was already sent on %s; files rewritten, not resent", digest_id, existing.get("sent_at"))
        outcome.files, _ = write_files(config, digest)
        outcome.status = SENT
        return outcome
    if digest.is_empty and not config.digest.send_empty:
        # Recorded anyway: the next period starts where this one ended.
        store.save_digest({**record, "status": EMPTY, "files": []})
        log.info("no new coverage between %s and %s; nothing written (digest.send_empty is off)", _iso(start), _iso(end))
        outcome.status = EMPTY
        return outcome
    outcome.files, message = write_files(config, digest)
    record.update(status=PENDING, files=outcome.files, last_error=(existing or {}).get("last_error") or "")
    store.save_digest(record)
    if not send:
        return outcome
    if not config.digest.recipients:
        # Said once, by the caller (the run record's error, or the command's delivery line).
        outcome.error = f"{config.source_file}: digest.recipients is empty; digest {digest_id} left pending"
        return outcome
    outcome.error = _deliver(config, store, record, message, now)
    outcome.status = record["status"]
    outcome.sent = outcome.error is None
    return outcome


def _eml_path(record: dict[str, Any]) -> Path | None:
    return next((Path(f) for f in record.get("files") or [] if f.endswith(".eml")), None)


def resend_recorded(
    config: Config, records: list[dict[str, Any]], *, recipients: list[str], save: Callable[[dict[str, Any]], Any],
    label: Callable[[dict[str, Any]], str], now: datetime | None = None,
) -> int:
    """Send again, from their .eml files, recorded messages that are pending or failed: the same
    message (Message-ID included) as the first try. Returns how many were sent."""
    todo = [r for r in records if r.get("status") in (PENDING, FAILED)]
    sent = 0
    for record in todo:
        path = _eml_path(record)
        if path is None or not path.exists():
            record.update(status=FAILED, last_error=f"message file missing: {path or 'no .eml recorded'}")
            save(record)
            log.error("%s cannot be resent: %s", label(record), record["last_error"])
            continue
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.SMTP)
        assert isinstance(message, EmailMessage)  # guaranteed by the policy's message factory
        if not message.get_all("To"):
            message["To"] = ", ".join(recipients)
        record.pop("id", None)
        if deliver_recorded(config, record, message, _utc(now or datetime.now(UTC)), save=save,
                            label=label(record)) is None:
            sent += 1
    return sent


def send_pending(config: Config, store: Store, *, now: datetime | None = None) -> int:
    """Resend digests recorded as pending or failed (from their .eml files); returns how many were sent."""
    todo = [d for d in store.digests() if d.get("status") in (PENDING, FAILED)]
    if not todo:
        return 0
    if not config.digest.recipients:
        log.warning("%d digests pending but digest.recipients is empty in %s", len(todo), config.source_file)
        return 0
    sent = resend_recorded(config, todo, recipients=config.digest.recipients, save=store.save_digest,
                           label=lambda r: f"digest {r['digest_id']}", now=now)
    log.info("resent %d of %d pending digests", sent, len(todo))
    return sent
