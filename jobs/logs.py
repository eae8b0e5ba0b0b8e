"""Where log records go: a rotated file under var/log/ always, the terminal only what the user needs.

Default: the terminal (stderr) shows warnings and errors of this process only; everything at INFO
and above goes to the file `log.file` (rotated at `log.max_bytes`, `log.backups` old files kept).
The crawl child's lines (logger `crawler.child`, forwarded by crawler.run) go to the file only:
the command prints a progress display and a summary instead, and a failed crawl names its last lines.
`-v`: the terminal shows everything at DEBUG, the crawl child's lines included.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
CHILD_LOGGER = "crawler.child"
# Libraries that log every request or command at INFO: the file keeps their warnings only.
NOISY = ("elastic_transport", "elasticsearch", "urllib3", "scrapy.core.engine", "filelock", "mail.log")

_handlers: list[logging.Handler] = []
_verbose = False


class _ShortFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = f"rasad: {record.levelname.lower()}: {record.getMessage()}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


class _NotFromChild(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.name.startswith(CHILD_LOGGER)


def setup_console(verbose: bool) -> None:
    """Terminal logging only (before the configuration, hence the log file, is known)."""
    global _verbose
    _verbose = verbose
    root = logging.getLogger()
    for h in _handlers:
        root.removeHandler(h)
        h.close()
    _handlers.clear()
    console = logging.StreamHandler(sys.stderr)
    # Without -v the terminal gets short lines ("rasad: warning: ..."); the file keeps times and loggers.
    console.setFormatter(logging.Formatter(FORMAT) if verbose else _ShortFormatter())
    console.setLevel(logging.DEBUG if verbose else logging.WARNING)
    if not verbose:
        console.addFilter(_NotFromChild())
    _handlers.append(console)
    root.addHandler(console)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for name in NOISY:
        logging.getLogger(name).setLevel(logging.INFO if verbose else logging.WARNING)


def add_file(path: Path, *, max_bytes: int, backups: int, verbose: bool = False) -> Path | None:
    """Also log to `path`, rotated; returns the path, or None (with a warning) when it cannot be written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8", delay=False
        )
    except OSError as exc:
        logging.getLogger(__name__).warning("log file %s cannot be written (%s): logging to the terminal only", path, exc)
        return None
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.setLevel(logging.DEBUG if verbose else logging.INFO)
    _handlers.append(handler)
    logging.getLogger().addHandler(handler)
    return path


def verbose() -> bool:
    """True after `setup_console(verbose=True)` (-v): details go to the terminal."""
    return _verbose


def log_file() -> Path | None:
    """The file this process logs to, if any."""
    for h in _handlers:
        if isinstance(h, logging.handlers.RotatingFileHandler):
            return Path(h.baseFilename)
    return None
