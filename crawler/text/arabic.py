"""Arabic text utilities shared by extraction, relevance and comparison.

Normalisation follows common Arabic IR practice: strip diacritics and tatweel, fold alef/hamza forms,
alef maqsura to yaa, taa marbuta to haa, Arabic-Indic and Persian digits to ASCII, Arabic punctuation
to ASCII. Stemming uses the Snowball Arabic stemmer (snowballstemmer, maintained).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

# Harakat, tanwin, shadda, sukun, superscript alef, Quranic marks.
_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed]")
_TATWEEL = "\u0640"
_ZERO_WIDTH = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")

_CHAR_MAP = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ة": "ه",
        "ؤ": "و",
        "ئ": "ي",
        "ک": "ك",
        "ی": "ي",
        "،": ",",
        "؛": ";",
        "؟": "?",
        "«": '"',
        "»": '"',
        "“": '"',
        "”": '"',
        "„": '"',
        "‘": "'",
        "’": "'",
        "٪": "%",
        "٫": ".",  # Arabic decimal separator
        "٬": ",",  # Arabic thousands separator
        "\u00a0": " ",
    }
)
# Folding that is safe before stemming (the stemmer relies on taa marbuta, so it is kept).
_PRESTEM_MAP = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ی": "ي", "ک": "ك"})
_DIGIT_MAP = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

# normalize()'s character work in one table, built once: zero-width marks, diacritics and tatweel
# deleted, digits and letter forms folded. The maps' domains are disjoint and no output is in another
# map's domain, so one pass gives what the passes in turn gave (tests/test_arabic.py checks it).
_NORMALIZE_TABLE = {
    **{c: None for c in range(0x10000) if _DIACRITICS.match(chr(c)) or _ZERO_WIDTH.match(chr(c))},
    ord(_TATWEEL): None,
    **_DIGIT_MAP,
    **_CHAR_MAP,
}
# stems()'s folding before the stemmer, in one table: zero-width marks, diacritics and tatweel
# deleted, digits to ASCII, alef/yaa/kaf forms folded (taa marbuta kept).
_PRESTEM_TABLE = {
    **{c: None for c in range(0x10000) if _DIACRITICS.match(chr(c)) or _ZERO_WIDTH.match(chr(c))},
    ord(_TATWEEL): None,
    **_DIGIT_MAP,
    **_PRESTEM_MAP,
}
_WS = re.compile(r"\s+")
# A tatweel after a word's first one to three letters and before what is not an Arabic letter writes a
# detached prefix or an abbreviation ("بـ\"الجيش الحر\"", "الـ5", "1442 هـ"): part of the spelling, kept (one);
# anywhere else it only stretches a word ("الإنترنـــت") and goes.
_DETACHED_TATWEEL = re.compile("(?<![\u0621-\u064a])([\u0621-\u064a]{1,3})\u0640+(?![\u0621-\u064a])")
_KEPT_TATWEEL = "\x00"  # stands in for a kept tatweel while the others are deleted (no page text holds NUL here)
_TOKEN = re.compile(r"[\w]+", re.UNICODE)
_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f]")
_SENTENCE_END = re.compile(r"(?<=[.!?؟。])\s+|\n+")

# Frequent function words (normalised form); kept short on purpose: over-filtering hurts similarity.
STOPWORDS = frozenset(
    """
    في من الي علي عن مع ان او ثم قد لقد كما كان كانت يكون تكون هذا هذه ذلك تلك الذي التي الذين
    هو هي هم هن نحن انا انت انه انها لكن بل حيث اذا اذ لم لن ما لا ليس وقد وكان وهو وهي ومن وفي
    الا اي كل بعض غير بين عند منذ حتي لدي به بها له لها لهم فيه فيها عليه عليها منه منها الى على
    و ف ب ل ك يا ايضا وذلك التي كذلك خلال وفق نحو بعد قبل امام دون ضد عبر اما
    """.split()
)


def normalize_digits(text: str) -> str:
    """Arabic-Indic and Persian digits to ASCII, Arabic decimal/thousands separators to '.'/','."""
    return text.translate(_DIGIT_MAP).replace("٫", ".").replace("٬", ",")


def strip_diacritics(text: str) -> str:
    """Remove harakat, tanwin, shadda, sukun and tatweel."""
    return _DIACRITICS.sub("", text).replace(_TATWEEL, "")


def normalize(text: str) -> str:
    """Normalise Arabic text for matching and comparison (not for display).

    Args:
        text: any text, possibly mixed Arabic and Latin.
    Returns:
        NFKC-folded text without diacritics/tatweel/zero-width marks, with folded letter forms,
        ASCII digits and punctuation, lower-cased Latin and single spaces.
    """
    if not text:
        return ""
    # Word by word through a cache: str.translate looks every character up in a dict, while news
    # vocabulary repeats, so most words of a page are folded once per process, not once per call.
    return " ".join(filter(None, map(_fold_word, unicodedata.normalize("NFKC", text).split())))


@lru_cache(maxsize=300_000)
def _fold_word(word: str) -> str:
    """One whitespace-free piece of NFKC text through normalize()'s table, lower-cased."""
    return word.translate(_NORMALIZE_TABLE).lower()


@lru_cache(maxsize=200_000)
def normalize_word(word: str) -> str:
    """normalize() of one word, cached: news vocabulary repeats, and comparison normalises word by word."""
    return normalize(word)


def clean_display(text: str) -> str:
    """Light clean-up for text that is shown to people: zero-width marks, stretching tatweel and spacing only."""
    if not text:
        return ""
    text = _ZERO_WIDTH.sub("", unicodedata.normalize("NFC", text))
    if _TATWEEL in text:
        text = _DETACHED_TATWEEL.sub(lambda m: m.group(1) + _KEPT_TATWEEL, text.replace(_KEPT_TATWEEL, ""))
        text = text.replace(_TATWEEL, "").replace(_KEPT_TATWEEL, _TATWEEL)
    return "\n".join(_WS.sub(" ", line).strip() for line in text.splitlines() if line.strip())


def split_sentences(text: str) -> list[str]:
    """Split display text into sentences on ., !, ?, ؟ and line breaks (keeps the original text)."""
    parts = _SENTENCE_END.split(text or "")
    return [p.strip() for p in parts if p and len(p.strip()) > 1]


def tokens(text: str, *, drop_stopwords: bool = False) -> list[str]:
    """Normalised word tokens (letters and digits)."""
    toks = _TOKEN.findall(normalize(text))
    toks = [t for t in toks if t != "_"]
    if drop_stopwords:
        toks = [t for t in toks if t not in STOPWORDS]
    return toks


@lru_cache(maxsize=1)
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("arabic")


# Particles fused with the article (و+ال، ب+ال، ك+ال، ف+ال، ل+ال) become the bare article before
# Snowball, which strips ال but not وال: والصين and الصين, or والمؤتمر and المؤتمر, had different stems.
# إلكتروني and its family: a loanword whose initial "ال" is not the article, which Snowball stems
# to different roots by length (إلكتروني, الإلكترونية, إلكترونيات).
_ELECTRON = "لكترون"
_FUSED_ARTICLE = re.compile(r"^(?:وال|بال|كال|فال|لل)(?=\w{3,}$)")


@lru_cache(maxsize=200_000)
def stem(token: str) -> str:
    """Light stem of one normalised token (Snowball Arabic after the fused-article fix; Latin and digits unchanged)."""
    if not token or token.isdigit() or token.isascii():
        return token.lower()
    if _ELECTRON in token:
        return "الكترون"
    return normalize(_stemmer().stemWord(_FUSED_ARTICLE.sub("ال", token)))


def stems(text: str, *, drop_stopwords: bool = True) -> list[str]:
    """Stemmed, normalised tokens of a text, by default without stopwords.

    The stemmer sees the token before letter folding (it needs taa marbuta and hamza forms);
    the stem is then normalised so that spelling variants meet. Worked out once per distinct
    whitespace-separated word (news vocabulary repeats), then only looked up.
    """
    out: list[str] = []
    for word in (text or "").split():
        for stemmed, is_stopword in _word_stems(word):
            if not (drop_stopwords and is_stopword):
                out.append(stemmed)
    return out


@lru_cache(maxsize=300_000)
def _word_stems(word: str) -> tuple[tuple[str, bool], ...]:
    """(stem, is a stopword) of each token in one whitespace-free piece of text."""
    raw = _TOKEN.findall(word.translate(_PRESTEM_TABLE))
    return tuple((stem(tok), normalize_word(tok) in STOPWORDS) for tok in raw)


def arabic_ratio(text: str) -> float:
    """Share of letters in the text that are Arabic script (0 when there are no letters)."""
    letters = sum(map(str.isalpha, text))
    if not letters:
        return 0.0
    # Counted without a Python loop per character: this runs on every fetched page, twice.
    arabic = sum(map(str.isalpha, _ARABIC_SCRIPT.findall(text)))
    return arabic / letters
