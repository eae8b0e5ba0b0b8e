"""Local WARC files (gzip or not): every `response` record with an HTML payload, in file order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from crawler.discovery.archives.commoncrawl import ArchivedPage, page_of


class WarcFileError(OSError):
    """A WARC file that is missing or unreadable (the message names it)."""


def html_pages(path: str | Path, start: datetime | None = None, end: datetime | None = None) -> Iterator[ArchivedPage]:
    """The HTML pages archived in `path` whose capture date lies in [start, end] (all when not given)."""
    p = Path(path)
    if not p.is_file():
        raise WarcFileError(f"{p}: WARC file not found")
    try:
        with p.open("rb") as fh:
            for record in ArchiveIterator(fh):
                page = page_of(record)
                if page is None or page.status != 200:
                    continue
                when = page.captured_at
                if when is not None and ((start and when < start) or (end and when > end)):
                    continue
                yield page
    except WarcFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - warcio raises several kinds on a damaged file
        raise WarcFileError(f"{p}: not a readable WARC file: {exc}") from None


def check_warc(path: str | Path) -> None:
    """Raise WarcFileError unless `path` is a file whose first record warcio can read."""
    p = Path(path)
    if not p.is_file():
        raise WarcFileError(f"{p}: WARC file not found")
    try:
        with p.open("rb") as fh:
            next(iter(ArchiveIterator(fh)), None)
    except Exception as exc:  # noqa: BLE001 - warcio raises several kinds on a damaged file
        raise WarcFileError(f"{p}: not a readable WARC file: {exc}") from None
