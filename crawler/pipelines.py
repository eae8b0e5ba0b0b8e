# Item pipelines, run in the order of ITEM_PIPELINES. https://docs.scrapy.org/en/latest/topics/item-pipeline.html
"""Single-purpose pipelines: canonical URL, date window, language, relevance, compare, store.

Each drops with a reason (DropItem) and counts it in Scrapy stats as rasad/dropped/<reason>. Pages
dropped for good (duplicates, old, not Arabic, not coverage) are queued on the spider's `to_remember`
list; StorePipeline writes them with Store.remember_urls so later runs do not fetch them again.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.logformatter import LogFormatter
from twisted.internet.defer import Deferred, succeed
from twisted.internet.threads import deferToThread

from crawler.config import Config, TopicConfig
from crawler.discovery.links import canonical, outlet_for_url
from crawler.items import Article
from crawler.store.spool import SpoolError
from crawler.text.arabic import arabic_ratio, normalize, tokens
from crawler.text.encoding import readable_arabic

log = logging.getLogger(__name__)

ARABIC_MIN_RATIO = 0.5  # share of Arabic letters in title and body


class Dropped(DropItem):
    """DropItem with a short machine reason (the stats key)."""

    def __init__(self, reason: str, detail: str, remembered: bool = True):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        # False: the page is not remembered, so its listing must be read again (NewsSpider.on_item_dropped).
        self.remembered = remembered


class DropLogFormatter(LogFormatter):
    """Log a dropped article as one line with its URL, not the whole item (bodies are long)."""

    def dropped(self, item: Any, exception: BaseException, response: Any, spider: Spider) -> dict[str, Any]:
        return {
            "level": logging.INFO,
            "msg": "dropped %(url)s (%(exception)s)",
            "args": {"url": getattr(item, "url", "?"), "exception": exception},
        }


def timed(stage: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add a pipeline method's wall time to the stats key rasad/time/<stage> (also when it drops)."""

    def wrap(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def inner(self: Any, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return method(self, *args, **kwargs)
            finally:
                self.crawler.stats.inc_value(f"rasad/time/{stage}", time.perf_counter() - started)

        return inner

    return wrap


def config_of(crawler: Crawler) -> Config:
    """The Config handed to the crawl by crawler.run (settings key RASAD_CONFIG)."""
    config = crawler.settings.get("RASAD_CONFIG")
    if config is None:
        raise NotConfigured("RASAD_CONFIG is not set (crawls are started by crawler.run)")
    return config


def topic_of(crawler: Crawler) -> TopicConfig:
    return config_of(crawler).topic(crawler.settings.get("RASAD_TOPIC"))


class _Stage:
    """Shared plumbing: stats, drop with reason, remember the URL."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        return cls(crawler)

    def drop(self, item: Article, spider: Spider, reason: str, detail: str, remember: bool = True) -> None:
        self.stats.inc_value(f"rasad/dropped/{reason}")
        if item.source:
            self.stats.inc_value(f"rasad/source/{item.source}/dropped/{reason}")
        if remember:
            spider.to_remember.append({"url": item.canonical_url or item.url, "status": reason, "reason": detail[:200]})
        raise Dropped(reason, f"{item.url}: {detail}", remembered=remember)


def same_outlet(candidate: str, url: str, spider: Spider) -> bool:
    """True when rel=canonical stays on the fetched page's outlet.

    A syndicated copy often declares the original outlet's URL as canonical; trusting it would merge
    the copy into the original and lose the republication we want to count.
    """
    # An undeclared host's outlet is its registered domain: amp.example.com may name www.example.com.
    return outlet_for_url(candidate, spider.catalog) == outlet_for_url(url, spider.catalog)


class CanonicalPipeline(_Stage):
    """Canonical URL (rel=canonical on the same outlet, else the fetched URL); drops repeats."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.seen: set[str] = set()

    @timed("canonical")
    def process_item(self, item: Article, spider: Spider) -> Article:
        candidate = item.canonical_url
        if not candidate or not same_outlet(candidate, item.url, spider):
            candidate = item.url
        item.canonical_url = canonical(candidate)
        if item.canonical_url in self.seen or item.canonical_url in spider.known:
            # Remember the variant's own URL (an AMP page), not the canonical one already stored. A listed
            # URL that redirected here is the article itself (its old URL is remembered as redirected):
            # remembering it would lose the article for good if its first copy fails to be stored.
            self.stats.inc_value("rasad/dropped/duplicate")
            if canonical(item.url) != item.canonical_url:
                spider.to_remember.append({"url": canonical(item.url), "status": "duplicate", "reason": item.canonical_url})
            raise Dropped("duplicate", f"{item.url}: same article as {item.canonical_url}")
        self.seen.add(item.canonical_url)
        return item


class DateWindowPipeline(_Stage):
    """Drops articles published before the crawl's `since` (listings without dates let them through)."""

    @timed("date_window")
    def process_item(self, item: Article, spider: Spider) -> Article:
        if item.published_at:
            try:
                published = datetime.fromisoformat(item.published_at)
            except ValueError:
                return item
            if published.tzinfo is not None and published < spider.since:
                self.drop(item, spider, "old", f"published {item.published_at}, before {spider.since.isoformat()}")
        return item


class LanguagePipeline(_Stage):
    """Keeps Arabic articles only, judged on the text itself.

    The page's declared language is not enough: Arabic services carry English pages under a site-wide
    lang="ar", so the share of Arabic letters in title and body decides.
    """

    @timed("language")
    def process_item(self, item: Article, spider: Spider) -> Article:
        ratio = arabic_ratio(f"{item.title}\n{item.body}")
        if ratio < ARABIC_MIN_RATIO:
            declared = item.language or "none"
            self.drop(item, spider, "language", f"{ratio:.0%} Arabic letters (declared {declared})")
        item.language = "ar"
        return item


class RelevancePipeline(_Stage):
    """Records the topic-name score of an article (`relevance`, `relevance_reason`: search sorts on it).

    It drops nothing: what is coverage is decided once, by the comparison (ComparePipeline). The score
    is computed in the crawl's worker processes when it has them (crawler.workers).
    """

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        config = config_of(crawler)
        self.topic = topic_of(crawler)
        self.reference_path = str(config.path(self.topic.reference))
        self.reference_text = Path(self.reference_path).read_text(encoding="utf-8")

    def process_item(self, item: Article, spider: Spider) -> Article | Deferred:
        from crawler.text.relevance import score_relevance
        from crawler.workers import score

        if getattr(spider, "cpu", None) is not None:
            d = spider.cpu.run_timed(score, item, self.topic, self.reference_path)
            return d.addCallback(lambda done: self._record(item, *done))
        started = time.perf_counter()
        rel = score_relevance(item, self.topic, reference_text=self.reference_text)
        return self._record(item, rel, time.perf_counter() - started)

    def _record(self, item: Article, rel: Any, seconds: float) -> Article:
        self.stats.inc_value("rasad/time/relevance", seconds)
        item.topic = self.topic.name
        item.relevance = round(float(rel.score), 4)
        item.relevance_reason = rel.reason
        return item


class ComparePipeline(_Stage):
    """Keeps the coverage of the topic, compared with its reference, and assigns a story cluster (MinHash LSH).

    One rule decides what is coverage, here as in `rasad compare`: an article the comparison calls
    copy, rewrite, related or mention is kept; one it calls unrelated is dropped as `irrelevant` with
    the reason "unrelated: <why>". The cheap half of the comparison (crawler.text.compare.screen)
    decides, so an unrelated page costs no TF-IDF fit, facts or story signature.

    The comparison runs in the crawl's worker processes when it has them; the story index, which
    every article updates in turn, stays in the crawl's thread.
    """

    def __init__(self, crawler: Crawler):
        from crawler.text.clusters import StoryIndex
        from crawler.text.compare import Reference

        super().__init__(crawler)
        self.config = config_of(crawler)
        self.topic = topic_of(crawler)
        self.reference_path = str(self.config.path(self.topic.reference))
        self.reference = Reference.from_topic(self.topic, Path(self.reference_path))
        self.stories = StoryIndex()

    @timed("seed_stories")
    def open_spider(self, spider: Spider) -> None:
        """Seed the story index with stored articles of the window, so story ids hold across runs."""
        from crawler.store import Store

        store = Store(self.config)
        try:
            if not store.ping():
                return
            query = {"range": {"published_at": {"gte": spider.since.isoformat()}}}
            docs = sorted(store.scan("articles", query=query, fields=["lead", "body", "indexed_at", "story_id"]),
                          key=lambda d: (d.get("indexed_at") or "", d["id"]))
            for d in docs:
                # The stored story id is kept as it is (its first member may have left the window), and
                # saves the look-up: seeding costs one signature per stored article.
                self.stories.add(d["id"], f"{d.get('lead') or ''}\n{d.get('body') or ''}", story=d.get("story_id") or None)
            log.info("story index seeded with %d stored articles", len(docs))
        except Exception as exc:  # noqa: BLE001 - clusters then start from this run only
            log.warning("story index not seeded from the store: %s", exc)
        finally:
            store.close()

    def process_item(self, item: Article, spider: Spider) -> Article | Deferred:
        from crawler.text.compare import article_text, judge
        from crawler.workers import compare_text

        text = article_text(item.lead, item.body)
        if getattr(spider, "cpu", None) is not None:
            d = spider.cpu.run_timed(compare_text, text, self.topic, self.reference_path, self.config.compare,
                                     item.title, item.published_at, self.stories.num_perm)
            return d.addCallback(lambda done: self._apply(item, spider, text, *done[0], done[1]))
        started = time.perf_counter()
        screening, c = judge(text, self.reference, self.config.compare, title=item.title,
                             published_at=item.published_at)
        return self._apply(item, spider, text, screening, c, None, time.perf_counter() - started)

    def _apply(self, item: Article, spider: Spider, text: str, screening: Any, c: Any, sig: Any,
               seconds: float) -> Article:
        started = time.perf_counter()
        try:
            if c is None:
                self._drop_unrelated(item, spider, screening)
            item.similarity = c.similarity
            item.relation = c.relation
            item.facts_shared = c.facts_shared
            item.facts_conflicting = c.facts_conflicting
            item.facts_missing = c.facts_missing
            item.facts_other_edition = c.facts_other_edition
            item.novel_sentences = c.novel_sentences
            item.story_id = str(self.stories.add(item.doc_id, text, sig=sig))
            item.story_keys = self.stories.keys_of(item.doc_id)  # finds stored copies of any date (crawler.stories)
            self.stats.inc_value(f"rasad/relation/{c.relation}")
            self.stats.inc_value("rasad/relevant")
            if item.source:
                self.stats.inc_value(f"rasad/source/{item.source}/relevant")
            return item
        finally:
            self.stats.inc_value("rasad/time/compare", seconds + time.perf_counter() - started)

    def _drop_unrelated(self, item: Article, spider: Spider, screening: Any) -> None:
        """Not coverage: dropped as irrelevant, its reason counted (rasad/unrelated/<why>) and remembered.

        Mis-decoded text (mojibake) reads as unrelated: such a page is dropped as unreadable but not
        remembered, so a later run (or a fixed decoder) reads it again.
        """
        item.relation = "unrelated"
        readable = readable_arabic(f"{item.title}\n{item.body}")
        if readable:
            self.stats.inc_value(f"rasad/unrelated/{screening.why}")
        self.drop(item, spider, "irrelevant" if readable else "unreadable", f"unrelated: {screening.reason}",
                  remember=readable)


class StorePipeline(_Stage):
    """Bulk upserts into Elasticsearch (spooled to disk when it is down) and remembers dropped URLs.

    Each batch is written in a background thread, so the crawl keeps fetching and extracting while
    Elasticsearch works. Writes stay in order, one batch after the other (a batch's URLs to remember,
    feed validators among them, are written only after its articles), and closing the spider waits
    for the last one.
    """

    def __init__(self, crawler: Crawler):
        from crawler.stories import StoredStories

        super().__init__(crawler)
        self.config = config_of(crawler)
        self.batch_size = crawler.settings.getint("RASAD_STORE_BATCH", 50)
        self.stories = StoredStories()  # one story per text, whatever the dates (used by the writing thread only)
        self.batch: list[Article] = []
        self.store: Any = None
        self._writes: Deferred = succeed(None)  # the tail of the chain of background writes

    def open_spider(self, spider: Spider) -> None:
        from crawler.store import Store

        self.store = Store(self.config)

    @timed("store")
    def process_item(self, item: Article, spider: Spider) -> Article:
        if not item.word_count:
            item.word_count = len(tokens(item.body))
        if not item.content_hash:
            item.content_hash = hashlib.sha1(normalize(item.body).encode("utf-8")).hexdigest()
        self.batch.append(item)
        if len(self.batch) >= self.batch_size:
            self.flush(spider)
        return item

    def flush(self, spider: Spider) -> Deferred:
        """Queue the pending batch and the URLs to remember for writing; the Deferred fires once written."""
        batch, self.batch = self.batch, []
        remember, spider.to_remember = spider.to_remember, []
        if not batch and not remember:
            return self._writes

        def write(_: Any) -> Deferred:
            return deferToThread(self._write, batch, remember)

        self._writes.addCallback(write)
        self._writes.addCallback(lambda outcome: self._account(spider, batch, remember, *outcome))
        self._writes.addErrback(lambda failure: log.error("store write failed: %s", failure.getTraceback()))
        return self._writes

    def _write(self, batch: list[Article], remember: list[dict[str, str]]) -> tuple[Any, bool, str | None, float]:
        """In a background thread: the articles, then the URLs to remember.

        Returns (IndexResult, spool failed, error remembering the URLs, seconds).
        """
        from crawler.store import IndexResult

        started = time.perf_counter()
        result, spool_failed = IndexResult(), False
        if batch:
            self.stories.resolve(batch, self.store)
            try:
                result = self.store.index_articles(batch)
            except SpoolError as exc:
                # Elasticsearch down and the spool unwritable: count the loss. The pages are not
                # remembered either, so the next run fetches them again.
                log.error("%d articles neither indexed nor spooled: %s", len(batch), exc)
                result, spool_failed = IndexResult(failed=len(batch), errors=[str(exc)]), True
        remember_error = None
        if remember:
            try:
                self.store.remember_urls(remember)
            except SpoolError as exc:  # only costs refetching these pages next run
                remember_error = str(exc)
        return result, spool_failed, remember_error, time.perf_counter() - started

    def _account(self, spider: Spider, batch: list[Article], remember: list[dict[str, str]], result: Any,
                  spool_failed: bool, remember_error: str | None, seconds: float) -> None:
        """In the crawl's thread: the counts of one write, and which listings it settled."""
        self.stats.inc_value("rasad/time/store_write", seconds)
        if spool_failed:
            self.stats.inc_value("rasad/errors/spool")
        for key in ("indexed", "spooled", "failed", "created", "updated"):
            self.stats.inc_value(f"rasad/{key}", getattr(result, key))
        for err in result.errors[:5]:
            log.error("not indexed: %s", err)
        if batch and not result.failed:
            for a in batch:
                self.stats.inc_value(f"rasad/source/{a.source}/stored")
                self.stats.inc_value(f"rasad/route/{a.discovered_via or 'unknown'}/kept")
        spider.items_stored([a.url for a in batch], ok=not result.failed)
        for a in batch:  # new or updated document, from the bulk response
            outcome = result.outcomes.get(a.doc_id)
            if outcome:
                self.stats.inc_value(f"rasad/source/{a.source}/{'created' if outcome == 'created' else 'updated'}")
        if remember_error:
            log.error("%d URLs not remembered: %s", len(remember), remember_error)
            spider.validators_unsafe = True  # their listings must be read again
        elif remember:
            # Feed validators ride along (crawler.spiders.news); they are not remembered pages.
            self.stats.inc_value("rasad/remembered", sum(1 for e in remember if e.get("status") != "feed-validators"))

    def _final_writes(self, spider: Spider, extra: list[dict[str, str]]) -> None:
        """In a background thread, once every batch is written: the URLs the last batches settled
        (redirected old URLs), then the validators of the settled listings (NewsSpider.settled_validators).

        Guarantee: a feed's or sitemap's validators are written here only, after every article of the
        run was indexed or spooled and every page to remember was written, and only for listings all of
        whose articles ended stored, remembered or permanently failed.
        """
        if extra:
            try:
                self.store.remember_urls(extra)
            except SpoolError as exc:
                log.error("%d URLs not remembered: %s", len(extra), exc)
                spider.validators_unsafe = True
        validators = spider.settled_validators()
        if validators:
            try:
                self.store.remember_urls(validators)
            except SpoolError as exc:  # the next run reads these listings in full: nothing lost
                log.error("validators of %d listings not kept: %s", len(validators), exc)

    def close_spider(self, spider: Spider) -> Deferred:
        def last_writes(_: Any) -> Deferred:
            extra, spider.to_remember = spider.to_remember, []
            return deferToThread(self._final_writes, spider, extra)

        def close(_: Any) -> None:
            try:
                # Once per crawl, so that readers in other processes (the digest) see this crawl's
                # documents without refreshing before every query.
                for kind in ("articles", "seen"):
                    self.store.refresh(kind)
            except Exception as exc:  # noqa: BLE001 - Elasticsearch down: the spool has the writes
                log.warning("indices not refreshed after the crawl: %s", exc)
            finally:
                self.store.close()

        return self.flush(spider).addCallback(last_writes).addBoth(close)
