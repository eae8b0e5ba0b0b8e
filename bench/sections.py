"""The benchmark sections run by bench/run.py, in order.

Each section yields (measurement, value) rows for the main table, or a markdown block (a str) that
is printed after the table under the section's name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from crawler.config import Config

Item = tuple[str, str] | str
Section = Callable[[Config], Iterator[Item]]


@dataclass(frozen=True)
class Sizes:
    """How much each section measures."""

    extract_pages: int
    crawl_pages: int
    cluster_sizes: tuple[int, ...]
    digest_articles: int
    bulk_docs: int
    bulk_chunks: tuple[int, ...]
    stage_pages: int
    stage_rounds: int = 1
    startup_runs: int = 10
    # Pages of the public extraction benchmark (../shared/extraction-bench): "quarter" (hash-picked, about
    # 200 pages, a minute or two), "all" (819 pages: `make bench BENCH_ARGS=--extraction-full`) or "one"
    # page per source (the smoke test).
    public_extraction: str = "quarter"
    ccnews_files: tuple[int, int] = (8, 2_000)  # CC-NEWS-shaped files, records per file


FULL = Sizes(2_000, 3_000, (10_000, 100_000), 10_000, 10_000, (500, 2_000), 400, 3)
QUICK = Sizes(200, 300, (2_000, 10_000), 1_000, 2_000, (500, 1_000, 2_000), 100, startup_runs=5, ccnews_files=(4, 500))


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def public_extraction(mode: str) -> Iterator[Item]:
    """Rows and the per-source table of the public benchmark, Rasad beside plain trafilatura (same run)."""
    from bench.bench_extract import bench_public, public_markdown

    r = bench_public(mode)
    s = r["summary"]
    o = s["overall"]
    ra, tr = o["rasad"], o["trafilatura"]
    label = f"public extraction benchmark, {r['pages']} pages ({mode}; ../shared/extraction-bench, 5 sources)"
    yield (f"{label}: token F1 on the {o['full_pages']} full-body pages (mean; per source below)",
           f"Rasad {ra['f1']:.3f}, trafilatura.extract {tr['f1']:.3f} (trafilatura {r['trafilatura_version']})")
    if ra.get("with"):
        yield (f"{label}: snippets on the {o['snippet_pages']} snippet pages (with-found / without-absent)",
               f"Rasad {ra['with_found']}/{ra['with']} / {ra['without_absent']}/{ra['without']}, trafilatura.extract "
               f"{tr['with_found']}/{tr['with']} / {tr['without_absent']}/{tr['without']}")
    yield (f"{label}: pages emptied (no text; or under half the expected text, or on snippet pages under 350 "
           "characters, where the other has it)",
           f"Rasad {ra['emptied_empty'] + ra['emptied_short']}, trafilatura.extract "
           f"{tr['emptied_empty'] + tr['emptied_short']}")
    yield (f"{label}: CPU seconds (time.process_time, alternating page by page)",
           f"Rasad {ra['cpu_s']:.1f} s, trafilatura.extract {tr['cpu_s']:.1f} s (ratio {o['cpu_ratio']:.2f}x)")
    yield public_markdown(r)


def extraction(n: int, public_mode: str = "quarter") -> Section:
    def run(config: Config) -> Iterator[Item]:
        from bench.bench_extract import bench_extract, bench_real

        real = bench_real()
        ms, f1 = real["ms"], real["f1"]
        yield (f"CPU per page, {real['pages']} real news pages (bench/real_pages: {', '.join(real['languages'])}); "
               "anchor: plain trafilatura.extract on the same bytes, alternating page by page",
               f"Rasad {ms['rasad']:.1f} ms, trafilatura.extract {ms['trafilatura']:.1f} ms "
               f"(ratio {ms['rasad'] / ms['trafilatura']:.2f}x)")
        yield (f"token F1 against the expected article text, the same {real['pages']} real pages (mean)",
               f"Rasad {f1['rasad']:.3f}, trafilatura.extract {f1['trafilatura']:.3f}, with include_comments=False "
               f"{f1['trafilatura_no_comments']:.3f}; empty bodies {real['empty']['rasad']} / "
               f"{real['empty']['trafilatura']}")
        r = bench_extract(n)
        yield (f"time per page, {n:,} generated pages in {r['layouts']} layouts",
               f"Rasad {r['rasad_ms']:.2f} ms, trafilatura.extract {r['trafilatura_ms']:.2f} ms "
               f"(ratio {r['rasad_ms'] / r['trafilatura_ms']:.2f}x)")
        yield ("body token F1 against the generated body (mean; pages built by bench/pages.py, not real ones)",
               f"Rasad {r['rasad_vs_truth']:.3f}, trafilatura.extract {r['trafilatura_vs_truth']:.3f}")
        yield ("agreement Rasad vs trafilatura.extract (mean token F1 / word-set Jaccard)",
               f"{r['rasad_vs_trafilatura_f1']:.3f} / {r['rasad_vs_trafilatura_jaccard']:.3f}")
        f1, layout = r["worst_layout"]
        yield "pages with no body; Rasad's weakest layout", (
            f"Rasad {r['rasad_empty']}, trafilatura {r['trafilatura_empty']}; {layout} (F1 {f1:.3f})")
        yield from public_extraction(public_mode)

    return run


def crawl(n: int) -> Section:
    def run(config: Config) -> Iterator[Item]:
        from bench.bench_crawl import STAGES, bench_crawl

        r = bench_crawl(config, n)
        total = r["crawl_s"]
        bare = r["bare"]
        ours_rate, bare_rate = r["fetched"] / total, bare["fetched"] / bare["seconds"]
        yield (f"crawl of {n:,} pages from the local site (2 outlets, sitemaps and feeds) into Elasticsearch; "
               "anchor: a bare Scrapy spider with plain trafilatura.extract on the same site, run right after",
               f"Rasad {ours_rate:.1f} pages/s, bare Scrapy + trafilatura {bare_rate:.1f} pages/s "
               f"(ratio {ours_rate / bare_rate:.2f}x); CPU per page {1000 * r['cpu_s'] / max(1, r['fetched']):.1f} ms "
               f"vs {1000 * bare['cpu_s'] / max(1, bare['fetched']):.1f} ms; cores busy {r['cpu_s'] / r['wall_s']:.2f} "
               f"vs {bare['cpu_s'] / bare['seconds']:.2f} (CPU seconds of the process and its workers / wall seconds)")
        yield ("the same crawl in detail",
               f"{r['indexed'] / total:.1f} indexed articles/s "
               f"({r['fetched']:,} fetched, {r['indexed']:,} indexed, {r['stored']:,} in the index, "
               f"dropped {r['dropped']}, errors {r['errors'] or 0}; {total:.1f} s in the crawl, "
               f"{r['wall_s']:.1f} s with process start); bare spider {bare['fetched']:,} fetched, "
               f"{bare['extracted']:,} extracted in {bare['seconds']:.1f} s")
        yield "peak memory of the crawl process (VmHWM)", f"{r['peak_rss_mib']:.0f} MiB"
        yield (f"second crawl cycle over the same {n:,} pages (all known)",
               f"{r['second_crawl_s']:.1f} s ({r['second_skipped_known']:,} skipped as known, "
               f"{r['second_fetched']:,} fetched); seeding story ids from the {r['stored']:,} stored articles "
               f"{r['seed_stories_s']:.2f} s")
        stages = r["stages"]
        lines = ["Time per stage in the crawl. Extraction, relevance and comparison run in the worker",
                 "processes (one per core) and bulk writes in a background thread, so these seconds overlap",
                 "each other and Scrapy's own work; they are the time each stage took where it ran:", "",
                 "| stage | seconds | ms per item it handled |", "|---|---:|---:|"]
        handled = {"extract": r["fetched"], "compare": r["indexed"], "store": r["indexed"], "store_write": r["indexed"]}
        label = {"compare": "compare (with the story cluster)", "seed_stories": "seed_stories (once, empty index)",
                 "store": "store (batching, crawl thread)", "store_write": "store_write (bulk, background thread)"}
        for stage in STAGES:
            per = handled.get(stage, r["extracted"])
            each = "-" if stage == "seed_stories" else f"{1000 * stages[stage] / max(1, per):.2f}"
            lines.append(f"| {label.get(stage, stage)} | {stages[stage]:.2f} | {each} |")
        lines += ["", f"The generated site recombines a few dozen source texts, so its {r['stored']:,} stored articles "
                  f"fall into only {r['stories']:,} stories; the story look-up inside `compare` checks a new "
                  "article against the candidates of its story, so it costs more here than on live coverage."]
        yield "\n".join(lines)

    return run


def clusters(sizes: tuple[int, ...]) -> Section:
    def run(config: Config) -> Iterator[Item]:
        from bench.bench_clusters import bench_clusters

        for n in sizes:
            r = bench_clusters(n)
            yield (f"story clustering (MinHash LSH) of {n:,} articles, CPU seconds; anchor: plain datasketch "
                   "(same LSH threshold, permutations and 5-shingles)",
                   f"Rasad {r['seconds']:.1f} s, datasketch {r['plain_seconds']:.1f} s "
                   f"(ratio {r['seconds'] / r['plain_seconds']:.2f}x); near copies joined to their original: "
                   f"Rasad {r['copies_found']:.1%}, datasketch {r['plain_copies_found']:.1%}; stories "
                   f"{r['stories']:,} / {r['plain_stories']:,}; index memory {r['bytes_per_article'] / 1024:.1f} KiB "
                   f"per article ({r['bytes_per_article'] * n / 2**20:,.0f} MiB)")

    return run


def digest(n: int) -> Section:
    def run(config: Config) -> Iterator[Item]:
        from bench.bench_digest import bench_digest_memory, bench_digest_query, bench_make_digest

        for listed in (config.digest.max_articles, None):
            r = bench_digest_memory(n, listed)
            what = f"{r['listed']:,} listed" + (" (digest.max_articles)" if listed else " (all)")
            yield (f"digest of {n:,} articles in the period, {what}: build / HTML / text / chart",
                   f"{1000 * r['build_s']:.0f} / {1000 * r['html_s']:.0f} / {1000 * r['text_s']:.0f} / "
                   f"{1000 * r['chart_s']:.0f} ms ({r['stories']:,} stories; HTML {r['html_kib']:,.0f} KiB)")
        q = bench_digest_query(config, min(n, 1_000))
        yield (f"digest query (Store.search_articles, one-day window, {q['docs']:,} articles); anchor: one raw "
               "search of the same filter, alternating",
               f"Rasad p50 {q['p50']:.0f} ms, p95 {q['p95']:.0f} ms; raw search p50 {q['raw_p50']:.0f} ms, "
               f"p95 {q['raw_p95']:.0f} ms (ratio at p50 {q['p50'] / q['raw_p50']:.2f}x)")
        r = bench_make_digest(config, n)
        yield (f"reports.service.make_digest with {n:,} articles in the store (query, build, render, write files)",
               f"{r['seconds']:.2f} s ({r['articles']:,} articles, status {r['status']})")

    return run


def bulk_indexing(n: int, chunks: tuple[int, ...]) -> Section:
    def run(config: Config) -> Iterator[Item]:
        from bench.bench_bulk import bench_bulk

        default = config.elasticsearch.bulk_chunk_size
        for chunk in chunks:
            r = bench_bulk(config, n, chunk_size=chunk)
            mark = " (the default)" if chunk == default else ""
            yield (f"bulk upsert of {n:,} synthetic Arabic articles (300 words), chunks of {chunk:,}{mark}; "
                   "anchor: helpers.parallel_bulk (4 threads), same actions, alternating, fastest of 3",
                   f"Rasad {r['docs_per_s']:,} docs/s ({r['seconds']} s), parallel_bulk {r['anchor_docs_per_s']:,} "
                   f"docs/s ({r['anchor_seconds']} s); ratio {r['docs_per_s'] / r['anchor_docs_per_s']:.2f}x")

    return run


CHANGE = """The change, mainly in the comparison stage, the slowest per relevant article
(`crawler/text/compare.py`, `crawler/text/facts.py`, `crawler/text/arabic.py`, `crawler/text/clusters.py`):

- `facts.compare_facts` tokenised the article twice (once inside `extract_facts`, once for the name and
  quote look-up); it now tokenises once (`facts._facts(tokens, text)`);
- fact tokens and the stopword test of `arabic.stems` normalised every word with the full
  `normalize` (NFKC, regexes, translations); they now go through `arabic.normalize_word`, the same
  function behind an LRU cache (news vocabulary repeats from article to article);
- the per-article TF-IDF fit runs inside `sklearn.config_context(skip_parameter_validation=True,
  assume_finite=True)`: scikit-learn's argument checks cost about as much as the fit itself on
  inputs this small, and the inputs are built by the code, not by a user;
- `clusters.StoryIndex` draws datasketch's MinHash permutations once per index instead of once per
  signature (they depend only on `num_perm` and the seed), which was a third of the cost of a
  signature: in the crawl, in the story-cluster section and when the index is seeded from the store;
- `arabic.arabic_ratio` (run twice per fetched page) counts letters without a Python loop per character;
- seeding a crawl's story index from the store (`pipelines.ComparePipeline.open_spider`) keeps each stored
  article's `story_id` (`StoryIndex.add(..., story=...)`) instead of looking it up again: one signature
  per stored article and no LSH query (and a story whose first member left the window keeps its id).

The same pages give byte-identical outputs before and after (digest of every body, relevance score,
comparison and story id), so the labelled comparison tests are unaffected."""


def before_after(n: int, rounds: int) -> Section:
    def run(config: Config) -> Iterator[Item]:
        from bench.before_after import BASELINE, SPED_UP, before_after

        r = before_after(n, rounds)
        b, a = r["before"], r["after"]
        same = "yes" if b["output_sha1"] == a["output_sha1"] else "NO"
        per_article = ("extract", "relevance", "compare", "cluster")
        tb = sum(b["ms_per_article"][s] for s in per_article)
        ta = sum(a["ms_per_article"][s] for s in per_article)
        cb, ca = b["ms_per_article"]["compare"], a["ms_per_article"]["compare"]
        yield (f"per-article CPU stages, {n:,} pages, {BASELINE[:7]} (before) vs {SPED_UP[:7]} (the speed-up)",
               f"compare {cb:.2f} -> {ca:.2f} ms ({cb / ca:.2f}x); extract+relevance+compare+cluster "
               f"{tb:.2f} -> {ta:.2f} ms ({tb / ta:.2f}x); outputs identical: {same}")
        lines = [f"Before / after ({a['pages']:,} generated pages; {a['compared']:,} relevant ones compared and "
                 "clustered; ms per article; each side in its own process, alternating for "
                 f"{r['rounds']} rounds in this run, fastest round kept):", "",
                 f"| stage | before ({BASELINE[:7]}) | after ({SPED_UP[:7]}) | speed-up |", "|---|---:|---:|---:|"]
        label = {"seed": "seed the story index from stored articles (per stored article, once per crawl)",
                 "cluster": "cluster (story id at ingest)"}
        for stage in per_article:
            before_ms, after_ms = b["ms_per_article"][stage], a["ms_per_article"][stage]
            lines.append(f"| {label.get(stage, stage)} | {before_ms:.2f} | {after_ms:.2f} | {before_ms / after_ms:.2f}x |")
        lines.append(f"| per crawled article, the four above | {tb:.2f} | {ta:.2f} | {tb / ta:.2f}x |")
        sb, sa = b["ms_per_article"]["seed"], a["ms_per_article"]["seed"]
        lines.append(f"| {label['seed']} | {sb:.2f} | {sa:.2f} | {sb / sa:.2f}x |")
        lines.append(f"| reference preparation (once per crawl) | {b['reference_ms']:.1f} | {a['reference_ms']:.1f} | "
                     f"{b['reference_ms'] / a['reference_ms']:.2f}x |")
        lines += ["", f"Outputs identical: {same}.", "", CHANGE]
        yield "\n".join(lines)

    return run


def startup(runs: int) -> Section:
    def run(config: Config) -> Iterator[Item]:
        from bench.bench_startup import BEFORE, COMMANDS, bench_startup

        r = bench_startup(runs)
        after, before = r["after"], r.get("before", {})
        for name in COMMANDS:
            was = f"; before ({BEFORE[:7]}) {before[name][0]:.2f} s" if name in before else ""
            yield (f"start-up: `{name}` (median of {runs}, wall time)",
                   f"{after[name][0]:.2f} s (fastest {after[name][1]:.2f} s){was}")
        lines = [f"Start-up of the command, wall time in seconds, median (fastest) of {runs} runs per side, the sides "
                 f"alternating; before = {BEFORE[:7]} (every command module imported Scrapy, Elasticsearch, "
                 "scikit-learn and the rest at start), after = the working tree (heavy imports only inside the "
                 "commands that use them). `python -c pass` is the interpreter alone.", "",
                 f"| command | before ({BEFORE[:7]}) | after |", "|---|---:|---:|"]
        for name in COMMANDS:
            b = f"{before[name][0]:.2f} ({before[name][1]:.2f})" if name in before else "-"
            lines.append(f"| `{name}` | {b} | {after[name][0]:.2f} ({after[name][1]:.2f}) |")
        yield "\n".join(lines)

    return run


BEFORE_THIS_WORK = """Rows of the previous run of this file (commit 811b1b4, before the work below), for comparison;
those figures had no anchor measured beside them, so the anchors quoted here are the plain-library runs
made on this machine at that time:

| stage | before | anchor then | after: see the table above |
|---|---|---|---|
| extraction, CPU per page | 2.0x plain trafilatura on 181 public pages; 2.37x on generated pages | trafilatura.extract | real-pages row |
| extraction accuracy | 0.951 token-shingle F1 on public pages (trafilatura 0.952); the table's 0.999 was on generated pages | trafilatura.extract | real-pages F1 row |
| crawl | 30.2 pages/s on 10,000 pages, 24-28 ms CPU per page, one core busy | bare Scrapy + trafilatura 117-133 pages/s (0.14-0.20x) | crawl row |
| bulk indexing | 1,976-2,204 docs/s, one request at a time | parallel_bulk ~3,300 docs/s (0.6x) | bulk rows |
| story clustering, 100k articles | 75.8 s (87 s, 584 MiB in another run) | plain datasketch 50 s (1.7x) | clustering rows |
| digest query, 1-day window | p50 59 ms, p95 195 ms (forced refresh each scan) | raw search p50 43 ms, p95 97 ms | digest query row |

What changed:

- extraction (`crawler/text/extract.py`): one parse with comments removed (trafilatura lost text around them),
  tables kept, precision pruning kept (it is what lifts F1 above plain trafilatura on the real pages: 0.964
  with it, 0.943 without) but
  without trafilatura's readability/jusText fallback (`fast=True`: the fallback cost about half as much
  again and left the mean F1 on the stored pages unchanged, 0.964 either way), no dropping of repeated lines, and no full metadata pass: title, dates, authors
  and section come from what the page declares; trafilatura's/htmldate's markup guesses run only for
  a field the page does not declare;
- `arabic.normalize` and `arabic.stems`: one precomputed table each, applied word by word through a
  cache (same output as before, tested on every stored text);
- the crawl: extraction, relevance, comparison and the story signature run in a process pool, one
  process per core (`crawl.cpu_workers`); Scrapy's thread keeps the story index, batching and counts;
  bulk writes run in a background thread, one batch after the other (validators still after their
  articles), each batch as up to 4 concurrent bulk requests with retries, spooled on an unreachable node;
- reads refresh only indices the process wrote since its last refresh; a crawl refreshes once at its end;
  scans page by 5,000 documents.

### Elasticsearch 7.10.2 to 9.2.0

The bulk and digest-query rows of the full run of 2026-12-01 (commit 4efcc61) on the former local node,
Elasticsearch 7.10.2 (cluster runner, all modules, 1 GiB heap) with the 7.17 client; the table above
measures the same sections on the 9.2.0 node (integ-test distribution and Rasad's Arabic plugin,
1 GiB heap) with the 8.19 client. Read the ratios: each stands beside its anchor of the same run.

| measurement | 7.10.2 node, 7.17 client | 9.2.0 node, 8.19 client: see the table above |
|---|---|---|
| bulk upsert of 10,000 articles, chunks of 500 | Rasad 4,210 docs/s, parallel_bulk 4,409 docs/s (0.95x) | bulk indexing rows |
| bulk upsert of 10,000 articles, chunks of 2,000 | Rasad 3,477 docs/s, parallel_bulk 3,731 docs/s (0.93x) | bulk indexing rows |
| digest query, one-day window, 1,000 articles | Rasad p50 27 ms, p95 124 ms; raw search p50 22 ms, p95 123 ms (1.20x) | digest query row |

The digest query now pages through a scroll (search_after sorted on `_id`, as before, is refused by
Elasticsearch 8+), and its anchor is the same filter as one raw search."""


def search(n: int) -> Section:
    def run(config: Config) -> Iterator[Item]:
        from bench.bench_search import QUERY, bench_search

        r = bench_search(config, n)
        for name, what in (("all", "every article matches, newest 20 of them"),
                           ("filtered", "--source xinhua --relation copy")):
            q = r[name]
            yield (f"`rasad search {QUERY}` on {n:,} stored articles ({what}; {q['matches']:,} matches): body, "
                   "Store.search_hits and printing, in-process; anchor: one raw client.search of the same body, "
                   "alternating",
                   f"Rasad p50 {q['p50']:.0f} ms, p95 {q['p95']:.0f} ms; raw search p50 {q['raw_p50']:.0f} ms, "
                   f"p95 {q['raw_p95']:.0f} ms (ratio at p50 {q['p50'] / q['raw_p50']:.2f}x)")
        yield (f"`rasad search {QUERY}` as a command (a new process, interpreter start-up included), {n:,} stored "
               "articles, median of 5",
               f"{r['process_median_s']:.2f} s (fastest {r['process_fastest_s']:.2f} s)")

    return run


def ccnews_scan(files: int, records: int) -> Section:
    def run(config: Config) -> Iterator[Item]:
        from bench.bench_ccnews import bench_ccnews

        r = bench_ccnews(config, files, records)
        bare, rasad, d1, d2 = r["bare"], r["rasad"], r["dask1"], r["dask2"]
        load = ", ".join(f"{x:.2f}" for x in r["load"])
        what = (f"{files} CC-NEWS-shaped files, {r['records']:,} records, {r['bytes'] / 1e6:.0f} MB gzip, over HTTP "
                f"from 127.0.0.1 (load average at the end {load})")

        def rate(x: dict) -> str:
            return f"{x['records_s']:,.0f} records/s, {x['mb_s']:.1f} MB/s"

        yield (f"bare fastwarc iteration + the same cheap filter, one process: {what}", rate(bare))
        yield ("Rasad's scan task (crawler.engine.scan_task), one process, same files, alternating with the bare "
               "scan (best of 3 each)", f"{rate(rasad)} ({rasad['mb_s'] / bare['mb_s']:.2f}x bare)")
        bc, rc, dc = r["bare_cpu"], r["rasad_cpu"], d1["cpu"]
        yield ("CPU time of the scanning thread (what the load of other processes does not change): bare / Rasad "
               "in-process / Rasad on a Dask worker",
               f"{bc['mb_s']:.1f} / {rc['mb_s']:.1f} ({rc['mb_s'] / bc['mb_s']:.2f}x) / {dc['mb_s']:.1f} "
               f"({dc['mb_s'] / bc['mb_s']:.2f}x) MB per CPU-second")
        yield ("`--engine dask`, 1 worker: the scan tasks from first submit to last result (worker warm; "
               "1 and 2 workers alternating, best of 3 each)",
               f"{rate(d1)} ({d1['mb_s'] / d1['bare']['mb_s']:.2f}x the bare scan run just before it, "
               f"{rate(d1['bare'])}; cluster start {d1['start_s']:.1f} s)")
        yield ("`--engine dask`, 2 workers: same", f"{rate(d2)} ({d2['mb_s'] / d1['mb_s']:.2f}x 1 worker; per worker "
               f"{d2['mb_s'] / 2 / d2['bare']['mb_s']:.2f}x the bare scan run just before it, {rate(d2['bare'])}; "
               f"cluster start {d2['start_s']:.1f} s)")
        passed = r["rasad_passed"]
        yield ("records dropped before extraction (not a response, not 200, not HTML, not Arabic, off the topic)",
               f"{100 * (1 - passed / r['records']):.2f}% ({passed} of {r['records']:,} records go on; bare filter "
               f"passes {r['bare_passed']}); why: " + ", ".join(f"{k} {v:,}" for k, v in r["dropped"].items()))
        yield ("Where the time of a CC-NEWS scan goes, and the goals: Rasad's scan at least 0.8x the bare fastwarc "
               "scan per worker, 2 workers at least 1.7x one. The scan task is `ccnews.scan_file` in the worker process "
               "(no Scrapy, no Elasticsearch); only the pages that pass the cheap filter go on, 200 a batch, to one "
               "backfill child (extraction, relevance, comparison, store), whose start costs seconds once per batch, "
               "not per file. Two costs were found by measuring and removed: warcio's pure-Python record parsing "
               "(the scan ran at about 0.5x the bare fastwarc scan; it now parses with fastwarc, and checks the gzip "
               "tail of the stream itself, since fastwarc yields the record cut short at the end of a cut file as if "
               "it were whole), and the Dask nanny's `MALLOC_TRIM_THRESHOLD_=65536`, which made every streamed buffer "
               "an mmap/munmap pair: about 60% more CPU per megabyte on a worker than in a plain process (the worker "
               "now sets glibc's thresholds itself, crawler/engine.py). The CPU-time row is the per-worker comparison "
               "that the machine's load does not move; the wall-time rows share 2 cores with other work (load average "
               "beside them), which holds the second worker back: five runs of this section on 2026-12-02, at 1-minute "
               "load averages between 5 and 10 on the 2 cores, gave 2 workers 1.32x, 1.66x, 1.77x, 0.84x and 1.29x one "
               "worker, "
               "and the scan's CPU time per megabyte on a worker 0.76x the bare scan before the heap fix, 0.90x-0.96x "
               "after it.")

    return run


def all_sections(sizes: Sizes) -> list[tuple[str, Section]]:
    return [
        ("start-up", startup(sizes.startup_runs)),
        ("extraction", extraction(sizes.extract_pages, sizes.public_extraction)),
        ("crawl pipeline", crawl(sizes.crawl_pages)),
        ("before / after", before_after(sizes.stage_pages, sizes.stage_rounds)),
        ("story clusters", clusters(sizes.cluster_sizes)),
        ("digest", digest(sizes.digest_articles)),
        ("bulk indexing", bulk_indexing(sizes.bulk_docs, sizes.bulk_chunks)),
        ("search", search(sizes.digest_articles)),
        ("CC-NEWS scan", ccnews_scan(*sizes.ccnews_files)),
    ]
