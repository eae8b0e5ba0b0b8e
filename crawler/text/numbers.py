"""Numbers as the Arabic press writes them: digits of three scripts, decimal signs, scales and words.

- Western, Arabic-Indic (٠-٩) and Persian (۰-۹) digits; ٫ and "." as decimal sign, ٬ and "," for
  thousands ("1,300"), a lone "," before other than three digits as decimal sign ("36,2").
- The Egyptian decimal: papers such as Al-Ahram and Dar al-Hilal write 35.8 as "8ر35" and 36.2% as
  "2ر36%": the letter ر is the decimal sign and, in logical (typing) order, the fraction digits come
  first. "005ر1" is 1.005.
- Scale words (ألف، مليون، مليار/بليون، تريليون/ترليون) in singular, dual and plural, and spelled-out
  numbers: units, teens, tens, hundreds (مائة/مئة and ثلاثمائة...), thousands, the duals ملياري /
  مليوني ("two billion"), joined with و ("مائة وثلاثون").
"""

from __future__ import annotations

import re

from crawler.text.arabic import normalize, normalize_digits

# One numeric token: Egyptian decimal first (else "8ر35" would read as 8 then a word).
NUMBER_TOKEN = r"\d+ر\d+(?![^\W\d_])|\d+(?:[.,]\d+)*"
_EGYPTIAN = re.compile(r"(\d+)ر(\d+)")
_THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?")


def _norms(words: str) -> list[str]:
    return [normalize(w) for w in words.split()]


def _table(text: str) -> dict[str, float]:
    """`word=value` pairs, keyed by the normalised word."""
    out: dict[str, float] = {}
    for pair in text.split():
        word, value = pair.split("=")
        out[normalize(word)] = float(value)
    return out


SCALES: dict[str, float] = {
    **dict.fromkeys(_norms("ألف آلاف ألفا الف"), 1e3),
    **dict.fromkeys(_norms("مليون ملايين مليونا"), 1e6),
    **dict.fromkeys(_norms("مليار مليارات مليارا بليون بلايين"), 1e9),
    **dict.fromkeys(_norms("تريليون تريليونات تريليونا ترليون ترليونات"), 1e12),
}

NUMBER_WORDS: dict[str, float] = _table(
    """
    واحد=1 واحدة=1 أحد=1 إحدى=1 اثنان=2 اثنين=2 اثنتان=2 اثنتين=2 ثلاث=3 ثلاثة=3 أربع=4 أربعة=4
    خمس=5 خمسة=5 ست=6 ستة=6 سبع=7 سبعة=7 ثماني=8 ثمانية=8 ثمان=8 تسع=9 تسعة=9 عشر=10 عشرة=10
    عشرون=20 عشرين=20 ثلاثون=30 ثلاثين=30 أربعون=40 أربعين=40 خمسون=50 خمسين=50 ستون=60 ستين=60
    سبعون=70 سبعين=70 ثمانون=80 ثمانين=80 تسعون=90 تسعين=90
    مائة=100 مئة=100 مائتان=200 مائتين=200 مئتان=200 مئتين=200
    ثلاثمائة=300 ثلاثمئة=300 أربعمائة=400 أربعمئة=400 خمسمائة=500 خمسمئة=500 ستمائة=600 ستمئة=600
    سبعمائة=700 سبعمئة=700 ثمانمائة=800 ثمانمئة=800 تسعمائة=900 تسعمئة=900
    ألف=1000 ألفان=2000 ألفين=2000 ملياري=2000000000 مليوني=2000000
    """
)
TEEN_WORDS = frozenset(_norms("عشر عشرة"))


def parse_number(text: str) -> float | None:
    """Value of a numeric token in any script and any of the press's decimal notations, else None."""
    s = normalize_digits(text).strip()
    egyptian = _EGYPTIAN.fullmatch(s)
    if egyptian:
        fraction, whole = egyptian.groups()  # typed fraction first: "8ر35" is 35.8
        return float(f"{whole}.{fraction}")
    if _THOUSANDS.fullmatch(s):
        s = s.replace(",", "")
    else:
        s = s.replace(",", ".")
    try:
        return float(s)
    except ValueError:
        return None


def strip_clitic(norm: str) -> str:
    """Drop one clitic prefix (و ف ب ل ك, with or without ال) from a normalised word."""
    for p in ("وبال", "وال", "بال", "لل", "فال", "كال", "ال"):
        if norm.startswith(p) and len(norm) - len(p) >= 2:
            return norm[len(p) :]
    if norm[:1] in "وفبلك" and len(norm) > 3:
        return norm[1:]
    return norm


def number_word(norm: str) -> float | None:
    """Value of a spelled-out number word (with an optional clitic or article), else None."""
    if norm in NUMBER_WORDS:
        return NUMBER_WORDS[norm]
    return NUMBER_WORDS.get(strip_clitic(norm))


def read_number_words(norms: list[str]) -> tuple[float, int] | None:
    """Value of a run of number words at the start of `norms` and how many words it took.

    "خمسة عشر" 15, "مائة وثلاثون" 130, "خمسة وعشرين" 25, "ألف وثلاثمائة" 1300.
    """
    if not norms:
        return None
    first = number_word(norms[0])
    if first is None:
        return None
    value, used = first, 1
    for nxt in norms[1:]:
        joined = NUMBER_WORDS.get(nxt[1:]) if nxt.startswith("و") else None
        if nxt in TEEN_WORDS and value < 10:
            value += 10
        elif joined is not None and joined < value and value >= 100:
            value += joined  # مائة وثلاثون, ألف وثلاثمائة
        elif joined is not None and joined >= 20 and value < 10:
            value += joined  # خمسة وعشرين
        else:
            break
        used += 1
    return value, used
