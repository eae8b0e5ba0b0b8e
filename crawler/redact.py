"""Credentials never leave the process: URL userinfo is redacted in messages, logs and records.

`redact(text)` replaces the ``user:password@`` part of every URL in a text; `RedactingFilter` does it
for every log record a handler emits (message, arguments and traceback), so a URL with credentials
from ES_URL cannot reach a log file, a run record or a terminal.
"""

from __future__ import annotations

import logging
import re

# scheme://userinfo@ : the userinfo has no "/", "@" or whitespace (RFC 3986 3.2.1).
_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^/@\s'\"<>]+)@")
REDACTED = "***"
# A log message longer than this is cut (a hostile page or record must not write a 10 MB log line).
MAX_LOG_CHARS = 4000
# Loggers of the HTTP clients under the Elasticsearch client: one line per failed attempt, no traceback.
_QUIET_TRACEBACKS = ("elasticsearch", "elastic_transport", "urllib3")


def redact(text: str) -> str:
    """`text` with the userinfo of every URL replaced by ***."""
    if "@" not in text:
        return text
    return _USERINFO.sub(lambda m: f"{m.group('scheme')}{REDACTED}@", text)


def has_userinfo(url: str) -> bool:
    """True when the URL carries a user name or password (``http://user:pass@host``)."""
    return bool(_USERINFO.match(url.strip()))


class RedactingFilter(logging.Filter):
    """Redacts URL credentials in every record and caps its length; HTTP client retries log one line,
    not a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string is logged as it is
            return True
        if record.name.startswith(_QUIET_TRACEBACKS) and record.exc_info:
            exc = record.exc_info[1]
            message = f"{message} ({type(exc).__name__}: {exc})" if exc is not None else message
            record.exc_info = None
            record.exc_text = None
        if len(message) > MAX_LOG_CHARS:
            message = f"{message[:MAX_LOG_CHARS]}… [{len(message) - MAX_LOG_CHARS} more characters cut]"
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def install_log_redaction(logger: logging.Logger | None = None) -> None:
    """Add the filter to every handler of `logger` (default: the root logger); idempotent."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
