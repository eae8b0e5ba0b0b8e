"""What an article is about: how much of it reports the event, from the title, the lead and its sentences.

The event's names come in many spellings (word order, العالمي/الدولي, ordinals inside the name,
ندوة/منتدى/قمة for مؤتمر, الإنترنت/الانترنت/الأنترنت, the town's transcriptions). A sentence is about
the event when it names it, names its summit, or names the town together with a word of the event's
field (a travel piece about the water town names the town only). Later sentences that say "المؤتمر"
or "القمة" refer back to it. A text that names "مؤتمر الإنترنت العالمي" but nothing Chinese is about
another conference of that name (the 2014 São Paulo meeting was called so by some papers).

The score mixes the share of substantive sentences about the event with a title hit and a lead hit,
so that clutter before the first sentence (dates, share buttons) moves nothing and one clause in
the opening sentence of an article about something else does not make it a report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crawler.text.arabic import arabic_ratio, normalize, split_sentences

# Patterns run on normalised text (crawler.text.arabic.normalize): ة->ه, ى->ي, أ/إ->ا, ؤ->و.
_LETTER = r"[^\W\d_]"
_START = rf"(?<!{_LETTER})"
_END = rf"(?!{_LETTER})"
_CLITIC = r"(?:[وف]?(?:لل|[بلك]?(?:ال)?))?"
_NET = r"ا?نترني?ت"  # انترنت, انترنيت; أنترنت folds to انترنت
_BODY = r"(?:موتمر|قمه|منتدي|ندوه)"
_WORLD = r"(?:ال)?(?:عالمي|دولي)ه?"
_TOWN = r"(?:وو ?تش[اي]?ن|وتشن|ووتشين|ووزن|ووجن|ووزيهون|واتشن|wuzhen)"

# The established names: المؤتمر العالمي (الثاني|الـ5) للإنترنت, الندوة العالمية الثالثة حول الأنترنت,
# مؤتمر الصين العالمي ..., قمة ووتشن, معرض نور الإنترنت.
_PROPER = (
    rf"{_BODY}(?: الصين)? {_WORLD}(?: [^\s]+)? (?:لل|حول ال|عن ال|بشان ال){_NET}"
    + rf"|قمه {_TOWN}"
    + rf"|نور (?:ال)?{_NET}"
    + r"|world internet conference|wuzhen summit"
)
# "مؤتمر الإنترنت العالمي" also describes any global internet meeting (São Paulo's NetMundial was
# called so): it names this event only in a text about China.
_GENERIC = rf"{_BODY} (?:ال)?{_NET} {_WORLD}"
PROPER = re.compile(_START + _CLITIC + f"(?:{_PROPER})" + _END)
EVENT = re.compile(_START + _CLITIC + f"(?:{_PROPER}|{_GENERIC})" + _END)
TOWN = re.compile(_START + _CLITIC + _TOWN + _END)
# Words of the event's field that make a sentence naming the town a report on the event.
_FIELD = re.compile(
    _START
    + _CLITIC
    + rf"(?:{_BODY}|{_NET}|منتديات|سيبراني\w*|الكترون\w*|رقمي\w*|شبك\w*|الفضاء|التكنولوجيا|الذكاء)"
    + _END
)
# Back-references to an event already named ("المؤتمر", "القمة", "الدورة"), not "المؤتمر الصحفي".
_BACKREF = re.compile(_START + rf"{_CLITIC}(?P<body>{_BODY}|دوره)(?! صحفي){_END}")
# The name as part of an office or organisation ("الأمين العام للمؤتمر العالمي للإنترنت",
# "المنظمة الدولية للمؤتمر..."): the organisation acts, the event is not reported.
_OFFICE = re.compile(r"(?:الامين العام|امين عام|التنفيذي|المنظمه الدوليه|منظمه|رئيس|امانه)\s*$")
# Something Chinese anywhere in the text: the conference is China's.
_CHINA = re.compile(_START + _CLITIC + rf"(?:صين\w*|بكين|تشجيانغ|شينخوا|شي جين ?بين[غجg]|شي|{_TOWN})" + _END)


@dataclass
class Aboutness:
    """How much a text is about the event, and the evidence."""

    score: float
    event_sentences: int  # substantive sentences about the event (named, or referred back to)
    named_sentences: int  # sentences (and title) naming the event itself
    sentences: int  # substantive sentences
    title_hit: bool
    lead_hit: bool

    @property
    def names_event(self) -> bool:
        return self.named_sentences > 0


def _words(line: str) -> list[str]:
    """Words made of letters only (dates, numbers and symbols are not words of prose)."""
    return [w for w in re.findall(r"[^\s]+", line) if len(w) > 1 and w.strip(".,،:؛!?؟()«»\"'").isalpha()]


def _substantive(sentence: str) -> bool:
    """A sentence of prose, not clutter: six words or more, mostly Arabic letters.

    Page clutter (dates, bylines, menus, share buttons) has fewer words of letters.
    """
    return len(_words(sentence)) >= 6 and arabic_ratio(sentence) >= 0.6


def _title_like(line: str) -> bool:
    words = _words(line)
    return 3 <= len(words) <= 16 and len(line.split()) <= 20 and arabic_ratio(line) >= 0.6 and not line.endswith(".")


def split_title(text: str, title: str = "") -> tuple[str, list[str]]:
    """(headline, remaining lines). Without a given title, the first headline-like line among the
    opening lines is taken (plain-text inputs); clutter lines before it are dropped."""
    lines = [ln.strip() for ln in (text or "").split("\n") if ln.strip()]
    if title:
        return title, lines
    for i, line in enumerate(lines[:8]):
        if _substantive(line) and not _title_like(line):
            break  # prose began: no headline
        if _title_like(line):
            return line, lines[i + 1 :]
    return "", lines


def names_event(norm: str) -> bool:
    """Whether normalised text names the event or its summit (not the town alone)."""
    return EVENT.search(norm) is not None


def reports_event(norm: str) -> bool:
    """Names the event other than as part of an office or organisation's name."""
    return any(not _OFFICE.search(norm[: m.start()]) for m in EVENT.finditer(norm))


def _bodies(norm: str) -> set[str]:
    """The words (مؤتمر, قمة, ندوة, منتدى) the text uses in the event's names."""
    return {b for m in EVENT.finditer(norm) for b in re.findall(_BODY, m.group(0))}


def names_town_in_field(norm: str) -> bool:
    """The town together with a word of the event's field (conference, internet, cyberspace...)."""
    return TOWN.search(norm) is not None and _FIELD.search(TOWN.sub(" ", norm)) is not None


def names_any(norm: str) -> bool:
    """Whether normalised text names the event, its summit or its town: a text naming none of them has
    no sentence about the event, so the comparison calls it unrelated (unless it copies the reference)."""
    return EVENT.search(norm) is not None or TOWN.search(norm) is not None


# Why a text is not about the event: a short word (a count's key) and its reading.
NOT_ABOUT = {
    "other_conference": "names a world internet conference with nothing Chinese around it (another conference)",
    "clutter_only": "names the event only in page clutter, in no sentence of the article",
    "town_only": "names the town of Wuzhen without a word of the event's field beside it",
    "no_name": "names neither the event, its summit nor its town",
}


def why_not_about(text: str, title: str = "") -> str:
    """Why a text with no sentence (nor title) about the event is not about it: a key of NOT_ABOUT."""
    full = normalize(f"{title}\n{text}")
    if EVENT.search(full):
        if not PROPER.search(full) and not _CHINA.search(EVENT.sub(" ", full)):
            return "other_conference"
        return "clutter_only"
    return "town_only" if TOWN.search(full) else "no_name"


def _about(norm: str, extra: tuple[str, ...] = ()) -> bool:
    return reports_event(norm) or names_town_in_field(norm) or any(k in norm for k in extra)


def _extra_names(names: list[str] | None) -> tuple[str, ...]:
    """A topic's configured names of two words or more (normalised) that the built-in patterns miss;
    single words such as the town's spellings are not names of the event."""
    out = []
    for name in names or []:
        norm = normalize(name)
        if len(norm.split()) >= 2 and not EVENT.fullmatch(norm) and not TOWN.search(norm):
            out.append(norm)
    return tuple(out)


def aboutness(
    text: str,
    title: str = "",
    *,
    extra_names: list[str] | None = None,
    weights: tuple[float, float, float] = (0.5, 0.3, 0.2),
    lead_min_share: float = 0.25,
) -> Aboutness:
    """Score how much `text` (lead and body) with its `title` reports the event.

    Without a separate title, a headline-like opening line is taken as the title (plain-text inputs).
    Returns an Aboutness whose score is share*w0 + title*w1 + lead*w2, with the share of substantive
    sentences about the event counted twice up to 1 (half the sentences is a full share). The lead
    counts only when at least `lead_min_share` of the sentences are about the event: one clause in
    the opening sentence of an article about something else is a passing mention.
    """
    extra = _extra_names(extra_names)
    title, lines = split_title(text, title)
    sents = [s for s in split_sentences("\n".join(lines)) if _substantive(s)]
    norms = [normalize(s) for s in sents]
    full = normalize(f"{title}\n{text}")
    if not PROPER.search(full) and not _CHINA.search(EVENT.sub(" ", full)):
        # "مؤتمر الإنترنت العالمي" with nothing Chinese around it is another conference.
        return Aboutness(0.0, 0, 0, len(sents), False, False)
    if not names_any(full) and not any(k in full for k in extra):
        # No name of the event, its summit or its town anywhere: no sentence can be about it (the
        # loop below would find none); most pages a crawl reads end here, cheaply.
        return Aboutness(0.0, 0, 0, len(sents), False, False)
    about = []
    seen = False
    # "المؤتمر" refers back to an event named "المؤتمر ..."; an article about another forum that
    # names the conference once keeps saying "المنتدى" about its own forum.
    bodies = _bodies(full) | {"دوره"}
    for n in norms:
        hit = _about(n, extra)
        seen = seen or hit
        back = any(m["body"] in bodies for m in _BACKREF.finditer(n))
        about.append(hit or (seen and back))
    norm_title = normalize(title)
    title_hit = _about(norm_title, extra)
    lead_hit = any(_about(n, extra) for n in norms[:2])
    named = sum(names_event(n) or any(k in n for k in extra) for n in norms) + int(names_event(norm_title))
    share = sum(about) / len(sents) if sents else 0.0
    w_share, w_title, w_lead = weights
    score = w_share * min(1.0, 2 * share) + w_title * title_hit + w_lead * (lead_hit and share >= lead_min_share)
    return Aboutness(round(score, 3), sum(about), named, len(sents), title_hit, lead_hit)
