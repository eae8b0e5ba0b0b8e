"""Local WARC files (gzip or not), read record by record with every record accounted for.

`read_records(path, ...)` yields one `WarcEntry` per record: an HTML page, or the reason it is not
one (not a response, not HTML, not answered 200, outside the window, too large). Damage stops the file
with a `WarcFileError` naming the file and the byte offset of the record (the entries before it were
already yielded, so their pages are kept):

- a record cut short (a truncated file, a Content-Length larger than what follows in its gzip member);
- a record whose block digest (WARC-Block-Digest) disagrees with its bytes (warcio's `check_digests`,
  https://github.com/webrecorder/warcio/issues/18);
- bytes after a record that are not the record separator (a Content-Length too small or too large
  in an uncompressed file), or a header block that is not a WARC record;
- a file with no record at all (empty), or that ends before its last gzip member does.

Memory stays bounded: a payload is inflated (Content-Encoding gzip, deflate, br) only up to
`max_bytes`, and a record whose Content-Length is over the limit is skipped before its payload is read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from crawler.discovery.archives.commoncrawl import ArchivedPage, PayloadTooLarge, page_of

BUFFER = 64 * 1024


class WarcFileError(OSError):
    """A WARC file that is missing, unreadable or damaged (the message names it and the byte offset)."""


@dataclass(frozen=True)
class WarcEntry:
    """One record of a WARC file: its page, or why it has none (`skipped`: a reason word)."""

    offset: int  # byte offset of the record in the file (of its gzip member for a .warc.gz)
    page: ArchivedPage | None = None
    skipped: str | None = None  # not_response, not_html, status_<n>, out_of_window, too_large
    detail: str = ""

    @property
    def url(self) -> str:
        return self.page.url if self.page else ""


def _drain(record) -> int:  # noqa: ANN001 - warcio's ArcWarcRecord
    """Read what is left of a record's block (bounded chunks); the bytes its Content-Length still promises."""
    stream = record.raw_stream
    while stream.read(BUFFER):
        pass
    return int(getattr(stream, "limit", 0) or 0)


def _entry(record, offset: int, start: datetime | None, end: datetime | None, max_bytes: int) -> WarcEntry:  # noqa: ANN001
    if record.rec_type != "response":
        return WarcEntry(offset, skipped="not_response", detail=str(record.rec_type))
    length = record.length or 0
    if max_bytes and length > max_bytes:
        return WarcEntry(offset, skipped="too_large",
                         detail=f"Content-Length {length} is over crawl.max_response_bytes {max_bytes}")
    try:
        page = page_of(record, max_bytes)
    except PayloadTooLarge as exc:
        return WarcEntry(offset, skipped="too_large", detail=str(exc))
    if page is None:
        return WarcEntry(offset, skipped="not_html")
    if page.status != 200:
        return WarcEntry(offset, skipped=f"status_{page.status}", detail=page.url)
    when = page.captured_at
    if when is not None and ((start and when < start) or (end and when > end)):
        return WarcEntry(offset, skipped="out_of_window", detail=page.url)
    return WarcEntry(offset, page=page)


def _check_separator(p: Path, it: ArchiveIterator, errors_before: int, previous: int) -> None:
    """warcio counts a record followed by something else than the record separator (two blank lines):
    that record's Content-Length and its content disagree."""
    if previous >= 0 and it.err_count > errors_before:
        raise WarcFileError(f"{p}: record at byte {previous}: its Content-Length disagrees with its content "
                            "(the bytes after it are not the record separator)")


def read_records(path: str | Path, start: datetime | None = None, end: datetime | None = None, *,
                 max_bytes: int = 0) -> Iterator[WarcEntry]:
    """Every record of `path` in file order (see the module's docstring); WarcFileError on damage."""
    p = Path(path)
    if not p.is_file():
        raise WarcFileError(f"{p}: WARC file not found")
    size = p.stat().st_size
    offset, previous = 0, -1
    count = 0
    with p.open("rb") as fh:
        it = ArchiveIterator(fh, check_digests="raise")
        records = iter(it)
        while True:
            errors_before = it.err_count
            try:
                record = next(records)
            except StopIteration:
                record = None
            except Exception as exc:  # noqa: BLE001 - warcio raises several kinds on a damaged file
                _check_separator(p, it, errors_before, previous)
                raise WarcFileError(f"{p}: damaged at byte {it.offset}: not a readable WARC record "
                                    f"({type(exc).__name__}: {str(exc)[:200]})") from None
            _check_separator(p, it, errors_before, previous)
            if record is None:
                break
            offset = it.offset
            if record.format not in ("warc", "arc") or not record.rec_type:
                raise WarcFileError(f"{p}: damaged at byte {offset}: not a WARC record")
            try:
                entry = _entry(record, offset, start, end, max_bytes)
                missing = _drain(record)
            except Exception as exc:  # noqa: BLE001 - a digest mismatch, a broken gzip member
                raise WarcFileError(f"{p}: record at byte {offset} is damaged: {exc}") from None
            if missing:
                raise WarcFileError(f"{p}: record at byte {offset} is cut short: {missing} of its "
                                    f"{record.length} bytes (Content-Length) are missing")
            # Read up to the next record now, so a record not followed by the separator is refused
            # before its page is used, not after.
            errors_before = it.err_count
            try:
                it.read_to_end()
            except Exception as exc:  # noqa: BLE001 - a broken gzip member after the record
                raise WarcFileError(f"{p}: damaged after the record at byte {offset}: {exc}") from None
            _check_separator(p, it, errors_before, offset)
            count += 1
            previous = offset
            yield entry
        if count == 0:
            raise WarcFileError(f"{p}: no WARC record at byte 0 ({size} bytes): empty or not a WARC file")
        if it.offset < size:
            raise WarcFileError(f"{p}: damaged at byte {it.offset}: {size - it.offset} bytes after the last record "
                                "are not a WARC record")


def html_pages(path: str | Path, start: datetime | None = None, end: datetime | None = None, *,
               max_bytes: int = 0) -> Iterator[ArchivedPage]:
    """The HTML pages archived in `path` whose capture date lies in [start, end] (all when not given)."""
    for entry in read_records(path, start, end, max_bytes=max_bytes):
        if entry.page is not None:
            yield entry.page


def check_warc(path: str | Path) -> None:
    """Raise WarcFileError unless `path` is a file whose first record is a WARC record."""
    p = Path(path)
    if not p.is_file():
        raise WarcFileError(f"{p}: WARC file not found")
    try:
        with p.open("rb") as fh:
            first = next(iter(ArchiveIterator(fh)), None)
            ok = first is not None and first.format in ("warc", "arc") and bool(first.rec_type)
    except Exception as exc:  # noqa: BLE001 - warcio raises several kinds on a damaged file
        raise WarcFileError(f"{p}: not a readable WARC file (byte 0): {exc}") from None
    if not ok:
        raise WarcFileError(f"{p}: no WARC record at byte 0: empty or not a WARC file")


def write_pages(path: str | Path, pages: list[ArchivedPage]) -> Path:
    """A gzipped WARC file of response records, one per page (the pages a CC-NEWS scan picked, handed
    to extraction as a local file: crawler.engine)."""
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    p = Path(path)
    with p.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for page in pages:
            headers = StatusAndHeaders(str(page.status), [("Content-Type", page.content_type),
                                                          ("Content-Length", str(len(page.body)))], protocol="HTTP/1.1")
            warc_headers = {"WARC-Date": page.captured_at.strftime("%Y-%m-%dT%H:%M:%SZ")} if page.captured_at else {}
            writer.write_record(writer.create_warc_record(page.url, "response", payload=BytesIO(page.body),
                                                          http_headers=headers, warc_headers_dict=warc_headers))
    return p
