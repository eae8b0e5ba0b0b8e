"""A capture listed by a CDX server, and the two answer formats such servers use.

The Wayback Machine answers `output=json` with one JSON array whose first row names the fields (and,
with `showResumeKey=true`, an empty row then a row holding the resume key); pywb, which serves Common
Crawl's index, answers one JSON object per line. Both are read here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
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


class BadRow(ValueError):
    """One CDX row that cannot be a capture (the message says why)."""


def _capture(row: dict[str, str]) -> Capture | None:
    """The capture of one row; None for a row without address or timestamp; BadRow for a bad timestamp."""
    row = {ALIASES.get(k, k): v for k, v in row.items()}
    if not row.get("url") or not row.get("timestamp"):
        return None
    timestamp = str(row["timestamp"])
    try:
        if not timestamp.isdigit():
            raise ValueError("not digits")
        parse_timestamp(timestamp)
    except ValueError:
        raise BadRow(f"bad timestamp {timestamp[:40]!r} for {str(row['url'])[:200]}") from None

    def number(key: str) -> int:
        try:
            return int(row.get(key, -1))
        except (TypeError, ValueError):
            return -1

    return Capture(
        url=row["url"], timestamp=timestamp, digest=row.get("digest", ""), mime=row.get("mime", ""),
        status=str(row.get("status", "")), filename=row.get("filename", ""), offset=number("offset"),
        length=number("length"),
    )


@dataclass
class CdxAnswer:
    """One page of CDX results: its captures, the resume key of the next page, and its bad rows (one
    message each: a line that is not JSON, a row of the wrong length, a bad timestamp)."""

    captures: list[Capture] = field(default_factory=list)
    resume: str | None = None
    errors: list[str] = field(default_factory=list)


def _row_of_line(line: str) -> object:
    """One line of either answer form as JSON: an object (pywb), or a row of the Wayback array, whose
    lines carry the array's brackets and commas."""
    text = line.strip().rstrip(",")
    if text.startswith("[["):
        text = text[1:]
    if text.endswith("]]"):
        text = text[:-1]
    return json.loads(text)


def _rows(text: str) -> tuple[list[object], list[str]]:
    """The rows of an answer, read whole or, when that fails, line by line (bad lines are errors)."""
    try:
        rows = json.loads(text)
    except json.JSONDecodeError:
        rows, errors = [], []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip() or line.strip() in ("[", "]"):
                continue
            try:
                rows.append(_row_of_line(line))
            except json.JSONDecodeError as exc:
                errors.append(f"line {n} is not JSON ({exc.msg}): {line.strip()[:200]}")
        if not rows:
            raise CdxError(f"not a CDX JSON answer: {errors[0] if errors else 'no row'}") from None
        return rows, errors
    if isinstance(rows, dict):
        return [rows], []
    if not isinstance(rows, list):
        raise CdxError("not a CDX JSON answer: neither an array nor objects")
    return rows, []


def read_cdx(body: bytes) -> CdxAnswer:
    """The captures of a CDX JSON answer, row by row: a bad row is one error, the others are kept.

    CdxError when no row at all can be read (an HTML error page, a cut-off first line).
    """
    text = body.decode("utf-8", errors="replace").strip()
    answer = CdxAnswer()
    if not text:
        return answer
    rows, answer.errors = _rows(text)

    def add(row: dict[str, str]) -> None:
        try:
            c = _capture(row)
        except BadRow as exc:
            answer.errors.append(str(exc))
            return
        if c:
            answer.captures.append(c)

    if rows and isinstance(rows[0], list):  # Wayback: header row, data rows, [], [resume key]
        header = rows[0]
        data = rows[1:]
        if len(data) >= 2 and data[-2] == [] and isinstance(data[-1], list) and len(data[-1]) == 1:
            answer.resume = str(data[-1][0])
            data = data[:-2]
        for r in data:
            if isinstance(r, list) and len(r) == len(header):
                add(dict(zip(header, r, strict=True)))
            elif r != []:
                answer.errors.append(f"row of {len(r) if isinstance(r, list) else 'no'} fields, the header has "
                                     f"{len(header)}: {json.dumps(r, ensure_ascii=False)[:200]}")
        return answer
    for r in rows:
        if isinstance(r, dict):
            add(r)
        else:
            answer.errors.append(f"not a CDX object: {json.dumps(r, ensure_ascii=False)[:200]}")
    return answer


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
