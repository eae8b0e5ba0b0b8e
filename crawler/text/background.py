"""Background document frequencies: which words and phrases are common across Arabic news on China.

Chinese state-media Arabic coverage repeats formulae ("رسالة تهنئة", "مجتمع ذي مصير مشترك في الفضاء
الإلكتروني") in every report, so sharing them says nothing about copying one report. The table in
crawler/text/data/background.json holds, for a corpus of such texts (the fixture site's articles and
the labelled texts, none derived from the reference; see scripts/build_background.py), the number
of documents each stem and each word 5-shingle occurs in. Stems weigh by inverse document
frequency; shingles found in several documents are stock phrases.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "background.json"


@dataclass(frozen=True)
class Background:
    documents: int
    stem_df: dict[str, int]
    shingle_df: dict[str, int]  # only shingles seen in two documents or more

    def idf(self, stem: str) -> float:
        """Smoothed inverse document frequency; unseen stems weigh most."""
        return math.log((self.documents + 1) / (self.stem_df.get(stem, 0) + 1)) + 1.0

    def is_stock(self, shingle: str, min_documents: int) -> bool:
        return self.shingle_df.get(shingle, 0) >= min_documents


@lru_cache(maxsize=4)
def load_background(path: str | None = None) -> Background:
    """The background table (the packaged one by default)."""
    file = Path(path) if path else DEFAULT_PATH
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{file}: cannot read the background frequencies: {exc}") from exc
    return Background(int(data["documents"]), dict(data["stem_df"]), dict(data["shingle_df"]))
