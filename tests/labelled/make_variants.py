"""Regenerate the mechanical variants of the labelled set (copies, light edits, figure drift).

Each variant is an explicit edit of the reference article: a dropped paragraph, a new headline,
added diacritics/tatweel, folded alef forms, swapped digits. Hand-written items are not touched.
Run: .venv/bin/python tests/labelled/make_variants.py
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent / "texts"
REF = (ROOT / "reports" / "reference" / "wic-2020.txt").read_text(encoding="utf-8")
P = REF.strip().split("\n")  # P[0] caption, P[1] opening, ... P[6] closing
INDIC = str.maketrans("0123456789.", "٠١٢٣٤٥٦٧٨٩٫")


def sub(text: str, pairs: list[tuple[str, str]]) -> str:
    """Apply literal replacements, each of which must apply (so an edit never silently vanishes)."""
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new)
    return text


def indic_digits(text: str) -> str:
    """Western digits and decimal points between digits to Arabic-Indic."""
    out = []
    for i, ch in enumerate(text):
        if ch == "." and 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit():
            out.append("٫")
        else:
            out.append(ch.translate(INDIC) if ch.isdigit() else ch)
    return "".join(out)


DIACRITICS = [
    ("الصين", "الصِّين"),
    ("المؤتمر", "المُؤتَمَر"),
    ("الإنترنت", "الإنْتَرْنِت"),
    ("الرقمي", "الرَّقْمِيّ"),
    ("مشترك", "مُشْتَرَك"),
    ("العالم", "العالَم"),
]
TATWEEL = [
    ("الاقتصاد", "الاقتصـــاد"),
    ("الفضاء", "الفضـاء"),
    ("التعاون", "التعـاون"),
    ("الحوكمة", "الحوكـمة"),
]
ALEF = [("أ", "ا"), ("إ", "ا"), ("ة ", "ه "), ("ى ", "ي ")]

VARIANTS = {
    "copy_01": REF,
    "copy_02": "الرئيس شي: الصين مستعدة للعمل مع العالم لبناء مجتمع ذي مصير مشترك في الفضاء الإلكتروني\n"
    "ووتشن، 24 نوفمبر (شينخوا)\n" + REF,
    "copy_03": sub(REF, DIACRITICS + TATWEEL),
    "copy_04": sub(REF, ALEF),
    "copy_05": "\n".join(P[1:]),
    "copy_06": "\n".join(P[:-1]),
    "copy_07": indic_digits(REF),
    "copy_08": REF + "\nاقرأ أيضا:\nالصين تطلق منصة جديدة للتجارة الإلكترونية العابرة للحدود\n"
    "انطلاق معرض الصين الدولي للاستيراد في شانغهاي\nالمصدر: وكالات",
    "copy_09": "المؤتمر العالمي للإنترنت يفتتح أعماله في ووتشن وسط دعوات لتعزيز التعاون الرقمي\n"
    + "\n".join(P[:2] + P[3:]),
    "copy_10": sub("\n".join(P[:3] + P[4:]), TATWEEL + ALEF),
    "drift_01": sub(REF, [("35.8 تريليون", "34.8 تريليون")]),
    "drift_02": sub(REF, [("36.2 بالمائة", "٣٧ بالمائة")]),
    "drift_03": indic_digits(sub(REF, [("130 شركة", "150 شركة"), ("15 إنجازا", "20 إنجازا")])),
    "drift_04": sub(REF, [("لـ 7 سنوات", "لـ 8 سنوات")]),
    "drift_08": sub(REF, [("لـ 7 سنوات", "طوال سبعة أعوام"), ("130 شركة", "مائة وثلاثون شركة")]),
}


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, text in VARIANTS.items():
        (OUT / f"{name}.txt").write_text(text.strip() + "\n", encoding="utf-8")
        print(name)


if __name__ == "__main__":
    main()
