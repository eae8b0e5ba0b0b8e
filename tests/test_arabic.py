"""crawler.text.arabic: normalisation, digits, punctuation, sentences, tokens and stems across spellings."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from crawler.text.arabic import (
    arabic_ratio,
    clean_display,
    normalize,
    normalize_digits,
    split_sentences,
    stem,
    stems,
    strip_diacritics,
    tokens,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("مُؤْتَمَرٌ", "موتمر"),  # harakat, sukun, tanwin
        ("الشَّبَكَة", "الشبكه"),  # shadda
        ("الإنترنـــت", "الانترنت"),  # tatweel
        ("أحمد إسلام آمال ٱلله", "احمد اسلام امال الله"),  # alef/hamza forms
        ("مستشفى على", "مستشفي علي"),  # alef maqsura -> yaa
        ("مدرسة القمة", "مدرسه القمه"),  # taa marbuta -> haa
        ("مؤتمر رئيس", "موتمر رييس"),  # hamza on waw / yaa
        ("ووتشن\u200f\u200b", "ووتشن"),  # zero-width and direction marks
        ("World  Internet\u00a0Conference", "world internet conference"),
        ("", ""),
    ],
)
def test_normalize(raw: str, expected: str):
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("٢٠٢٠", "2020"),  # Arabic-Indic
        ("۲۰۲۰", "2020"),  # Persian (Eastern Arabic-Indic)
        ("٣٥٫٨", "35.8"),  # Arabic decimal separator
        ("٣٬٥٠٠", "3,500"),  # Arabic thousands separator
        ("36.2 بالمائة", "36.2 بالمائة"),
    ],
)
def test_normalize_digits(raw: str, expected: str):
    assert normalize_digits(raw) == expected
    assert normalize(raw) == normalize(expected)


def test_normalize_punctuation():
    assert normalize("«قال»، هل؟ نعم؛ ٣٦٪") == '"قال", هل? نعم; 36%'


def test_strip_diacritics_keeps_letters():
    assert strip_diacritics("شِي جِين بِينْغ") == "شي جين بينغ"
    assert strip_diacritics("نـــور") == "نور"


def test_clean_display_keeps_letter_forms_for_people():
    text = "  المؤتمر\u200b  العالمي للإنترنـــت \n\n  في ووتشن  "
    assert clean_display(text) == "المؤتمر العالمي للإنترنت\nفي ووتشن"


def test_clean_display_keeps_the_tatweel_of_a_detached_prefix_or_abbreviation():
    # Spelling, not stretching: a one-letter prefix before a quotation or a digit, the Hijri "هـ".
    assert clean_display('على صلة بـ"الجيش الحر"') == 'على صلة بـ"الجيش الحر"'
    assert clean_display("المؤتمر الـ5 والـCNN") == "المؤتمر الـ5 والـCNN"
    assert clean_display("7 ربيع الآخر 1442 هـــ") == "7 ربيع الآخر 1442 هـ"
    assert clean_display("كبيـــرة نـــور بــــ 5") == "كبيرة نور بـ 5"
    assert normalize(clean_display('صلة بـ"الجيش"')) == normalize('صلة ب"الجيش"')


def test_split_sentences():
    text = "افتتح المؤتمر. هل حضر الرئيس؟ نعم!\nسطر جديد"
    assert split_sentences(text) == ["افتتح المؤتمر.", "هل حضر الرئيس؟", "نعم!", "سطر جديد"]


def test_tokens_and_stopwords():
    assert tokens("في المؤتمر العالمي للإنترنت") == ["في", "الموتمر", "العالمي", "للانترنت"]
    assert tokens("في المؤتمر العالمي", drop_stopwords=True) == ["الموتمر", "العالمي"]
    assert tokens("٣٥ شركة") == ["35", "شركه"]


@pytest.mark.parametrize(
    "variants",
    [
        ["الإنترنت", "الانترنت", "الإنترنـت", "الإِنْتَرْنِت"],
        ["المؤتمر", "مؤتمر", "للمؤتمر", "المؤتمرات"],
        ["مدرسة", "مدرسه"],
        ["مستشفى", "مستشفي"],
        ["الاقتصادية", "اقتصادي", "الاقتصاد"],
        ["الرقمية", "الرقمي"],
    ],
)
def test_stems_meet_across_spelling_variants(variants: list[str]):
    results = {tuple(stems(v)) for v in variants}
    assert len(results) == 1, results


def test_stem_of_electronic_with_and_without_article():
    forms = ["إلكتروني", "الإلكتروني", "الالكترونية", "والإلكترونية", "إلكترونيات", "بالإلكترونيات"]
    assert len({tuple(stems(f)) for f in forms}) == 1


def test_article_fused_with_a_particle_is_removed_before_stemming():
    # Snowball removes ال but not وال / بال / لل: the same word had two stems.
    for bare, fused in [("الصين", "والصين"), ("الإنترنت", "والإنترنت"), ("الإنترنت", "للإنترنت"),
                        ("المؤتمر", "والمؤتمر"), ("الرقمية", "والرقمية"), ("التكنولوجيا", "بالتكنولوجيا")]:
        assert stems(bare) == stems(fused), (bare, fused)
    assert sorted(stems("مؤتمر الإنترنت العالمي")) == sorted(stems("والمؤتمر العالمي للإنترنت"))
    assert stems("الله", drop_stopwords=False) == ["الله"]  # nothing is left to strip to


def test_stem_leaves_latin_and_digits():
    assert stem("Wuzhen") == "wuzhen"
    assert stem("2020") == "2020"


def test_stems_drop_stopwords_by_default():
    assert stems("في المؤتمر") == stems("المؤتمر")
    assert len(stems("في المؤتمر", drop_stopwords=False)) == 2


def test_arabic_ratio():
    assert arabic_ratio("المؤتمر العالمي") == 1.0
    assert arabic_ratio("World Internet Conference") == 0.0
    assert arabic_ratio("123 ...") == 0.0
    assert 0.4 < arabic_ratio("ووتشن Wuzhen") < 0.6


def _normalize_in_passes(text: str) -> str:
    """normalize() as it was written before its single table: each fold as a pass of its own."""
    from crawler.text.arabic import _CHAR_MAP, _DIGIT_MAP, _WS, _ZERO_WIDTH, strip_diacritics

    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = _ZERO_WIDTH.sub("", text)
    text = strip_diacritics(text)
    text = text.translate(_DIGIT_MAP).translate(_CHAR_MAP)
    return _WS.sub(" ", text).strip().lower()


def test_single_table_normalize_matches_the_passes_on_every_stored_text() -> None:
    root = Path(__file__).resolve().parent
    texts = [p.read_text(encoding="utf-8") for p in sorted((root / "labelled" / "texts").glob("*.txt"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted((root / "fixtures" / "site" / "articles").glob("*"))]
    texts += [p.read_bytes().decode("utf-8", "replace") for p in sorted((root / "fixtures" / "pages").glob("*.html"))]
    # Every character the folds touch, inside words, alone between spaces and at the edges.
    special = "".join(chr(c) for c in range(0x0600, 0x0700)) + "\u200b\u200f\u202a\u2066\ufeff\u00a0ـ«»“”„‘’٪٫٬۰۹"
    texts += [special, f"  {special}  كلمة {special[::-1]} Word\u200b \u200b WORD  ", "ΑΣ Σ ως\tــ\n٣٫٥"]
    assert len(texts) > 30
    for text in texts:
        assert normalize(text) == _normalize_in_passes(text)


def _stems_in_passes(text: str, drop_stopwords: bool = True) -> list[str]:
    """stems() as it was written before its word cache: the folds over the whole text, then each token."""
    from crawler.text.arabic import _DIGIT_MAP, _PRESTEM_MAP, _TOKEN, _ZERO_WIDTH, STOPWORDS, normalize_word

    raw = _TOKEN.findall(strip_diacritics(_ZERO_WIDTH.sub("", text or "")).translate(_DIGIT_MAP).translate(_PRESTEM_MAP))
    return [stem(t) for t in raw if not (drop_stopwords and normalize_word(t) in STOPWORDS)]


def test_cached_stems_match_the_passes_on_every_stored_text() -> None:
    root = Path(__file__).resolve().parent
    texts = [p.read_text(encoding="utf-8") for p in sorted((root / "labelled" / "texts").glob("*.txt"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted((root / "fixtures" / "site" / "articles").glob("*"))]
    texts += ["في والمؤتمر\u200bالعالمي مُؤْتَمَرٌ ١٢٣ ــ إلكترونية، «الصين»", ""]
    assert len(texts) > 20
    for text in texts:
        assert stems(text) == _stems_in_passes(text)
        assert stems(text, drop_stopwords=False) == _stems_in_passes(text, drop_stopwords=False)
