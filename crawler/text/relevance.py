"""Is an article about the topic? Weighted matches of the topic's names on normalised Arabic text.

Spelling variants seen in real coverage (shared/OUTLETS.md) are built in as patterns; the topic's
configured keywords are added as plain phrases. A title match weighs more than a body match, and the
generic word "الإنترنت" alone never counts: only names of the event, its town and its slogan do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from crawler.config import TopicConfig
from crawler.items import Article
from crawler.text.arabic import normalize, stems

# Proclitics (و، ف، ب، ل، ك، ال) may be attached in front of a name: "بووتشن", "وقمة".
# Lazy, so that the و of "ووتشن" is read as part of the name, not as "and".
_PREFIX = r"(?<![^\W\d_])[وف]??(?:لل|[بلك]??(?:ال)??)"
_END = r"(?![^\W\d_])"
# Patterns are written in normalised spelling (crawler.text.arabic.normalize): ؤ->و, ة->ه, ى->ي, إ->ا.
_NET = r"ا?نترني?ت"  # انترنت, انترنيت (أنترنت folds to انترنت)


@dataclass(frozen=True)
class Term:
    """One name of the topic: a display label, a regex on normalised text, and its weights."""

    label: str
    pattern: re.Pattern[str]
    title_weight: float
    body_weight: float


def _term(label: str, regex: str, title_weight: float, body_weight: float) -> Term:
    return Term(label, re.compile(f"{_PREFIX}(?P<name>{regex}){_END}"), title_weight, body_weight)


# Weights: the event's name settles it; the town is nearly always the conference; the slogan and
# Xi Jinping also appear in unrelated Chinese diplomacy coverage, so they only support.
BUILTIN_TERMS: tuple[Term, ...] = (
    _term(
        "المؤتمر العالمي للإنترنت",
        # An ordinal may sit inside the name: المؤتمر العالمي الثاني للإنترنت.
        # ندوة/منتدى/قمة for مؤتمر, "حول الأنترنت", "مؤتمر الصين العالمي الثاني للإنترنت".
        rf"(?:(?:موتمر|ندوه|منتدي)(?: الصين)? (?:ال)?(?:عالمي|دولي)ه?(?: \w+)? (?:لل|حول ال|عن ال){_NET}"
        rf"|(?:موتمر|قمه) (?:ال)?{_NET} (?:ال)?(?:عالمي|دولي)"
        r"|world internet conference)",
        0.75,
        0.4,
    ),
    _term("قمة ووتشن", r"قمه (?:وو ?تش[اي]?ن|وتشن|ووزن|ووجن)", 0.75, 0.4),
    # Transcriptions seen in real coverage: ووتشن وتشن ووتشان وو تشان ووتشين ووزن ووجن ووزيهون.
    _term("ووتشن", r"(?:وو ?تش[اي]?ن|وتشن|ووزن|ووجن|ووزيهون|wuzhen)", 0.6, 0.35),
    _term("نور الإنترنت", rf"نور (?:ال)?{_NET}", 0.5, 0.3),
    _term(
        "مجتمع ذي مصير مشترك في الفضاء الإلكتروني",
        r"مجتمع (?:ذي )?(?:ال)?(?:مصير|مستقبل) (?:ال)?مشترك (?:في ال|لل)فضاء (?:الالكتروني|السيبراني)",
        0.3,
        0.15,
    ),
    _term("شي جين بينغ", r"شي جين ?بين[غجg]", 0.1, 0.05),
)
# Extra mentions add confidence, but with diminishing returns.
_REPEAT_BONUS = 0.5
_MAX_COUNTED = 3
_REFERENCE_WEIGHT = 0.5
_REFERENCE_CAP = 0.25


@dataclass
class Relevance:
    """How relevant an article is to a topic (score 0..1) and why."""

    score: float
    reason: str
    matched: list[str] = field(default_factory=list)
    is_relevant: bool = False


def topic_terms(topic: TopicConfig) -> list[Term]:
    """The topic's configured keywords that no built-in pattern spells, then the built-in patterns.

    Configured phrases come first: they are usually more specific ("منتدى ووتشن للحوكمة الرقمية")
    and a matched span is not counted again by the shorter built-in name inside it.
    """
    custom: list[Term] = []
    for keyword in topic.keywords:
        norm = normalize(keyword)
        if not norm or any(t.pattern.fullmatch(norm) for t in BUILTIN_TERMS):
            continue
        custom.append(_term(keyword, r"\s+".join(re.escape(w) for w in norm.split()), 0.6, 0.3))
    return custom + list(BUILTIN_TERMS)


def _contribution(term: Term, in_title: int, in_body: int) -> float:
    title = term.title_weight if in_title else 0.0
    extra = min(in_body, _MAX_COUNTED) - 1
    body = term.body_weight * (1 + _REPEAT_BONUS * extra) if in_body else 0.0
    return 1 - (1 - title) * (1 - min(body, 0.95))


@lru_cache(maxsize=8)
def _reference_stems(reference_text: str) -> frozenset[str]:
    """Distinct content stems of a reference (cached: the same reference scores every article)."""
    return frozenset(s for s in stems(reference_text) if len(s) > 2)


def _reference_overlap(text: str, reference_text: str) -> float:
    """Share of the reference's distinct content stems that the article uses."""
    ref = _reference_stems(reference_text)
    if not ref:
        return 0.0
    return len(ref & set(stems(text))) / len(ref)


def _times(n: int) -> str:
    return "once" if n == 1 else "twice" if n == 2 else f"{n} times"


def score_relevance(article: Article, topic: TopicConfig, reference_text: str | None = None) -> Relevance:
    """Score an article against a topic.

    Args:
        article: the extracted article (title, lead and body are used).
        topic: the topic configuration (keywords, min_relevance).
        reference_text: the topic's reference article; vocabulary shared with it adds a little support.
    Returns:
        Relevance with score in 0..1, a short reason, the matched spellings (normalised) and
        ``is_relevant`` (score >= topic.min_relevance).
    """
    title = normalize(article.title)
    body = normalize("\n".join(p for p in (article.lead, article.body) if p))
    miss = 1.0
    matched: list[str] = []
    title_reasons: list[str] = []
    reasons: list[str] = []
    for term in topic_terms(topic):
        # Terms go from most to least specific; a matched span is blanked so that "قمة ووتشن"
        # is not counted again as the town.
        title_hits = [m["name"] for m in term.pattern.finditer(title)]
        body_hits = [m["name"] for m in term.pattern.finditer(body)]
        if not title_hits and not body_hits:
            continue
        if title_hits:
            title = term.pattern.sub(" ", title)
        if body_hits:
            body = term.pattern.sub(" ", body)
        miss *= 1 - _contribution(term, len(title_hits), len(body_hits))
        matched.extend(h for h in dict.fromkeys(title_hits + body_hits) if h not in matched)
        if title_hits:
            title_reasons.append(f"title names {term.label}")
        if body_hits:
            reasons.append(f"body names {term.label} {_times(len(body_hits))}")
    if reference_text and (article.body or article.title):
        overlap = _reference_overlap(f"{article.title}\n{article.body}", reference_text)
        miss *= 1 - min(_REFERENCE_CAP, overlap * _REFERENCE_WEIGHT)
        reasons.append(f"shares {overlap:.0%} of the reference's vocabulary")
    score = round(1 - miss, 3)
    reasons = title_reasons + reasons if matched else ["no name of the topic found", *reasons]
    reason = "; ".join(reasons)
    return Relevance(score=score, reason=reason, matched=matched, is_relevant=score >= topic.min_relevance)
