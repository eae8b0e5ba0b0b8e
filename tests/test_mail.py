"""Digest email: structure and headers as received by a real SMTP server (aiosmtpd on 127.0.0.1),
retries and failures, resending from the .eml, STARTTLS with login."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import logging
import socket
import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from pydantic import SecretStr

from crawler.config import SmtpConfig
from reports.chart import timeline_png
from reports.digest import build_digest
from reports.mail import DeliveryError, build_message, send_message
from reports.render import render_html, render_text, subject_for
from reports.service import make_digest, send_pending
from tests.digest_helpers import sample_articles

P0, P1 = datetime(2026, 11, 26, tzinfo=UTC), datetime(2026, 11, 27, tzinfo=UTC)
SENDER = "رصد <rasad@example.org>"
RECIPIENTS = ["editor@example.org", "desk@example.org"]


class Recorder:
    """aiosmtpd handler: stores accepted messages, or answers DATA with `reply` (e.g. a 451)."""

    def __init__(self) -> None:
        self.reply = "250 OK"
        self.attempts = 0
        self.received: list[tuple[email.message.EmailMessage, list[str], bool]] = []

    async def handle_DATA(self, server, session, envelope):
        self.attempts += 1
        if not self.reply.startswith("250"):
            return self.reply
        msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.received.append((msg, list(envelope.rcpt_tos), session.ssl is not None))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    handler = Recorder()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


def _smtp(port: int, **kw) -> SmtpConfig:
    return SmtpConfig(host="127.0.0.1", port=port, timeout=5, retries=2, retry_backoff=0.01, **kw)


def _digest(docs):
    return build_digest(docs, topic="wic-2020", period_start=P0, period_end=P1, kibana_url="http://kibana:5601")


def _message(docs, subject=None):
    d = _digest(docs)
    return d, build_message(
        d,
        render_html(d, d.chart_cid),
        render_text(d),
        timeline_png(d.days),
        sender=SENDER,
        recipients=RECIPIENTS,
        subject=subject if subject is not None else subject_for(d),
    )


def test_delivered_message_structure_and_headers(smtp_server):
    handler, port = smtp_server
    docs = sample_articles(P0)
    docs[3]["title"] = "عنوان <script>alert(1)</script>"
    d, msg = _message(docs)
    send_message(msg, _smtp(port))
    ((got, rcpts, _),) = handler.received
    assert rcpts == RECIPIENTS
    assert str(got["Subject"]) == subject_for(d)  # Arabic survives RFC 2047 encoding
    assert got["From"].addresses[0].display_name == "رصد"
    assert [a.addr_spec for a in got["To"].addresses] == RECIPIENTS
    assert got.get_content_type() == "multipart/alternative"
    text, related = got.get_payload()
    assert text.get_content_type() == "text/plain"
    assert related.get_content_type() == "multipart/related"
    html_part, image = related.get_payload()
    assert html_part.get_content_type() == "text/html" and image.get_content_type() == "image/png"
    html = html_part.get_content()
    assert 'lang="ar"' in html and 'dir="rtl"' in html
    cid = image["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in html
    assert image.get_content() == timeline_png(d.days)
    for doc in docs:
        assert f'href="{doc["url"]}"' in html
        assert doc["url"] in text.get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_subject_cannot_inject_headers(smtp_server):
    handler, port = smtp_server
    _, msg = _message(sample_articles(P0), subject="رصد\r\nBcc: spy@example.org\nX-Evil: 1")
    send_message(msg, _smtp(port))
    ((got, rcpts, _),) = handler.received
    assert got["Bcc"] is None and got["X-Evil"] is None
    assert rcpts == RECIPIENTS
    assert "\n" not in str(got["Subject"]) and "Bcc: spy@example.org" in str(got["Subject"])


def test_transient_refusal_is_retried_then_raises(smtp_server):
    handler, port = smtp_server
    handler.reply = "451 Try again later"
    _, msg = _message(sample_articles(P0))
    with pytest.raises(DeliveryError, match="451") as err:
        send_message(msg, _smtp(port))
    assert handler.attempts == 3 and err.value.attempts == 3  # 1 + smtp.retries


def test_permanent_refusal_is_not_retried(smtp_server):
    handler, port = smtp_server
    handler.reply = "554 Transaction failed"
    _, msg = _message(sample_articles(P0))
    with pytest.raises(DeliveryError, match="554"):
        send_message(msg, _smtp(port))
    assert handler.attempts == 1


def test_connection_refused_is_retried():
    _, msg = _message(sample_articles(P0))
    with pytest.raises(DeliveryError, match="after 3 attempts.*ConnectionRefusedError"):
        send_message(msg, _smtp(_free_port()))


@pytest.mark.es
def test_failed_digest_is_kept_and_sent_by_the_next_run(config, store, smtp_server):
    handler, port = smtp_server
    config.smtp = _smtp(port)
    config.digest.recipients = RECIPIENTS
    store.index_articles(sample_articles(P0 + timedelta(hours=1)))
    handler.reply = "451 Try again later"
    outcome = make_digest(config, store, since=P0, until=P1, send=True, now=P1)
    assert outcome.status == "failed" and not outcome.sent and "451" in outcome.error
    assert all(Path(p).exists() for p in outcome.files)
    (record,) = store.digests()
    assert record["status"] == "failed" and record["attempts"] == 3 and "451" in record["last_error"]

    handler.reply = "250 OK"
    assert send_pending(config, store, now=P1 + timedelta(hours=3)) == 1
    (record,) = store.digests()
    assert record["status"] == "sent" and record["attempts"] == 4
    assert datetime.fromisoformat(record["sent_at"]) == P1 + timedelta(hours=3)
    ((got, rcpts, _),) = handler.received
    assert got["Message-ID"] == f"<digest-{outcome.digest_id}@rasad>" and rcpts == RECIPIENTS
    assert send_pending(config, store) == 0  # nothing left to send


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def test_starttls_with_login_and_secret_not_logged(tmp_path, caplog):
    cert, key = _self_signed(tmp_path)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret-pass")

    handler = Recorder()
    controller = Controller(
        handler, hostname="127.0.0.1", port=_free_port(), tls_context=tls, require_starttls=True, authenticator=authenticator
    )
    controller.start()
    try:
        _, msg = _message(sample_articles(P0))
        caplog.set_level(logging.DEBUG)
        config = _smtp(controller.port, security="starttls", username="rasad", ca_file=str(cert))
        config.password = SecretStr("s3cret-pass")
        send_message(msg, config)
        assert logins == [(b"rasad", b"s3cret-pass")]
        ((_, _, over_tls),) = handler.received
        assert over_tls
        # Without trusting the certificate the connection is refused, not downgraded.
        with pytest.raises(DeliveryError, match="CERTIFICATE_VERIFY_FAILED"):
            send_message(msg, _smtp(controller.port, security="starttls", username="rasad"))
        assert "s3cret-pass" not in caplog.text
    finally:
        controller.stop()
