"""CC-NEWS-shaped WARC files for the scan benchmark: news pages in many languages, a few Arabic, fewer on topic.

Deterministic for a seed. Per file: mostly English/other HTML pages (30-60 KB of varied text, as a news
page weighs), some non-200 and non-HTML records, about 3% Arabic pages off the topic and 0.5% real
Arabic reports of the topic (tests/fixtures/archive/real_pages.json).
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from jobs.local_archive import ArchivedPage
from jobs.local_commoncrawl import write_listing, write_records

REAL_PAGES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "archive" / "real_pages.json"
MONTH = "2022/11"
FIRST = datetime(2022, 11, 9, tzinfo=UTC)
LATIN = ("the of and to in a is that for it as was with be by on not he this are or his from at which but have an "
         "they you were her she there been one all we their has would when if so no market government minister city "
         "report police football season company prices energy climate election court health school").split()


def real_pages() -> list[dict]:
    return json.loads(REAL_PAGES.read_text(encoding="utf-8"))["pages"]


def page_html(p: dict) -> bytes:
    paras = "".join(f"<p>{t}</p>" for t in p["text"])
    return (f"<!doctype html><html lang='ar' dir='rtl'><head><meta charset='utf-8'><title>{p['title']}</title></head>"
            f"<body><article><h1>{p['title']}</h1>{paras}</article></body></html>").encode()


def _latin_page(rng: random.Random, kb: int) -> bytes:
    words = rng.choices(LATIN, k=kb * 170)
    paras = "".join(f"<p>{' '.join(words[i:i + 60])}.</p>" for i in range(0, len(words), 60))
    script = "<script>var cfg={a:1,b:[2,3]};</script>" * rng.randint(5, 30)
    return f"<!doctype html><html lang='en'><head><title>{' '.join(words[:8])}</title>{script}</head><body>{paras}</body></html>".encode()


def news_file_pages(rng: random.Random, n: int, when: datetime, serial: int) -> list[ArchivedPage]:
    pages = real_pages()
    wic = [p for p in pages if p["kind"] == "wic"]
    others = [p for p in pages if p["kind"] != "wic"]
    out = []
    for i in range(n):
        at = when + timedelta(seconds=i)
        roll = rng.random()
        if roll < 0.005:
            p = wic[rng.randrange(len(wic))]
            out.append(ArchivedPage(f"https://portal{serial}.example/ar/{i}", at, page_html(p)))
        elif roll < 0.035:
            p = others[rng.randrange(len(others))]
            out.append(ArchivedPage(f"https://arab{serial}.example/news/{i}", at, page_html(p)))
        elif roll < 0.05:
            out.append(ArchivedPage(f"https://cdn{serial}.example/img/{i}.jpg", at, b"\xff\xd8" + bytes(rng.randbytes(4000)),
                                    "image/jpeg"))
        elif roll < 0.06:
            out.append(ArchivedPage(f"https://site{serial}.example/moved/{i}", at, b"<html>moved</html>",
                                    status="301 Moved Permanently"))
        else:
            out.append(ArchivedPage(f"https://news{serial}.example/story/{i}", at, _latin_page(rng, rng.randint(20, 50))))
    return out


def write_news_files(root: Path, files: int, records: int, seed: int = 19) -> list[str]:
    """`files` CC-NEWS files of `records` records under root (with the month's listing); their paths."""
    rng = random.Random(seed)
    paths = []
    for k in range(files):
        when = FIRST + timedelta(hours=6 * k)
        path = f"crawl-data/CC-NEWS/{MONTH}/CC-NEWS-{when:%Y%m%d%H%M%S}-{k:05d}.warc.gz"
        if not (root / path).exists():
            write_records(root / path, news_file_pages(rng, records, when, k))
        paths.append(path)
    write_listing(root / f"crawl-data/CC-NEWS/{MONTH}/warc.paths.gz", paths)
    write_listing(root / "crawl-data/CC-NEWS/2022/10/warc.paths.gz", [])
    return paths
