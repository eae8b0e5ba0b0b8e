"""WARC files for the archive drills: many distinct relevant pages, damaged files, hostile payloads.

Pages are variations of the real public Arabic pages in tests/fixtures/archive/real_pages.json (the
WIC reports are relevant, the others are not), each at its own address with a sentence of its own.
Damage is made on real warcio output: records cut, Content-Length headers changed, files truncated.
"""

from __future__ import annotations

import gzip
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from jobs.local_archive import ArchivedPage

REAL_PAGES = Path(__file__).parent / "fixtures" / "archive" / "real_pages.json"
CAPTURED = datetime(2020, 11, 24, 9, 0, tzinfo=UTC)


def _pages(kind: str) -> list[dict]:
    pages = json.loads(REAL_PAGES.read_text(encoding="utf-8"))["pages"]
    return [p for p in pages if (p["kind"] == "wic") == (kind == "wic")]


def page_html(title: str, paragraphs: list[str]) -> bytes:
    paras = "".join(f"<p>{t}</p>" for t in paragraphs)
    return (f"<!doctype html><html lang='ar' dir='rtl'><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body><article><h1>{title}</h1>{paras}</article></body></html>").encode()


def relevant_page(i: int) -> ArchivedPage:
    """The i-th distinct relevant page: a WIC report under an address and a closing sentence of its own."""
    wic = _pages("wic")
    p = wic[i % len(wic)]
    host = p["url"].split("/")[2]
    text = [*p["text"], f"وأفاد مراسلنا في التقرير رقم {i + 1} بأن جلسات المؤتمر استمرت حتى المساء."]
    return ArchivedPage(f"https://{host}/wic-drill/{i + 1}", CAPTURED, page_html(f"{p['title']} ({i + 1})", text))


def unrelated_page(i: int) -> ArchivedPage:
    other = _pages("unrelated")
    p = other[i % len(other)]
    host = p["url"].split("/")[2]
    return ArchivedPage(f"https://{host}/other-drill/{i + 1}", CAPTURED, page_html(p["title"], p["text"]))


def drill_pages(relevant: int, unrelated: int = 0) -> list[ArchivedPage]:
    """`unrelated` pages first, then `relevant` ones: a lost tail of the file shows as missing articles."""
    return [unrelated_page(i) for i in range(unrelated)] + [relevant_page(i) for i in range(relevant)]


def record_bytes(page: ArchivedPage, *, gzip_record: bool = True, http_headers: list[tuple[str, str]] | None = None,
                 payload: bytes | None = None) -> bytes:
    """One WARC response record as warcio writes it (with its block and payload digests)."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=gzip_record)
    body = page.body if payload is None else payload
    headers = StatusAndHeaders(page.status, http_headers or [("Content-Type", page.content_type),
                                                              ("Content-Length", str(len(body)))],
                               protocol="HTTP/1.1")
    when = page.captured_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    record = writer.create_warc_record(page.url, "response", payload=io.BytesIO(body), http_headers=headers,
                                       warc_headers_dict={"WARC-Date": when})
    writer.write_record(record)
    return out.getvalue()


def write_records(path: Path, records: list[bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(records))
    return path


def offsets(records: list[bytes]) -> list[int]:
    """Byte offset of each record in the file their concatenation makes."""
    out, at = [], 0
    for r in records:
        out.append(at)
        at += len(r)
    return out


def change_length(record: bytes, delta: int, *, drop_digests: bool = False) -> bytes:
    """The record with its WARC Content-Length off by `delta` (gzip records are re-compressed)."""
    packed = record[:2] == b"\x1f\x8b"
    raw = gzip.decompress(record) if packed else record
    head, sep, rest = raw.partition(b"\r\n\r\n")
    m = re.search(rb"\r\nContent-Length: (\d+)", head)
    assert m, "no Content-Length in the WARC header"
    head = head[:m.start(1)] + str(int(m.group(1)) + delta).encode() + head[m.end(1):]
    if drop_digests:
        head = re.sub(rb"\r\nWARC-(Block|Payload)-Digest: [^\r]*", b"", head)
    raw = head + sep + rest
    return gzip.compress(raw) if packed else raw


def brotli_bomb(inflated: int = 1 << 30) -> bytes:
    """`inflated` zero bytes, brotli-compressed (about 190 KB for 1 GiB at quality 1)."""
    import brotli

    block = b"\0" * (1 << 24)
    c = brotli.Compressor(quality=1, lgwin=24)
    parts = [c.compress(block) for _ in range(inflated // len(block))]
    return b"".join(parts) + c.finish()
