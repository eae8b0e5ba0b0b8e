"""A capture listed by a CDX server, and the two answer formats such servers use.

The Wayback Machine answers `output=json` with one JSON array whose first row names the fields (and,
with `showResumeKey=true`, an empty row then a row holding the resume key); pywb, which serves Common
Crawl's index, answers one JSON object per line. Both are read here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

# Field names differ between servers: the Wayback Machine's first, pywb's second.
ALIASES = {"original": "url", "statuscode": "status", "mimetype": "mime"}


class CdxError(ValueError):
    """A CDX answer that is not JSON of either known form."""


@dataclass(frozen=True)
class Capture:
    url: str
    timestamp: str  # 14 digits, UTC
    digest: str = ""
    mime: str = ""
    status: str = ""
    filename: str = ""  # Common Crawl: the WARC file holding the record
    offset: int = -1
    length: int = -1

    @property
    def captured_at(self) -> datetime:
        return parse_timestamp(self.timestamp)


def parse_timestamp(ts: str) -> datetime:
    """A CDX timestamp (YYYYMMDDhhmmss, possibly shortened) as an aware UTC datetime."""
    digits = (ts + "00000101000000"[len(ts):])[:14]
    return datetime.strptime(digits, "%Y%m%d%H%M%S").replace(tzinfo=UTC)


def cdx_timestamp(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def _capture(row: dict[str, str]) -> Capture | None:
    row = {ALIASES.get(k, k): v for k, v in row.items()}
    if not row.get("url") or not row.get("timestamp"):
        return None

    def number(key: str) -> int:
        try:
            return int(row.get(key, -1))
        except (TypeError, ValueError):
            return -1

    return Capture(
        url=row["url"], timestamp=str(row["timestamp"]), digest=row.get("digest", ""), mime=row.get("mime", ""),
        status=str(row.get("status", "")), filename=row.get("filename", ""), offset=number("offset"),
        length=number("length"),
    )


def parse_cdx(body: bytes) -> tuple[list[Capture], str | None]:
    """Captures of a CDX JSON answer and the resume key for the next page (None on the last page)."""
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return [], None
    try:
        rows = json.loads(text)
    except json.JSONDecodeError:
        try:
            rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise CdxError(f"not a CDX JSON answer: {exc}") from None
    if isinstance(rows, dict):
        rows = [rows]
    if not isinstance(rows, list):
        raise CdxError("not a CDX JSON answer: neither an array nor objects")
    out: list[Capture] = []
    resume: str | None = None
    if rows and isinstance(rows[0], list):  # Wayback: header row, data rows, [], [resume key]
        header = rows[0]
        data = rows[1:]
        if len(data) >= 2 and data[-2] == [] and len(data[-1]) == 1:
            resume = str(data[-1][0])
            data = data[:-2]
        for r in data:
            if isinstance(r, list) and len(r) == len(header):
                c = _capture(dict(zip(header, r, strict=True)))
                if c:
                    out.append(c)
        return out, resume
    for r in rows:
        if isinstance(r, dict):
            c = _capture(r)
            if c:
                out.append(c)
    return out, resume


def unique_content(captures: list[Capture]) -> list[Capture]:
    """The first capture of each content digest (what `collapse=digest` asks the server for)."""
    seen: set[str] = set()
    out = []
    for c in captures:
        if c.digest and c.digest in seen:
            continue
        seen.add(c.digest)
        out.append(c)
    return out
