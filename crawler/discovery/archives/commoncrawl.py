"""Common Crawl: the crawls of collinfo.json, their CDX indexes, and WARC records by byte range.

collinfo.json (https://index.commoncrawl.org/collinfo.json) lists every crawl with its `id`, its
`cdx-api` address and, for recent entries, the `from`/`to` dates it covers. Each index is a pywb CDX
server; a capture's `filename`, `offset` and `length` locate its gzip-compressed WARC record on
data.commoncrawl.org, fetched with an HTTP Range request and read with warcio.
"""

from __future__ import annotations

import gzip
import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import brotlicffi
from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader, ChunkedDataReader

from crawler.discovery.archives.captures import Capture, cdx_timestamp

CRAWL_ID = re.compile(r"CC-MAIN-(\d{4})-(\d{2})$")


class CommonCrawlError(ValueError):
    """collinfo.json or a WARC record that cannot be read (the message says which)."""


class PayloadTooLarge(CommonCrawlError):
    """A record whose payload, inflated, is over the size limit (crawl.max_response_bytes)."""


@dataclass(frozen=True)
class Crawl:
    id: str
    cdx_api: str
    start: datetime
    end: datetime

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start <= end and start <= self.end


def _date(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _span_from_id(crawl_id: str) -> tuple[datetime, datetime] | None:
    """Older entries carry no dates: CC-MAIN-YYYY-WW names the ISO week the crawl ended in."""
    m = CRAWL_ID.search(crawl_id)
    if not m:
        return None
    year, week = int(m.group(1)), int(m.group(2))
    try:
        monday = datetime.fromisocalendar(year, max(1, min(week, 53)), 1).replace(tzinfo=UTC)
    except ValueError:
        return None
    return monday - timedelta(days=21), monday + timedelta(days=7)  # generous: a crawl runs ~2-3 weeks


def parse_collinfo(body: bytes) -> list[Crawl]:
    """The crawls of collinfo.json."""
    try:
        entries = json.loads(body)
    except json.JSONDecodeError as exc:
        raise CommonCrawlError(f"collinfo.json is not JSON: {exc}") from None
    if not isinstance(entries, list):
        raise CommonCrawlError("collinfo.json is not a list of crawls")
    out = []
    for e in entries:
        if not isinstance(e, dict) or not e.get("id") or not e.get("cdx-api"):
            continue
        start, end = _date(e.get("from")), _date(e.get("to"))
        if start is None or end is None:
            span = _span_from_id(str(e["id"]))
            if span is None:
                continue
            start, end = span
        out.append(Crawl(str(e["id"]), str(e["cdx-api"]), start, end))
    return out


def overlapping(crawls: list[Crawl], start: datetime, end: datetime) -> list[Crawl]:
    return [c for c in crawls if c.overlaps(start, end)]


def cdx_query_url(cdx_api: str, prefix: str, start: datetime, end: datetime, limit: int) -> str:
    """An index query for HTML captures answered 200 under `prefix` (pywb's parameter names)."""
    params = [
        ("url", prefix), ("matchType", "prefix"), ("from", cdx_timestamp(start)), ("to", cdx_timestamp(end)),
        ("output", "json"), ("filter", "status:200"), ("filter", "mime:text/html"), ("limit", str(limit)),
    ]
    return f"{cdx_api}?{urlencode(params)}"


def record_url(data_url: str, capture: Capture) -> str:
    return f"{data_url.rstrip('/')}/{capture.filename.lstrip('/')}"


def range_header(capture: Capture) -> str:
    return f"bytes={capture.offset}-{capture.offset + capture.length - 1}"


@dataclass(frozen=True)
class ArchivedPage:
    """An HTML page out of a WARC response record."""

    url: str
    captured_at: datetime | None
    body: bytes
    content_type: str
    status: int


# Compressed bytes inflated per step: warcio's default (16 KB) of a gzip bomb inflates to ~16 MB at once.
INFLATE_BLOCK = 1024


class BrotliPayload(io.RawIOBase):
    """A Brotli payload inflated no further than each read asks (brotlicffi's output_buffer_limit).

    warcio inflates Brotli with whatever module `import brotli` finds (pywb brings brotlipy), which
    returns a whole metablock per call: a few bytes of a bomb become 16 MB and more at once.
    """

    def __init__(self, raw) -> None:  # noqa: ANN001 - a file-like object of the encoded bytes
        super().__init__()
        self.raw = raw
        self.decompressor = brotlicffi.Decompressor()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # noqa: ANN001 - a writable buffer
        want = len(buffer)
        while not self.decompressor.is_finished():
            data = b""
            if self.decompressor.can_accept_more_data():
                data = self.raw.read(INFLATE_BLOCK)
                if not data:  # the encoded bytes ended (a cut stream reads as what it holds)
                    return 0
            try:
                out = self.decompressor.process(data, output_buffer_limit=want)
            except brotlicffi.error as exc:
                raise OSError(f"not a Brotli payload: {exc}") from None
            if out:
                buffer[: len(out)] = out
                return len(out)
        return 0


def payload_stream(record):  # noqa: ANN001, ANN201 - warcio's ArcWarcRecord, a file-like object
    """The record's payload with its Content-Encoding (gzip, deflate, br) and chunking undone, as
    warcio's `content_stream()` gives it, but inflating small blocks so memory follows the caller's reads."""
    headers = record.http_headers
    if not headers:
        return record.raw_stream
    return decoding_stream(record.raw_stream, headers.get_header("content-encoding"),
                           headers.get_header("transfer-encoding"))


def decoding_stream(raw, content_encoding: str | None, transfer_encoding: str | None):  # noqa: ANN001, ANN201
    """`raw` (an HTTP payload as sent) read with its Content-Encoding (gzip, deflate, br) and chunking
    undone; an encoding that is not one of these is passed through as it is."""
    encoding = (content_encoding or "").lower() or None
    if encoding not in BufferedReader.get_supported_decompressors():
        encoding = None
    chunked = (transfer_encoding or "").lower() == "chunked"
    if encoding == "br":
        return BrotliPayload(ChunkedDataReader(raw, block_size=INFLATE_BLOCK) if chunked else raw)
    if chunked:
        return ChunkedDataReader(raw, decomp_type=encoding, block_size=INFLATE_BLOCK)
    if encoding:
        return BufferedReader(raw, decomp_type=encoding, block_size=INFLATE_BLOCK)
    return raw


def read_capped(stream, limit: int) -> bytes:  # noqa: ANN001 - a file-like object
    """Up to `limit` bytes of `stream` (all when `limit` is 0); PayloadTooLarge when there is more.

    Read in bounded steps from a stream that inflates as it is read (payload_stream): one byte past
    the limit never holds more than the limit and a step in memory.
    """
    if not limit:
        return stream.read()
    chunks, size = [], 0
    while size <= limit:
        chunk = stream.read(min(64 * 1024, limit + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
    raise PayloadTooLarge(f"payload over {limit} bytes once decoded (crawl.max_response_bytes)")


# A paths listing (a month of CC-NEWS, a crawl's index partitions) is tens of KB once inflated.
MAX_LISTING_BYTES = 64 * 1024 * 1024


def listed_paths(data: bytes, source: str) -> list[str]:
    """The paths of a gzipped listing (warc.paths.gz, cc-index-table.paths.gz), inflated under a cap."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
            text = read_capped(fh, MAX_LISTING_BYTES).decode("utf-8")
    except PayloadTooLarge:
        raise CommonCrawlError(f"{source}: a paths listing over {MAX_LISTING_BYTES} bytes once inflated") from None
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise CommonCrawlError(f"{source}: not a gzipped list of paths ({exc})") from None
    return [p for p in (line.strip() for line in text.splitlines()) if p]


def page_of(record, max_bytes: int = 0) -> ArchivedPage | None:  # noqa: ANN001 - warcio's ArcWarcRecord
    """The page of a WARC `response` record with an HTML payload, else None.

    PayloadTooLarge when the payload, decoded, is over `max_bytes` (0: no limit).
    """
    if record.rec_type != "response" or record.http_headers is None:
        return None
    ctype = record.http_headers.get_header("Content-Type") or ""
    if "html" not in ctype.lower():
        return None
    try:
        status = int(record.http_headers.get_statuscode() or "0")
    except ValueError:
        status = 0
    url = record.rec_headers.get_header("WARC-Target-URI") or ""
    date = _date(record.rec_headers.get_header("WARC-Date") or "")
    try:
        body = read_capped(payload_stream(record), max_bytes)
    except PayloadTooLarge as exc:
        raise PayloadTooLarge(f"{url}: {exc}") from None
    return ArchivedPage(url=url, captured_at=date, body=body, content_type=ctype, status=status)


def parse_record(data: bytes, max_bytes: int = 0) -> ArchivedPage | None:
    """The HTML page of one WARC record (gzip or not) fetched by byte range; None when it is not HTML.

    PayloadTooLarge when its payload, decoded, is over `max_bytes`.
    """
    try:
        for record in ArchiveIterator(io.BytesIO(data)):
            if max_bytes and (record.length or 0) > max_bytes:
                raise PayloadTooLarge(f"Content-Length {record.length} is over {max_bytes} bytes "
                                      "(crawl.max_response_bytes)")
            return page_of(record, max_bytes)
    except CommonCrawlError:
        raise
    except Exception as exc:  # noqa: BLE001 - warcio raises several kinds on a damaged record
        raise CommonCrawlError(f"not a WARC record: {exc}") from None
    raise CommonCrawlError("no WARC record in the answer")
