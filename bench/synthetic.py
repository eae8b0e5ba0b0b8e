"""Synthetic Arabic articles for benchmarks (deterministic for a given seed)."""

from __future__ import annotations

import random

from crawler.items import Article

WORDS = (
    "المؤتمر العالمي للإنترنت ووتشن الاقتصاد الرقمي الصين التعاون الدولي الفضاء الإلكتروني الحوكمة "
    "الذكاء الاصطناعي البيانات الضخمة الحوسبة السحابية شبكات الجيل الخامس الأمن السيبراني التنمية "
    "الابتكار التكنولوجيا الشركات المعرض المنتدى الرئيس رسالة تهنئة الدول العالم المستقبل المشترك "
    "الاستثمار التجارة النمو المدن الذكية التعليم الصحة الطاقة النقل الزراعة السياحة الثقافة الرياضة"
).split()
OUTLETS = ("xinhua", "peoples-daily", "cgtn", "aljazeera", "youm7", "skynews", "rt", "ahram")


def synthetic_article(rng: random.Random, n: int, words: int = 300) -> Article:
    body = " ".join(rng.choice(WORDS) for _ in range(words))
    outlet = OUTLETS[n % len(OUTLETS)]
    return Article(
        url=f"https://{outlet}.example/ar/{n}",
        canonical_url=f"https://{outlet}.example/ar/{n}",
        title=" ".join(rng.choice(WORDS) for _ in range(8)),
        lead=" ".join(rng.choice(WORDS) for _ in range(25)),
        body=body,
        source=outlet,
        language="ar",
        topic="wic-2020",
        published_at=f"2026-11-{1 + n % 27:02d}T10:00:00+00:00",
        relation=rng.choice(("copy", "rewrite", "related", "mention")),
        similarity=round(rng.random(), 3),
        word_count=words,
    )


def synthetic_articles(count: int, seed: int = 7, words: int = 300) -> list[Article]:
    rng = random.Random(seed)
    return [synthetic_article(rng, n, words) for n in range(count)]
