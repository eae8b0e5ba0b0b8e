"""One decision of what is coverage: a backfill stores exactly what `rasad compare` calls copy, rewrite,
related or mention, and says why it dropped the rest.

Real pages (labelled texts and real public pages of tests/labelled) in a WARC file written with
warcio, the real `rasad backfill` and `rasad compare` commands, real Elasticsearch. Among them: travel
pieces on the water town Wuzhen, which the topic-name score alone called relevant (the old gate stored
them) and the comparison calls unrelated, and a mention spelled "قمة واتشن", which the old gate dropped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.config import load_config
from crawler.discovery.archives.prefilter import Prefilter
from crawler.store import Store
from crawler.text.compare import Reference, compare, screen
from crawler.text.extract import extract
from crawler.text.relevance import score_relevance
from jobs.local_archive import ArchivedPage
from tests.conftest import write_config
from tests.drill_helpers import drop_indices
from tests.warc_drills import CAPTURED, page_html, record_bytes, write_records

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT / "tests" / "labelled"
ENV = {k: v for k, v in os.environ.items() if k != "ES_URL"}  # the commands read the config file only

# page name -> (labelled text, what it is)
PAGES = {
    "copy": ("texts/copy_01.txt", "copy"),
    "rewrite": ("texts/rewrite_01.txt", "rewrite"),
    "related": ("texts/related_2020b.txt", "related"),
    "mention": ("texts/mention_01.txt", "mention"),
    "travel-zahrat": ("real/texts/u_wuzhen_zahrat.txt", "unrelated"),
    "travel-iqvel": ("real/texts/u_wuzhen_iqvel.txt", "unrelated"),
    "economy": ("texts/unrelated_01.txt", "unrelated"),
}
# The page's own headline, from its address (tests/labelled/real/labels.json), for a text of one paragraph.
HEADLINES = {"travel-zahrat": "عبق الصين القديمة يفوح من وتشن"}
# A mention spelled as some papers spell the summit: the topic-name score knows no "واتشن".
WATCHEN = ("معرض المؤتمر العالمي للإنترنت", "قمة واتشن للإنترنت")


def page(name: str) -> ArchivedPage:
    """The labelled text as an article page (first line the headline) at an address of its own."""
    if name == "mention-watchen":
        text = (LABELLED / "texts/mention_03.txt").read_text(encoding="utf-8")
        assert WATCHEN[0] in text
        text = text.replace(*WATCHEN)
    else:
        text = (LABELLED / PAGES[name][0]).read_text(encoding="utf-8")
    title, *paragraphs = [ln for ln in text.splitlines() if ln.strip()]
    if not paragraphs:  # a text kept as one paragraph: the headline its page's address carries
        title, paragraphs = HEADLINES[name], [title]
    return ArchivedPage(f"https://news.coverage.example/2020/11/{name}", CAPTURED, page_html(title, paragraphs))


NAMES = [*PAGES, "mention-watchen"]


def run(cfg: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "jobs.cli", "-c", str(cfg), *args], capture_output=True, text=True,
                          timeout=600, cwd=ROOT, env=ENV)


@pytest.fixture
def cfg(tmp_path: Path, es_url: str) -> Iterator[Path]:
    prefix = f"rasad-cg{datetime.now(UTC).strftime('%H%M%S%f')}"
    path = write_config(tmp_path, es_url, prefix, extra=f'\n[archive]\nstate_file = "{tmp_path / "state.json"}"\n')
    yield path
    store = Store(load_config(path, env={}))
    drop_indices(store, prefix)
    store.close()


@pytest.mark.es
@pytest.mark.slow
def test_a_backfill_stores_exactly_what_rasad_compare_calls_coverage(tmp_path: Path, cfg: Path) -> None:
    pages = {name: page(name) for name in NAMES}
    files = []
    for name, p in pages.items():
        files.append(tmp_path / "pages" / f"{name}.html")
        files[-1].parent.mkdir(exist_ok=True)
        files[-1].write_bytes(p.body)
    # What the comparison calls each page, from the command itself.
    compared = run(cfg, "compare", "--json", *map(str, files))
    assert compared.returncode == 0, compared.stderr[-2000:]
    relation = {Path(row["input"]).stem: row["relation"] for row in map(json.loads, compared.stdout.splitlines())}
    assert relation == {**{n: what for n, (_, what) in PAGES.items()}, "mention-watchen": "mention"}
    # The topic-name score alone disagrees on three of them: the old gate stored both travel pieces
    # and dropped the mention spelled "واتشن".
    config = load_config(cfg, env={})
    topic = config.topic(None)
    old_gate = {n: score_relevance(extract(p.body, p.url), topic).is_relevant
                for n, p in pages.items() if n in ("travel-zahrat", "travel-iqvel", "mention-watchen")}
    assert old_gate == {"travel-zahrat": True, "travel-iqvel": True, "mention-watchen": False}

    warc = write_records(tmp_path / "coverage.warc.gz", [record_bytes(p) for p in pages.values()])
    done = run(cfg, "backfill", "--warc", str(warc))
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-3000:])

    store = Store(config)
    try:
        store.client.indices.refresh(index=f"{config.elasticsearch.index_prefix}-*")
        docs = {d["url"]: d for d in store.scan("articles", fields=["url", "relation", "relevance"])}
        seen = {d["url"]: d for d in store.scan("seen", query={"term": {"status": "irrelevant"}})}
        runs = sorted(store.scan("runs"), key=lambda r: r["started_at"])
    finally:
        store.close()
    coverage = {pages[n].url: r for n, r in relation.items() if r != "unrelated"}
    assert {u: d["relation"] for u, d in docs.items()} == coverage  # stored == what compare calls coverage
    assert all(d["relevance"] is not None for d in docs.values())  # the topic-name score is still recorded
    # Each page dropped says why, in the seen index (never fetched again) and in the run's counts.
    dropped = {pages[n].url: n for n, r in relation.items() if r == "unrelated"}
    assert set(seen) == set(dropped)
    for url, name in dropped.items():
        why = "names the town of Wuzhen without" if name.startswith("travel") else "names neither the event"
        assert seen[url]["reason"].startswith(f"unrelated: {why}"), seen[url]
    counts = runs[-1]["counts"]
    assert counts["dropped_irrelevant"] == 3 and counts["unrelated_town_only"] == 2 and counts["unrelated_no_name"] == 1
    assert counts["relevant"] == counts["indexed"] == 5
    read = counts["archive_warc_read"]
    assert read == 8 == sum(counts.get(f"archive_warc_{k}", 0) for k in ("stored", "dropped", "failed"))
    assert "WARC records: 8 read = 5 stored + 3 dropped (irrelevant 3) + 0 failed" in done.stdout
    assert "not coverage (what the comparison calls unrelated): 1 no_name, 2 town_only" in done.stdout


def _labelled_texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(LABELLED.glob("**/texts/*.txt"))]


def test_the_cheap_screen_calls_unrelated_exactly_what_compare_does(tmp_path: Path) -> None:
    """The crawl drops on screen() before paying for the whole comparison: on every labelled text
    (real pages among them) it must agree with compare()."""
    config = load_config(write_config(tmp_path, "http://127.0.0.1:9", "p"), env={})
    topic = config.topic(None)
    reference = Reference.from_topic(topic, config.path(topic.reference))
    texts = _labelled_texts()
    verdicts = [(screen(t, reference, config.compare).unrelated, compare(t, reference, config.compare).relation)
                for t in texts]
    assert len(texts) > 130
    assert [u for u, _ in verdicts] == [r == "unrelated" for _, r in verdicts]
    assert sum(u for u, _ in verdicts) > 40 and sum(not u for u, _ in verdicts) > 70  # both outcomes seen


def test_the_archive_prefilter_drops_nothing_the_comparison_keeps(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, "http://127.0.0.1:9", "p"), env={})
    topic = config.topic(None)
    reference = Reference.from_topic(topic, config.path(topic.reference))
    prefilter = Prefilter(topic, topic.url_keywords)
    kept = 0
    for text in _labelled_texts():
        if compare(text, reference, config.compare).relation == "unrelated":
            continue
        title, *paragraphs = [ln for ln in text.splitlines() if ln.strip()]
        assert prefilter.reason("https://x.example/a", page_html(title, paragraphs)) is None, title
        kept += 1
    assert kept > 70
    # The summit spelled "واتشن": only the comparison's patterns name it (the old prefilter dropped it).
    watchen = page("mention-watchen")
    assert prefilter.reason("https://x.example/a", watchen.body) is None
    assert prefilter.reason("https://x.example/a", page("economy").body) == "off_topic"
