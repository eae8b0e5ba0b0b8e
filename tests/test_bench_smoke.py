"""`make bench` at tiny sizes: every section runs against the real components and yields numbers.

No timing is asserted (the machine decides those); what is checked is that each section measured
something real: pages extracted, a crawl that fetched and indexed, stories, digests, bulk writes,
and a baseline comparison whose outputs match.
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

import pytest

from bench.bench_crawl import bench_crawl
from bench.bench_extract import bench_extract, bench_public, bench_real, emptied, public_markdown, token_f1
from bench.pages import make_pages
from bench.public_pages import SOURCES, PublicPage, prf, snippets
from bench.real_pages import real_pages
from bench.run import _write, run_sections
from bench.sections import Sizes
from crawler.config import Config

TINY = Sizes(extract_pages=12, crawl_pages=30, cluster_sizes=(150,), digest_articles=60, bulk_docs=80,
             bulk_chunks=(20, 80), stage_pages=12, startup_runs=1, public_extraction="one")
NUMBER = re.compile(r"\d")


def test_generated_pages_carry_their_body_and_vary() -> None:
    pages = make_pages(30, seed=2)
    assert len({p.layout for p in pages}) >= 10
    assert len({p.body for p in pages}) == 30
    for p in pages:
        first = p.body.split("\n")[0]
        # The body text is in the page (HTML escaping aside) and the page is the same for the seed.
        assert first.split()[0].encode() in p.html
    assert [p.html for p in make_pages(3, seed=2)] == [p.html for p in pages[:3]]


def test_token_f1() -> None:
    assert token_f1("المؤتمر العالمي للإنترنت", "المؤتمر العالمي للإنترنت") == 1.0
    assert token_f1("", "المؤتمر") == 0.0
    assert 0.0 < token_f1("المؤتمر العالمي", "المؤتمر الدولي") < 1.0


def test_extraction_section_compares_both_extractors() -> None:
    r = bench_extract(12)
    assert r["rasad_ms"] > 0 and r["trafilatura_ms"] > 0
    assert r["rasad_vs_truth"] > 0.9  # Rasad finds the body that was put into the pages
    assert 0.0 < r["trafilatura_vs_truth"] <= 1.0
    assert 0.0 < r["rasad_vs_trafilatura_jaccard"] <= 1.0


def test_real_pages_carry_their_address_and_expected_text() -> None:
    pages = real_pages()
    assert len(pages) >= 10 and "ar" in {p.language for p in pages}
    for p in pages:
        assert p.url.startswith(("http://", "https://")) and len(p.expected) > 300
        assert b"<html" in p.html[:5000].lower() or b"<!doctype" in p.html[:5000].lower()


def test_extraction_beats_plain_trafilatura_on_the_real_pages() -> None:
    """Accuracy only (CPU is compared in `make bench`): Rasad's body is closer to the expected text."""
    r = bench_real(rounds=1)
    assert r["f1"]["rasad"] > r["f1"]["trafilatura"]
    assert r["f1"]["rasad"] > 0.95 and r["empty"]["rasad"] == 0
    assert set(r["ms"]) == {"rasad", "trafilatura", "trafilatura_no_comments"}


def test_public_benchmark_scoring_follows_its_readme() -> None:
    """Bag-of-words overlap of lower-cased word tokens; F1 0 without overlap; snippets on collapsed spaces."""
    p, r, f1 = prf("Gaza gaza city", "gaza city council")
    assert (p, r) == (2 / 3, 2 / 3) and f1 == pytest.approx(2 / 3)
    p, r, f1 = prf("a a a b", "a b b c")  # overlap min(3,1) + min(1,2) = 2
    assert (p, r) == (0.5, 0.5)
    assert prf("", "expected text") == (0.0, 0.0, 0.0) and prf("other words", "expected text")[2] == 0.0
    page = PublicPage("trafilatura", "x", None, "en", Path("/dev/null"),
                      with_=("must  be\nhere", "missing"), without=("menu item", "absent"))
    assert snippets("text: must be here, then a menu  item", page) == (1, 1)


def test_emptied_counts_no_text_and_lost_text_against_the_other_side() -> None:
    snip = {"with_found": 0, "with": 1, "without_absent": 0, "without": 0}
    rec = {"chars": {"rasad": 0, "trafilatura": 10}, "rasad": snip, "trafilatura": snip}
    assert emptied(rec) == "empty" and emptied(rec, "trafilatura", "rasad") is None
    # Snippet pages (no full text to measure against): under 350 characters where the other has 350.
    assert emptied({**rec, "chars": {"rasad": 349, "trafilatura": 350}}) == "short"
    assert emptied({**rec, "chars": {"rasad": 349, "trafilatura": 349}}) is None
    assert emptied({**rec, "chars": {"rasad": 350, "trafilatura": 9000}}) is None
    # Full-body pages: under half the expected text where the other holds half; a short complete text is kept.
    def full(mine: float, theirs: float, chars: int = 200) -> dict:
        return {"chars": {"rasad": chars, "trafilatura": 9000}, "rasad": {"r": mine}, "trafilatura": {"r": theirs}}
    assert emptied(full(0.49, 0.5)) == "short" and emptied(full(0.49, 0.49)) is None
    assert emptied(full(0.95, 1.0, chars=248)) is None
    assert emptied(full(0.1, 0.98, chars=9000)) == "short"


def test_public_benchmark_runs_both_extractors_on_one_page_per_source() -> None:
    r = bench_public("one")
    assert r["pages"] == len(SOURCES) == 5
    overall = r["summary"]["overall"]
    assert overall["full_pages"] == 3 and overall["snippet_pages"] == 2
    for side in ("rasad", "trafilatura"):
        assert overall[side]["cpu_s"] > 0 and 0 < overall[side]["f1"] <= 1
    assert {"dev", "held-out"} >= {rec["half"] for rec in r["records"]}
    table = public_markdown(r)
    assert all(f"| {src} |" in table for src in SOURCES) and "| overall |" in table
    with pytest.raises(ValueError, match="mode 'most'"):
        bench_public("most")


@pytest.mark.es
@pytest.mark.slow
def test_crawl_section_times_every_stage(config: Config) -> None:
    r = bench_crawl(config, 30)
    assert r["fetched"] == 30 and r["extracted"] == 30
    assert r["errors"] == {}  # the scaled site answers every route the outlets declare (JSON search too)
    assert r["indexed"] > 0 and r["stored"] == r["indexed"]
    for stage in ("extract", "relevance", "compare", "store_write"):
        assert r["stages"][stage] > 0, stage
    # Stages run in the worker processes and the crawl's threads at once: their seconds overlap, but
    # cannot exceed the crawl's wall time in every place they run.
    assert sum(r["stages"].values()) < r["crawl_s"] * ((os.cpu_count() or 1) + 2)
    assert r["peak_rss_mib"] > 50  # a Scrapy process with trafilatura loaded
    assert r["cpu_s"] > 0  # the crawl process and its worker processes
    assert r["bare"]["fetched"] == 30 and r["bare"]["extracted"] == 30 and r["bare"]["cpu_s"] > 0


@pytest.mark.es
@pytest.mark.slow
def test_every_section_runs_and_the_report_is_written(config: Config, tmp_path: Path) -> None:
    rows, blocks = run_sections(config, TINY)
    assert not [r for r in rows if r[1] == "FAILED"], rows
    sections = {s for s, _, _ in rows}
    assert sections == {"start-up", "extraction", "crawl pipeline", "before / after", "story clusters", "digest",
                        "bulk indexing", "search", "CC-NEWS scan"}
    assert all(NUMBER.search(value) for _, _, value in rows)
    assert any("outputs identical: yes" in value for _, _, value in rows)
    assert {name for name, _ in blocks} == {"start-up", "extraction", "crawl pipeline", "before / after", "CC-NEWS scan"}
    out = tmp_path / "BENCHMARKS.md"
    _write(out, rows, blocks, argparse.Namespace(quick=True), 1.0)
    text = out.read_text(encoding="utf-8")
    assert "| section | measurement | value |" in text and "- machine:" in text and "## before / after" in text


@pytest.mark.es
def test_search_section_measures_the_command_beside_a_raw_query(config: Config) -> None:
    from bench.bench_search import bench_search

    r = bench_search(config, 60, repeats=2, process_runs=1)
    assert r["all"]["matches"] == 60 and 0 < r["filtered"]["matches"] < 60
    assert r["all"]["p50"] > 0 and r["all"]["raw_p50"] > 0 and r["process_median_s"] > 0


def test_extraction_misses_names_each_loss_to_trafilatura() -> None:
    from bench.extraction_misses import losses

    full = {"chars": {"rasad": 900, "trafilatura": 900}, "rasad": {"f1": 0.80, "r": 0.9},
            "trafilatura": {"f1": 0.90, "r": 0.9}}
    assert losses(full, 0.05) == ["F1 0.800 < 0.900"] and losses(full, 0.2) == []
    snip = {"chars": {"rasad": 0, "trafilatura": 500},
            "rasad": {"with_found": 0, "with": 2, "without_absent": 1, "without": 1},
            "trafilatura": {"with_found": 2, "with": 2, "without_absent": 0, "without": 1}}
    assert losses(snip, 0.05) == ["emptied (empty)", "with 0/2 < 2"]
