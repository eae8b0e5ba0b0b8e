"""The digest model: what a period's coverage looks like, built from stored article documents.

Pure: no I/O, no clock. The same articles and period always give the same Digest (and digest_id).
"""

from __future__ import annotations

import hashlib
import re
import shlex
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote

from crawler.text.arabic import clean_display

RELATIONS = ("copy", "rewrite", "related", "mention")
RELATION_RANK = {name: i for i, name in enumerate(RELATIONS)}
RELATION_LABELS = {
    "copy": "نسخ حرفي للمقال المرجعي",
    "rewrite": "إعادة صياغة",
    "related": "تغطية ذات صلة",
    "mention": "إشارة عابرة",
}
NOVEL_SHOWN = 3
DATA_VIEW = "rasad-articles"  # the data view id for index prefix "rasad"; `<prefix>-articles` for others
# Titles come from crawled pages: one line, at most this many characters.
TITLE_MAX = 300
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
# Beyond this span the timeline shows only the days that have articles, not every calendar day.
MAX_FILLED_DAYS = 62


@dataclass(frozen=True)
class ArticleEntry:
    """One article as the digest shows it."""

    id: str
    outlet: str
    url: str
    title: str
    published_at: datetime | None
    relation: str
    similarity: float | None
    facts_shared: list[str] = field(default_factory=list)
    facts_conflicting: list[str] = field(default_factory=list)
    facts_other_edition: list[str] = field(default_factory=list)  # another year's figures, not conflicts
    novel_sentences: list[str] = field(default_factory=list)
    outlet_declared: bool = True  # False: a host in no catalogue entry, named by its registered domain

    @property
    def relation_label(self) -> str:
        return RELATION_LABELS.get(self.relation, self.relation)

    @property
    def date_label(self) -> str:
        return self.published_at.strftime("%Y-%m-%d %H:%M") if self.published_at else "—"

    @property
    def similarity_pct(self) -> str:
        return f"{round(self.similarity * 100)}%" if self.similarity is not None else "—"


@dataclass(frozen=True)
class Story:
    """Articles of one story cluster, copies of the reference first, then by date."""

    story_id: str
    articles: list[ArticleEntry]

    @property
    def outlets(self) -> list[str]:
        return sorted({a.outlet for a in self.articles})

    @property
    def first(self) -> ArticleEntry:
        """The earliest article (undated ones count as latest)."""
        return min(self.articles, key=lambda a: (a.published_at is None, a.published_at or _EPOCH, a.id))

    @property
    def title(self) -> str:
        return self.first.title


@dataclass(frozen=True)
class Counts:
    """Headline numbers of the period."""

    articles: int = 0
    outlets: int = 0
    stories: int = 0
    copy: int = 0
    rewrite: int = 0
    related: int = 0
    mention: int = 0
    conflicting: int = 0


@dataclass(frozen=True)
class Digest:
    """A period's coverage of one topic."""

    topic: str
    period_start: datetime
    period_end: datetime
    counts: Counts
    stories: list[Story]
    outlets: list[tuple[str, int]]
    days: list[tuple[date, int]]
    links: dict[str, str]
    article_ids: list[str]
    omitted: int = 0  # articles counted but not listed (digest.max_articles)
    # What each discovery route found in the period's crawls and backfills (crawler.found rows).
    routes: tuple[dict[str, Any], ...] = ()
    search_query: str = ""  # the words of the `rasad search` hint shown when there is no Kibana to link to
    # Outlets (as shown) that are in no catalogue entry: the templates mark them (outlet.*.j2).
    undeclared: frozenset[str] = frozenset()

    @property
    def has_kibana(self) -> bool:
        """True when the digest links to Kibana (a Kibana URL was configured and answered)."""
        return bool(self.links)

    def search_command(self, relation: str | None = None) -> str:
        """The terminal command that lists these articles without Kibana (`rasad search ...`)."""
        command = f"rasad search {shlex.quote(self.search_query or self.topic)}"
        return f"{command} --relation {relation}" if relation else command
    # Routes switched off in the configuration (google-news unless crawl.google_news): never "dry".
    off_routes: frozenset[str] = frozenset()

    @property
    def route_rows(self) -> list[tuple[str, dict[str, Any]]]:
        """(Arabic route name, counts + state) for the footer: state "off" for a route switched off, "dry"
        for one that was on and found nothing, "" otherwise."""
        rows = []
        for r in self.routes:
            state = "off" if r["route"] in self.off_routes and not r.get("discovered") else (
                "" if r.get("discovered") else "dry")
            rows.append((ROUTE_LABELS.get(r["route"], OTHER_ROUTE), {**r, "state": state}))
        return rows

    @property
    def digest_id(self) -> str:
        return digest_id_for(self.topic, self.period_start, self.period_end)

    @property
    def is_empty(self) -> bool:
        return not self.article_ids

    @property
    def chart_cid(self) -> str:
        """Content-ID of the timeline image (stable, so the message is reproducible)."""
        return f"timeline-{self.digest_id}@rasad"

    @property
    def period_label(self) -> str:
        return f"{_fmt_utc(self.period_start)} — {_fmt_utc(self.period_end)}"

    @property
    def relation_rows(self) -> list[tuple[str, str, int, str]]:
        """(relation, Arabic label, count, Kibana link or "" without Kibana) for the summary table."""
        return [(r, RELATION_LABELS[r], getattr(self.counts, r), self.links.get(r, "")) for r in RELATIONS]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Discovery routes as the footer names them (crawler.spiders discovered_via values).
ROUTE_LABELS = {
    "feed": "الخلاصات", "sitemap": "خرائط المواقع", "search": "البحث في المواقع", "list": "صفحات الأقسام",
    "google-news": "أخبار غوغل", "gdelt": "قاعدة غدلت", "archive:ia": "أرشيف الإنترنت (آلة الزمن)",
    "archive:cc": "أرشيف الزحف المشترك", "archive:warc": "ملفات أرشيف محلية",
    "archive:ccnews": "أرشيف أخبار الزحف المشترك", "archive:ccindex": "الفهرس العمودي للزحف المشترك",
}
OTHER_ROUTE = "طريق آخر"


def digest_id_for(topic: str, period_start: datetime, period_end: datetime) -> str:
    """Deterministic id of a topic's digest for one period (re-running the period reproduces it)."""
    key = f"{topic}|{_utc(period_start).isoformat()}|{_utc(period_end).isoformat()}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


def parse_time(value: str | None) -> datetime | None:
    """An ISO 8601 string as an aware UTC datetime (naive values are taken as UTC); None if unparsable."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return _utc(parsed)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _fmt_utc(value: datetime) -> str:
    return _utc(value).strftime("%Y-%m-%d %H:%M")


def one_line(text: str, limit: int = TITLE_MAX) -> str:
    """Page text shown as one line: control characters (CR/LF too) collapsed to a space, length capped."""
    text = " ".join(_CONTROL.sub(" ", clean_display(text)).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def safe_link(url: str) -> str:
    """The URL when it is an http(s) link, else "" (a javascript: or data: URL is never rendered as a link)."""
    url = (url or "").strip()
    return url if re.match(r"https?://[^\s]", url, re.IGNORECASE) and not _CONTROL.search(url) else ""


def _entry(doc: Mapping[str, Any]) -> ArticleEntry:
    outlet = doc.get("source_name") or doc.get("domain") or doc.get("source") or "?"
    relation = doc.get("relation") or "mention"
    similarity = doc.get("similarity")
    return ArticleEntry(
        id=str(doc["id"]),
        outlet=one_line(str(outlet), 100),
        url=safe_link(doc.get("url") or doc.get("canonical_url") or ""),
        title=one_line(doc.get("title") or "") or "(بدون عنوان)",
        published_at=parse_time(doc.get("published_at")) or parse_time(doc.get("indexed_at")),
        relation=relation,
        similarity=float(similarity) if similarity is not None else None,
        facts_shared=list(doc.get("facts_shared") or []),
        facts_conflicting=list(doc.get("facts_conflicting") or []),
        facts_other_edition=list(doc.get("facts_other_edition") or []),
        novel_sentences=[clean_display(s) for s in (doc.get("novel_sentences") or [])[:NOVEL_SHOWN]],
        # Articles stored before outlets were marked carry no flag: they came from declared outlets or hosts.
        outlet_declared=doc.get("outlet_declared") is not False,
    )


def _article_order(a: ArticleEntry) -> tuple[int, bool, datetime, str]:
    return (RELATION_RANK.get(a.relation, len(RELATIONS)), a.published_at is None, a.published_at or _EPOCH, a.id)


def group_stories(entries: Iterable[ArticleEntry], story_of: Mapping[str, str]) -> list[Story]:
    """Stories by story_id (an article without one is its own story), biggest and earliest first."""
    groups: dict[str, list[ArticleEntry]] = {}
    for e in entries:
        groups.setdefault(story_of.get(e.id) or f"article-{e.id}", []).append(e)
    stories = [Story(sid, sorted(arts, key=_article_order)) for sid, arts in groups.items()]

    def order(s: Story) -> tuple[int, int, bool, datetime, str]:
        best = min(RELATION_RANK.get(a.relation, len(RELATIONS)) for a in s.articles)
        first = s.first.published_at
        return (-len(s.articles), best, first is None, first or _EPOCH, s.story_id)

    return sorted(stories, key=order)


def truncate_stories(stories: list[Story], limit: int | None) -> tuple[list[Story], int]:
    """The stories holding the first `limit` articles, and how many articles were left out."""
    total = sum(len(s.articles) for s in stories)
    if limit is None or total <= limit:
        return stories, 0
    kept: list[Story] = []
    room = limit
    for story in stories:
        if room <= 0:
            break
        kept.append(Story(story.story_id, story.articles[:room]))
        room -= len(kept[-1].articles)
    return kept, total - limit


def day_counts(entries: Iterable[ArticleEntry]) -> list[tuple[date, int]]:
    """Articles per UTC day, with empty days filled in when the span is short enough to chart."""
    counter = Counter(e.published_at.date() for e in entries if e.published_at)
    if not counter:
        return []
    first, last = min(counter), max(counter)
    span = (last - first).days + 1
    if span > MAX_FILLED_DAYS:
        return sorted(counter.items())
    return [(first + timedelta(days=i), counter.get(first + timedelta(days=i), 0)) for i in range(span)]


def rison_string(value: str) -> str:
    """A string in Rison (Kibana's URL state notation): single-quoted, ! and ' escaped with !."""
    return "'" + value.replace("!", "!!").replace("'", "!'") + "'"


def kibana_discover_url(
    kibana_url: str, *, topic: str, period_start: datetime, period_end: datetime, relation: str | None = None,
    data_view: str = DATA_VIEW,
) -> str:
    """A Discover link on the articles data view, filtered on the period (indexed_at) and relation.

    The data view's time field is published_at, and old articles can be indexed today, so the global
    time range is left wide and the period goes into the KQL query instead.
    """
    start, end = _utc(period_start).isoformat(), _utc(period_end).isoformat()
    kql = f'topic:"{topic}" and indexed_at >= "{start}" and indexed_at < "{end}"'
    if relation:
        kql += f" and relation:{relation}"
    g = f"(time:(from:{rison_string('now-15y')},to:{rison_string(end)}))"
    a = f"(index:{rison_string(data_view)},query:(language:kuery,query:{rison_string(kql)}))"
    safe = "(),:!'*"
    return f"{kibana_url.rstrip('/')}/app/discover#/?_g={quote(g, safe=safe)}&_a={quote(a, safe=safe)}"


def build_digest(
    articles: Iterable[Mapping[str, Any]],
    *,
    topic: str,
    period_start: datetime,
    period_end: datetime,
    kibana_url: str | None,
    max_articles: int | None = None,
    data_view: str = DATA_VIEW,
    routes: Iterable[Mapping[str, Any]] = (),
    search_query: str = "",
    off_routes: Iterable[str] = (),
) -> Digest:
    """The digest of a period from stored article documents (each with its "id").

    Args:
        articles: documents as returned by Store.search_articles.
        topic: topic name (goes into the id and the Kibana links).
        period_start, period_end: the period [start, end) the articles were selected for.
        kibana_url: base URL of Kibana for the Discover links; None or "" (no Kibana answering): no
            links, the digest shows the `rasad search` command instead.
        max_articles: list at most this many articles (all are counted and reported).
        data_view: the Kibana data view of the articles (`<index prefix>-articles`) for the links.
        routes: per-route rows (crawler.found) of the period's crawl and backfill runs, for the footer.
        search_query: the words of that command (the topic's first keyword).
        off_routes: routes switched off in the configuration: the footer says "off", not "found nothing".
    """
    docs = sorted(articles, key=lambda d: str(d["id"]))
    entries = [_entry(d) for d in docs]
    stories = group_stories(entries, {str(d["id"]): d.get("story_id") or "" for d in docs})
    relations = Counter(e.relation for e in entries)
    outlet_counts = Counter(e.outlet for e in entries)
    counts = Counts(
        articles=len(entries),
        outlets=len(outlet_counts),
        stories=len(stories),
        conflicting=sum(1 for e in entries if e.facts_conflicting),
        **{r: relations.get(r, 0) for r in RELATIONS},
    )
    link = {"topic": topic, "period_start": period_start, "period_end": period_end, "data_view": data_view}
    links: dict[str, str] = {}
    if kibana_url:
        links["all"] = kibana_discover_url(kibana_url, **link)
        links.update({r: kibana_discover_url(kibana_url, relation=r, **link) for r in RELATIONS})
    listed, omitted = truncate_stories(stories, max_articles)
    return Digest(
        topic=topic,
        period_start=_utc(period_start),
        period_end=_utc(period_end),
        counts=counts,
        stories=listed,
        outlets=sorted(outlet_counts.items(), key=lambda kv: (-kv[1], kv[0])),
        days=day_counts(entries),
        links=links,
        article_ids=[e.id for e in entries],
        omitted=omitted,
        routes=tuple(dict(r) for r in routes),
        search_query=search_query,
        off_routes=frozenset(off_routes),
        undeclared=frozenset(e.outlet for e in entries if not e.outlet_declared),
    )
