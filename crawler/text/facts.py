"""Checkable facts in Arabic news text: numbers with unit and context, names, quoted phrases.

Everything is derived from the texts at run time: the reference's facts are extracted with the
same rules as an article's, and names are found through general Arabic title and place words
(الرئيس, وزير, مدينة, مقاطعة, شركة ...), never through a list tied to one article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from crawler.text.arabic import (
    STOPWORDS,
    normalize,
    normalize_digits,
    normalize_word,
    stems,
    strip_diacritics,
)
from crawler.text.background import load_background
from crawler.text.numbers import NUMBER_TOKEN, SCALES, parse_number, read_number_words, strip_clitic

FactKind = Literal["number", "name", "quote"]


def _words(text: str) -> set[str]:
    """A loosely written word list, in normalised form (matching is on normalised text)."""
    return {normalize(w) for w in text.split()}


_SCALES = SCALES
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
    نما نمت ينمو تنمو ارتفع ارتفعت يرتفع ترتفع زاد زادت تجاوز تجاوزت يتجاوز شكل شكلت يشكل تشكل
    مشكلا ممثلا مثلت بنسبة نسبة بزيادة يزيد على الى حتى مقابل مقارنة بحلول يعد ويعد
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
_TOKEN = re.compile(NUMBER_TOKEN + r"|[\w%]+|[^\w\s]")
_PUNCT = re.compile(r"[^\w%]")
_WORD = re.compile(r"[\w%]+")
_CLAUSE_END = {".", ",", ";", ":", "?", "!", '"', "(", ")", "-", "|", "\n"}
_SENTENCE_END = {".", "?", "!", "\n"}
_YEAR = re.compile(r"(?:19|20)\d\d")
# Words that change what a figure measures: "نمو الناتج" is a growth, not the product.
_MODIFIER_WORDS = "نمو زيادة ارتفاع انخفاض تراجع معدل متوسط"
_PHRASE_PREPOSITIONS = {"من", "في", "علي", "عن", "ل"}
_PHRASE_WORDS = 7  # content words of a subject phrase at most
_LEADING = {"في", "خلال", "ل", "منذ", "من", "علي", "عن"}  # between a phrase and its figure
_INNER = {"في", "علي", "عن", "من"}  # prepositions inside a noun phrase ("خدمات الأخبار على الإنترنت")
# A figure whose phrase is a picture ("الصورة الملتقطة في 22 نوفمبر") dates the picture.
_PICTURE_WORDS = "صورة الصورة الملتقطة التقطت ملتقطة"


@dataclass(frozen=True)
class Fact:
    """One checkable fact; `key` compares facts across texts, `text` is shown to people."""

    kind: FactKind
    value: str  # number as a canonical decimal string, or the normalised name/quote
    unit: str = ""  # canonical unit key (numbers only), e.g. "يوان" or "%"
    context: frozenset[str] = field(default_factory=frozenset)  # context stems (numbers only)
    text: str = ""  # the fact as found, e.g. "35.8 تريليون يوان"
    label: str = ""  # what the figure measures, a phrase of the text, e.g. "حجم الاقتصاد الرقمي الصيني"
    subject: frozenset[str] = field(default_factory=frozenset)  # stems of that phrase (numbers only)
    # Stems that narrow or change the quantity inside that phrase: "نمو" (growth of), and what
    # follows في / لـ ("في المدينتين", "للبلاد").
    qualifiers: frozenset[str] = field(default_factory=frozenset)
    years: frozenset[str] = field(default_factory=frozenset)  # the year(s) the figure is for

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
    """Words, numbers and clause punctuation (line ends included), with display and normalised forms."""
    display = strip_diacritics(normalize_digits(text))
    display = display.replace("«", '"').replace("»", '"').replace("“", '"').replace("”", '"')
    out: list[_Tok] = []
    for line in display.split("\n"):
        for w in _TOKEN.findall(line):
            if _PUNCT.fullmatch(w):
                out.append(_Tok(w, normalize_word(w) or w, is_punct=True))
            else:
                out.append(_Tok(w, normalize_word(w)))
        out.append(_Tok("\n", "\n", is_punct=True))
    return out


_strip_prefix = strip_clitic


def _number_word(norm: str) -> float | None:
    read = read_number_words([norm])
    return read[0] if read else None


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


@lru_cache(maxsize=1)
def _modifiers() -> frozenset[str]:
    return frozenset(stems(_MODIFIER_WORDS))


def _is_year(tok: _Tok) -> bool:
    return bool(_YEAR.fullmatch(tok.word))


# "العام الماضي" (last year), "هذا العام" (this year): years relative to the text's own date.
_RELATIVE_YEARS = {("العام", "الماضي"): -1, ("العام", "المنصرم"): -1, ("السنه", "الماضيه"): -1,
                   ("العام", "الجاري"): 0, ("العام", "الحالي"): 0, ("هذا", "العام"): 0, ("لهذا", "العام"): 0}


def _year_at(toks: list[_Tok], k: int, year: int | None) -> str | None:
    """The year token k names: digits, or a relative year when the text's own year is known."""
    if _is_year(toks[k]):
        return toks[k].word
    if year is not None and k + 1 < len(toks):
        offset = _RELATIVE_YEARS.get((toks[k].norm, toks[k + 1].norm))
        if offset is not None:
            return str(year + offset)
    return None


def _years(toks: list[_Tok], i: int, j: int, year: int | None) -> frozenset[str]:
    """The year(s) a figure is for: the nearest named on each side in its clause (up to the next
    figure), else the nearest before it in its sentence. `year` is the text's own year, for
    "العام الماضي"."""
    found: set[str] = set()
    k = i - 1
    while k >= 0 and not (toks[k].is_punct and toks[k].norm in _CLAUSE_END):
        y = _year_at(toks, k, year)
        if y:
            found.add(y)
            break  # the nearest: "تقرير ... لعام 2020 ... في عام 2019 بلغ" is for 2019
        k -= 1
    k = j
    if k + 1 < len(toks) and toks[k].norm == "," and _is_year(toks[k + 1]):
        k += 1  # "6 نوفمبر، 2022"
    depth = 0
    while k < len(toks):
        t = toks[k]
        if t.norm == "(":
            depth += 1  # "(3.4 تريليون دولار) في 2016": an aside does not end the clause
        elif t.norm == ")" and depth:
            depth -= 1
        elif depth:
            pass
        elif t.is_punct and t.norm in _CLAUSE_END:
            break
        else:
            y = _year_at(toks, k, year)
            if y:
                found.add(y)
                break
            if t.word[0].isdigit():
                break  # the next figure's clause
        k += 1
    if found:
        return frozenset(found)
    k = i - 1
    while k >= 0 and toks[k].norm not in _SENTENCE_END:
        y = _year_at(toks, k, year)
        if y:
            return frozenset({y})
        k -= 1
    return frozenset()


def _is_content(t: _Tok) -> bool:
    return not t.is_punct and not t.word[0].isdigit() and t.norm not in STOPWORDS and t.norm not in _FILLERS


def _conjunction(t: _Tok) -> bool:
    """و or ف fused to a function word ("وأن", "فإن"): a new clause begins."""
    return t.norm[:1] in "وف" and len(t.norm) > 1 and t.norm[1:] in STOPWORDS


def _phrase_after(after: list[_Tok]) -> list[_Tok]:
    """"36.2 بالمائة من الناتج المحلي الإجمالي": the whole a share or amount is of (من/في/على/لـ X)."""
    words = [t for t in after if not t.is_punct]
    if not words:
        return []
    first = words[0].norm
    if first in _PHRASE_PREPOSITIONS:
        rest = words[1:]
    elif first.startswith("ل") and len(first) > 3 and _is_content(words[0]):
        rest = words  # "لإصلاح حوكمة الإنترنت": the preposition is fused
    else:
        return []
    span: list[_Tok] = []
    for t in rest:
        if t.word[0].isdigit() or _conjunction(t):
            break
        if t.norm in STOPWORDS and t.norm != "في":
            break
        span.append(t)
        if sum(map(_is_content, span)) >= _PHRASE_WORDS:
            break
    return span


def _phrase_before(before: list[_Tok]) -> list[_Tok]:
    """"حجم الاقتصاد الرقمي الصيني في عام 2019 بلغ 35.8": the noun phrase before the verb of amount."""
    span: list[_Tok] = []
    for t in reversed([t for t in before if not t.is_punct]):
        if not any(map(_is_content, span)):
            # Skip what stands between the phrase and the figure: verbs of amount, "في عام 2019", "لـ".
            if _is_year(t) or t.norm in _FILLERS or t.norm in _LEADING or t.norm == "عام":
                continue
        if t.word[0].isdigit() and not _is_year(t):
            break
        if _conjunction(t) or (t.norm in STOPWORDS and t.norm not in _INNER):
            break
        span.append(t)
        if sum(map(_is_content, span)) >= _PHRASE_WORDS:
            break
    span.reverse()
    return span


def _without_conjunction(stem: str) -> str:
    """"وافتتح" and "افتتح" are one word: the stemmer leaves و/ف fused to verbs."""
    return stem[1:] if stem[:1] in "وف" and len(stem) > 3 else stem


def _trim(span: list[_Tok]) -> list[_Tok]:
    """Without leading/trailing words that carry nothing (في, years, verbs of amount)."""
    while span and not _is_content(span[0]):
        span = span[1:]
    while span and not _is_content(span[-1]):
        span = span[:-1]
    return span


def _subject(before: list[_Tok], after: list[_Tok], date: bool = False) -> tuple[str, frozenset[str], frozenset[str]]:
    """(phrase shown, subject stems, qualifier stems) of what a figure measures.

    A share ("% من X") measures X, a span ("سنوات على انطلاق X") is of X; otherwise an amount or
    a count measures the noun phrase before its verb ("حجم الاقتصاد الرقمي ... بلغ").
    """
    # "بعشر سنوات على انطلاق المؤتمر": what follows a preposition is what is counted or measured;
    # a date's "في مدينة ووتشن" is where, so a date belongs to the event before it.
    if date:
        span = _trim(_phrase_before(before)) or _trim(_phrase_after(after))
    else:
        span = _trim(_phrase_after(after)) or _trim(_phrase_before(before))
    if not span:
        return "", frozenset(), frozenset()
    content = [t for t in span if _is_content(t)]
    subject = frozenset(map(_without_conjunction, stems(" ".join(t.word for t in content))))
    qualifiers: set[str] = set(subject & _modifiers())
    after_prep = False
    for k, t in enumerate(span):
        if t.norm in _INNER:
            after_prep = True
            continue
        fused = k > 0 and t.norm.startswith("ل") and _is_content(t)  # "للبلاد"
        if (after_prep or fused) and _is_content(t):
            qualifiers.update(stems(t.word))
    return " ".join(t.word for t in span), subject, frozenset(qualifiers)


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
    words: list[str] = []
    for tok in toks[i : i + 4]:
        if tok.is_punct:
            break
        words.append(tok.norm)
    read = read_number_words(words)
    if read is None:
        return None
    value, used = read
    return float(value), " ".join(tok.word for tok in toks[i : i + used]), i + used


def _has_scale_or_percent(words: list[str]) -> bool:
    """Whether a figure's unit words hold a scale word or a percent marker ("في المائة" included)."""
    norms = {normalize_word(w) for w in words}
    return bool(norms & (_SCALES.keys() | _PERCENT_WORDS | _HUNDRED_NOUNS))


def _number_facts(toks: list[_Tok], year: int | None = None) -> list[Fact]:
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
            j = i + 1  # what follows the number word says what they are for
        last = normalize_word(unit_words[-1])
        unit = last if last in _MONTHS else unit_key(unit_words[-1])
        before = _clause(toks, i - 1, -1, -1, 8)
        after = _clause(toks, j, len(toks), 1, 6)
        phrase, subject, qualifiers = _subject(before, after, date=unit in _MONTHS)
        facts.append(
            Fact(
                kind="number",
                value=_canonical(value),
                unit=unit,
                context=frozenset(_content_stems(before) + _content_stems(after)),
                text=text,
                label=phrase or _label(before, after),
                subject=subject,
                qualifiers=qualifiers,
                years=_years(toks, i, j, year) or (frozenset({str(year)}) if year and unit in _MONTHS else frozenset()),
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


def extract_facts(text: str, *, year: int | None = None) -> list[Fact]:
    """All facts of a text, in order of first appearance, each once.

    `year` is the year the text was written (its publication date, or the reference's event year):
    it dates figures given for "العام الماضي" or "هذا العام".
    """
    return _facts(_tokenise(text), text, year)


def _facts(toks: list[_Tok], text: str, year: int | None = None) -> list[Fact]:
    seen: set[tuple[str, str, str]] = set()
    out: list[Fact] = []
    for fact in _number_facts(toks, year) + _name_facts(toks) + _quote_facts(text):
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


def _years_agree(a: Fact, b: Fact) -> bool:
    """Figures for different years are different quantities; an unknown year agrees with any."""
    return not (a.years and b.years) or bool(a.years & b.years)


def same_quantity(ref: Fact, art: Fact) -> bool:
    """Whether two figures measure the same thing: same unit, compatible years, the same subject.

    The subject is the noun phrase the figure belongs to. The article's figure must share the
    reference figure's context, and nothing in its phrase may narrow or change the quantity beyond
    what the reference says ("نمو الناتج" against "الناتج", "في المدينتين", "للبلاد"). Different
    years are different quantities. When in doubt, it is not the same quantity.
    """
    if art.unit != ref.unit:
        return False
    if not _years_agree(ref, art):
        return False
    if ref.subject & _pictures() or art.subject & _pictures():
        return False  # a photo caption's date is the picture's, and two pictures are two things
    if not _same_context(art.context | art.subject, ref.context | ref.subject):
        return False
    if ref.subject and art.subject:
        # The phrases themselves must mostly agree, weighed by how specific their words are: "لائحة
        # ... على الإنترنت" or "عمر الإنترنت" is not "المؤتمر ... للإنترنت" for sharing "الإنترنت".
        if _weight(ref.subject & art.subject) < 0.5 * min(_weight(ref.subject), _weight(art.subject)):
            return False
    known = ref.context | ref.subject
    return not (art.qualifiers - known)


def _weight(subject: frozenset[str]) -> float:
    """Background IDF mass of a phrase's stems (crawler.text.background): generic words weigh little."""
    bg = load_background()
    return sum(bg.idf(s) for s in subject)


@lru_cache(maxsize=1)
def _pictures() -> frozenset[str]:
    return frozenset(stems(_PICTURE_WORDS))


def compare_facts(
    reference_facts: list[Fact], article_text: str, *, other_edition: bool = False, year: int | None = None
) -> FactComparison:
    """Check each reference fact against an article.

    A number is shared when the article states the same value with the same unit, conflicting when
    it states a different value of the same quantity (`same_quantity`; listed under other_edition
    instead when the article reports another edition of the event); names and quotes are shared
    when their words occur in the article.
    """
    result = FactComparison()
    toks = _tokenise(article_text)  # once: it is most of the cost of a comparison's facts
    article_facts = [f for f in _facts(toks, article_text, year) if f.kind == "number"]
    norm_tokens = [t.norm for t in toks if not t.is_punct]
    used: set[int] = set()
    for ref in reference_facts:
        if ref.kind != "number":
            (result.shared if _phrase_in(ref.value, norm_tokens) else result.missing).append(ref.render())
            continue
        same = [
            k
            for k, f in enumerate(article_facts)
            if f.unit == ref.unit and f.value == ref.value and _years_agree(ref, f)
        ]
        if same:
            used.update(same)
            result.shared.append(ref.render())
            continue
        rivals = [
            (len(f.context & ref.context), k, f)
            for k, f in enumerate(article_facts)
            if k not in used and same_quantity(ref, f)
        ]
        if rivals:
            _, k, best = max(rivals, key=lambda r: r[0])
            used.add(k)
            label = f" ({ref.label})" if ref.label else ""
            (result.other_edition if other_edition else result.conflicting).append(f"{ref.text} ← {best.text}{label}")
        else:
            result.missing.append(ref.render())
    return result
