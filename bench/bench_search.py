"""`rasad search` on a store of many articles, beside a raw Elasticsearch query for the same thing.

Three sides, in the same run: the command's work in-process (request body, Store.search_hits,
printing the hits) and one raw `client.search` of the same body, alternating; and the command as a
process (`python -m jobs.cli search ...`, interpreter start-up included).
"""

from __future__ import annotations

import io
import subprocess
import sys
import time
from pathlib import Path

from bench.bench_bulk import bench_config, drop_prefix
from bench.synthetic import synthetic_articles
from crawler.config import Config
from crawler.store import Store
from jobs.commands.search import Printer, print_hit
from reports.search import SearchFilters, search_body

QUERY = "المؤتمرات"  # the synthetic texts say "المؤتمر": every article matches, the worst case for sorting
ROOT = Path(__file__).resolve().parent.parent


def _pct(values: list[float], q: float) -> float:
    return 1000 * sorted(values)[min(len(values) - 1, int(q * len(values)))]


def _command_once(store: Store, filters: SearchFilters) -> int:
    """What `rasad search` does once the store is open: the body, the search, the printed hits."""
    total, hits = store.search_hits(search_body(QUERY, filters, limit=20))
    out = Printer(io.StringIO())
    for hit in hits:
        print_hit(out, hit)
    return total


def bench_search(config: Config, count: int = 10_000, repeats: int = 30, process_runs: int = 5) -> dict:
    cfg = bench_config(config)
    store = Store(cfg)
    store.init()
    try:
        store.index_articles(synthetic_articles(count, words=200))
        store.refresh()
        rows: dict[str, dict] = {}
        for name, filters in (("all", SearchFilters()),
                              ("filtered", SearchFilters(source="xinhua", relation="copy"))):
            body = search_body(QUERY, filters, limit=20)
            ours, raw, total, raw_total = [], [], 0, 0
            for _ in range(repeats):
                t = time.perf_counter()
                total = _command_once(store, filters)
                ours.append(time.perf_counter() - t)
                t = time.perf_counter()
                raw_total = store.client.search(index=store.articles, **body)["hits"]["total"]["value"]
                raw.append(time.perf_counter() - t)
            if total != raw_total:
                raise RuntimeError(f"rasad search found {total}, the raw search {raw_total}")
            rows[name] = {"matches": total, "p50": _pct(ours, 0.5), "p95": _pct(ours, 0.95),
                          "raw_p50": _pct(raw, 0.5), "raw_p95": _pct(raw, 0.95)}
        config_file = Path(cfg.path("var")) / f"{cfg.elasticsearch.index_prefix}.toml"
        config_file.parent.mkdir(parents=True, exist_ok=True)
        config_file.write_text(f'[elasticsearch]\nurl = "{cfg.elasticsearch.effective_url}"\n'
                               f'index_prefix = "{cfg.elasticsearch.index_prefix}"\n', encoding="utf-8")
        walls = []
        try:
            for _ in range(process_runs):
                t = time.perf_counter()
                done = subprocess.run([sys.executable, "-m", "jobs.cli", "-c", str(config_file), "search", QUERY],
                                      cwd=ROOT, capture_output=True, text=True, timeout=120,
                                      env={"PATH": "/usr/bin:/bin", "HOME": str(Path.home())})
                walls.append(time.perf_counter() - t)
                if done.returncode != 0 or "stored articles match" not in done.stdout:
                    raise RuntimeError(f"rasad search failed ({done.returncode}): {done.stderr[-500:]}")
        finally:
            config_file.unlink(missing_ok=True)
        return {"docs": count, **rows, "process_median_s": sorted(walls)[len(walls) // 2], "process_fastest_s": min(walls)}
    finally:
        drop_prefix(store)
        store.close()


if __name__ == "__main__":  # .venv/bin/python -m bench.bench_search [N]
    from crawler.config import load_config
    from jobs.context import ensure_elasticsearch

    conf = load_config()
    ensure_elasticsearch(conf)
    print(bench_search(conf, int(sys.argv[1]) if len(sys.argv) > 1 else 10_000))
