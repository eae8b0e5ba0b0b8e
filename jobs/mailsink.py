"""A local SMTP sink for `rasad demo`: accepts every message and saves it as an .eml file.

Messages are numbered on from the ones already in the directory (message-001.eml, -002, ...), so
a later demo never overwrites what an earlier one received.
"""

from __future__ import annotations

import logging
import re
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
        data = envelope.original_content or envelope.content
        path = _write_new(self.out_dir, data if isinstance(data, bytes) else data.encode("utf-8"))
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


_NUMBERED = re.compile(r"^message-(\d+)\.eml$")


def _write_new(out_dir: Path, data: bytes) -> Path:
    """Save under the next free number; exclusive creation, so two sinks never overwrite each other."""
    number = max((int(m.group(1)) for p in out_dir.iterdir() if (m := _NUMBERED.match(p.name))), default=0)
    while True:
        number += 1
        path = out_dir / f"message-{number:03d}.eml"
        try:
            with open(path, "xb") as fh:
                fh.write(data)
            return path
        except FileExistsError:
            continue


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
