"""Reading the FILE_OR_URL inputs of `rasad extract` and `rasad compare`: one wording for their errors.

Both commands read inputs through crawler.text.extract.extract_path (the crawl's own decoding, size limit
and fetch), so a missing file, an unreadable page or a failed fetch reads the same in both, names
the input as the user typed it, and is reported once: on stderr (and, with --json, in the line's
"error" field on stdout).
"""

from __future__ import annotations

import sys

from crawler.config import Config


def fetch_options(config: Config) -> dict:
    """Timeout, size limit, User-Agent and address rules of the crawl, for inputs that are URLs."""
    return {
        "timeout": config.crawl.download_timeout,
        "max_bytes": config.crawl.max_response_bytes,
        "user_agent": config.crawl.user_agent,
        "allow_private": config.crawl.allow_private_addresses,  # the crawl's address rules (crawler.fetch)
    }


def error_text(source: str, exc: Exception) -> str:
    """`INPUT: reason`, e.g. "missing.html: cannot read file: No such file or directory"."""
    reason = getattr(exc, "reason", None) or str(exc)
    return f"{source}: {reason}"


def report_error(command: str, message: str) -> None:
    """The one place an input's error is printed for people: stderr, prefixed with the command."""
    print(f"rasad {command}: {message}", file=sys.stderr, flush=True)
