"""Time story clustering (MinHash LSH) on synthetic Arabic articles with near-duplicate families.

Usage: .venv/bin/python -m bench.bench_clusters [N ...]   (default: 10000)
Prints one markdown table row per N: docs, seconds, docs/s, stories, share of copies found.
"""

from __future__ import annotations

import random
import sys
import time

from crawler.clusters import StoryIndex

LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
STEMS = (
    "الاقتصاد الرقمي الإنترنت المؤتمر الصين التعاون الفضاء الإلكتروني الحوكمة الذكاء الاصطناعي البيانات "
    "الشبكات الأمن التنمية الابتكار التكنولوجيا الشركات المعرض المنتدى الرئيس الدول العالم الاستثمار "
    "التجارة النمو المدن التعليم الصحة الطاقة النقل الزراعة الحكومة الوزير البرلمان الانتخابات"
).split()


def word_pool(rng: random.Random, size: int = 3000) -> list[str]:
    """Real news words plus pseudo-words of Arabic letters, so the vocabulary is news-sized."""
    fake = {"".join(rng.choice(LETTERS) for _ in range(rng.randint(3, 7))) for _ in range(size)}
    return STEMS + sorted(fake)


def near_copy(rng: random.Random, text: str) -> str:
    """A syndicated copy: a new first line, one sentence dropped, a few words changed."""
    sents = text.split(". ")
    if len(sents) > 3:
        sents.pop(rng.randrange(1, len(sents)))
    words = ". ".join(sents).split()
    for _ in range(max(1, len(words) // 40)):
        words[rng.randrange(len(words))] = rng.choice(STEMS)
    return "عاجل: " + " ".join(words)


def corpus(n: int, seed: int = 11, copy_share: float = 0.15) -> tuple[list[tuple[int, str]], dict[int, int]]:
    """n articles; a share of them are near copies of an earlier one (copy id -> original id)."""
    rng = random.Random(seed)
    pool = word_pool(rng)
    docs: list[tuple[int, str]] = []
    origin: dict[int, int] = {}
    for i in range(n):
        if docs and rng.random() < copy_share:
            src = rng.randrange(len(docs))
            origin[i] = origin.get(src, src)
            docs.append((i, near_copy(rng, docs[src][1])))
        else:
            sents = [" ".join(rng.choices(pool, k=rng.randint(12, 25))) for _ in range(rng.randint(6, 14))]
            docs.append((i, ". ".join(sents)))
    return docs, origin


def bench_clusters(n: int) -> dict:
    """Assign stories to `n` articles; return seconds, stories and the share of copies found."""
    docs, origin = corpus(n)
    index = StoryIndex(threshold=0.5, num_perm=64)
    start = time.perf_counter()
    story = {doc_id: index.add(doc_id, text) for doc_id, text in docs}
    secs = time.perf_counter() - start
    found = sum(1 for c, o in origin.items() if story[c] == story[o])
    return {"articles": n, "seconds": secs, "stories": len(set(story.values())),
            "copies_found": found / max(1, len(origin))}


def run(n: int) -> str:
    r = bench_clusters(n)
    return (f"| {n:,} | {r['seconds']:.1f} | {n / r['seconds']:,.0f} | {r['stories']:,} | "
            f"{r['copies_found']:.3f} |")


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or [10_000]
    print("| articles | seconds | articles/s | stories | copies found |")
    print("|---:|---:|---:|---:|---:|")
    for n in sizes:
        print(run(n), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
