"""CC-NEWS, Common Crawl's news crawl: monthly file listings, files picked by name, whole files streamed.

Layout (evidence in docs/outlets.md, "Archive formats"): `crawl-data/CC-NEWS/YYYY/MM/warc.paths.gz`
lists a month's files, one path a line; a file is `CC-NEWS-<14-digit UTC timestamp>-<5-digit serial>.warc.gz`
of about 1 GB. There is no URL index: every record of a file must be read. A file's records were
crawled from its timestamp until the next file's, so the file just before the window is read too.

The unit of work is one file: `scan_file` is a plain function (no Scrapy, no Elasticsearch) that
streams one file over HTTP through fastwarc, never holding more than one record, drops records on their
bytes (crawler.discovery.archives.prefilter) and yields the pages worth extracting. The backfill's
spider runs it in a thread and hands each page to the crawl's article callback; the scan engine
(crawler.engine) calls it the same way in one process, a local pool or a Dask cluster.
"""

from __future__ import annotations

import io
import logging
import re
import zlib
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import IO, Any

from fastwarc.warc import ArchiveIterator, WarcRecordType

from crawler.discovery.archives.commoncrawl import (
    ArchivedPage,
    CommonCrawlError,
    PayloadTooLarge,
    decoding_stream,
    listed_paths,
    read_capped,
)
from crawler.discovery.archives.http import ArchiveClient, ArchiveHTTPError
from crawler.discovery.archives.prefilter import Prefilter

log = logging.getLogger(__name__)
FILE_NAME = re.compile(r"CC-NEWS-(\d{14})-(\d{5})\.warc(?:\.gz)?$")
MAX_RECORD_BYTES = 4 * 1024 * 1024  # larger payloads are no news article (video, archives): skipped unread


class CCNewsError(OSError):
    """A listing or a WARC file that cannot be read (the message names it and, for a file, the offset)."""


@dataclass(frozen=True)
class NewsFile:
    path: str  # below the data server's root, as warc.paths.gz lists it
    crawled_from: datetime
    serial: int


@dataclass
class ScanStats:
    """What a scan read: bytes of the (compressed) stream, WARC records, and why records were dropped."""

    bytes: int = 0
    records: int = 0
    pages: int = 0  # records handed on for extraction
    dropped: Counter[str] = field(default_factory=Counter)


def months(start: datetime, end: datetime) -> list[str]:
    """"YYYY/MM" of every month from the one before `start` (its last file may reach into the window)
    to the month of `end`."""
    first = (start.replace(day=1) - timedelta(days=1)).replace(day=1)
    out = []
    y, m = first.year, first.month
    while (y, m) <= (end.year, end.month):
        out.append(f"{y:04d}/{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def listing_url(base: str, month: str) -> str:
    return f"{base.rstrip('/')}/crawl-data/CC-NEWS/{month}/warc.paths.gz"


def file_url(base: str, path: str) -> str:
    return f"{base.rstrip('/')}/{path.lstrip('/')}"


def parse_listing(data: bytes, source: str = "warc.paths.gz") -> list[NewsFile]:
    """The CC-NEWS files of a (gzipped) listing; lines that are no CC-NEWS file name are ignored."""
    try:
        paths = listed_paths(data, source)
    except CommonCrawlError as exc:
        raise CCNewsError(str(exc)) from None
    out = []
    for path in paths:
        m = FILE_NAME.search(path)
        if m:
            when = datetime.strptime(m.group(1), "%Y%m%d%H%M%S").replace(tzinfo=UTC)
            out.append(NewsFile(path, when, int(m.group(2))))
    return out


def select_files(files: list[NewsFile], start: datetime, end: datetime) -> list[NewsFile]:
    """The files whose records may lie in [start, end]: those started inside it, and the last one before."""
    ordered = sorted(set(files), key=lambda f: (f.crawled_from, f.serial))
    before = [f for f in ordered if f.crawled_from < start]
    inside = [f for f in ordered if start <= f.crawled_from <= end]
    return before[-1:] + inside


GZIP_MAGIC = b"\x1f\x8b"
# The compressed bytes of the last record kept for the check of the stream's end: a record is a few KB to
# 1 MB in CC-NEWS; one larger than this (skipped unread as too large) is checked by its length only.
TAIL_WINDOW = 16 * 1024 * 1024
INFLATE_STEP = 1024 * 1024  # bytes inflated per step when the end is checked: a gzip bomb stays bounded


class _Counting:
    """The compressed stream as fastwarc reads it: bytes counted, and the bytes since the start of the
    last record kept (at most TAIL_WINDOW), so that the end of the file can be checked (fastwarc stops
    silently at a cut gzip member)."""

    def __init__(self, raw: IO[bytes], stats: ScanStats):
        self.raw, self.stats = raw, stats
        # What has arrived, not a full buffer: a record is judged as soon as its bytes are in, not when the
        # next 64 KiB are (a slow or stalled server would otherwise hold pages already received).
        self._read = getattr(raw, "read1", raw.read)
        self.pos = 0  # bytes read so far
        self.kept: deque[tuple[int, bytes]] = deque()  # (offset, chunk), the last TAIL_WINDOW bytes at most
        self.kept_bytes = 0

    def tell(self) -> int:
        return self.pos

    def read(self, size: int = -1) -> bytes:
        data = self._read(size)
        if data:
            self.kept.append((self.pos, data))
            self.kept_bytes += len(data)
            while self.kept_bytes > TAIL_WINDOW and len(self.kept) > 1:
                self.kept_bytes -= len(self.kept.popleft()[1])
            self.pos += len(data)
            self.stats.bytes += len(data)
        return data

    def record_at(self, offset: int) -> None:
        """A record starts at `offset`: the chunks wholly before it are no longer needed."""
        while len(self.kept) > 1 and self.kept[1][0] <= offset:
            self.kept_bytes -= len(self.kept.popleft()[1])

    def tail(self, offset: int) -> bytes | None:
        """The bytes from `offset` to what was read last; None when they no longer fit the window."""
        if not self.kept or offset < self.kept[0][0]:
            return None
        return b"".join(chunk for _, chunk in self.kept)[offset - self.kept[0][0]:]


def check_gzip_tail(data: bytes) -> str | None:
    """Why gzip members from a member's start to the end of a stream are not whole, or None when they are.
    Inflated a step at a time and thrown away: only whether each member ends matters."""
    if not data.startswith(GZIP_MAGIC):
        return None  # an uncompressed stream: the record's length check and the connection's cover a cut
    while data:
        inflater = zlib.decompressobj(31)
        try:
            inflater.decompress(data, INFLATE_STEP)
            while inflater.unconsumed_tail and not inflater.eof:
                inflater.decompress(inflater.unconsumed_tail, INFLATE_STEP)
        except zlib.error as exc:
            return f"damaged gzip member ({exc})"
        if not inflater.eof:
            return "gzip member unfinished"
        data = inflater.unused_data
    return None


def window_files(client: ArchiveClient, base: str, start: datetime, end: datetime) -> list[NewsFile]:
    """The files whose records may lie in the window, from the monthly listings (a month not published,
    answered 403 or 404, is skipped). ArchiveHTTPError or CCNewsError when a listing cannot be read."""
    files: list[NewsFile] = []
    for month in months(start, end):
        url = listing_url(base, month)
        try:
            files.extend(parse_listing(client.get(url), url))
        except ArchiveHTTPError as exc:
            if exc.status in (403, 404):  # before 2016-08 or not yet published: no such month
                log.info("%s: no CC-NEWS listing (%s)", url, exc)
                continue
            raise
    return select_files(files, start, end)


def scan_stream(stream: IO[bytes], prefilter: Prefilter, start: datetime | None, end: datetime | None,
                stats: ScanStats, name: str, max_record_bytes: int = MAX_RECORD_BYTES) -> Iterator[ArchivedPage]:
    """The pages of a WARC stream worth extracting: response records answered 200 with HTML, inside the
    window, in Arabic and naming the topic. A damaged or cut stream raises CCNewsError naming the offset.

    fastwarc parses and inflates the records (the byte-heavy part, in native code). Every record's block
    is read to its end and measured against its Content-Length: fastwarc yields a record whose content
    the stream ends before (a cut file, or a Content-Length too large in the last records of a file) as
    if it were whole. A record counts only once the next one began, or, for the last, once its gzip
    members were inflated again here and found whole (a cut in its last bytes)."""
    counted = _Counting(stream, stats)
    last = 0
    held: tuple[str | None, ArchivedPage | None] | None = None  # the last record's verdict, not yet counted
    try:
        # auto_decode="none": the reader gives the block's own bytes, so that its length can be checked
        # (decoded, a gzip payload cut short reads as complete); _judge decodes the payloads it keeps.
        for record in ArchiveIterator(counted, parse_http=True, auto_decode="none"):
            if held is not None:
                yield from _count(held, stats)
            last = record.stream_pos
            counted.record_at(last)
            held = _judge(record, prefilter, start, end, max_record_bytes)
            present = record.reader.tell() + record.consume()
            if present != record.content_length:
                raise CCNewsError(f"{name}: the record at byte {last} (after {stats.records} records) is cut "
                                  f"short: {record.content_length - present} of the {record.content_length} "
                                  "bytes its Content-Length announces are missing")
        while counted.read(1024 * 1024):  # whatever fastwarc left unread (an empty stream: nothing)
            pass
    except CCNewsError:
        raise
    except Exception as exc:  # noqa: BLE001 - fastwarc raises OSError and others on a damaged stream
        where = (f"the record at byte {last} or the one after it is damaged" if held is not None
                 else "damaged before its first record")
        raise CCNewsError(f"{name}: {where} ({stats.records} records read before it, "
                          f"{counted.pos} bytes in): {exc}") from None
    tail = counted.tail(last)
    why = check_gzip_tail(tail) if tail is not None else None
    if why:
        raise CCNewsError(f"{name}: cut off in the record at byte {last} (after {stats.records} records): {why}")
    if held is not None:
        yield from _count(held, stats)


def _count(verdict: tuple[str | None, ArchivedPage | None], stats: ScanStats) -> Iterator[ArchivedPage]:
    reason, page = verdict
    stats.records += 1
    if reason:
        stats.dropped[reason] += 1
    elif page is not None:
        stats.pages += 1
        yield page


def _judge(record: Any, prefilter: Prefilter, start: datetime | None, end: datetime | None,
           max_record_bytes: int) -> tuple[str | None, ArchivedPage | None]:
    """(why a fastwarc record is dropped, None) or (None, its page), reading no payload it does not need."""
    if record.record_type != WarcRecordType.response or not record.is_http:
        return "not_response", None
    http = record.http_headers
    if http.status_code != 200:
        return "not_200", None
    ctype = http.get("Content-Type") or ""
    if "html" not in ctype.lower():
        return "not_html", None
    if record.content_length > max_record_bytes:
        return "too_large", None
    when_text = record.headers.get("WARC-Date") or ""
    try:
        when = datetime.fromisoformat(when_text.replace("Z", "+00:00")) if when_text else None
    except ValueError:
        when = None
    if when is not None and ((start and when < start) or (end and when > end)):
        return "date", None
    url = record.headers.get("WARC-Target-URI") or ""
    sent = read_capped(record.reader, record.content_length)  # the reader ends with the block
    try:
        body = read_capped(decoding_stream(io.BytesIO(sent), http.get("Content-Encoding"),
                                           http.get("Transfer-Encoding")), max_record_bytes)
    except PayloadTooLarge:
        return "too_large", None
    except Exception:  # noqa: BLE001 - zlib, Brotli and the chunk reader each raise their own kind
        return "undecodable", None  # the server's payload is damaged, not the WARC file
    reason = prefilter.reason(url, body, ctype)
    if reason:
        return reason, None
    return None, ArchivedPage(url=url, captured_at=when, body=body, content_type=ctype, status=200)


def scan_file(client: ArchiveClient, url: str, prefilter: Prefilter, start: datetime | None, end: datetime | None,
              stats: ScanStats, max_record_bytes: int = MAX_RECORD_BYTES) -> Iterator[ArchivedPage]:
    """One CC-NEWS file streamed over HTTP (the unit of work): its pages worth extracting, in file order.

    Raises CCNewsError when the file cannot be fetched, is damaged, or the connection ends before the
    announced length: the file then counts as unfinished, to be read again.
    """
    before = stats.bytes
    with client.open(url) as response:
        announced = response.headers.get("Content-Length")
        yield from scan_stream(response, prefilter, start, end, stats, url, max_record_bytes)
        while chunk := response.read(1024 * 1024):  # whatever follows the last record (padding)
            stats.bytes += len(chunk)
    if announced and announced.isdigit() and stats.bytes - before < int(announced):
        raise CCNewsError(f"{url}: connection ended at byte {stats.bytes - before} of {announced}")
