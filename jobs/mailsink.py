"""A local SMTP sink for `rasad demo`: accepts every message and saves it as an .eml file."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

log = logging.getLogger(__name__)
# aiosmtpd logs every SMTP command at INFO: the sink says what matters (each message received).
logging.getLogger("mail.log").setLevel(logging.WARNING)


class _SaveHandler:
    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self.saved: list[Path] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        path = self.out_dir / f"message-{len(self.saved) + 1:03d}.eml"
        data = envelope.original_content or envelope.content
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        self.saved.append(path)
        log.info("mail sink: received a message for %s, saved to %s", ", ".join(envelope.rcpt_tos), path)
        return "250 Message accepted for delivery"


class MailSink:
    """Start with `start()`, read `.port` and `.saved`, stop with `stop()`."""

    def __init__(self, out_dir: Path, port: int = 0):
        self.handler = _SaveHandler(Path(out_dir))
        self.port = port or _free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def saved(self) -> list[Path]:
        return self.handler.saved

    def start(self) -> MailSink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
