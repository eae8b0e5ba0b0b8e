"""Exit codes of the `rasad` commands, for cron and scripts (documented in the README).

0 ok; 1 failed (nothing fetched, nothing stored that should have been, delivery impossible, or an
unreachable Elasticsearch); 2 usage or configuration error; 3 partial (some outlets or items failed,
the rest was done); 75 another run holds the lock (EX_TEMPFAIL: try again later).
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3
EXIT_LOCKED = 75  # sysexits.h EX_TEMPFAIL; jobs.lock.EX_TEMPFAIL is the same value

_BY_STATUS = {"ok": EXIT_OK, "partial": EXIT_PARTIAL, "failed": EXIT_FAILED, "interrupted": EXIT_FAILED}


def exit_code(status: str) -> int:
    """The exit code of a run status (ok, partial, failed, interrupted; anything else is a failure)."""
    return _BY_STATUS.get(status, EXIT_FAILED)
