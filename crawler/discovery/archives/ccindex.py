"""Common Crawl's columnar URL index: Parquet partitions queried by language, URL words and hosts.

Layout and columns (evidence in docs/outlets.md, "Archive formats"): each crawl's partitions are
listed in `crawl-data/<crawl>/cc-index-table.paths.gz` as
`cc-index/table/cc-main/warc/crawl=<crawl>/subset=warc/part-*.parquet`; the flat schema
(commoncrawl/cc-index-table, cc-index-schema-flat.json) has `url`, `url_host_registered_domain`,
`fetch_time`, `fetch_status`, `content_mime_detected`, `content_languages` (ISO-639-3 codes, comma
separated, since CC-MAIN-2018-39), `warc_filename`, `warc_record_offset` and `warc_record_length`.

The unit of work is one partition: `query_partition` is a plain function that reads one Parquet file
with pyarrow by HTTP byte ranges (the footer, then only the row groups whose statistics can match the
window, and only the columns the query needs) and returns the captures to fetch by byte range.
DuckDB would need its httpfs extension downloaded at run time to read over HTTP, which this product
cannot count on; fsspec's HTTP filesystem neither paces nor backs off on 503, so the file is read
through `RangeFile`, a seekable file over the archive client (one request at a time, 503 backoff).
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from crawler.discovery.archives.captures import Capture, cdx_timestamp
from crawler.discovery.archives.commoncrawl import CommonCrawlError, listed_paths
from crawler.discovery.archives.filters import SEPARATORS
from crawler.discovery.archives.http import ArchiveClient, ArchiveHTTPError
from crawler.text.arabic import normalize

log = logging.getLogger(__name__)

COLUMNS = ["url", "fetch_time", "fetch_status", "content_mime_detected", "content_digest", "warc_filename",
           "warc_record_offset", "warc_record_length"]
CONTENT_RANGE = re.compile(r"bytes \d+-\d+/(\d+)")


class CCIndexError(OSError):
    """A partition listing or Parquet file that cannot be read (the message names it)."""


def partitions_url(base: str, crawl_id: str) -> str:
    return f"{base.rstrip('/')}/crawl-data/{crawl_id}/cc-index-table.paths.gz"


def parse_partitions(data: bytes, source: str = "cc-index-table.paths.gz") -> list[str]:
    """The `subset=warc` Parquet files of a crawl's (gzipped) partition listing."""
    try:
        paths = listed_paths(data, source)
    except CommonCrawlError as exc:
        raise CCIndexError(str(exc)) from None
    return [p for p in paths if "/subset=warc/" in p and p.endswith(".parquet")]


def url_pattern(keywords: Iterable[str]) -> str:
    """An RE2 pattern (case-insensitive) for the keywords in a URL: Latin words joined by any slug
    separator, Arabic words percent-encoded as browsers and crawlers write them."""
    alternatives: list[str] = []
    for k in keywords:
        for form in dict.fromkeys([k.lower(), normalize(k.lower())]):
            words = [w for w in SEPARATORS.split(form) if w]
            if not words:
                continue
            if all(w.isascii() for w in words):
                joined = r"(?:[-_+.]|%20)+".join(re.escape(w) for w in words)
                alternatives.append(rf"(?:^|[^a-z0-9]){joined}(?:[^a-z0-9]|$)")
            else:
                alternatives.append(r"(?:-|_|\+|%20)+".join(re.escape(quote(w)) for w in words))
    return "|".join(dict.fromkeys(alternatives))


class RangeFile(io.RawIOBase):
    """A remote file read by HTTP Range requests through the archive client (for pyarrow)."""

    def __init__(self, client: ArchiveClient, url: str):
        super().__init__()
        self.client, self.url, self.pos = client, url, 0
        self.size = self._size()

    def _size(self) -> int:
        with self.client.open(self.url, {"Range": "bytes=0-0"}) as r:
            r.read()
            m = CONTENT_RANGE.match(r.headers.get("Content-Range") or "")
        if not m:
            raise CCIndexError(f"{self.url}: the server does not answer byte ranges (no Content-Range)")
        return int(m.group(1))

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.pos, io.SEEK_END: self.size}[whence]
        self.pos = max(0, base + offset)
        return self.pos

    def readinto(self, buffer) -> int:  # noqa: ANN001 - a writable buffer
        want = min(len(buffer), self.size - self.pos)
        if want <= 0:
            return 0
        with self.client.open(self.url, {"Range": f"bytes={self.pos}-{self.pos + want - 1}"}) as r:
            data = r.read(want)
        buffer[:len(data)] = data
        self.pos += len(data)
        return len(data)


def query_partition(client: ArchiveClient, url: str, *, start: datetime, end: datetime, keywords: Iterable[str],
                    hosts: Iterable[str] = (), language: str = "ara") -> list[Capture]:
    """The HTML captures answered 200 in [start, end] of one partition whose content is in `language` and
    whose URL carries a keyword or whose host is one of `hosts` (the catalogue's)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    pattern = url_pattern(keywords)
    try:
        with RangeFile(client, url) as fh:  # unbuffered: pyarrow asks for exact ranges (footer, column chunks)
            fragment = ds.ParquetFileFormat().make_fragment(fh)
            schema = fragment.physical_schema
            missing = [c for c in (*COLUMNS, "content_languages", "url_host_name") if c not in schema.names]
            if missing:
                raise CCIndexError(f"{url}: no column {', '.join(missing)} (not a cc-index table partition)")
            when = schema.field("fetch_time").type  # written with or without a time zone
            bound = (lambda d: pa.scalar(d, when)) if getattr(when, "tz", None) else \
                (lambda d: pa.scalar(d.astimezone(UTC).replace(tzinfo=None), when))
            chosen = pc.field("url_host_name").isin(sorted(set(hosts)))
            if pattern:
                chosen = chosen | pc.match_substring_regex(pc.field("url"), pattern=pattern, ignore_case=True)
            expr = ((pc.field("fetch_status") == 200)
                    & (pc.field("fetch_time") >= bound(start)) & (pc.field("fetch_time") <= bound(end))
                    & pc.match_substring(pc.field("content_mime_detected"), "html")
                    & pc.match_substring(pc.field("content_languages"), language)
                    & chosen)
            # Row groups whose statistics cannot match are skipped unread; only these columns are read.
            table = fragment.to_table(schema=schema, columns=COLUMNS, filter=expr)
    except (ArchiveHTTPError, CCIndexError):
        raise
    except (pa.ArrowException, OSError, ValueError, KeyError) as exc:
        raise CCIndexError(f"{url}: not a readable index partition: {exc}") from None
    out = []
    for row in table.to_pylist():
        fetched = row["fetch_time"]
        fetched = fetched if fetched.tzinfo else fetched.replace(tzinfo=UTC)
        out.append(Capture(url=row["url"], timestamp=cdx_timestamp(fetched), digest=row.get("content_digest") or "",
                           mime="text/html", status="200", filename=row["warc_filename"],
                           offset=int(row["warc_record_offset"]), length=int(row["warc_record_length"])))
    return out


def window_partitions(client: ArchiveClient, collinfo_url: str, base: str, start: datetime,
                      end: datetime) -> list[tuple[str, str]]:
    """(crawl, partition path) of every crawl whose dates overlap the window (collinfo.json, then each
    crawl's cc-index-table.paths.gz)."""
    from crawler.discovery.archives import commoncrawl

    crawls = commoncrawl.overlapping(commoncrawl.parse_collinfo(client.get(collinfo_url)), start, end)
    log.info("columnar index: %d crawls overlap %s..%s: %s", len(crawls), start.date(), end.date(),
             ", ".join(c.id for c in crawls) or "none")
    out = []
    for crawl in crawls:
        url = partitions_url(base, crawl.id)
        out.extend((crawl.id, p) for p in parse_partitions(client.get(url), url))
    return out


def source_hosts(sources: Iterable[Any]) -> list[str]:
    """The host names of the catalogue's outlets, with and without `www.` (the index's url_host_name)."""
    hosts: set[str] = set()
    for src in sources:
        for d in (urlsplit(src.base_url).hostname, *src.domains):
            if d:
                hosts.update((d, f"www.{d}") if not d.startswith("www.") else (d, d[4:]))
    return sorted(hosts)
