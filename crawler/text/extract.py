"""HTML -> Article: trafilatura for the main text, page metadata (JSON-LD, OpenGraph) for the fields.

Order of trust for each field: the outlet's CSS selector override, then structured metadata the page
declares (JSON-LD, OpenGraph/meta), then trafilatura's and htmldate's heuristics. No I/O here except in
`extract_path`, so extraction is testable on stored pages.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html
import trafilatura
from courlan import is_external, normalize_url
from htmldate import find_date
from lxml.html import HtmlElement
from trafilatura.metadata import extract_catstags, extract_title
from trafilatura.settings import CUT_EMPTY_ELEMS, set_date_params

from crawler.items import Article
from crawler.sources.base import Selectors
from crawler.text.arabic import arabic_ratio, clean_display, normalize, tokens
from crawler.text.dates import parse_date
from crawler.text.encoding import decode_html

log = logging.getLogger(__name__)

MAX_FETCH_BYTES = 10 * 1024 * 1024
# Above this share of control or replacement characters the input is not a text page.
_MAX_JUNK_SHARE = 0.05
_MIN_ARABIC_RATIO = 0.5
_MAX_IMAGES = 10
_MAX_CAPTION_CHARS = 300  # longer is a paragraph wearing a caption class, not a caption
# Fewer words than this is a menu or a stub, not an article (even a one-line flash has more).
_MIN_WORDS = 5
_ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "reportagenews",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "blogposting",
    "webpage",
    "liveblogposting",
}
_PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "dc.date.issued",
    "date",
    "dcterms.issued",
    "dc.date",
    "sailthru.date",
    "parsely-pub-date",
)
_MODIFIED_META = (
    "article:modified_time",
    "og:updated_time",
    "datemodified",
    "dc.date.modified",
    "dcterms.modified",
    "lastmod",
)
_AUTHOR_META = ("author", "article:author", "dc.creator", "parsely-author", "byl")
# Bylines start with "by" in several Arabic phrasings; the name follows.
_BYLINE_PREFIX = re.compile(
    r"^\s*(?:بقلم|كتب|كتبت|كتبه|إعداد|اعداد|تحرير|المحرر|مراسل|by)(?!\w)\s*[:：\-–]?\s*", re.I
)
_AUTHOR_SPLIT = re.compile(r"\s*[،,;|]\s*")
_DATE_WORDS = ("date", "time", "publish")  # in a class or id: an element that may print the date
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# What may follow a byline word when the credit is the whole phrase ("مراسل خاص": a special
# correspondent), not a name: the phrase is kept, not cut down to its adjective.
_CREDIT_QUALIFIERS = {"خاص", "خاصة", "الموقع", "الجريدة", "الصحيفة", "الوكالة", "القسم", "الخاص"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffd]")
_PERCENT = re.compile(r"%[0-9a-f]{2}")
# XHTML pages start with one; lxml refuses a str that still declares an encoding.
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
# A short body line carrying a numeric date or a clock time is a dateline/byline, not article text.
_META_LINE = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{2,4}|\b\d{1,2}:\d{2}\b")
_META_LINE_MAX_TOKENS = 10
# Comments are dropped at parse time: trafilatura given a tree that still holds them loses the text
# around them on some large news sites. One parse serves metadata, selectors and trafilatura.
_PARSER = lxml.html.HTMLParser(remove_comments=True, collect_ids=False)
# trafilatura's options. The precise pass (precision pruning, no fallback extractors) keeps menus, teasers
# and comments out; tables stay (some outlets lay the article out in one); metadata is read by this module
# from what the page declares, and trafilatura's heuristics only run, lazily, for a field the page does not
# declare (see _Heuristics).
_TRAFILATURA_OPTIONS = {
    "with_metadata": False,
    "include_comments": False,
    "include_tables": True,
    "favor_precision": True,
    "fast": True,
}
# The precise pass alone emptied about one page in ten of the public benchmark (../shared/extraction-bench;
# BENCHMARKS.md): precision mode also skips trafilatura's own rescue (the readability/jusText comparison and
# the baseline). When its body is short, or a small share of the text the page's paragraphs hold, the page is
# extracted again the way plain trafilatura does (balanced, with its fallback extractors). The fallback's body
# replaces an empty precise one; otherwise it must add at least a paragraph's worth of text, and more than
# half again unless the precise body is nearly empty: a short article's precise body is often right, and the
# balanced pass adds the advert or teaser beside it. The fallback is also asked when the precise body is a table
# layout's frame (_layout_cells) or lacks a list of the article (_dropped_list).
# Thresholds were chosen on one half of the benchmark and checked on the other (docs/extraction-accuracy.md).
_FALLBACK_OPTIONS = {**_TRAFILATURA_OPTIONS, "favor_precision": False, "fast": False}
_MIN_BODY_CHARS = 500
_MIN_PARAGRAPH_SHARE = 0.3
_NEARLY_EMPTY_CHARS = 350
_FALLBACK_GAIN = 1.5
_MIN_GAIN_CHARS = 100
_STANDFIRST_CHARS = 80
# A precise body with at least this many lines of empty table cells, and this share of its lines, is a table
# layout's frame; the fallback replaces it when the two share less than _LAYOUT_SHARED of the precise words.
_MIN_LAYOUT_CELLS = 3
_LAYOUT_SHARE = 0.3
_LAYOUT_SHARED = 0.5
# A list after a body paragraph of at least _MIN_LEAD_CHARS, with two items of _LONG_ITEM_CHARS or more and none
# of them in the body, was dropped from the article: the fallback is asked.
_MIN_LEAD_CHARS = 20
_LONG_ITEM_CHARS = 80
_WORD_CHAR = re.compile(r"\w")
_WORDS = re.compile(r"\w+")
_BYLINE_XPATH = (
    "//*[@rel='author' or @itemprop='author' or contains(@class, 'byline') or contains(@class, 'author-name')"
    " or contains(@class, 'article-author')]"
)


class ExtractionError(ValueError):
    """A page could not be turned into an article; the message names the URL."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason

    def __reduce__(self) -> tuple[type, tuple[str, str]]:  # travels back from the crawl's worker processes
        return type(self), (self.url, self.reason)


# ---------------------------------------------------------------------------------------------- parsing


def _parse(html: str, url: str) -> HtmlElement:
    """Parse possibly broken HTML; reject empty and binary input."""
    if not html or not html.strip():
        raise ExtractionError(url, "empty page")
    sample = html[:20000]
    if len(_CONTROL.findall(sample)) / len(sample) > _MAX_JUNK_SHARE:
        raise ExtractionError(url, "not an HTML page (binary or undecodable content)")
    html = _XML_DECLARATION.sub("", _CONTROL.sub("", html), count=1)
    try:
        tree = lxml.html.document_fromstring(html, parser=_PARSER)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ExtractionError(url, f"unparseable HTML: {exc}") from exc
    if tree is None or tree.find(".//body") is None and not tree.text_content().strip():
        raise ExtractionError(url, "empty page")
    return tree


def _meta(tree: HtmlElement) -> dict[str, str]:
    """<meta name/property/itemprop> -> content, first occurrence wins (keys lower-cased)."""
    out: dict[str, str] = {}
    for el in tree.iter("meta"):
        key = el.get("property") or el.get("name") or el.get("itemprop")
        value = (el.get("content") or "").strip()
        if key and value:
            out.setdefault(key.strip().lower(), value)
    return out


def _walk_ld(node: Any) -> Iterator[dict]:
    if isinstance(node, list):
        for item in node:
            yield from _walk_ld(item)
    elif isinstance(node, dict):
        yield node
        for key in ("@graph", "mainEntity", "itemListElement"):
            if key in node:
                yield from _walk_ld(node[key])


def _json_ld(tree: HtmlElement) -> dict:
    """The first JSON-LD object typed as an article (NewsArticle, ReportageNews, ...), else {}."""
    for script in tree.iter("script"):
        if "ld+json" not in (script.get("type") or "").translate(_ASCII_LOWER):
            continue
        try:
            data = json.loads(script.text or "", strict=False)
        except ValueError:
            continue  # outlets ship broken JSON-LD; the rest of the page still counts
        for obj in _walk_ld(data):
            types = obj.get("@type")
            types = types if isinstance(types, list) else [types]
            if any(isinstance(t, str) and t.lower() in _ARTICLE_TYPES for t in types):
                return obj
    return {}


def _ld_text(value: Any) -> str:
    """A JSON-LD value as text: string, {"name": ...}, {"@id": ...} or the first of a list."""
    if isinstance(value, list):
        return _ld_text(value[0]) if value else ""
    if isinstance(value, dict):
        return str(value.get("name") or value.get("url") or value.get("@id") or "")
    return str(value or "").strip()


def _css(tree: HtmlElement, selector: str | None) -> list[HtmlElement]:
    if not selector:
        return []
    try:
        return tree.cssselect(selector)
    except Exception as exc:  # cssselect raises several unrelated types for bad selectors
        raise ValueError(f"invalid CSS selector {selector!r}: {exc}") from exc


def _text(el: HtmlElement) -> str:
    return clean_display(" ".join(el.itertext()))


def _paragraphs(elements: list[HtmlElement]) -> str:
    """Text of the selected body elements, one line per paragraph."""
    lines: list[str] = []
    for el in elements:
        paras = el.xpath(".//p|.//h2|.//h3|.//li|.//blockquote") or [el]
        lines.extend(t for t in (_text(p) for p in paras) if t)
    return "\n".join(dict.fromkeys(lines))


# ------------------------------------------------------------------------------------------------- fields


def normalize_article_url(url: str) -> str:
    """A URL with tracking parameters, fragments and AMP switches removed (courlan) and escapes upper-cased."""
    try:
        cleaned = normalize_url(url, strict=True)
    except (ValueError, AttributeError):
        return url
    return _PERCENT.sub(lambda m: m.group(0).upper(), cleaned)


def _canonical(tree: HtmlElement, meta: dict[str, str], ld: dict, url: str) -> str:
    """The page's declared canonical URL (link rel=canonical, og:url, JSON-LD), else the normalised URL.

    A declared canonical on another site, or pointing at a home page, is ignored for web pages: wire
    copies must stay separate documents, and some CMSs declare the home page for every article.
    """
    candidates = [
        el.get("href")
        for el in tree.xpath("//link[@href]")
        if "canonical" in (el.get("rel") or "").lower().split()
    ]
    candidates += [meta.get("og:url"), _ld_text(ld.get("mainEntityOfPage")), _ld_text(ld.get("url"))]
    page_is_web = urlsplit(url).scheme in {"http", "https"}
    for cand in candidates:
        if not cand or not cand.strip():
            continue
        absolute = urljoin(url, cand.strip())
        parts = urlsplit(absolute)
        if parts.scheme not in {"http", "https"} or parts.path in {"", "/"}:
            continue
        if page_is_web and is_external(absolute, url, ignore_suffix=True):
            log.debug("%s: ignoring canonical on another site: %s", url, absolute)
            continue
        return normalize_article_url(absolute)
    return normalize_article_url(url) if page_is_web else url


def _title(tree: HtmlElement, sel: Selectors, meta: dict[str, str], ld: dict, guess: _Heuristics) -> str:
    for el in _css(tree, sel.title):
        if text := _text(el):
            return text
    for value in (_ld_text(ld.get("headline")), meta.get("og:title"), meta.get("twitter:title")):
        if value and value.strip():
            return clean_display(value)
    if (value := guess.title()) and value.strip():
        return clean_display(value)
    h1 = tree.xpath("//h1")
    return _text(h1[0]) if h1 else ""


_DATELINE_MAX_TOKENS = 6  # "الاثنين، 23 نوفمبر 2020", "نشر في: 23 نوفمبر 2020": a date, not a sentence


def is_dateline(line: str) -> bool:
    """True for a short line that only gives a date (a page's dateline), not a sentence of the article."""
    return len(line) < 80 and len(tokens(line)) <= _DATELINE_MAX_TOKENS and parse_date(line) is not None


def lead_or_first_paragraph(article: Article) -> tuple[str, bool]:
    """(the text to show as the article's lead, whether the page declared it): the declared lead, else
    the body's first paragraph that is not a dateline (for readers; the stored lead stays as declared)."""
    if article.lead:
        return article.lead, True
    first = next((ln for ln in article.body.split("\n") if ln.strip() and not is_dateline(ln)), "")
    return first, False


def _lead(tree: HtmlElement, sel: Selectors, meta: dict[str, str], ld: dict, title: str) -> str:
    for el in _css(tree, sel.lead):
        if text := _text(el):
            return text
    for value in (_ld_text(ld.get("description")), meta.get("og:description"), meta.get("description")):
        if value and clean_display(value) != title:
            return clean_display(value)
    return ""


def _doc_path(el: HtmlElement) -> list[int]:
    """Child indexes from the root down to `el`: comparing two such paths compares document order."""
    path = []
    while (parent := el.getparent()) is not None:
        path.append(parent.index(el))
        el = parent
    return path[::-1]


def _date_like(tree: HtmlElement) -> list[HtmlElement]:
    """Elements whose class or id (ASCII case folded) contains date, time or publish, in document order.

    The same set as an XPath translate()/contains() predicate, tested in Python: that XPath on every element
    of the page was a tenth of the extraction time of small pages.
    """
    out = []
    for el in tree.xpath("//*[@class or @id]"):
        marks = f"{el.get('class') or ''} {el.get('id') or ''}".translate(_ASCII_LOWER)
        if any(word in marks for word in _DATE_WORDS):
            out.append(el)
    return out


def _date_texts(tree: HtmlElement) -> Iterator[str]:
    """Short texts of date-like elements, those after the headline first (site headers print today's date)."""
    h1 = tree.xpath("//h1")
    found = _date_like(tree)
    after: set[HtmlElement] = set()
    if h1 and found:
        # XPath's following:: axis: later in document order and not inside the headline.
        anchor = _doc_path(h1[0])
        after = {el for el in found if (p := _doc_path(el)) > anchor and p[: len(anchor)] != anchor}
    for el in sorted(found, key=lambda e: e not in after):
        for value in (el.get("datetime"), el.get("content"), _text(el)):
            # A digit is required: class names like "time" also mark menus ("أخبار اليوم").
            if value and len(value) < 160 and any(c.isdigit() for c in value):
                yield value


def _first_date(values: Iterator[str | None] | list[str | None], tz: str) -> str | None:
    for value in values:
        if value and (parsed := parse_date(value, tz=tz)):
            return parsed
    return None


def _published(
    tree: HtmlElement, sel: Selectors, meta: dict[str, str], ld: dict, tz: str, guess: _Heuristics, url: str
) -> str | None:
    selected = [
        v for el in _css(tree, sel.published) for v in (el.get("datetime"), el.get("content"), _text(el))
    ]
    structured = [_ld_text(ld.get("datePublished")), *(meta.get(k) for k in _PUBLISHED_META)]
    found = _first_date(selected, tz) or _first_date(structured, tz)
    if found:  # most pages declare it: the markup searches below are skipped
        return found
    marked = tree.xpath("//*[@itemprop='datePublished']/@datetime|//time[@pubdate]/@datetime")
    structured += marked
    found = _first_date(marked, tz) or _first_date(_date_texts(tree), tz)
    if found:
        return found
    declared = [v for v in [*structured, *tree.xpath("//time/@datetime")] if isinstance(v, str) and v.strip()]
    if declared:
        # The page states its date but no reading of it is a real day (2020-13-45, 31 February):
        # a heuristic guess would look authoritative, so the date stays unknown.
        log.warning("%s: unreadable publication date %r; left empty", url, declared[0][:80])
        return None
    return _first_date([guess.date()], tz)


def _modified(tree: HtmlElement, meta: dict[str, str], ld: dict, tz: str) -> str | None:
    values = [_ld_text(ld.get("dateModified")), *(meta.get(k) for k in _MODIFIED_META)]
    # The markup is searched only when the metadata gives no date (the same first date either way).
    return _first_date(values, tz) or _first_date(tree.xpath("//*[@itemprop='dateModified']/@datetime"), tz)


def _clean_authors(values: list[str], site: str | None) -> list[str]:
    out: list[str] = []
    for value in values:
        for part in _AUTHOR_SPLIT.split(clean_display(value)):
            name = _BYLINE_PREFIX.sub("", part).strip(" :-–")
            if name in _CREDIT_QUALIFIERS:
                name = part.strip(" :-–")
            if not name or len(name) > 60 or "://" in name or name.startswith("@") or name == site:
                continue
            if name not in out:
                out.append(name)
    return out


def _authors(
    tree: HtmlElement, sel: Selectors, meta: dict[str, str], ld: dict, guess: _Heuristics, site: str | None
) -> list[str]:
    selected = [_text(el) for el in _css(tree, sel.author)]
    if selected:
        return _clean_authors(selected, site)
    ld_authors = ld.get("author")
    ld_list = ld_authors if isinstance(ld_authors, list) else [ld_authors]
    for values in (
        lambda: [_ld_text(a) for a in ld_list if a],
        lambda: [meta[k] for k in _AUTHOR_META if k in meta],
        lambda: [guess.author() or ""],
    ):
        if names := _clean_authors([v for v in values() if v], site):
            return names
    return []


def _section(
    tree: HtmlElement, sel: Selectors, meta: dict[str, str], ld: dict, guess: _Heuristics
) -> str | None:
    for el in _css(tree, sel.section):
        if text := _text(el):
            return text
    for value in (_ld_text(ld.get("articleSection")), meta.get("article:section")):
        if value and value.strip():
            return clean_display(value)
    for value in guess.categories():
        if value and value.strip():
            return clean_display(value)
    return None


# Captions of the article's own pictures: <figcaption> and the usual CMS caption classes (the class word
# "caption", wp-caption-text, image-caption). XPath picks the candidates (every class holding "caption");
# the exact class test is done in Python, where XPath's concat/normalize-space on every element cost more.
_CAPTION_CANDIDATES = ".//figcaption|.//*[contains(@class, 'caption')]"
_XML_SPACE = re.compile("[ \t\r\n]+")  # the white space of XPath's normalize-space


def _is_caption(el: HtmlElement) -> bool:
    if el.tag == "figcaption":
        return True
    cls = el.get("class") or ""
    return "caption" in _XML_SPACE.split(cls) or "wp-caption-text" in cls or "image-caption" in cls


def _captions(tree: HtmlElement) -> list[str]:
    """Caption texts inside the article (or <main>; the whole page if it has neither), deduplicated."""
    scope = tree.xpath("//article") or tree.xpath("//main") or [tree]
    out: list[str] = []
    for el in (c for root in scope for c in root.xpath(_CAPTION_CANDIDATES) if _is_caption(c)):
        text = _text(el)
        if text and len(text) <= _MAX_CAPTION_CHARS and text not in out:
            out.append(text)
    return out[:_MAX_IMAGES]


def _images(tree: HtmlElement, meta: dict[str, str], ld: dict, url: str) -> list[str]:
    found = [meta.get("og:image"), meta.get("twitter:image"), _ld_text(ld.get("image"))]
    for img in tree.xpath("//article//img|//figure//img|//amp-img"):
        found.append(img.get("src") or img.get("data-src"))
    out: list[str] = []
    for src in found:
        if not src or src.startswith("data:"):
            continue
        absolute = urljoin(url, src.strip())
        if absolute not in out:
            out.append(absolute)
    return out[:_MAX_IMAGES]


def _language(body: str, tree: HtmlElement, meta: dict[str, str], ld: dict) -> str | None:
    if arabic_ratio(body) >= _MIN_ARABIC_RATIO:
        return "ar"
    for value in (tree.get("lang"), _ld_text(ld.get("inLanguage")), meta.get("og:locale")):
        if value and value.strip():
            return value.strip().lower().replace("_", "-").split("-")[0]
    return None


def _clean_body(body: str, title: str) -> str:
    """Drop the repeated headline and short dateline/byline lines.

    Repeated lines stay: recipe steps, interview questions and refrains repeat in real articles.
    """
    lines = body.split("\n")
    if lines and title and normalize(lines[0]) == normalize(title):
        lines = lines[1:]
    kept = [ln for ln in lines if not (len(ln) < 200 and _META_LINE.search(ln) and len(tokens(ln)) <= _META_LINE_MAX_TOKENS)]
    return "\n".join(kept)


def _trafilatura_body(tree: HtmlElement, url: str, title: str, options: dict[str, Any]) -> str:
    """trafilatura's main text of the tree (which it copies, not prunes), cleaned; "" when it finds none."""
    try:
        doc = trafilatura.bare_extraction(tree, url=url, **options)
    except (ValueError, TypeError, lxml.etree.LxmlError) as exc:  # trafilatura's own bugs on odd trees
        log.warning("%s: trafilatura failed: %s", url, exc)
        return ""
    return _clean_body(clean_display(getattr(doc, "text", "") or ""), title)


def _paragraph_chars(tree: HtmlElement) -> int:
    """Characters of text in the page's <p> elements: a cheap measure of what the page holds."""
    return sum(len(" ".join("".join(p.itertext()).split())) for p in tree.iter("p"))


def _chars(text: str) -> int:
    return len(" ".join(text.split()))


def _unwrap_empty(tree: HtmlElement) -> None:
    """Drop the tags of empty elements followed by text, and of e-mail links, keeping the text.

    trafilatura's precision mode deletes empty elements together with their tail (prune_html in
    trafilatura/htmlprocessing.py, 2.0.0): `<p><span id="byLine"></span>Some traders found...</p>` lost the
    paragraph's first words (goose3's CNBC page). Without the empty tag the words are the parent's text.
    """
    empty = [el for el in tree.iter(*CUT_EMPTY_ELEMS)
             if el.tail and el.tail.strip() and len(el) == 0 and not (el.text or "").strip()]
    for el in empty:
        el.drop_tag()
    # An e-mail address is text the article gives (a contact, a mailbox for testimonies), not navigation:
    # as a link it made its paragraph all link, which precision mode's link-density test deletes.
    for link in tree.xpath("//a[starts-with(@href, 'mailto:')]"):
        link.drop_tag()


def _open_article_headers(tree: HtmlElement) -> None:
    """A <header> that holds a paragraph of text becomes a <div>.

    Precision mode deletes every <header> (PRECISION_DISCARD_XPATH in trafilatura/xpaths.py, 2.0.0), and an
    article's own header carries its standfirst (MDR's `<header class="articlehead"><p class="preface">`),
    which fundus counts as the article's first paragraph. A site header holds links, not paragraphs.
    """
    for header in tree.iter("header"):
        if any(len(" ".join("".join(p.itertext()).split())) >= _STANDFIRST_CHARS for p in header.iter("p")):
            header.tag = "div"


def _layout_cells(body: str) -> bool:
    """True when many of the body's lines are empty table cells ("|"): the precise pass read a page laid out
    in a table as its frame (menus, separators, the copyright line) rather than its article."""
    lines = body.split("\n")
    cells = sum(1 for line in lines if not _WORD_CHAR.search(line))
    return cells >= _MIN_LAYOUT_CELLS and cells >= _LAYOUT_SHARE * len(lines)


def _share_within(text: str, other: str) -> float:
    """The share of `text`'s words (counted with repeats) that `other` also holds: 1.0 for an empty `text`."""
    mine, theirs = Counter(_WORDS.findall(text.lower())), Counter(_WORDS.findall(other.lower()))
    total = sum(mine.values())
    return sum((mine & theirs).values()) / total if total else 1.0


def _dropped_list(tree: HtmlElement, body: str) -> bool:
    """True when a list that follows one of the body's paragraphs is missing from the body, long items and all.

    Such a list is the article's own (the agenda of a meeting, the steps of a procedure: DANIEL's iatronet.gr
    pages), which trafilatura's main extractor can miss in broken markup while readability keeps it.
    """
    flat = " ".join(body.split())
    for lst in tree.iter("ul", "ol"):
        before = lst.getprevious()
        if before is None or before.tag != "p":
            continue
        lead = _flat_text(before)
        if len(lead) < _MIN_LEAD_CHARS or lead not in flat:
            continue
        items = [text for text in map(_flat_text, lst.iter("li")) if len(text) >= _LONG_ITEM_CHARS]
        if len(items) >= 2 and not any(text in flat for text in items):
            return True
    return False


def _flat_text(el: HtmlElement) -> str:
    return " ".join("".join(el.itertext()).split())


def _main_text(tree: HtmlElement, url: str, title: str) -> str:
    """The precise pass, or the fallback pass when the precise body is short for what the page holds, is a
    table layout's frame or lacks a list of the article."""
    _unwrap_empty(tree)
    _open_article_headers(tree)
    body = _trafilatura_body(tree, url, title, _TRAFILATURA_OPTIONS)
    size = _chars(body)
    layout = _layout_cells(body)
    if (not layout and size >= _MIN_BODY_CHARS and size >= _MIN_PARAGRAPH_SHARE * _paragraph_chars(tree)
            and not _dropped_list(tree, body)):
        return body
    fallback = _trafilatura_body(tree, url, title, _FALLBACK_OPTIONS)
    found = _chars(fallback)
    if layout and found and _share_within(body, fallback) < _LAYOUT_SHARED:
        # The two passes read different parts of the page, and the precise one read the frame.
        log.debug("%s: precise pass read the layout; the fallback %d characters", url, found)
        return fallback
    if found - size < (1 if size == 0 else _MIN_GAIN_CHARS):
        return body
    if size < _NEARLY_EMPTY_CHARS or found >= _FALLBACK_GAIN * size:
        log.debug("%s: precise pass gave %d characters, the fallback %d", url, size, found)
        return fallback
    return body


class _Heuristics:
    """Guesses from the markup for a field the page does not declare, each computed only when asked.

    Most news pages declare title, date and author (JSON-LD, OpenGraph); trafilatura's full metadata
    pass guessed all of them anyway and was a third of the extraction time.
    """

    def __init__(self, tree: HtmlElement, url: str) -> None:
        self._tree, self._url = tree, url

    def title(self) -> str | None:
        return extract_title(self._tree)

    def author(self) -> str | None:
        """The first short byline-like text (rel/itemprop/class author or byline)."""
        for el in self._tree.xpath(_BYLINE_XPATH):
            text = el.get("content") or _text(el)
            if text and len(text) <= 60:
                return text
        return None

    def date(self) -> str | None:
        try:
            # htmldate's extensive search runs dateparser with every locale: seconds per page.
            return find_date(self._tree, url=self._url, **set_date_params(extensive=False))
        except (ValueError, TypeError, lxml.etree.LxmlError) as exc:  # htmldate's own bugs on odd trees
            log.warning("%s: date heuristics failed: %s", self._url, exc)
            return None

    def categories(self) -> list[str]:
        return extract_catstags("category", self._tree)


def _finish(article: Article) -> Article:
    """Word count and content hash, computed the same way for HTML and plain text."""
    article.word_count = len(tokens(article.body))
    article.content_hash = hashlib.sha1(normalize(article.body).encode("utf-8")).hexdigest()
    return article


# --------------------------------------------------------------------------------------------- public API


def extract(
    html: str | bytes,
    url: str,
    *,
    selectors: Selectors | None = None,
    content_type: str | None = None,
    tz: str = "UTC",
) -> Article:
    """Extract one article from an HTML page.

    Args:
        html: the page, as text or as the raw response bytes (decoded with crawler.text.encoding).
        url: the URL the page was fetched from (a file:// URI for stored pages).
        selectors: per-outlet CSS overrides (crawler.sources.base.Selectors).
        content_type: the HTTP Content-Type header, used to decode bytes.
        tz: time zone for dates the page prints without an offset.
    Returns:
        The Article with extraction fields set (crawl fields stay None).
    Raises:
        ExtractionError: empty, binary or unparseable input, or no article text found.
    """
    sel = selectors or Selectors()
    if isinstance(html, bytes):
        html, encoding = decode_html(html, content_type)
        log.debug("%s: decoded as %s", url, encoding)
    tree = _parse(html, url)
    meta, ld = _meta(tree), _json_ld(tree)
    for selector in sel.remove:
        for el in _css(tree, selector):
            el.drop_tree()
    body_override = _paragraphs(_css(tree, sel.body))
    captions = _captions(tree)  # before trafilatura, which may prune the tree it is given
    canonical = _canonical(tree, meta, ld, url)
    guess = _Heuristics(tree, url)
    title = _title(tree, sel, meta, ld, guess)
    body = body_override or _main_text(tree, url, title)
    if len(tokens(body)) < _MIN_WORDS:
        raise ExtractionError(url, "no article text found")
    site = meta.get("og:site_name") or _ld_text(ld.get("publisher")) or None
    article = Article(
        url=url,
        canonical_url=canonical,
        title=title,
        lead=_lead(tree, sel, meta, ld, title),
        body=body,
        authors=_authors(tree, sel, meta, ld, guess, site),
        published_at=_published(tree, sel, meta, ld, tz, guess, url),
        modified_at=_modified(tree, meta, ld, tz),
        language=_language(body, tree, meta, ld),
        section=_section(tree, sel, meta, ld, guess),
        # A page read from a file resolves its relative image links against its canonical address.
        images=_images(tree, meta, ld, canonical if url.startswith("file:") and canonical else url),
        image_captions=captions,
    )
    return _finish(article)


def article_from_text(text: str, url: str) -> Article:
    """An Article whose body is a plain text (a .txt input: no title, no metadata)."""
    body = clean_display(text)
    if not body:
        raise ExtractionError(url, "empty text")
    language = "ar" if arabic_ratio(body) >= _MIN_ARABIC_RATIO else None
    return _finish(Article(url=url, canonical_url=url, body=body, language=language))


def fetch(
    url: str, *, timeout: float = 30.0, max_bytes: int = MAX_FETCH_BYTES, user_agent: str = "RasadBot/0.1",
    allow_private: bool = False, total_timeout: float | None = None,
) -> tuple[bytes, str | None]:
    """(body, Content-Type) of a URL named by the user, through the crawl's address rules (crawler.fetch)."""
    from crawler.fetch import FetchError, guarded_get

    try:
        got = guarded_get(url, allow_private=allow_private, timeout=timeout, total_timeout=total_timeout,
                          max_bytes=max_bytes, user_agent=user_agent)
    except FetchError as exc:
        raise ExtractionError(url, exc.reason) from None
    return got.body, got.content_type


def extract_path(path_or_url: str, **fetch_options: Any) -> Article:
    """Extract a local file (HTML, or plain text when it ends in .txt) or an http(s) URL.

    Raises:
        ExtractionError: unreadable file, failed fetch or extraction failure (names the input).
    """
    if path_or_url.startswith(("http://", "https://")):
        body, content_type = fetch(path_or_url, **fetch_options)
        return extract(body, path_or_url, content_type=content_type)
    path = Path(path_or_url)
    uri = path.resolve().as_uri()
    max_bytes = fetch_options.get("max_bytes", MAX_FETCH_BYTES)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(max_bytes + 1)  # the same size limit as a fetched page
    except OSError as exc:
        raise ExtractionError(str(path), f"cannot read file: {exc.strerror or exc}") from exc
    if len(raw) > max_bytes:
        raise ExtractionError(str(path), f"file larger than {max_bytes} bytes (crawl.max_response_bytes)")
    if path.suffix.lower() == ".txt":
        return article_from_text(decode_html(raw)[0], uri)
    return extract(raw, uri)
