"""Pages of the public extraction benchmark where Rasad loses to plain trafilatura, from a saved run.

    python -m bench.bench_extract --mode all --save run.jsonl    # once: both outputs of every page
    python -m bench.extraction_misses run.jsonl                  # what was lost, page by page
    python -m bench.extraction_misses run.jsonl --rerun          # the same pages through today's extract.py

A loss is: a page emptied where trafilatura has text, a `with` snippet trafilatura finds and Rasad does not,
a `without` snippet Rasad keeps and trafilatura leaves out, or a full-body F1 lower by more than --margin.
`--rerun` extracts only those pages again (trafilatura's saved output stands), so a change to the extractor
is checked on its misses in seconds instead of a full run of the benchmark.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import Any

from bench.bench_extract import _rasad_article, emptied
from bench.public_pages import PublicPage, all_pages, article_text, prf, snippets, squash


def losses(rec: dict[str, Any], margin: float) -> list[str]:
    """Why this page is a loss for Rasad (empty when it is not)."""
    mine, theirs = rec["rasad"], rec["trafilatura"]
    out = []
    if kind := emptied(rec):
        out.append(f"emptied ({kind})")
    if "f1" in mine:
        if mine["f1"] < theirs["f1"] - margin:
            out.append(f"F1 {mine['f1']:.3f} < {theirs['f1']:.3f}")
    else:
        if mine["with_found"] < theirs["with_found"]:
            out.append(f"with {mine['with_found']}/{mine['with']} < {theirs['with_found']}")
        if mine["without_absent"] < theirs["without_absent"]:
            out.append(f"without kept out {mine['without_absent']}/{mine['without']} < {theirs['without_absent']}")
    return out


def _detail(page: PublicPage, rasad: str, traf: str) -> Iterator[str]:
    """The snippets behind a snippet loss: each `with` missed that trafilatura found, each `without` kept."""
    mine, theirs = squash(rasad), squash(traf)
    for s in page.with_:
        if squash(s) not in mine and squash(s) in theirs:
            yield f"    missed: {s[:100]!r}"
    for s in page.without:
        if squash(s) in mine and squash(s) not in theirs:
            yield f"    kept:   {s[:100]!r}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("saved", help="a file written by `python -m bench.bench_extract --save`")
    parser.add_argument("--margin", type=float, default=0.05, help="F1 lower by more than this is a loss")
    parser.add_argument("--rerun", action="store_true", help="extract the lost pages again with today's code")
    args = parser.parse_args(argv)
    with open(args.saved, encoding="utf-8") as fh:
        saved = [json.loads(line) for line in fh if line.strip()]
    by_key = {(p.source, p.id): p for p in all_pages()}
    lost = 0
    for rec in saved:
        why = losses(rec, args.margin)
        if not why:
            continue
        lost += 1
        page = by_key[(rec["source"], rec["id"])]
        rasad, traf = rec["outputs"]["rasad"], rec["outputs"]["trafilatura"]
        sys.stdout.write(f"{rec['source']}/{rec['id']} [{rec['language']}]: {'; '.join(why)}\n")
        if page.body is None:
            sys.stdout.writelines(line + "\n" for line in _detail(page, rasad, traf))
        if args.rerun:
            title, body = _rasad_article(page.html(), page.url or f"https://bench.invalid/{page.source}/{page.id}")
            now = article_text(page.source, title, body)
            if page.body is not None:
                score = f"F1 {prf(now, page.body)[2]:.3f}"
            else:
                found, absent = snippets(now, page)
                score = f"with {found}/{len(page.with_)}, without kept out {absent}/{len(page.without)}"
            sys.stdout.write(f"    today: {len(squash(now))} characters, {score}\n")
    sys.stdout.write(f"{lost} of {len(saved)} pages lost to trafilatura\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
