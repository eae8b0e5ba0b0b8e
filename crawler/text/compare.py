"""Compare an article with a topic's reference article: similarity, relation class, facts, novelty.

Lexical evidence, computed from the reference at run time against a background corpus:
- word 5-shingles over normalised tokens: Jaccard, and containment without the stock phrases of
  the background corpus (copies and wire rewrites share the reference's own wording);
- cosine over light stems weighted by background IDF (formulae of official discourse weigh little);
- aboutness (crawler.text.aboutness): how much of the article reports the event, for related/mention;
- per sentence, TF-IDF cosine with the reference's sentences (IDF fitted on both) for novelty.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from crawler.config import CompareConfig, TopicConfig
from crawler.text.aboutness import NOT_ABOUT, Aboutness, aboutness, names_event, why_not_about
from crawler.text.arabic import normalize, split_sentences, stems, tokens
from crawler.text.background import Background, load_background
from crawler.text.facts import Fact, compare_facts, extract_facts

log = logging.getLogger(__name__)

SHINGLE = 5
# A sentence this close to some reference sentence is not news of its own.
NOVEL_MAX_SIMILARITY = 0.5
# A full copy inside page boilerplate (menus, "read also" links) keeps nearly all its shingles in the
# reference even when the extra text pulls the Jaccard down.
COPY_CONTAINMENT = 0.9


def shingles(text: str, size: int = SHINGLE) -> set[str]:
    """Word n-shingles of normalised tokens (stopwords kept: they carry the wording)."""
    toks = tokens(text)
    if len(toks) < size:
        return {" ".join(toks)} if toks else set()
    return {" ".join(toks[i : i + size]) for i in range(len(toks) - size + 1)}


def _pretokenised(doc: list[str]) -> list[str]:
    return doc


def stem_vector(text: str, background: Background) -> dict[str, float]:
    """Sublinear TF times background IDF over the text's stems: stock vocabulary weighs little."""
    counts = Counter(stems(text))
    return {k: (1 + math.log(v)) * background.idf(k) for k, v in counts.items()}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    dot = sum(v * b.get(k, 0.0) for k, v in a.items())
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


def article_text(lead: str, body: str) -> str:
    """Lead and body as one text, without the lead when the body already holds it.

    A page's lead is often its description meta: the body's opening cut short ("…مؤكدا أن الص").
    Kept, it would be compared twice and its cut end would read as a sentence of its own.
    """
    lead, body = (lead or "").strip(), (body or "").strip()
    if not lead or not body:
        return lead or body
    words = tokens(lead.rstrip(" .…"))
    if len(words) > 1:
        words = words[:-1]  # the last word may be cut
    if words and f" {' '.join(words)} " in f" {' '.join(tokens(body))} ":
        return body
    return f"{lead}\n{body}"


def _is_fragment(sentence: str) -> bool:
    """Cut text: ends in an ellipsis, or too short to say anything."""
    s = sentence.strip()
    return s.endswith(("…", "...")) or len(tokens(s)) < 4


def novel_sentences(sents: list[str], best: np.ndarray, limit: int) -> list[str]:
    """The article's sentences least like any reference sentence, least first: each once, no fragments
    (a sentence whose words, but perhaps a cut last one, stand inside a longer sentence of the
    article is a piece of it)."""
    keys = [" ".join(tokens(s)) for s in sents]
    padded = [f" {k} " for k in keys]
    # Without the last word, which a cut may have split ("مؤكدا أن الص").
    heads = [f" {k.rsplit(' ', 1)[0]} " for k in keys]
    out: list[str] = []
    seen: set[str] = set()
    for i in np.argsort(best, kind="stable"):
        if len(out) >= limit or best[i] >= NOVEL_MAX_SIMILARITY:
            break
        key = keys[i]
        if not key or key in seen or _is_fragment(sents[i]):
            continue
        if any(len(other) > len(padded[i]) and heads[i] in other for other in padded):
            continue
        seen.add(key)
        out.append(sents[i])
    return out


@dataclass
class Reference:
    """A topic's reference article with everything a comparison needs, computed once."""

    topic: str
    text: str
    keywords: list[str]
    sentences: list[str]
    sentence_stems: list[list[str]]  # TF-IDF input, computed once
    shingles: set[str]
    facts: list[Fact]
    event_year: int | None = None  # the year of the reference's event (topic.event_year)
    background: Background | None = None  # stock phrases and word weights (crawler.text.background)
    vector: dict[str, float] = field(default_factory=dict)  # background TF-IDF of the reference
    _specific: dict[int, set[str]] = field(default_factory=dict, repr=False, compare=False)

    def specific(self, min_documents: int) -> set[str]:
        """The reference's shingles that are not stock phrases of the background corpus (computed once
        per threshold: every article of a crawl asks)."""
        if min_documents not in self._specific:
            bg = self.background
            self._specific[min_documents] = {s for s in self.shingles if bg is None or not bg.is_stock(s, min_documents)}
        return self._specific[min_documents]

    @classmethod
    def from_text(
        cls, text: str, *, topic: str = "", keywords: list[str] | None = None, event_year: int | None = None
    ) -> Reference:
        """Build from plain text."""
        if not text.strip():
            raise ValueError(f"reference for topic {topic!r} is empty")
        sentences = split_sentences(text)
        background = load_background()
        return cls(
            topic=topic,
            text=text,
            keywords=[k for k in (normalize(k) for k in keywords or []) if k],
            sentences=sentences,
            sentence_stems=[stems(s) for s in sentences],
            shingles=shingles(text),
            facts=extract_facts(text, year=event_year),
            event_year=event_year,
            background=background,
            vector=stem_vector(text, background),
        )

    @classmethod
    def from_file(
        cls, path: str | Path, *, topic: str = "", keywords: list[str] | None = None, event_year: int | None = None
    ) -> Reference:
        """Build from a .txt file or an HTML page, read as `rasad extract` reads it (any page encoding)."""
        from crawler.text.extract import extract_path  # imported lazily: extraction pulls in the HTML stack

        path = Path(path)
        try:
            article = extract_path(str(path))
        except ValueError as exc:  # ExtractionError names the file
            raise ValueError(f"cannot read reference article: {exc}") from exc
        text = "\n".join(p for p in (article.lead, article.body) if p)
        return cls.from_text(text, topic=topic or path.stem, keywords=keywords, event_year=event_year)

    @classmethod
    def from_topic(cls, topic: TopicConfig, path: Path) -> Reference:
        """Build for a configured topic whose reference file is at `path` (resolved by Config.path)."""
        return cls.from_file(path, topic=topic.name, keywords=topic.keywords, event_year=topic.event_year)


@dataclass
class Comparison:
    """How an article relates to the reference; field names match the index and `rasad compare --json`."""

    topic: str
    similarity: float
    relation: str  # copy | rewrite | related | mention | unrelated
    facts_shared: list[str] = field(default_factory=list)
    facts_conflicting: list[str] = field(default_factory=list)
    facts_missing: list[str] = field(default_factory=list)
    facts_other_edition: list[str] = field(default_factory=list)
    novel_sentences: list[str] = field(default_factory=list)
    jaccard: float = 0.0
    containment: float = 0.0  # share of the article's own shingles found in the reference (stock phrases left out)
    coverage: float = 0.0  # share of the reference's shingles found in the article
    cosine: float = 0.0  # stems weighted by background IDF (crawler.text.background)
    keyword_hits: int = 0  # sentences (and title) about the event

    def to_dict(self) -> dict:
        return asdict(self)


def classify(
    *,
    jaccard: float,
    containment: float,
    coverage: float,
    cosine: float,
    specific_shared: int,
    about: Aboutness,
    thresholds: CompareConfig,
) -> str:
    """Relation class: copies and rewrites from lexical evidence, then what the article is about.

    A rewrite must share specific wording with the reference (`specific_shared` shingles that are
    not stock phrases of the background corpus), not only the formulae of official discourse.
    """
    if jaccard >= thresholds.copy_threshold or (
        containment >= COPY_CONTAINMENT and coverage >= thresholds.copy_threshold
    ):
        return "copy"
    if (
        about.event_sentences
        and specific_shared >= thresholds.rewrite_min_shared
        and (
            jaccard >= thresholds.rewrite_threshold
            or containment >= thresholds.rewrite_containment
            or cosine >= thresholds.rewrite_cosine
        )
    ):
        return "rewrite"
    if about.score >= thresholds.related_threshold:
        return "related"
    if about.names_event or about.event_sentences or about.title_hit:
        return "mention"
    return "unrelated"


def _sentence_scores(article_sents: list[str], reference: Reference) -> tuple[float, np.ndarray]:
    """Document cosine and, per article sentence, its best cosine with any reference sentence."""
    docs = reference.sentence_stems + [stems(s) for s in article_sents]
    vec = TfidfVectorizer(analyzer=_pretokenised, sublinear_tf=True)
    # Inputs are built here, never by a user: scikit-learn's argument checks would cost a third of
    # a comparison (one fit per article), so they are skipped.
    with sklearn.config_context(skip_parameter_validation=True, assume_finite=True):
        try:
            matrix = vec.fit_transform(docs)
        except ValueError:  # no word at all
            return 0.0, np.zeros(len(article_sents))
        n_ref = len(reference.sentences)
        ref_m, art_m = matrix[:n_ref], matrix[n_ref:]
        doc_cos = float(cosine_similarity(np.asarray(ref_m.sum(axis=0)), np.asarray(art_m.sum(axis=0)))[0, 0])
        best = cosine_similarity(art_m, ref_m).max(axis=1) if art_m.shape[0] else np.zeros(0)
    return doc_cos, np.asarray(best).ravel()


def _year_of(published_at: str | None) -> int | None:
    try:
        return int(published_at[:4]) if published_at else None
    except ValueError:
        return None


def other_edition(article_text: str, reference: Reference, relation: str, published_at: str | None) -> bool:
    """True for a report of another edition of the reference's event.

    That is: related coverage or a mention (a copy or rewrite is about the reference's own event),
    published in another year than the topic's event_year, that does not name that year as the
    event's (in a sentence naming the event: "في عام 2020" about trade figures does not count).
    """
    if reference.event_year is None or not published_at or relation not in ("related", "mention"):
        return False
    try:
        year = int(published_at[:4])
    except ValueError:
        return False
    if year == reference.event_year:
        return False
    event_year = str(reference.event_year)
    return not any(event_year in n and names_event(n) for n in map(normalize, split_sentences(article_text)))


@dataclass
class Screening:
    """The cheap half of a comparison: the evidence that decides whether an article is coverage at all.

    Shingle overlap and aboutness only: no TF-IDF fit, facts or novelty. `unrelated` is exactly
    compare()'s relation == "unrelated" (compare classifies from this same evidence; the cosine it adds
    only weighs in the rewrite test, which needs sentences about the event, and those alone make an
    article a mention), so a crawl can drop what the comparison would call unrelated before paying
    for the rest.
    """

    unrelated: bool
    why: str  # for an unrelated article, a key of crawler.text.aboutness.NOT_ABOUT; "" otherwise
    about: Aboutness
    jaccard: float = 0.0
    containment: float = 0.0
    coverage: float = 0.0
    specific_shared: int = 0

    @property
    def reason(self) -> str:
        """An unrelated article's reason in words: what it lacks, and how little wording it shares."""
        return f"{NOT_ABOUT[self.why]}; shares {self.jaccard:.1%} of the reference's wording" if self.unrelated else ""


def screen(article_text: str, reference: Reference, thresholds: CompareConfig, *, title: str = "") -> Screening:
    """Whether compare() would call the article unrelated, and why, from its cheap evidence only."""
    art_sh = shingles(article_text)
    inter = len(art_sh & reference.shingles)
    union = len(art_sh | reference.shingles) or 1
    jaccard = inter / union
    coverage = inter / len(reference.shingles) if reference.shingles else 0.0
    # Containment and cosine leave out what all coverage of the event shares (stock phrases).
    specific = reference.specific(thresholds.stock_min_documents)
    own = {s for s in art_sh if s in specific or s not in reference.shingles}
    specific_shared = len(art_sh & specific)
    containment = specific_shared / len(own) if own else 0.0
    about = aboutness(article_text, title, extra_names=reference.keywords, lead_min_share=thresholds.lead_min_share)
    relation = classify(jaccard=jaccard, containment=containment, coverage=coverage, cosine=0.0,
                        specific_shared=specific_shared, about=about, thresholds=thresholds)
    unrelated = relation == "unrelated"
    why = why_not_about(article_text, title) if unrelated else ""
    return Screening(unrelated, why, about, jaccard, containment, coverage, specific_shared)


def judge(
    article_text: str,
    reference: Reference,
    thresholds: CompareConfig,
    *,
    title: str = "",
    published_at: str | None = None,
) -> tuple[Screening, Comparison | None]:
    """What a crawl keeps: the screening, and compare() of an article it does not call unrelated (None
    for one it does). One rule for the crawl, the backfill and `rasad compare`: coverage is what
    compare() calls copy, rewrite, related or mention."""
    screening = screen(article_text, reference, thresholds, title=title)
    if screening.unrelated:
        return screening, None
    return screening, compare(article_text, reference, thresholds, title=title, published_at=published_at,
                              screening=screening)


def compare(
    article_text: str,
    reference: Reference,
    thresholds: CompareConfig,
    *,
    title: str = "",
    published_at: str | None = None,
    screening: Screening | None = None,
) -> Comparison:
    """Compare one article (plain text, optionally its title) with the reference.

    Args:
        article_text: the article's lead and body as plain text.
        reference: the topic's prepared reference.
        thresholds: the [compare] section of the configuration.
        title: the headline, where a keyword hit weighs more than in the body.
        published_at: the article's publication date (ISO), when known: with the topic's event_year
            it tells a report of another edition, whose different figures are not conflicts.
        screening: screen() of this same article, title and reference when already computed (judge()).
    Returns:
        the Comparison; `similarity` is the stronger of shingle Jaccard and TF-IDF cosine.
    """
    ev = screening or screen(article_text, reference, thresholds, title=title)
    about = ev.about
    jaccard, containment, coverage = ev.jaccard, ev.containment, ev.coverage
    if reference.background is not None:
        cosine = _cosine(stem_vector(article_text, reference.background), reference.vector)
    sents = split_sentences(article_text)
    sentence_cosine, best = _sentence_scores(sents, reference)
    if reference.background is None:
        cosine = sentence_cosine

    relation = classify(
        jaccard=jaccard,
        containment=containment,
        coverage=coverage,
        cosine=cosine,
        specific_shared=ev.specific_shared,
        about=about,
        thresholds=thresholds,
    )
    hits = about.event_sentences + int(about.title_hit)
    full = f"{title}\n{article_text}"
    facts = compare_facts(
        reference.facts,
        full,
        other_edition=other_edition(full, reference, relation, published_at),
        year=_year_of(published_at),
    )
    novel = novel_sentences(sents, best, thresholds.novel_sentences)
    return Comparison(
        topic=reference.topic,
        similarity=round(max(jaccard, cosine), 4),
        relation=relation,
        facts_shared=facts.shared,
        facts_conflicting=facts.conflicting,
        facts_missing=facts.missing,
        facts_other_edition=facts.other_edition,
        novel_sentences=novel,
        jaccard=round(jaccard, 4),
        containment=round(containment, 4),
        coverage=round(coverage, 4),
        cosine=round(cosine, 4),
        keyword_hits=hits,
    )
