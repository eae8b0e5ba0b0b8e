"""The benchmark sections run by bench/run.py, in order. Each yields (measurement, value) pairs."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from crawler.config import Config

Section = Callable[[Config], Iterator[tuple[str, str]]]


def bulk_indexing(quick: bool) -> Section:
    def run(config: Config) -> Iterator[tuple[str, str]]:
        from bench.bench_bulk import bench_bulk

        n = 2_000 if quick else 10_000
        r = bench_bulk(config, n)
        yield f"bulk upsert of {n:,} synthetic Arabic articles (300 words)", f"{r['docs_per_s']:,} docs/s ({r['seconds']} s)"

    return run


def all_sections(quick: bool) -> list[tuple[str, Section]]:
    return [
        ("bulk indexing", bulk_indexing(quick)),
    ]
