"""Decode fetched HTML bytes to text, robust to missing and wrong charset declarations.

Arabic outlets still serve windows-1256 pages, sometimes declared only in a <meta> tag, sometimes not at
all, sometimes mislabelled as UTF-8 by the server. Strict UTF-8 is tried first because valid multi-byte
UTF-8 almost never happens by chance in a legacy single-byte encoding.
"""

from __future__ import annotations

import logging

import charset_normalizer
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding

log = logging.getLogger(__name__)

ARABIC_LEGACY = "cp1256"
# Share of non-ASCII characters that must be Arabic script for a windows-1256 guess to be accepted.
_MIN_ARABIC_SHARE = 0.6


def _is_utf8(name: str | None) -> bool:
    return bool(name) and name.replace("-", "").replace("_", "").lower() in {"utf8", "utf8sig"}


def _strict(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _arabic_share(text: str) -> float:
    """Share of the non-ASCII characters that are Arabic letters, digits or punctuation."""
    high = [c for c in text if ord(c) > 127 and not c.isspace()]
    if not high:
        return 0.0
    return sum(1 for c in high if "\u0600" <= c <= "\u06ff") / len(high)


def _reads_as_arabic(body: bytes) -> bool:
    """Whether the bytes decoded as windows-1256 give mostly Arabic script."""
    text = _strict(body, ARABIC_LEGACY)
    return text is not None and _arabic_share(text) >= _MIN_ARABIC_SHARE


def declared_encodings(body: bytes, content_type: str | None = None) -> list[str]:
    """Encodings declared by the HTTP header and by the page itself (w3lib names), header first."""
    found = [
        http_content_type_encoding(content_type) if content_type else None,
        html_body_declared_encoding(body),
    ]
    out: list[str] = []
    for name in found:
        resolved = resolve_encoding(name) if name else None
        if resolved and resolved not in out:
            out.append(resolved)
    return out


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode an HTML response body.

    Args:
        body: the raw bytes.
        content_type: the HTTP Content-Type header, if any (``text/html; charset=windows-1256``).
    Returns:
        (text, encoding used). The encoding is a Python codec name such as ``utf-8`` or ``cp1256``.
    """
    if not body:
        return "", "utf-8"
    bom_encoding, bom = read_bom(body)
    if bom_encoding:
        text = body[len(bom) :].decode(bom_encoding, errors="replace")
        return text, resolve_encoding(bom_encoding) or bom_encoding
    text = _strict(body, "utf-8")
    if text is not None:
        return text, "utf-8"
    declared = declared_encodings(body, content_type)
    for name in declared:
        if _is_utf8(name):
            continue  # the bytes are not valid UTF-8: the declaration is wrong
        text = _strict(body, name)
        if text is not None and (_arabic_share(text) >= _MIN_ARABIC_SHARE or not _reads_as_arabic(body)):
            return text, name
    if declared:
        log.debug("declared encodings %s do not fit the bytes; guessing", declared)
    # Undeclared or mislabelled (servers often default to ISO-8859-1): windows-1256 if it reads as Arabic.
    if _reads_as_arabic(body):
        return body.decode(ARABIC_LEGACY), ARABIC_LEGACY
    best = charset_normalizer.from_bytes(body).best()
    if best is not None and best.encoding:
        return str(best), best.encoding
    return body.decode("utf-8", errors="replace"), "utf-8"
