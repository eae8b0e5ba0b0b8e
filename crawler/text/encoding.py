"""Decode fetched HTML bytes to text, robust to missing and wrong charset declarations.

Arabic outlets still serve windows-1256 pages, sometimes declared only in a <meta> tag, sometimes not at
all, sometimes mislabelled as UTF-8 by the server. The bytes are the evidence: valid multi-byte UTF-8
almost never happens by chance in a legacy single-byte encoding, so a page that is UTF-8 but for a few
broken bytes is decoded as UTF-8 (the broken bytes replaced), never as windows-1256 mojibake. Otherwise
the declared charset is used when the bytes fit it, then charset-normalizer's detection.
"""

from __future__ import annotations

import logging
import re

import charset_normalizer
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding

log = logging.getLogger(__name__)

ARABIC_LEGACY = "cp1256"
_ARABIC_FAMILY = {"cp1256", "iso8859_6", "mac_arabic", "cp720", "cp864"}
# Share of non-ASCII characters that must be Arabic script for a windows-1256 guess to be accepted.
_MIN_ARABIC_SHARE = 0.6


# A UTF-8 multi-byte sequence (2, 3 or 4 bytes) and any byte above ASCII.
_UTF8_SEQ = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_HIGH = re.compile(rb"[\x80-\xff]")
# Share of the non-ASCII bytes that must belong to valid UTF-8 sequences for a page to count as UTF-8.
_MOSTLY_UTF8 = 0.95
# Readable Arabic: frequent function words make up this share of the words of a real Arabic text
# (news prose: 10-25 %); mojibake of Arabic has almost none.
_ARABIC_FUNCTION_WORDS = frozenset(
    "في من على إلى الى أن ان عن مع هذا هذه التي الذي كما وقد قد بين بعد أو او كان لا ما لم و".split()
)
_MIN_FUNCTION_SHARE = 0.04
_WORD = re.compile(r"[\u0600-\u06ff]+")


def mostly_utf8(body: bytes) -> bool:
    """True when nearly all non-ASCII bytes form valid UTF-8 sequences (a few broken bytes allowed)."""
    high = len(_HIGH.findall(body))
    if not high:
        return False
    valid = sum(len(m) for m in _UTF8_SEQ.findall(body))
    return valid / high >= _MOSTLY_UTF8


def readable_arabic(text: str) -> bool:
    """True when `text` reads as Arabic prose: its frequent function words are there.

    Text decoded with the wrong charset can still be made of Arabic letters (UTF-8 read as
    windows-1256 gives runs of ط and ظ), so the share of letters is not enough.
    """
    words = _WORD.findall(text)
    if len(words) < 5:
        return bool(words)
    found = sum(1 for w in words if w in _ARABIC_FUNCTION_WORDS or (w.startswith("و") and w[1:] in _ARABIC_FUNCTION_WORDS))
    return found / len(words) >= _MIN_FUNCTION_SHARE and "\ufffd" * 3 not in text


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
    """Whether the bytes decoded as windows-1256 give Arabic prose.

    Mostly Arabic script is not enough: a Latin-1 page's few accented letters read as windows-1256 are
    Arabic letters too ("Sängerin" gives "Sنngerin"), but never its function words.
    """
    text = _strict(body, ARABIC_LEGACY)
    return text is not None and _arabic_share(text) >= _MIN_ARABIC_SHARE and readable_arabic(text)


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
    if mostly_utf8(body):
        # UTF-8 with a few broken bytes: replace those, whatever the page declares.
        log.debug("body is UTF-8 but for a few invalid bytes; decoded with replacement")
        return body.decode("utf-8", errors="replace"), "utf-8"
    declared = declared_encodings(body, content_type)
    for name in declared:
        if _is_utf8(name):
            continue  # the bytes are not valid UTF-8: the declaration is wrong
        text = _strict(body, name)
        if text is not None and (_arabic_share(text) >= _MIN_ARABIC_SHARE or not _reads_as_arabic(body)):
            return text, name
    if declared:
        log.debug("declared encodings %s do not fit the bytes; guessing", declared)
    # Undeclared or mislabelled (servers often default to ISO-8859-1): the detector reads the bytes;
    # among single-byte Arabic charsets it cannot tell apart, windows-1256 is what the press uses.
    best = charset_normalizer.from_bytes(body).best()
    if _reads_as_arabic(body) and (best is None or best.encoding in _ARABIC_FAMILY or _arabic_share(str(best)) < _MIN_ARABIC_SHARE):
        return body.decode(ARABIC_LEGACY), ARABIC_LEGACY
    if best is not None and best.encoding:
        return str(best), best.encoding
    return body.decode("utf-8", errors="replace"), "utf-8"
