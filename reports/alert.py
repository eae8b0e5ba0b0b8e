"""The alert model: new copies, rewrites and conflicting figures that one run found, as one mail shows them.

Pure, like reports/digest.py, whose article entries (ArticleEntry) it reuses so that an article
looks the same in an alert and in a digest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reports.digest import RELATION_LABELS, RELATION_RANK, ArticleEntry, build_digest

KIND_LABELS = {"copy": RELATION_LABELS["copy"], "rewrite": RELATION_LABELS["rewrite"], "conflict": "أرقام متعارضة مع المرجع"}
# Who found the articles: the run kind (jobs.runs) in the alert's words.
FINDER_LABELS = {"crawl": "الزحف", "backfill": "البحث في أرشيفات الويب"}
OTHER_FINDER = "رصد"


def alert_id_for(run_id: str) -> str:
    """Deterministic id of a run's alert: a run sends at most one."""
    return hashlib.sha1(f"alert|{run_id}".encode()).hexdigest()[:12]


def kinds_of(entry: ArticleEntry) -> list[str]:
    """Why an article is alerted: its relation (copy, rewrite) and/or conflicting figures."""
    kinds = [entry.relation] if entry.relation in ("copy", "rewrite") else []
    return kinds + (["conflict"] if entry.facts_conflicting else [])


@dataclass(frozen=True)
class Alert:
    """One alert mail: the articles it lists (at most max_articles) and the counts of all it reports."""

    alert_id: str
    topic: str
    found_at: datetime
    finder: str  # the run kind: crawl or backfill
    entries: list[ArticleEntry]  # listed, copies first
    counts: dict[str, int]  # per alerted kind (of alerts.on), over every reported article
    article_ids: list[str]  # every reported article (listed or not)
    max_articles: int

    @property
    def finder_label(self) -> str:
        return FINDER_LABELS.get(self.finder, OTHER_FINDER)

    @property
    def found_label(self) -> str:
        return self.found_at.strftime("%Y-%m-%d %H:%M")

    @property
    def omitted(self) -> int:
        return len(self.article_ids) - len(self.entries)

    @property
    def count_rows(self) -> list[tuple[str, str, int]]:
        """(kind, Arabic label, count) for the summary."""
        return [(k, KIND_LABELS[k], n) for k, n in self.counts.items()]

    @property
    def message_key(self) -> str:
        """Message-ID and MIME boundaries: the same alert gives the same message."""
        return f"alert-{self.alert_id}"

    @property
    def subject(self) -> str:
        counts = "، ".join(f"{KIND_LABELS[k]} {n}" for k, n in self.counts.items() if n)
        return f"رصد — تنبيه: {len(self.article_ids)} مقالات جديدة ({counts}) — {self.topic}"


def build_alert(
    articles: Iterable[Mapping[str, Any]],
    *,
    alert_id: str,
    topic: str,
    found_at: datetime,
    finder: str,
    kinds: Iterable[str],
    max_articles: int,
) -> Alert:
    """The alert of stored article documents (each with its "id"), as Store.alert_candidates returns them.

    Args:
        kinds: the kinds alerted (alerts.on): counted in this order.
        max_articles: list at most this many (copies first, then rewrites, then by date); all are counted.
    """
    digest = build_digest(articles, topic=topic, period_start=found_at, period_end=found_at, kibana_url=None)
    entries = sorted((a for s in digest.stories for a in s.articles),
                     key=lambda a: (RELATION_RANK.get(a.relation, len(RELATION_RANK)), a.published_at is None,
                                    a.published_at.isoformat() if a.published_at else "", a.id))
    on = list(kinds)
    counts = {k: sum(1 for e in entries if k in kinds_of(e)) for k in on}
    return Alert(alert_id=alert_id, topic=topic, found_at=found_at, finder=finder, entries=entries[:max_articles],
                 counts=counts, article_ids=sorted(e.id for e in entries), max_articles=max_articles)
