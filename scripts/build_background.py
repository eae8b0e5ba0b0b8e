"""Rebuild crawler/text/data/background.json: document frequencies of stems and word 5-shingles.

The corpus: the fixture site's articles and the labelled texts (hand-written and real), leaving out
every text derived from the reference (copies, rewrites, figure drift, the fixture's ref-* pages),
which would make the reference's own phrases look common.

    .venv/bin/python scripts/build_background.py
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.text.arabic import stems  # noqa: E402
from crawler.text.background import DEFAULT_PATH  # noqa: E402
from crawler.text.compare import shingles  # noqa: E402

DERIVED = {"copy", "rewrite"}


def corpus() -> list[str]:
    texts = []
    for path in sorted((ROOT / "tests/fixtures/site/articles").glob("*.txt")):
        if not path.name.startswith("ref-"):
            texts.append(path.read_text(encoding="utf-8"))
    for manifest in (ROOT / "tests/labelled/labels.json", ROOT / "tests/labelled/real/labels.json"):
        for item in json.loads(manifest.read_text(encoding="utf-8"))["items"]:
            if item["relation"] not in DERIVED:
                texts.append((manifest.parent / item["file"]).read_text(encoding="utf-8"))
    return texts


def main() -> None:
    docs = corpus()
    stem_df: Counter[str] = Counter()
    shingle_df: Counter[str] = Counter()
    for text in docs:
        stem_df.update(set(stems(text)))
        shingle_df.update(shingles(text))
    table = {
        "documents": len(docs),
        "stem_df": dict(sorted(stem_df.items())),
        "shingle_df": {k: v for k, v in sorted(shingle_df.items()) if v >= 2},
    }
    DEFAULT_PATH.parent.mkdir(parents=True, exist_ok=True)
    DEFAULT_PATH.write_text(json.dumps(table, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"{DEFAULT_PATH}: {len(docs)} documents, {len(stem_df)} stems, {len(table['shingle_df'])} stock shingles")


if __name__ == "__main__":
    main()
