"""Rasad's extractor (crawler.text.extract.extract) against plain trafilatura.extract on the same pages.

Both get the same bytes. Agreement is token-level F1 over normalised word tokens (crawler.text.arabic):
each extractor's body against the body that was put into the page, and the two bodies against each
other (with the Jaccard of their word sets).
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

import trafilatura

from bench.pages import make_pages
from crawler.text.arabic import tokens
from crawler.text.extract import ExtractionError, extract


def token_f1(found: str, truth: str) -> float:
    """Harmonic mean of token precision and recall (multiset overlap); 1.0 when both are empty."""
    a, b = Counter(tokens(found)), Counter(tokens(truth))
    if not a and not b:
        return 1.0
    inter = sum((a & b).values())
    if not inter:
        return 0.0
    p, r = inter / sum(a.values()), inter / sum(b.values())
    return 2 * p * r / (p + r)


def jaccard(x: str, y: str) -> float:
    a, b = set(tokens(x)), set(tokens(y))
    return len(a & b) / len(a | b) if a | b else 1.0


def bench_extract(count: int, seed: int = 5) -> dict:
    """Extract `count` generated pages with both extractors; return time per page and agreement."""
    pages = make_pages(count, seed)
    for page in pages[:5]:  # imports and lazy initialisation outside the timings
        trafilatura.extract(page.html, url=page.url)
        extract(page.html, page.url, content_type=page.content_type)
    rasad_s = traf_s = 0.0
    rasad_empty = traf_empty = 0
    scores: dict[str, list[float]] = defaultdict(list)
    layouts: dict[str, list[float]] = defaultdict(list)
    for page in pages:
        t = time.perf_counter()
        try:
            ours = extract(page.html, page.url, content_type=page.content_type).body
        except ExtractionError:
            ours = ""
        rasad_s += time.perf_counter() - t
        t = time.perf_counter()
        theirs = trafilatura.extract(page.html, url=page.url) or ""
        traf_s += time.perf_counter() - t
        rasad_empty += not ours
        traf_empty += not theirs
        f1 = token_f1(ours, page.body)
        scores["rasad_vs_truth"].append(f1)
        scores["trafilatura_vs_truth"].append(token_f1(theirs, page.body))
        scores["rasad_vs_trafilatura_f1"].append(token_f1(ours, theirs))
        scores["rasad_vs_trafilatura_jaccard"].append(jaccard(ours, theirs))
        layouts[page.layout].append(f1)
    return {
        "pages": count,
        "layouts": len(layouts),
        "rasad_ms": 1000 * rasad_s / count,
        "trafilatura_ms": 1000 * traf_s / count,
        "rasad_empty": rasad_empty,
        "trafilatura_empty": traf_empty,
        **{k: sum(v) / len(v) for k, v in scores.items()},
        "worst_layout": min(((sum(v) / len(v), k) for k, v in layouts.items())),
    }


def bench_real(rounds: int = 3) -> dict:
    """Rasad's extractor and plain trafilatura.extract on the stored real news pages (bench/real_pages).

    CPU time per page (time.process_time, both sides alternating page by page, fastest of `rounds`)
    and token F1 of each against the page's expected text; also trafilatura with include_comments=False.
    """
    import logging

    from bench.real_pages import real_pages

    pages = real_pages()
    logging.getLogger("crawler.text.extract").setLevel(logging.ERROR)  # unreadable-date warnings of Spanish pages
    sides: dict[str, Callable[[Any], str]] = {
        "rasad": lambda p: _rasad_body(p.html, p.url),
        "trafilatura": lambda p: trafilatura.extract(p.html, url=p.url) or "",
        "trafilatura_no_comments": lambda p: trafilatura.extract(p.html, url=p.url, include_comments=False) or "",
    }
    best = {name: float("inf") for name in sides}
    bodies: dict[str, list[str]] = {}
    for _ in range(rounds):
        spent = dict.fromkeys(sides, 0.0)
        outs: dict[str, list[str]] = {name: [] for name in sides}
        for page in pages:
            for name, func in sides.items():
                t = time.process_time()
                outs[name].append(func(page))
                spent[name] += time.process_time() - t
        best = {name: min(best[name], spent[name]) for name in sides}
        bodies = outs
    f1 = {name: [token_f1(body, page.expected) for body, page in zip(bodies[name], pages, strict=True)] for name in sides}
    return {
        "pages": len(pages),
        "languages": sorted({p.language for p in pages}),
        "ms": {name: 1000 * best[name] / len(pages) for name in sides},
        "f1": {name: sum(v) / len(v) for name, v in f1.items()},
        "per_page": {p.name: {name: f1[name][i] for name in sides} for i, p in enumerate(pages)},
        "empty": {name: sum(1 for b in bodies[name] if not b) for name in sides},
    }


def _rasad_body(html: bytes, url: str) -> str:
    try:
        return extract(html, url).body
    except ExtractionError:
        return ""


# ------------------------------------------------------------------ the public benchmark (../shared/extraction-bench)

SHORT_CHARS = 350  # on a snippet page, an output under this many characters, where the other has more, is emptied
LOST_RECALL = 0.5  # on a full-body page, an output holding less than this share of the expected text is emptied
SIDES = ("rasad", "trafilatura")


def _rasad_article(html: bytes, url: str) -> tuple[str, str]:
    """(title, body) of Rasad's extraction; ("", "") when it finds no article text."""
    try:
        article = extract(html, url)
    except ExtractionError:
        return "", ""
    return article.title, article.body


def _public_sides() -> dict[str, Callable[[Any], dict[str, str]]]:
    """The two extractors as the benchmark's README runs them (raw page bytes, trafilatura with its defaults),
    each giving its scored output; Rasad's body alone is kept beside its scored text (bench.public_pages:
    article_text)."""
    from bench.public_pages import article_text

    def rasad(p: Any) -> dict[str, str]:
        title, body = _rasad_article(p.html(), p.url or f"https://bench.invalid/{p.source}/{p.id}")
        return {"rasad": article_text(p.source, title, body), "rasad_body": body}

    return {"rasad": rasad, "trafilatura": lambda p: {"trafilatura": trafilatura.extract(p.html()) or ""}}


def score_page(page: Any, outputs: dict[str, str], cpu: dict[str, float]) -> dict[str, Any]:
    """One page's record: characters, CPU seconds and the README's scores of each output."""
    from bench.public_pages import prf, snippets, squash

    rec: dict[str, Any] = {"source": page.source, "id": page.id, "half": page.half, "language": page.language,
                           "chars": {s: len(squash(outputs[s])) for s in outputs}, "cpu": cpu}
    for side, text in outputs.items():
        if page.body is not None:
            rec[side] = dict(zip(("p", "r", "f1"), prf(text, page.body), strict=True))
        else:
            found, absent = snippets(text, page)
            rec[side] = {"with_found": found, "with": len(page.with_), "without_absent": absent,
                         "without": len(page.without)}
    return rec


def run_public(selected: list[Any], save: Any = None) -> list[dict[str, Any]]:
    """Both extractors on every selected page, alternating which goes first; CPU is time.process_time.

    `save`, a path, gets one JSON line per page with every output (for reading the misses afterwards:
    bench/extraction_misses.py).
    """
    import json
    import logging

    from trafilatura.external import jt_stoplist_init

    logging.getLogger("crawler.text.extract").setLevel(logging.ERROR)  # unreadable dates, trafilatura quirks
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    sides = _public_sides()
    for name in SIDES:  # imports and lazy initialisation outside the timings
        sides[name](selected[0])
    jt_stoplist_init()  # jusText's stoplists, loaded once by whichever side needs them first
    records = []
    fh = open(save, "w", encoding="utf-8") if save else None  # noqa: SIM115 - closed below
    try:
        for i, page in enumerate(selected):
            outputs, cpu = {}, {}
            for name in (SIDES if i % 2 == 0 else SIDES[::-1]):
                t = time.process_time()
                outputs.update(sides[name](page))
                cpu[name] = time.process_time() - t
            rec = score_page(page, outputs, cpu)
            records.append(rec)
            if fh:
                fh.write(json.dumps({**rec, "outputs": outputs}, ensure_ascii=False) + "\n")
    finally:
        if fh:
            fh.close()
    return records


def emptied(rec: dict[str, Any], side: str = "rasad", other: str = "trafilatura") -> str | None:
    """'empty' or 'short' when `side` lost a page `other` has text for, else None.

    'empty': no text. 'short', on a full-body page: less than LOST_RECALL of the expected text where the other
    holds at least that much (the expected text is the measure, not the length: a two-sentence article is
    short and complete); on a snippet page, where there is no full text to measure against: under SHORT_CHARS
    characters where the other has at least that many.
    """
    mine, theirs = rec["chars"][side], rec["chars"][other]
    if not theirs:
        return None
    if not mine:
        return "empty"
    if "r" in rec[side]:
        return "short" if rec[side]["r"] < LOST_RECALL <= rec[other]["r"] else None
    return "short" if mine < SHORT_CHARS <= theirs else None


def _scores(records: list[dict[str, Any]], output: str) -> dict[str, Any]:
    """Mean F1/P/R over the full-body pages and pooled snippet counts over the snippet pages, of one output."""
    full = [r for r in records if "f1" in r[output]]
    snip = [r for r in records if "f1" not in r[output]]
    s: dict[str, Any] = {}
    if full:
        for k in ("f1", "p", "r"):
            s[k] = sum(r[output][k] for r in full) / len(full)
    if snip:
        for k in ("with_found", "with", "without_absent", "without"):
            s[k] = sum(r[output][k] for r in snip)
    return s


def summarise(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-side figures of a set of page records: F1/P/R means (full-body pages), pooled snippet counts,
    emptied pages and CPU seconds; `rasad_body`: the scores of Rasad's body alone."""
    full = [r for r in records if "f1" in r["rasad"]]
    out: dict[str, Any] = {"pages": len(records), "full_pages": len(full), "snippet_pages": len(records) - len(full)}
    for side in SIDES:
        s: dict[str, Any] = {"cpu_s": sum(r["cpu"][side] for r in records), **_scores(records, side)}
        other = "trafilatura" if side == "rasad" else "rasad"
        kinds = [emptied(r, side, other) for r in records]
        s["emptied_empty"], s["emptied_short"] = kinds.count("empty"), kinds.count("short")
        s["no_text"] = sum(1 for r in records if not r["chars"][side])
        out[side] = s
    if records and "rasad_body" in records[0]:
        out["rasad_body"] = _scores(records, "rasad_body")
    out["cpu_ratio"] = out["rasad"]["cpu_s"] / out["trafilatura"]["cpu_s"] if out["trafilatura"]["cpu_s"] else None
    out["emptied_pages"] = [f"{r['source']}/{r['id']}" for r in records if emptied(r)]
    return out


PUBLIC_MODES = ("all", "quarter", "one")


def bench_public(mode: str = "quarter", save: Any = None) -> dict[str, Any]:
    """The public benchmark on every page ("all"), the hash-picked quarter ("quarter", the default of
    `make bench`) or one page per source ("one", a smoke run); summaries per source, per half (dev /
    held-out) and overall."""
    from bench.public_pages import SOURCES, all_pages, bench_dir

    if mode not in PUBLIC_MODES:
        raise ValueError(f"public benchmark mode {mode!r}: expected one of {', '.join(PUBLIC_MODES)}")
    root = bench_dir()
    pages = list(all_pages(root))
    if mode == "quarter":
        pages = [p for p in pages if p.in_sample]
    elif mode == "one":
        pages = [next(p for p in pages if p.source == src) for src in SOURCES]
    selected = pages
    records = run_public(selected, save)
    by = {
        "overall": summarise(records),
        **{src: summarise([r for r in records if r["source"] == src]) for src in SOURCES},
        **{half: summarise([r for r in records if r["half"] == half]) for half in ("dev", "held-out")},
    }
    for half in ("dev", "held-out"):
        for src in SOURCES:
            by[f"{src}/{half}"] = summarise([r for r in records if r["source"] == src and r["half"] == half])
    import trafilatura as _t

    return {"root": str(root), "mode": mode, "pages": len(records), "trafilatura_version": _t.__version__,
            "summary": by, "records": records}


def _score_cell(s: dict[str, Any], side: str) -> str:
    v = s.get(side) or {}
    parts = []
    if "f1" in v:
        parts.append(f"F1 **{v['f1']:.3f}** (P {v['p']:.3f}, R {v['r']:.3f})")
    if v.get("with"):
        parts.append(f"with-found {v['with_found']}/{v['with']} = **{v['with_found'] / v['with']:.3f}**")
    if v.get("without"):
        parts.append(f"without-absent {v['without_absent']}/{v['without']} = **{v['without_absent'] / v['without']:.3f}**")
    return "; ".join(parts) or "-"


def public_markdown(r: dict[str, Any]) -> str:
    """The per-source table of one public-benchmark run: Rasad beside plain trafilatura, same run."""
    from bench.public_pages import SOURCES

    what = {"all": "all pages (`make bench BENCH_ARGS=--extraction-full`)",
            "quarter": "the hash-picked quarter of the pages (`make bench`; every page with --extraction-full)",
            "one": "one page per source (a smoke run)"}[r["mode"]]
    lines = [
        f"The public extraction benchmark (`{r['root']}`, its README.md): {r['pages']} pages, {what}. Each page's "
        "raw bytes go to Rasad's `extract` and to plain `trafilatura.extract(page_bytes)` (default options, "
        f"trafilatura {r['trafilatura_version']}) one after the other, alternating which goes first; CPU is "
        "`time.process_time` around each call in the same process. Scores follow the README exactly: token F1 "
        "(mean per page) on full-body sources, pooled snippet counts on snippet sources. Rasad is scored field "
        "for field: headline and body where the source's expected text holds the headline (daniel, the snippet "
        "sets), the body alone where it does not (fundus, newspaper4k; bench/public_pages.py, HEADLINE_EXPECTED); "
        "*Rasad, body alone* scores the body everywhere. *Emptied*: no text where the other extractor has text; "
        f"or, on a full-body page, under {LOST_RECALL} of the expected text (recall) where the other has at least "
        f"that; or, on a snippet page, under {SHORT_CHARS} characters where the other has at least {SHORT_CHARS}. "
        "The halves are a fixed split by a hash of source and page id; the fallback's thresholds were chosen on "
        "*dev* only.",
        "",
        "| set | pages | Rasad | plain trafilatura | Rasad, body alone | emptied: Rasad / trafilatura "
        "| CPU s: Rasad / trafilatura (ratio) |",
        "|---|---:|---|---|---|---|---|",
    ]
    summary = r["summary"]
    order = [*SOURCES, "overall", "dev", "held-out", *(f"{s}/{h}" for h in ("dev", "held-out") for s in SOURCES)]
    for key in order:
        s = summary.get(key)
        if not s or not s["pages"]:
            continue
        e = {side: s[side]["emptied_empty"] + s[side]["emptied_short"] for side in SIDES}
        ratio = f"{s['cpu_ratio']:.2f}x" if s["cpu_ratio"] else "-"
        lines.append(f"| {key} | {s['pages']} | {_score_cell(s, 'rasad')} | {_score_cell(s, 'trafilatura')} | "
                     f"{_score_cell(s, 'rasad_body')} | {e['rasad']} / {e['trafilatura']} | {s['rasad']['cpu_s']:.1f} / {s['trafilatura']['cpu_s']:.1f} "
                     f"({ratio}) |")
    pages = summary["overall"]["emptied_pages"]
    lines += ["", f"Pages Rasad emptied: {', '.join(f'`{p}`' for p in pages) if pages else 'none'}."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.bench_extract [--mode all|quarter|one] [--save FILE] [--json FILE]`: the public benchmark alone."""
    import argparse
    import json
    import sys

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--mode", choices=PUBLIC_MODES, default="quarter", help="which pages (default: %(default)s)")
    parser.add_argument("--save", help="write one JSON line per page with both outputs")
    parser.add_argument("--json", help="write the summaries as JSON")
    args = parser.parse_args(argv)
    r = bench_public(args.mode, save=args.save)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({k: v for k, v in r.items() if k != "records"}, fh, indent=1)
    sys.stdout.write(public_markdown(r) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
