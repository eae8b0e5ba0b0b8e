"""Build the digest (and alert) email (text + HTML with the inline timeline) and deliver it over SMTP with retries."""

from __future__ import annotations

import email.policy
import logging
import smtplib
import socket
import ssl
import time
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from crawler.config import SmtpConfig
from reports.digest import Digest

log = logging.getLogger(__name__)

SUBJECT_MAX = 200


class DeliveryError(Exception):
    """The message could not be delivered; `attempts` SMTP sessions were tried."""

    def __init__(self, message: str, attempts: int):
        super().__init__(message)
        self.attempts = attempts


def clean_header_text(value: str, limit: int = SUBJECT_MAX) -> str:
    """One line of header text: control characters (CR, LF, TAB, ...) become spaces, then trimmed."""
    text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in value)
    return " ".join(text.split())[:limit]


def _address_list(addresses: Sequence[str], what: str) -> str:
    for a in addresses:
        if a != clean_header_text(a, limit=len(a)) or not a.strip():
            raise ValueError(f"{what}: invalid address {a!r} (control characters or empty)")
    return ", ".join(addresses)


def build_message(
    digest: Digest,
    html: str,
    text: str,
    chart_png: bytes | None,
    *,
    sender: str,
    recipients: Sequence[str],
    subject: str,
    chart_cid: str | None = None,
) -> EmailMessage:
    """multipart/alternative: the text, then multipart/related (HTML + the inline PNG timeline).

    Without a chart (`chart_png` None: an empty digest) the HTML is the second alternative itself,
    with no image attached: a mail client would show an unreferenced image as an attachment.
    Date and Message-ID derive from the digest, so the same digest gives the same message.
    Raises:
        ValueError: a sender or recipient address contains control characters.
    """
    return compose_message(
        html, text, sender=sender, recipients=recipients, subject=subject, date=digest.period_end,
        message_key=f"digest-{digest.digest_id}", boundary_key=digest.digest_id, chart_png=chart_png,
        chart_cid=chart_cid or digest.chart_cid)


def compose_message(
    html: str,
    text: str,
    *,
    sender: str,
    recipients: Sequence[str],
    subject: str,
    date: datetime,
    message_key: str,
    boundary_key: str | None = None,
    chart_png: bytes | None = None,
    chart_cid: str = "",
    recipients_key: str = "digest.recipients",
) -> EmailMessage:
    """The message of a digest or an alert: Message-ID <`message_key`@rasad>, fixed boundaries.

    `recipients_key` names the recipients' configuration key in errors.
    Raises:
        ValueError: a sender or recipient address contains control characters.
    """
    boundary = boundary_key or message_key
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["Subject"] = clean_header_text(subject)
    msg["From"] = _address_list([sender], "digest.sender")
    if recipients:
        msg["To"] = _address_list(recipients, recipients_key)
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = f"<{message_key}@rasad>"
    msg.set_content(text, subtype="plain", charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    msg["Content-Language"] = "ar"  # after the content: set_content drops the Content-* headers before it
    # Fixed boundaries (random by default) keep the .eml byte-identical when a period is re-run.
    msg.set_boundary(f"rasad-alt-{boundary}")
    if chart_png is not None:
        html_part = msg.get_payload()[1]
        html_part.add_related(
            chart_png, maintype="image", subtype="png", cid=f"<{chart_cid}>", filename="timeline.png", disposition="inline"
        )
        html_part.set_boundary(f"rasad-rel-{boundary}")
    return msg


def _transient(exc: BaseException) -> bool:
    """Worth another try: network trouble, timeouts, or a 4xx reply from the server."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return False
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(exc, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError | socket.timeout | OSError)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        err = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {err}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{rcpt}: {code} {msg.decode('utf-8', 'replace')}" for rcpt, (code, msg) in exc.recipients.items())
    return f"{type(exc).__name__}: {exc}"


def _ssl_context(config: SmtpConfig) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=config.ca_file or None)


def _deliver_once(msg: EmailMessage, config: SmtpConfig) -> None:
    smtp: smtplib.SMTP
    if config.security == "ssl":
        smtp = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=_ssl_context(config))
    else:
        smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    with smtp:
        if config.security == "starttls":
            smtp.starttls(context=_ssl_context(config))
        if config.username:
            smtp.login(config.username, config.password.get_secret_value())
        smtp.send_message(msg)


def send_message(msg: EmailMessage, smtp_config: SmtpConfig) -> None:
    """Deliver `msg`, retrying transient failures with exponential backoff.

    Raises:
        DeliveryError: permanent refusal, or still failing after smtp.retries retries (names the server).
    """
    if not (msg.get_all("To") or msg.get_all("Cc")):
        raise DeliveryError("message has no recipients (set digest.recipients)", attempts=0)
    server = f"{smtp_config.host}:{smtp_config.port} ({smtp_config.security})"
    tries = smtp_config.retries + 1
    for attempt in range(1, tries + 1):
        try:
            _deliver_once(msg, smtp_config)
            log.info("delivered %s to %s via %s", msg["Message-ID"], msg["To"], server)
            return
        except (smtplib.SMTPException, OSError) as exc:
            reason = _describe(exc)
            if not _transient(exc):
                raise DeliveryError(f"SMTP server {server} refused the message: {reason}", attempt) from exc
            if attempt == tries:
                raise DeliveryError(f"SMTP server {server}: still failing after {tries} attempts: {reason}", attempt) from exc
            delay = smtp_config.retry_backoff * 2 ** (attempt - 1)
            log.warning("delivery attempt %d/%d via %s failed (%s); retrying in %.1fs", attempt, tries, server, reason, delay)
            time.sleep(delay)
