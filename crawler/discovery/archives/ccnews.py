"""CC-NEWS, Common Crawl's news crawl: monthly file listings, files picked by name, whole files streamed.

Layout (evidence in docs/outlets.md, "Archive formats"): `crawl-data/CC-NEWS/YYYY/MM/warc.paths.gz`
lists a month's files, one path a line; a file is `CC-NEWS-<14-digit UTC timestamp>-<5-digit serial>.warc.gz`
of about 1 GB. There is no URL index: every record of a file must be read. A file's records were
crawled from its timestamp until the next file's, so the file just before the window is read too.

The unit of work is one file: `scan_file` is a plain function (no Scrapy, no Elasticsearch) that
streams one file over HTTP through warcio, never holding more than one record, drops records on their
bytes (crawler.discovery.archives.prefilter) and yields the pages worth extracting. The backfill's
spider runs it in a thread and hands each page to the crawl's article callback; a process pool or a
cluster could call it the same way.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import IO

from warcio.archiveiterator import ArchiveIterator

from crawler.discovery.archives.commoncrawl import ArchivedPage, CommonCrawlError, listed_paths
from crawler.discovery.archives.http import ArchiveClient
from crawler.discovery.archives.prefilter import Prefilter

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


class _Counting:
    """A read-only stream that counts the bytes read through it."""

    def __init__(self, raw: IO[bytes], stats: ScanStats):
        self.raw, self.stats = raw, stats

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.stats.bytes += len(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        data = self.raw.readline(size)
        self.stats.bytes += len(data)
        return data


class _CheckedIterator(ArchiveIterator):
    """warcio's iterator, noting whether the last gzip member ended: warcio stops silently on a cut file."""

    complete = True

    def close(self) -> None:
        decompressor = getattr(self.reader, "decompressor", None) if self.reader else None
        if decompressor is not None and not getattr(decompressor, "eof", True):
            self.complete = False
        super().close()


def scan_stream(stream: IO[bytes], prefilter: Prefilter, start: datetime | None, end: datetime | None,
                stats: ScanStats, name: str, max_record_bytes: int = MAX_RECORD_BYTES) -> Iterator[ArchivedPage]:
    """The pages of a WARC stream worth extracting: response records answered 200 with HTML, inside the
    window, in Arabic and naming the topic. A damaged stream raises CCNewsError naming the offset."""
    counted = _Counting(stream, stats)
    first = stats.bytes
    records = _CheckedIterator(counted)
    try:
        for record in records:
            stats.records += 1
            page = _page(record, start, end, stats, max_record_bytes)
            # The rest of the payload, read here so that a record cut short is seen (warcio would skip it).
            while record.raw_stream.read(1024 * 1024):
                pass
            if record.raw_stream.limit > 0:
                raise CCNewsError(f"{name}: record {stats.records} cut short at byte {stats.bytes - first}")
            if page is None:
                continue
            reason = prefilter.reason(page.url, page.body, page.content_type)
            if reason:
                stats.dropped[reason] += 1
                continue
            stats.pages += 1
            yield page
    except CCNewsError:
        raise
    except Exception as exc:  # noqa: BLE001 - warcio and zlib raise several kinds on a damaged stream
        raise CCNewsError(f"{name}: damaged at byte {stats.bytes - first} after {stats.records} records: {exc}") \
            from None
    if not records.complete and stats.bytes > first:  # an empty stream is an empty file, not a cut one
        raise CCNewsError(f"{name}: cut off at byte {stats.bytes - first} after {stats.records} records")


def _page(record, start: datetime | None, end: datetime | None, stats: ScanStats,  # noqa: ANN001 - warcio's record
          max_record_bytes: int) -> ArchivedPage | None:
    """The page of a record, or None (the reason counted) without reading a payload it does not need."""
    if record.rec_type != "response" or record.http_headers is None:
        stats.dropped["not_response"] += 1
        return None
    status = record.http_headers.get_statuscode() or ""
    if status != "200":
        stats.dropped["not_200"] += 1
        return None
    ctype = record.http_headers.get_header("Content-Type") or ""
    if "html" not in ctype.lower():
        stats.dropped["not_html"] += 1
        return None
    try:
        length = int(record.rec_headers.get_header("Content-Length") or 0)
    except ValueError:
        length = 0
    if length > max_record_bytes:
        stats.dropped["too_large"] += 1
        return None
    when_text = record.rec_headers.get_header("WARC-Date") or ""
    try:
        when = datetime.fromisoformat(when_text.replace("Z", "+00:00")) if when_text else None
    except ValueError:
        when = None
    if when is not None and ((start and when < start) or (end and when > end)):
        stats.dropped["date"] += 1
        return None
    url = record.rec_headers.get_header("WARC-Target-URI") or ""
    body = record.content_stream().read(max_record_bytes)
    return ArchivedPage(url=url, captured_at=when, body=body, content_type=ctype, status=200)


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
