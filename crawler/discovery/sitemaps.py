"""XML sitemaps (news sitemaps, sitemap indexes, gzip) -> links with dates; no entity expansion."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin

from lxml import etree
from scrapy.utils.gz import gunzip

NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
MAX_UNCOMPRESSED = 50 * 1024 * 1024  # the sitemap protocol's own limit per file


class SitemapError(ValueError):
    """A body that is not a sitemap (the message names the URL)."""


@dataclass(frozen=True)
class SitemapEntry:
    """One <url> or <sitemap> entry: its location and its best date (publication, else lastmod)."""

    loc: str
    date: datetime | None = None
    title: str = ""


@dataclass
class Sitemap:
    """A parsed sitemap: kind is "index" (entries are sitemaps) or "urlset" (entries are pages)."""

    kind: str
    entries: list[SitemapEntry] = field(default_factory=list)


def _parser() -> etree.XMLParser:
    # No entity expansion, no network, no huge trees: sitemaps are untrusted input.
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)


def parse_date(text: str | None) -> datetime | None:
    """A W3C datetime (2020-11-23, 2020-11-23T10:00:00+08:00, ...Z) as an aware UTC datetime."""
    if not text:
        return None
    text = text.strip().replace("Z", "+00:00")
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(UTC)


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _child_text(el: etree._Element, name: str, ns: str | None = None) -> str | None:
    for child in el.iter():
        if _local(child.tag) == name and (ns is None or etree.QName(child.tag).namespace == ns):
            return (child.text or "").strip() or None
    return None


def maybe_gunzip(body: bytes, max_size: int = MAX_UNCOMPRESSED) -> bytes:
    """The body, decompressed when it is gzip data (sitemap.xml.gz served without Content-Encoding)."""
    if body[:2] == b"\x1f\x8b":
        return gunzip(body, max_size=max_size)
    return body


def parse_sitemap(body: bytes, url: str) -> Sitemap:
    """Parse a sitemap or sitemap index (gzip allowed).

    Raises:
        SitemapError: the body is not XML with a <urlset> or <sitemapindex> root.
    """
    try:
        root = etree.fromstring(maybe_gunzip(body), parser=_parser())
    except (etree.XMLSyntaxError, OSError, ValueError) as exc:
        raise SitemapError(f"{url}: not a sitemap ({exc})") from exc
    if root is None:
        raise SitemapError(f"{url}: empty sitemap")
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and (names := [e.name for e in dtd.iterentities()]):
        # Not expanded (see _parser), but a sitemap has no use for entities: refuse like the feed reader.
        raise SitemapError(f"{url}: unsafe XML refused (entity declarations: {', '.join(names[:3])})")
    kind = {"sitemapindex": "index", "urlset": "urlset"}.get(_local(root.tag))
    if kind is None:
        raise SitemapError(f"{url}: root element <{_local(root.tag)}> is neither <urlset> nor <sitemapindex>")
    entries = []
    for el in root:
        if _local(el.tag) not in ("url", "sitemap"):
            continue
        loc = _child_text(el, "loc")
        if not loc:
            continue
        date = parse_date(_child_text(el, "publication_date", NEWS_NS)) or parse_date(_child_text(el, "lastmod"))
        entries.append(SitemapEntry(loc=urljoin(url, loc), date=date, title=_child_text(el, "title", NEWS_NS) or ""))
    return Sitemap(kind=kind, entries=entries)


def in_window(entry: SitemapEntry, since: datetime | None) -> bool:
    """True when the entry is dated at or after `since`, or undated (the page date decides later)."""
    return since is None or entry.date is None or entry.date >= since
