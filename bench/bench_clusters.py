"""Time story clustering (MinHash LSH) on synthetic Arabic articles with near-duplicate families.

Usage: .venv/bin/python -m bench.bench_clusters [N ...]   (default: 10000)
Prints one markdown table row per N: docs, seconds, docs/s, stories, share of copies found.
"""

from __future__ import annotations

import random
import sys
import time

from datasketch import MinHash, MinHashLSH

from crawler.text.clusters import StoryIndex

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


def _rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))


def plain_datasketch(docs: list[tuple[int, str]], threshold: float = 0.5, num_perm: int = 64) -> dict[int, int]:
    """The anchor: datasketch as its documentation shows it, with the same LSH settings and 5-shingles.

    Lower-cased whitespace words, one MinHash per document, one LSH query then insert; a document
    joins the story of its earliest candidate.
    """
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    story: dict[int, int] = {}
    for doc_id, text in docs:
        words = text.lower().split()
        grams = {" ".join(words[i:i + 5]) for i in range(max(1, len(words) - 4))}
        m = MinHash(num_perm=num_perm)
        m.update_batch([g.encode("utf-8") for g in grams])
        candidates = lsh.query(m)
        story[doc_id] = story[min(candidates)] if candidates else doc_id
        lsh.insert(doc_id, m)
    return story


def _copies_found(story: dict[int, int], origin: dict[int, int]) -> float:
    return sum(1 for c, o in origin.items() if story[c] == story[o]) / max(1, len(origin))


def bench_clusters(n: int, anchor: bool = True) -> dict:
    """Assign stories to `n` articles with Rasad's StoryIndex and with plain datasketch (CPU seconds each).

    Also the resident memory the StoryIndex adds per article (signatures, LSH tables, story ids).
    """
    docs, origin = corpus(n)
    rss_before = _rss_kib()
    index = StoryIndex(threshold=0.5, num_perm=64)
    start = time.process_time()
    story = {doc_id: index.add(doc_id, text) for doc_id, text in docs}
    secs = time.process_time() - start
    index_kib = _rss_kib() - rss_before
    out = {"articles": n, "seconds": secs, "stories": len(set(story.values())),
           "copies_found": _copies_found(story, origin), "bytes_per_article": 1024 * index_kib / n}
    del index
    if anchor:
        start = time.process_time()
        plain = plain_datasketch(docs)
        out["plain_seconds"] = time.process_time() - start
        out["plain_stories"] = len(set(plain.values()))
        out["plain_copies_found"] = _copies_found(plain, origin)
    return out


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
