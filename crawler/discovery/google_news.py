"""Google News RSS links: from news.google.com/rss/articles/<id> to the article's own URL.

Google News RSS items do not link to the article: they link to news.google.com/rss/articles/<id>,
which answers a page, not an HTTP redirect. The <id> is URL-safe base64 of a small protobuf:
the older ids carry the article URL itself (decoded here, no request); the newer ones (since
2024, a token starting "AU_yqL") need two requests that Google's own page makes: the article page
gives a signature and a timestamp (data-n-a-sg, data-n-a-ts), then the "batchexecute" endpoint
answers the URL. Both are ordinary Scrapy requests, so robots.txt and the politeness settings
apply to them as to any other request. The format is Google's and undocumented: every failure
here is counted and logged by the spider, never fatal.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from urllib.parse import quote, urlsplit

ARTICLE_PATH = re.compile(r"^(?P<base>.*?)/(?:rss/)?(?:articles|read)/(?P<id>[A-Za-z0-9_-]{8,})$")
_SIGNATURE = re.compile(r'data-n-a-sg="([^"]+)"')
_TIMESTAMP = re.compile(r'data-n-a-ts="(\d+)"')
_RPC_ID = "Fbv4je"  # the batchexecute procedure that turns an article id into its URL


def article_id(url: str) -> tuple[str, str] | None:
    """(Google News base URL, article id) of a Google News article link, else None."""
    parts = urlsplit(url)
    m = ARTICLE_PATH.match(f"{parts.scheme}://{parts.netloc}{parts.path}")
    return (m.group("base"), m.group("id")) if m else None


def _payload(gn_id: str) -> bytes | None:
    """The bytes the id wraps: after the protobuf tag 0x08 0x13 0x22 and a varint length."""
    try:
        raw = base64.urlsafe_b64decode(gn_id + "=" * (-len(gn_id) % 4))
    except (binascii.Error, ValueError):
        return None
    if not raw.startswith(b"\x08\x13\x22"):
        return None
    length, shift, i = 0, 0, 3
    while i < len(raw):
        byte = raw[i]
        length |= (byte & 0x7F) << shift
        i += 1
        if not byte & 0x80:
            break
        shift += 7
    return raw[i : i + length]


def decode_offline(gn_id: str) -> str | None:
    """The article URL carried in an older id, or None when the id needs Google's endpoint."""
    payload = _payload(gn_id)
    if not payload or not payload.startswith((b"http://", b"https://")):
        return None
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return None


def page_url(base: str, gn_id: str) -> str:
    """The Google News article page that carries the decoding parameters."""
    return f"{base}/articles/{gn_id}"


def decoding_params(html: str) -> tuple[str, str] | None:
    """(signature, timestamp) from a Google News article page, or None when absent."""
    sg, ts = _SIGNATURE.search(html), _TIMESTAMP.search(html)
    return (sg.group(1), ts.group(1)) if sg and ts else None


def batchexecute_url(base: str) -> str:
    return f"{base}/_/DotsSplashUi/data/batchexecute"


def batchexecute_body(gn_id: str, signature: str, timestamp: str) -> str:
    """The form body (f.req=...) asking for the URL of `gn_id`."""
    context = [["X", "X", ["X", "X"], None, None, 1, 1, "US:en", None, 1, None, None, None, None, None, 0, 1],
               "X", "X", 1, [1, 1, 1], 1, 1, None, 0, 0, None, 0]
    inner = json.dumps(["garturlreq", context, gn_id, int(timestamp), signature], separators=(",", ":"))
    return "f.req=" + quote(json.dumps([[[_RPC_ID, inner, None, "generic"]]], separators=(",", ":")))


def parse_batchexecute(text: str) -> str | None:
    """The article URL in a batchexecute answer (")]}'" then JSON lines), or None."""
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("["):
            continue
        try:
            rows = json.loads(line)
        except ValueError:
            continue
        for row in rows if isinstance(rows, list) else []:
            if isinstance(row, list) and len(row) > 2 and row[:2] == ["wrb.fr", _RPC_ID] and isinstance(row[2], str):
                try:
                    answer = json.loads(row[2])
                except ValueError:
                    return None
                url = answer[1] if isinstance(answer, list) and len(answer) > 1 else None
                return url if isinstance(url, str) and url.startswith(("http://", "https://")) else None
    return None
