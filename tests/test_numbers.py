"""crawler.text.numbers: every way the Arabic press writes a number."""

from __future__ import annotations

import pytest

from crawler.text.facts import extract_facts
from crawler.text.numbers import parse_number, read_number_words


@pytest.mark.parametrize(
    ("token", "value"),
    [
        ("8ر35", 35.8),  # Egyptian decimal: fraction digits typed first
        ("2ر36", 36.2),
        ("005ر1", 1.005),
        ("٨ر٣٥", 35.8),  # the same in Arabic-Indic digits
        ("٣٥٫٨", 35.8),  # Arabic decimal separator
        ("۳۵٫۸", 35.8),  # Persian digits
        ("1,300", 1300),
        ("١٬٣٠٠", 1300),  # Arabic thousands separator
        ("36,2", 36.2),
        ("22.58", 22.58),
    ],
)
def test_parse_number(token, value):
    assert parse_number(token) == pytest.approx(value)


def test_plain_words_are_not_numbers():
    assert parse_number("ووتشن") is None


@pytest.mark.parametrize(
    ("words", "value", "used"),
    [
        ("خمسة عشر إنجازا", 15, 2),
        ("مائة وثلاثون شركة", 130, 2),
        ("خمسة وعشرين عاما", 25, 2),
        ("ألف وثلاثمائة سنة", 1300, 2),
        ("ثلاثمائة جسر", 300, 1),
        ("ملياري شخص", 2e9, 1),
        ("بعشر سنوات", 10, 1),
    ],
)
def test_number_words(words, value, used):
    from crawler.text.arabic import normalize

    assert read_number_words([normalize(w) for w in words.split()]) == (value, used)


@pytest.mark.parametrize(
    ("text", "shown", "value", "unit"),
    [
        ("سجلت القيمة المضافة 8ر35 تريليون يوان خلال عام 2019", "35.8 تريليون يوان", "3.58e+13", "يوان"),
        ("بما يمثل 2ر36% من الناتج المحلي الإجمالي", "36.2 %", "36.2", "%"),
        ("بلغ الاقتصاد الرقمي 22.58 ترليون يوان", "22.58 ترليون يوان", "2.258e+13", "يوان"),
        ("بلغ حجمه ۳۵٫۸ تريليون يوان", "35.8 تريليون يوان", "3.58e+13", "يوان"),
        ("استثمارات بقيمة 3 مليارات دولار", "3 مليارات دولار", "3e+09", "دولار"),
        ("يعيش فيها ١٢ ألف نسمة", "12 ألف نسمة", "12000", "نسم"),
    ],
)
def test_figures_in_text(text, shown, value, unit):
    [fact] = [f for f in extract_facts(text) if f.kind == "number"]
    assert (fact.text, fact.value, fact.unit) == (shown, value, unit)
