"""The crawl's CPU-heavy stages (extraction, relevance, comparison) in a pool of worker processes.

Scrapy runs callbacks and item pipelines in its one reactor thread; extraction and comparison are
pure Python under the GIL, so done there they kept one core busy and left the others idle while the
reactor waited on them. Here each stage is a plain function sent to a process pool (one process per
core, started with `spawn` so no reactor state or lock is copied into them); the reactor gets a
Deferred and goes on fetching. The Reference a comparison needs is prepared once per worker.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from twisted.internet.defer import Deferred

from crawler.config import CompareConfig, TopicConfig
from crawler.items import Article
from crawler.sources.base import Selectors

log = logging.getLogger(__name__)
T = TypeVar("T")


PARENT_POLL_S = 1.0  # the getppid check's period, should the parent's pipe not say it died


def _die_with_parent(parent: int) -> None:
    """End this worker as soon as the process that owns the pool is gone, however it ended.

    A worker ignores SIGINT and SIGTERM and waits on queues that other workers also hold open, so
    after a SIGKILL of its parent nothing would ever end it (nor, through it, the resource tracker,
    which lives until every holder of its pipe has exited). `spawn` gives each worker a pipe whose
    other end only the parent holds: it reads end-of-file the moment the parent dies. PDEATHSIG is not
    used: the executor starts workers lazily from whichever thread submits, and PDEATHSIG fires when
    that thread ends, not the process.
    """
    owner = multiprocessing.parent_process()

    def watch() -> None:
        while True:
            if owner is not None:
                owner.join(PARENT_POLL_S)  # returns at once when the parent's end of the pipe closes
                if not owner.is_alive():
                    os._exit(1)
            else:
                time.sleep(PARENT_POLL_S)
            if os.getppid() != parent:  # reparented: the parent is gone
                os._exit(1)

    threading.Thread(target=watch, name="rasad-parent-watch", daemon=True).start()


def _start_worker(parent: int) -> None:
    # The crawl process handles Ctrl-C and SIGTERM (Scrapy's graceful stop) and then shuts the pool down.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if os.getppid() != parent:  # the parent died while this worker started
        os._exit(1)
    _die_with_parent(parent)
    # Imported once at start, so that the first page's stage times are the stage's, not the imports'.
    import crawler.text.clusters
    import crawler.text.compare
    import crawler.text.extract
    import crawler.text.relevance  # noqa: F401


class CpuPool:
    """A process pool whose results arrive as Deferreds in the reactor thread."""

    def __init__(self, processes: int = 0) -> None:
        self.processes = processes or os.cpu_count() or 1
        self._pool = ProcessPoolExecutor(
            self.processes, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker,
            initargs=(os.getpid(),),
        )

    def run(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> Deferred[T]:
        """func(*args, **kwargs) in a worker; the Deferred fires in the reactor thread."""
        from twisted.internet import reactor

        d: Deferred[T] = Deferred()

        def done(future: Future[T]) -> None:
            exc = future.exception()
            if exc is not None:
                reactor.callFromThread(d.errback, exc)  # type: ignore[attr-defined]
            else:
                reactor.callFromThread(d.callback, future.result())  # type: ignore[attr-defined]

        self._pool.submit(func, *args, **kwargs).add_done_callback(done)
        return d

    def run_timed(self, func: Callable[..., T], *args: Any) -> Deferred[tuple[T, float]]:
        """(func(*args), seconds it took in the worker), for the crawl's per-stage times."""
        return self.run(timed_call, func, *args)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


# -- the stages, as run inside a worker ---------------------------------------------------------


def timed_call(func: Callable[..., T], *args: Any) -> tuple[T, float]:
    started = time.perf_counter()
    value = func(*args)
    return value, time.perf_counter() - started


def extract_page(body: bytes, url: str, selectors: Selectors | None, content_type: str | None) -> Article:
    """crawler.text.extract.extract of one fetched page (ExtractionError travels back to the caller)."""
    from crawler.text.extract import extract

    return extract(body, url, selectors=selectors, content_type=content_type)


@lru_cache(maxsize=4)
def _reference_text(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


def score(item: Article, topic: TopicConfig, reference_path: str) -> Any:
    """crawler.text.relevance.score_relevance against the topic's reference article."""
    from crawler.text.relevance import score_relevance

    return score_relevance(item, topic, reference_text=_reference_text(reference_path))


_REFERENCES: dict[tuple[str, str], Any] = {}


def compare_text(text: str, topic: TopicConfig, reference_path: str, config: CompareConfig,
                 title: str, published_at: str | None, num_perm: int) -> tuple[Any, Any, Any]:
    """crawler.text.compare.judge against the topic's reference (prepared once per worker): the
    screening, the comparison (None for an article the comparison calls unrelated) and, for a kept
    article, its story signature (crawler.text.clusters.signature), so the crawl's thread only looks it up."""
    from crawler.text.clusters import signature
    from crawler.text.compare import Reference, judge

    key = (topic.name, reference_path)
    if key not in _REFERENCES:
        _REFERENCES[key] = Reference.from_topic(topic, Path(reference_path))
    screening, comparison = judge(text, _REFERENCES[key], config, title=title, published_at=published_at)
    return screening, comparison, None if comparison is None else signature(text, num_perm)
