"""Pages of the public extraction benchmark that the precise pass alone used to empty now keep their text.

The pages are read from the benchmark beside the checkout (../shared/extraction-bench, as in CI; see
bench/public_pages.py): real news pages from fundus (MIT), DANIEL (GPL-3.0, read in place, not copied) and
trafilatura's evaluation set (Apache-2.0). Before the fallback each of them came out as "no article text
found", while plain trafilatura.extract read it (BENCHMARKS.md, the extraction section).
"""

from __future__ import annotations

import pytest

from bench.public_pages import prf, snippets
from crawler.text.extract import extract
from tests.extract_helpers import bench_body, bench_page

# (source, page id): each was emptied by the precise pass alone.
FULL_BODY = [
    ("fundus", "de_FAZ_2023_04_28"),
    ("fundus", "us_WashingtonTimes_2023_04_28"),
    ("fundus", "es_Publico_2025_05_29"),
    ("daniel", "20111215_www.webmd.boots.com_2805090080ec7ca0f50b4fdb245332f0d93d3818e08e7787940bfd3a"),
    ("daniel", "20120106_www.ntv.ru_902972a735c13e28e92e7b5780c450ba7f201e52780f41be74f0498d"),
]
SNIPPETS = [
    ("trafilatura", "aoc.media.archaisme"),
    ("trafilatura", "nurmeinstandpunkt.wordpress.com.blogposting"),
]
ARABIC = ("fundus", "lb_LBCGroup_2026_01_08")


@pytest.mark.parametrize(("source", "page_id"), FULL_BODY, ids=[f"{s}/{i[:40]}" for s, i in FULL_BODY])
def test_full_body_page_is_no_longer_emptied(source: str, page_id: str) -> None:
    page = bench_page(source, page_id)
    body = bench_body(page)
    assert len(body) > 1000, f"{source}/{page_id}: {len(body)} characters"
    _, recall, f1 = prf(body, page.body or "")
    assert f1 > 0.9 and recall > 0.9, f"{source}/{page_id}: F1 {f1:.3f}, recall {recall:.3f}"


@pytest.mark.parametrize(("source", "page_id"), SNIPPETS, ids=[i for _, i in SNIPPETS])
def test_snippet_page_is_no_longer_emptied(source: str, page_id: str) -> None:
    page = bench_page(source, page_id)
    body = bench_body(page)
    found, _ = snippets(body, page)
    assert len(body) > 1000 and found == len(page.with_), f"{source}/{page_id}: {found}/{len(page.with_)} found"


def test_the_arabic_page_keeps_its_article_text() -> None:
    """LBCGroup: the precise pass found nothing; the fallback keeps the article (with the site's menu, as plain
    trafilatura 2.0.0 does), so the page is indexed and can be judged for relevance."""
    page = bench_page(*ARABIC)
    article = extract(page.html(), page.url or "")
    assert article.language == "ar"
    first_paragraph = (page.body or "").split("\n\n")[0]
    _, recall, _ = prf(article.body, first_paragraph)
    assert recall > 0.95, f"recall of the first paragraph {recall:.3f}"
    _, recall, _ = prf(article.body, page.body or "")
    assert recall > 0.95, f"recall of the whole expected body {recall:.3f}"
