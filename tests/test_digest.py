"""The digest model (pure) and the digest service against a real Elasticsearch node."""

from __future__ import annotations

import signal
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest

from reports.digest import RELATIONS, build_digest
from reports.service import make_digest
from tests.digest_helpers import sample_articles

P0 = datetime(2026, 11, 26, tzinfo=UTC)
P1 = datetime(2026, 11, 27, tzinfo=UTC)
P2 = datetime(2026, 11, 28, tzinfo=UTC)


def _digest(docs, **kw):
    return build_digest(docs, topic="wic-2020", period_start=P0, period_end=P1, kibana_url="http://kibana:5601", **kw)


# -- model ---------------------------------------------------------------------------------------


def test_articles_grouped_by_story_copies_first_then_by_date():
    docs = sample_articles(P0)
    d = _digest(docs)
    by_story = Counter(doc["story_id"] for doc in docs if doc["story_id"])
    biggest = by_story.most_common(1)[0][0]
    assert d.stories[0].story_id == biggest
    assert len(d.stories[0].articles) == by_story[biggest]
    # Articles without a story each stand alone.
    assert d.counts.stories == len(by_story) + sum(1 for doc in docs if not doc["story_id"])
    for story in d.stories:
        keys = [(RELATIONS.index(a.relation), a.published_at) for a in story.articles]
        assert keys == sorted(keys)
    wire = d.stories[0]
    earliest = min((doc for doc in docs if doc["story_id"] == biggest), key=lambda x: datetime.fromisoformat(x["published_at"]))
    assert wire.first.outlet == earliest["source_name"]
    assert [a.relation for a in wire.articles][0] == "copy"


def test_headline_numbers_and_per_outlet_and_per_day_counts():
    docs = sample_articles(P0)
    d = _digest(docs)
    outlets = Counter(doc["source_name"] for doc in docs)
    assert dict(d.outlets) == dict(outlets)
    assert [n for _, n in d.outlets] == sorted(outlets.values(), reverse=True)
    relations = Counter(doc["relation"] for doc in docs)
    assert {r: getattr(d.counts, r) for r in RELATIONS} == {r: relations[r] for r in RELATIONS}
    assert d.counts.conflicting == sum(1 for doc in docs if doc["facts_conflicting"])
    assert d.counts.outlets == len(outlets)
    days = Counter(datetime.fromisoformat(doc["published_at"]).astimezone(UTC).date() for doc in docs)
    assert {day: n for day, n in d.days if n} == dict(days)
    assert sum(n for _, n in d.days) == len(docs)


def test_novel_sentences_limited_and_kibana_links_filter_period_and_relation():
    docs = sample_articles(P0)
    d = _digest(docs)
    longest = max(len(doc["novel_sentences"]) for doc in docs)
    assert longest >= 3
    assert max(len(a.novel_sentences) for s in d.stories for a in s.articles) == 3
    copy_link = unquote(d.links["copy"])
    assert "index:'rasad-articles'" in copy_link
    assert f'indexed_at >= "{P0.isoformat()}"' in copy_link and f'indexed_at < "{P1.isoformat()}"' in copy_link
    assert "relation:copy" in copy_link and "relation:" not in unquote(d.links["all"])
    assert f"to:'{P1.isoformat()}'" in copy_link


def test_max_articles_limits_the_listing_not_the_counts():
    docs = sample_articles(P0)
    d = _digest(docs, max_articles=5)
    assert sum(len(s.articles) for s in d.stories) == 5
    assert d.omitted == len(docs) - 5
    assert d.counts.articles == len(docs) and len(d.article_ids) == len(docs)


# -- service (real Elasticsearch) -----------------------------------------------------------------


def _files(outcome) -> dict[str, bytes]:
    return {Path(p).suffix: Path(p).read_bytes() for p in outcome.files}


@pytest.mark.es
def test_same_period_twice_gives_the_same_digest(config, store):
    store.index_articles(sample_articles(P0 + timedelta(hours=1)))
    first = make_digest(config, store, since=P0, until=P1, now=P1 + timedelta(hours=1))
    files1 = _files(first)
    second = make_digest(config, store, since=P0, until=P1, now=P1 + timedelta(days=3))
    assert first.article_count == 15 and first.status == "pending"
    assert second.digest_id == first.digest_id
    assert set(files1) == {".html", ".txt", ".eml", ".png"}
    assert _files(second) == files1  # no wall clock in any file
    records = store.digests()
    assert len(records) == 1
    assert sorted(records[0]["article_ids"]) == sorted(d["id"] for d in sample_articles(P0 + timedelta(hours=1)))
    assert Path(first.files[0]).name.startswith(f"rasad-digest-{P1:%Y-%m-%d}-{first.digest_id[:8]}")


@pytest.mark.es
def test_no_article_in_two_digests(config, store):
    batch1 = sample_articles(P0 + timedelta(hours=1), prefix="a/")
    batch2 = sample_articles(P1 + timedelta(hours=1), prefix="b/")
    store.index_articles(batch1)
    first = make_digest(config, store, since=P0, until=P1, now=P1)
    store.index_articles(batch2)
    # Default period starts at the end of the last digest.
    second = make_digest(config, store, now=P2)
    # An overlapping period still leaves out what an earlier digest reported.
    third = make_digest(config, store, since=P0, until=P2 + timedelta(hours=1), now=P2 + timedelta(hours=1))
    ids = {r["digest_id"]: set(r["article_ids"]) for r in store.digests()}
    assert ids[first.digest_id] == {d["id"] for d in batch1}
    assert ids[second.digest_id] == {d["id"] for d in batch2}
    assert ids[third.digest_id] == set()
    period = next(r for r in store.digests() if r["digest_id"] == second.digest_id)
    assert datetime.fromisoformat(period["period_start"]) == P1


@pytest.mark.es
def test_empty_period_sends_short_digest_when_configured(config, store):
    config.digest.send_empty = True
    outcome = make_digest(config, store, since=P0, until=P1, now=P1)
    assert outcome.article_count == 0 and outcome.status == "pending"
    files = _files(outcome)
    assert "لا تغطية جديدة" in files[".txt"].decode("utf-8")
    assert "لا تغطية جديدة" in files[".html"].decode("utf-8")


@pytest.mark.es
def test_empty_period_writes_nothing_when_not_configured(config, store):
    config.digest.send_empty = False
    outcome = make_digest(config, store, since=P0, until=P1, now=P1)
    assert outcome.status == "empty" and outcome.files == []
    assert not config.path(config.digest.out_dir).exists() or not any(config.path(config.digest.out_dir).iterdir())
    (record,) = store.digests()
    assert record["status"] == "empty"
    # The next default period starts where the empty one ended.
    store.index_articles(sample_articles(P1 + timedelta(hours=2)))
    nxt = make_digest(config, store, now=P2)
    assert nxt.article_count == 15
    assert any(datetime.fromisoformat(r["period_start"]) == P1 for r in store.digests())


@pytest.mark.es
def test_first_digest_goes_back_since_days(config, store):
    config.crawl.since_days = 3
    store.index_articles(sample_articles(P2 - timedelta(days=2)))
    store.index_articles(sample_articles(P2 - timedelta(days=5), prefix="old/"))
    outcome = make_digest(config, store, now=P2)
    assert outcome.article_count == 15
    (record,) = store.digests()
    assert datetime.fromisoformat(record["period_start"]) == P2 - timedelta(days=3)


@pytest.mark.es
def test_rasad_digest_command_prints_files(config, store, capsys):
    from jobs.cli import main

    store.index_articles(sample_articles(P0 + timedelta(hours=1)))
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        code = main(["--config", config.source_file, "digest", "--since", P0.isoformat(), "--until", P1.isoformat()])
    finally:
        for s, h in saved.items():
            signal.signal(s, h)
    out = capsys.readouterr().out
    assert code == 0
    assert "preview" in out and "15 articles, status preview" in out
    written = [line.strip() for line in out.splitlines() if line.strip().endswith((".html", ".txt", ".eml", ".png"))]
    assert len(written) == 4 and all(Path(p).exists() for p in written)
    assert "nothing will be sent" in out
    assert store.runs() == []  # a preview records nothing, not even a run (issue 21)
    assert store.digests() == []  # a preview is not recorded: nothing pending, its articles stay unreported
