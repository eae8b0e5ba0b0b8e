"""CPU milliseconds a page costs after the language stage (relevance score, coverage decision,
comparison, story signature), over the labelled texts and fixture pages: median, and per outcome.

Run from a checkout: `.venv/bin/python scripts/coverage_cost.py`. To measure another version of the
code on the same pages, put that version first on the path (`PYTHONPATH=/path/to/old/checkout`):
without crawler.text.compare.judge it is measured as the old gate (the relevance score decides,
then the whole comparison of what it keeps).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

from crawler.config import load_config
from crawler.items import Article
from crawler.text import compare as cmp
from crawler.text.clusters import signature
from crawler.text.relevance import score_relevance

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 7  # each page's best of these: CPU time, so other processes on the machine weigh little


def pages() -> list[tuple[str, str]]:
    files = [*sorted((ROOT / "tests/labelled").glob("**/texts/*.txt")), *sorted((ROOT / "tests/fixtures/site/articles").glob("*.txt"))]
    out = [("", f.read_text(encoding="utf-8")) for f in files]
    real = json.loads((ROOT / "tests/fixtures/archive/real_pages.json").read_text(encoding="utf-8"))["pages"]
    return out + [(p["title"], "\n".join(p["text"])) for p in real]


def main() -> int:
    config = load_config(ROOT / "rasad.example.toml", env={})
    topic = config.topic(None)
    path = ROOT / "reports/reference/wic-2020.txt"
    reference, reference_text = cmp.Reference.from_topic(topic, path), path.read_text(encoding="utf-8")
    one_rule = hasattr(cmp, "judge")

    def page(title: str, text: str) -> bool:
        rel = score_relevance(Article(url="x", title=title, body=text), topic, reference_text=reference_text)
        if one_rule:
            kept = cmp.judge(text, reference, config.compare, title=title)[1] is not None
        else:
            kept = rel.is_relevant
            if kept:
                cmp.compare(text, reference, config.compare, title=title)
        if kept:
            signature(text, 128)
        return kept

    items = pages()
    kept = [page(*i) for i in items]
    best = [float("inf")] * len(items)
    for _ in range(ROUNDS):
        for j, item in enumerate(items):
            started = time.process_time()
            page(*item)
            best[j] = min(best[j], (time.process_time() - started) * 1000)
    k = [b for b, x in zip(best, kept, strict=True) if x]
    d = [b for b, x in zip(best, kept, strict=True) if not x]
    print(f"{'one rule' if one_rule else 'old gate'}: {len(items)} pages, median {statistics.median(best):.2f} ms/page "
          f"(mean {statistics.mean(best):.2f}); kept {len(k)}: median {statistics.median(k):.2f}; "
          f"dropped {len(d)}: median {statistics.median(d):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
