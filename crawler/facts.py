"""Checkable facts in Arabic news text: numbers with unit and context, names, quoted phrases.

Everything is derived from the texts at run time: the reference's facts are extracted with the
same rules as an article's, and names are found through general Arabic title and place words
(الرئيس, وزير, مدينة, مقاطعة, شركة ...), never through a list tied to one article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from crawler.arabic import STOPWORDS, normalize, normalize_digits, normalize_word, stems, strip_diacritics

FactKind = Literal["number", "name", "quote"]


def _words(text: str) -> set[str]:
    """A loosely written word list, in normalised form (matching is on normalised text)."""
    return {normalize(w) for w in text.split()}


def _numbers(text: str) -> dict[str, int]:
    """`word=value` pairs to a dict keyed by the normalised word."""
    return {normalize(k): int(v) for k, v in (pair.split("=") for pair in text.split())}


# Scale words multiply the value; singular, dual/accusative and plural spellings.
_SCALES = {
    **dict.fromkeys(_words("ألف آلاف ألفا"), 1e3),
    **dict.fromkeys(_words("مليون ملايين مليونا"), 1e6),
    **dict.fromkeys(_words("مليار مليارات مليارا بليون"), 1e9),
    **dict.fromkeys(_words("تريليون تريليونات تريليونا"), 1e12),
}
# Spelled-out numbers that news prose uses for small counts (clitics are stripped before lookup).
_NUMBER_WORDS = _numbers(
    """
    واحد=1 واحدة=1 أحد=1 إحدى=1 اثنان=2 اثنين=2 اثنتان=2 اثنتين=2 ثلاث=3 ثلاثة=3 أربع=4 أربعة=4
    خمس=5 خمسة=5 ست=6 ستة=6 سبع=7 سبعة=7 ثماني=8 ثمانية=8 ثمان=8 تسع=9 تسعة=9 عشر=10 عشرة=10
    عشرون=20 عشرين=20 ثلاثون=30 ثلاثين=30 أربعون=40 أربعين=40 خمسون=50 خمسين=50 ستون=60 ستين=60
    سبعون=70 سبعين=70 ثمانون=80 ثمانين=80 تسعون=90 تسعين=90
    مائة=100 مئة=100 مائتان=200 مائتين=200 مئتان=200 مئتين=200
    """
)
_TEEN_WORDS = _words("عشر عشرة")
_PERCENT_WORDS = _words("بالمائة بالمئة %")
_HUNDRED_NOUNS = _words("المائة المئة")
_MONTHS = _words(
    """
    يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر
    كانون شباط آذار نيسان أيار حزيران تموز آب أيلول تشرين
    """
)
# Words that carry no context of their own next to a figure (verbs of amount, approximators).
_FILLERS = _words(
    """
    عام لعام بلغ بلغت يبلغ تبلغ ليبلغ لتبلغ يمثل تمثل مثل نحو حوالي قرابة زهاء أكثر أقل ليصل لتصل
    وصل وصلت يصل تصل إلى ما وهو وهي أي سجل سجلت قدره بقيمة قيمته حيث مجموع إجمالي
    """
)
# Title, organisation and place words after which a proper name follows (general news vocabulary).
_NAME_TRIGGERS = _words(
    """
    الرئيس رئيس لرئيس والرئيس رئيسة وزير الوزير وزيرة لوزير ووزير السيد السيدة المتحدث المتحدثة
    مدينة بمدينة لمدينة ومدينة مقاطعة بمقاطعة لمقاطعة ومقاطعة ولاية بولاية منطقة بمنطقة بلدة ببلدة
    شركة لشركة وشركة بشركة مجموعة جامعة بجامعة مؤسس مدير مديرة نائب الأمين أمين الملك الأمير
    العاصمة بالعاصمة المستشار المستشارة السفير عمدة حاكم محافظ
    """
)
_QUOTE = re.compile(r'"([^"\n]{2,120})"')
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[\w%]+|[^\w\s]")
_PUNCT = re.compile(r"[^\w%]")
_WORD = re.compile(r"[\w%]+")
_CLAUSE_END = {".", ",", ";", ":", "?", "!", '"', "(", ")", "-", "|"}


@dataclass(frozen=True)
class Fact:
    """One checkable fact; `key` compares facts across texts, `text` is shown to people."""

    kind: FactKind
    value: str  # number as a canonical decimal string, or the normalised name/quote
    unit: str = ""  # canonical unit key (numbers only), e.g. "يوان" or "%"
    context: frozenset[str] = field(default_factory=frozenset)  # context stems (numbers only)
    text: str = ""  # the fact as found, e.g. "35.8 تريليون يوان"
    label: str = ""  # a few context words for display, e.g. "حجم الاقتصاد الرقمي"

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.value, self.unit)

    def render(self) -> str:
        """Short human string, e.g. "35.8 تريليون يوان (حجم الاقتصاد الرقمي)"."""
        return f"{self.text} ({self.label})" if self.label else self.text


@dataclass
class FactComparison:
    """Reference facts found in an article (shared), contradicted by it (conflicting) or absent (missing).

    ``other_edition`` holds the differing figures of a report about another edition of the event:
    the same context with another number, which is not a contradiction there.
    """

    shared: list[str] = field(default_factory=list)
    conflicting: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    other_edition: list[str] = field(default_factory=list)


@dataclass
class _Tok:
    word: str  # display form (diacritics stripped, digits ASCII)
    norm: str  # normalised form
    is_punct: bool = False


def _tokenise(text: str) -> list[_Tok]:
    """Words, numbers and clause punctuation, keeping display and normalised forms side by side."""
    display = strip_diacritics(normalize_digits(text))
    display = display.replace("«", '"').replace("»", '"').replace("“", '"').replace("”", '"')
    out: list[_Tok] = []
    for w in _TOKEN.findall(display):
        if _PUNCT.fullmatch(w):
            out.append(_Tok(w, normalize_word(w) or w, is_punct=True))
        else:
            out.append(_Tok(w, normalize_word(w)))
    return out


def _strip_prefix(norm: str) -> str:
    """Drop one clitic prefix (و ف ب ل ك, with or without ال) from a normalised word."""
    for p in ("وبال", "وال", "بال", "لل", "فال", "كال", "ال"):
        if norm.startswith(p) and len(norm) - len(p) >= 2:
            return norm[len(p) :]
    if norm[:1] in "وفبلك" and len(norm) > 3:
        return norm[1:]
    return norm


def _number_word(norm: str) -> int | None:
    """Value of a spelled-out number word (with an optional clitic or article), else None."""
    if norm in _NUMBER_WORDS:
        return _NUMBER_WORDS[norm]
    bare = _strip_prefix(norm)
    return _NUMBER_WORDS.get(bare)


def parse_number(text: str) -> float | None:
    """Parse digits in any script; ',' followed by three digits groups thousands, else marks decimals."""
    s = normalize_digits(text).strip()
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", s):
        s = s.replace(",", "")
    else:
        s = s.replace(",", ".")
    try:
        return float(s)
    except ValueError:
        return None


def _canonical(value: float) -> str:
    return f"{value:.6g}" if value < 1e15 else f"{value:.6e}"


def unit_key(word: str) -> str:
    """Canonical key of a unit word: percent forms to '%', plurals and clitics folded away."""
    norm = normalize_word(word)
    if norm in _PERCENT_WORDS or norm in _HUNDRED_NOUNS:
        return "%"
    bare = _strip_prefix(norm)
    for suffix in ("ات", "ون", "ين", "ا", "ه"):
        if bare.endswith(suffix) and len(bare) - len(suffix) >= 3:
            bare = bare[: -len(suffix)]
            break
    # Broken plurals and synonyms of time units that reporters swap freely.
    return {"سنو": "سنه", "سن": "سنه", "اعوام": "سنه", "عام": "سنه"}.get(bare, bare)


def _content_stems(toks: list[_Tok]) -> list[str]:
    words = [t.word for t in toks if not t.is_punct and not t.word[0].isdigit()]
    words = [w for w in words if normalize_word(w) not in _FILLERS]
    return stems(" ".join(words))


def _label(before: list[_Tok], after: list[_Tok]) -> str:
    """A few display words around a figure: what it measures."""

    def content(ts: list[_Tok]) -> list[str]:
        return [
            t.word
            for t in ts
            if not t.is_punct
            and t.norm not in STOPWORDS
            and t.norm not in _FILLERS
            and not t.word[0].isdigit()
        ]

    # "... 36.2 بالمائة من الناتج المحلي": what follows "من" is what is measured.
    if after and after[0].norm == "من":
        tail = content(after[1:5])
        if tail:
            return " ".join(tail[:3])
    head = content(before)[-4:]
    if len(head) >= 2:
        return " ".join(head)
    return " ".join((head + content(after))[:4])


def _clause(toks: list[_Tok], start: int, stop: int, step: int, limit: int) -> list[_Tok]:
    """Tokens from start towards stop (exclusive) until clause punctuation, at most `limit` words."""
    out: list[_Tok] = []
    i = start
    while i != stop and len(out) < limit:
        t = toks[i]
        if t.is_punct and t.norm in _CLAUSE_END and not (t.norm == "," and step < 0 and not out):
            break
        out.append(t)
        i += step
    return out if step > 0 else out[::-1]


def _read_number(toks: list[_Tok], i: int) -> tuple[float, str, int] | None:
    """Number at toks[i] (digits or number words); returns value, display text, next index."""
    t = toks[i]
    if t.word[0].isdigit():
        # "كوفيد-19", "G20": digits glued to a name are not figures.
        if i > 0 and toks[i - 1].word == "-" and i > 1 and not toks[i - 2].is_punct:
            return None
        value = parse_number(t.word)
        return (value, t.word, i + 1) if value is not None else None
    first = _number_word(t.norm)
    if first is None:
        return None
    value, parts, j = first, [t.word], i + 1
    # "خمسة عشر" (15), "مائة وثلاثون" (130); compounds such as "ثلاثمائة" are rare enough to skip.
    while j < len(toks) and not toks[j].is_punct:
        nxt = toks[j].norm
        tens = _NUMBER_WORDS.get(nxt[1:], 0) if nxt.startswith("و") else 0
        if nxt in _TEEN_WORDS and value < 10:
            value += 10
        elif tens >= 20:
            value += tens
        else:
            break
        parts.append(toks[j].word)
        j += 1
    return float(value), " ".join(parts), j


def _has_scale_or_percent(words: list[str]) -> bool:
    """Whether a figure's unit words hold a scale word or a percent marker ("في المائة" included)."""
    norms = {normalize_word(w) for w in words}
    return bool(norms & (_SCALES.keys() | _PERCENT_WORDS | _HUNDRED_NOUNS))


def _number_facts(toks: list[_Tok]) -> list[Fact]:
    facts: list[Fact] = []
    i = 0
    while i < len(toks):
        read = None if toks[i].is_punct else _read_number(toks, i)
        if read is None:
            i += 1
            continue
        value, shown, j = read
        is_word = not toks[i].word[0].isdigit()
        unit_words: list[str] = []
        # Scale word, then the counted noun or percent marker.
        if j < len(toks) and toks[j].norm in _SCALES:
            value *= _SCALES[toks[j].norm]
            unit_words.append(toks[j].word)
            j += 1
        if j < len(toks) and toks[j].norm in _PERCENT_WORDS:
            unit_words.append(toks[j].word)
            j += 1
        elif j + 1 < len(toks) and toks[j].norm == "في" and toks[j + 1].norm in _HUNDRED_NOUNS:
            unit_words += [toks[j].word, toks[j + 1].word]
            j += 2
        elif (
            j < len(toks)
            and not toks[j].is_punct
            and toks[j].norm not in STOPWORDS
            and not toks[j].word[0].isdigit()
        ):
            unit_words.append(toks[j].word)
            j += 1
        is_year = (
            not is_word
            and re.fullmatch(r"(19|20)\d\d", toks[i].word)
            and not _has_scale_or_percent(unit_words)
        )
        if not unit_words or is_year:
            i = j
            continue  # a bare number (a year, a page) is no checkable fact
        if not is_word:
            scale = next((_SCALES[normalize_word(w)] for w in unit_words if normalize_word(w) in _SCALES), 1)
            shown = _canonical(value / scale)  # digits of any script, shown in ASCII
        text = f"{shown} {' '.join(unit_words)}"
        if is_word and toks[i].norm.startswith("ال") and i > 0 and not toks[i - 1].is_punct:
            # "المبادئ الثلاثة": the counted noun precedes a definite number word.
            unit_words = [toks[i - 1].word]
            text = f"{toks[i - 1].word} {shown}"
        last = normalize_word(unit_words[-1])
        unit = last if last in _MONTHS else unit_key(unit_words[-1])
        before = _clause(toks, i - 1, -1, -1, 8)
        after = _clause(toks, j, len(toks), 1, 6)
        facts.append(
            Fact(
                kind="number",
                value=_canonical(value),
                unit=unit,
                context=frozenset(_content_stems(before) + _content_stems(after)),
                text=text,
                label=_label(before, after),
            )
        )
        i = j
    return facts


def _quote_facts(text: str) -> list[Fact]:
    display = strip_diacritics(normalize_digits(text)).replace("«", '"').replace("»", '"')
    display = display.replace("“", '"').replace("”", '"')
    out = []
    for m in _QUOTE.finditer(display):
        phrase = m.group(1).strip()
        words = _WORD.findall(phrase)
        if 1 <= len(words) <= 16:
            out.append(Fact(kind="quote", value=" ".join(normalize(w) for w in words), text=f"«{phrase}»"))
    return out


def _name_facts(toks: list[_Tok]) -> list[Fact]:
    """Proper names after a title or place word, skipping adjectives such as الصيني or الخارجية."""
    out = []
    for i, t in enumerate(toks):
        if t.norm not in _NAME_TRIGGERS or (i > 0 and toks[i - 1].word[0].isdigit()):
            continue  # "130 شركة" counts companies, it names none
        j = i + 1
        # Definite words after the trigger are its adjectives or complement (الرئيس الصيني, وزير الخارجية).
        while j < len(toks) and not toks[j].is_punct and toks[j].norm.startswith("ال") and j - i <= 3:
            j += 1
        name: list[_Tok] = []
        while (
            j < len(toks)
            and len(name) < 3
            and not toks[j].is_punct
            and toks[j].norm not in STOPWORDS
            and toks[j].norm not in _NAME_TRIGGERS
            and not toks[j].norm.startswith("ال")
            and not toks[j].word[0].isdigit()
            and _number_word(toks[j].norm) is None
            and len(toks[j].norm) >= 2
        ):
            name.append(toks[j])
            j += 1
        if name:
            out.append(
                Fact(kind="name", value=" ".join(n.norm for n in name), text=" ".join(n.word for n in name))
            )
    return out


def extract_facts(text: str) -> list[Fact]:
    """All facts of a text, in order of first appearance, each once."""
    return _facts(_tokenise(text), text)


def _facts(toks: list[_Tok], text: str) -> list[Fact]:
    seen: set[tuple[str, str, str]] = set()
    out: list[Fact] = []
    for fact in _number_facts(toks) + _name_facts(toks) + _quote_facts(text):
        if fact.key not in seen:
            seen.add(fact.key)
            out.append(fact)
    return out


def _phrase_in(phrase: str, norm_tokens: list[str]) -> bool:
    """Whether a normalised phrase occurs in the token stream (a clitic on its first word allowed)."""
    words = phrase.split()
    n = len(words)
    for k in range(len(norm_tokens) - n + 1):
        first = norm_tokens[k]
        if first != words[0] and not (
            first.endswith(words[0])
            and len(first) - len(words[0]) <= 3
            and first[: len(first) - len(words[0])]
            in {"و", "ب", "ل", "ف", "ك", "وب", "ول", "لل", "بال", "وال", "ال"}
        ):
            continue
        if norm_tokens[k + 1 : k + n] == words[1:]:
            return True
    return False


def _same_context(a: frozenset[str], b: frozenset[str]) -> bool:
    shared = len(a & b)
    return shared >= 2 or (shared >= 1 and shared >= 0.4 * min(len(a), len(b)))


def compare_facts(reference_facts: list[Fact], article_text: str, *, other_edition: bool = False) -> FactComparison:
    """Check each reference fact against an article.

    A number is shared when the article states the same value with the same unit, conflicting when
    it states a different value with the same unit in the same context (listed under other_edition
    instead when the article reports another edition of the event); names and quotes are shared
    when their words occur in the article.
    """
    result = FactComparison()
    toks = _tokenise(article_text)  # once: it is most of the cost of a comparison's facts
    article_facts = [f for f in _facts(toks, article_text) if f.kind == "number"]
    norm_tokens = [t.norm for t in toks if not t.is_punct]
    used: set[int] = set()
    for ref in reference_facts:
        if ref.kind != "number":
            (result.shared if _phrase_in(ref.value, norm_tokens) else result.missing).append(ref.render())
            continue
        same = [k for k, f in enumerate(article_facts) if f.unit == ref.unit and f.value == ref.value]
        if same:
            used.update(same)
            result.shared.append(ref.render())
            continue
        rivals = [
            (len(f.context & ref.context), k, f)
            for k, f in enumerate(article_facts)
            if k not in used and f.unit == ref.unit and _same_context(f.context, ref.context)
        ]
        if rivals:
            _, k, best = max(rivals, key=lambda r: r[0])
            used.add(k)
            label = f" ({ref.label})" if ref.label else ""
            (result.other_edition if other_edition else result.conflicting).append(f"{ref.text} ← {best.text}{label}")
        else:
            result.missing.append(ref.render())
    return result
