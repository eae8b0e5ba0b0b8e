"""One story per text: the same text stored under two dates and routes (a 2020 archive capture and
today's crawl copy) gets one story id, and the digest lists it once with its outlets and first date.

End to end: the fixture site on 127.0.0.1, the fixture outlets' 2020 pages in a local web archive
(pywb, WARC files written with warcio), a real backfill and a real crawl into a real Elasticsearch.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.backfill import plan_backfill
from crawler.config import load_config
from crawler.items import Article
from crawler.store import Store
from crawler.store.schema import INDICES
from crawler.stories import StoredStories
from crawler.text.clusters import StoryIndex
from jobs import tasks
from jobs.fixture_archive import fixture_archive
from jobs.fixture_site import SITE_DIR, start_fixture_site
from reports.service import make_digest
from tests.conftest import write_config

pytestmark = [pytest.mark.es, pytest.mark.slow]

OUTLETS = ["xinhua_arabic", "peoples_daily_arabic"]


def test_archive_capture_and_crawl_copy_are_one_story(tmp_path: Path, es_url: str, index_prefix: str) -> None:
    site = start_fixture_site()
    archive = fixture_archive(site.base_url, tmp_path / "archive").start()
    extra = f"""
[crawl]
base_url_override = "{site.outlet_base}"
allow_private_addresses = true
download_delay = 0
sources = {json.dumps(OUTLETS)}

[archive]
wayback_cdx_url = "{archive.cdx_url('ia')}"
wayback_replay_url = "{archive.replay_url('ia')}"
cc_index_url = "{archive.cc_index_url}"
cc_data_url = "{archive.cc_data_url}"
wayback_cdx_rate = 0
wayback_replay_rate = 0
cc_index_rate = 0
cc_data_rate = 0
state_file = "{tmp_path / 'backfill-state.json'}"
"""
    config = load_config(write_config(tmp_path, es_url, index_prefix, extra=extra), env={})
    store = Store(config)
    try:
        plan = plan_backfill(config, start=None, end=None, topic="wic-2020", archives=["ia"], warc_files=None,
                             source_names=OUTLETS)
        assert tasks.backfill(config, plan)["status"] == "ok"
        crawled = tasks.crawl(config)
        assert crawled["status"] in ("ok", "partial"), crawled
        store.refresh()
        docs = list(store.scan("articles"))
    finally:
        archive.stop()
        site.stop()
    try:
        by_text: dict[str, list[dict]] = defaultdict(list)
        for d in docs:
            by_text[d["content_hash"]].append(d)
        pairs = [group for group in by_text.values() if len(group) > 1]
        # x1 and p1 (copies of the reference) and xp2: each stored from the 2020 archive and from today's crawl.
        assert len(pairs) >= 3, [d["url"] for d in docs]
        for group in pairs:
            assert {d["discovered_via"].startswith("archive:") for d in group} == {True, False}
            assert len({d["story_id"] for d in group}) == 1, [(d["url"], d["story_id"]) for d in group]
        # The digest of everything stored: each story once, with both outlets and the 2020 date first.
        outcome = make_digest(config, store, since=datetime(2020, 1, 1, tzinfo=UTC),
                              until=datetime.now(UTC) + timedelta(minutes=1))
        text = next(Path(f) for f in outcome.files if f.endswith(".txt")).read_text(encoding="utf-8")
        stories = {d["story_id"] for d in docs}
        assert f"القصص: {len(stories)}" in text
        copies = next(g for g in pairs if g[0]["relation"] == "copy")
        story_docs = [d for d in docs if d["story_id"] == copies[0]["story_id"]]
        assert set(OUTLETS) <= {d["source"] for d in story_docs}
        outlets = len({d["source_name"] for d in story_docs})
        header = re.search(rf"قصة واحدة نشرتها {outlets} وسائل إعلام \({len(story_docs)} مقالات\)، أولاً .+ في (\S+)", text)
        assert header and header.group(1).startswith("2020-11-"), text[:3000]  # the first publication: 2020
        assert text.count("قصة واحدة") == sum(1 for s in stories if sum(d["story_id"] == s for d in docs) > 1)
    finally:
        store.client.options(ignore_status=404).indices.delete(index=f"{index_prefix}-*")
        for kind in INDICES:
            store.client.options(ignore_status=404).indices.delete_index_template(name=f"{index_prefix}-{kind}")
        store.close()


def _article(n: int, text: str, story: str | None = None) -> Article:
    url = f"https://news.example/ar/{n}"
    a = Article(url=url, canonical_url=url, title=f"t{n}", body=text, published_at=f"20{20 + n}-11-23T10:00:00+00:00")
    index = StoryIndex()
    a.story_id = str(index.add(a.doc_id, text))
    a.story_keys = index.keys_of(a.doc_id)
    if story:
        a.story_id = story
    return a


def test_stored_stories_edges(store: Store) -> None:
    """The lookup on its own: no candidates, an unrelated text, a near copy, and a later member in the batch."""
    text = (SITE_DIR / "articles" / "ref-verbatim.txt").read_text(encoding="utf-8")
    other = (SITE_DIR / "articles" / "unrelated-football.txt").read_text(encoding="utf-8")
    stories = StoredStories()
    assert stories.resolve([], store) == 0
    lone = _article(0, text)
    assert stories.resolve([lone], store) == 0 and lone.story_id == lone.doc_id  # nothing stored yet
    store.index_articles([lone])
    unrelated = _article(1, other)
    near = _article(2, text.replace("ووتشن", "وو تشن", 1) + "\nسطر أخير جديد.")
    member = _article(3, text, story=near.doc_id)  # joined `near` in this run's own index
    assert stories.resolve([unrelated, near, member], store) == 1
    assert unrelated.story_id == unrelated.doc_id
    assert near.story_id == member.story_id == lone.doc_id
    later = _article(4, text, story=near.doc_id)  # a later batch of the same run
    assert stories.resolve([later], store) == 0 and later.story_id == lone.doc_id
