"""`make bench`: measure Rasad side by side and write BENCHMARKS.md.

Each section (bench/sections.py) calls a module of this package that returns a dict of measurements.
The local Elasticsearch node is started if ES_URL is not set (and left running, like `rasad es up`).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import logging
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.config import Config, load_config

if TYPE_CHECKING:
    from bench.sections import Sizes

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger("bench")


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem_gib:.0f} GiB, Python {platform.python_version()}, {platform.system()} {platform.release()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (for a smoke run)")
    parser.add_argument("--only", nargs="*", help="run only these sections")
    parser.add_argument("--extraction-full", action="store_true",
                        help="every page of the public extraction benchmark (default: a hash-picked quarter)")
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("elasticsearch").setLevel(logging.WARNING)  # one line per bulk request otherwise

    from jobs.context import ensure_elasticsearch

    config = load_config()
    ensure_elasticsearch(config)
    from bench.sections import BEFORE_THIS_WORK, FULL, QUICK

    started = time.perf_counter()
    load_before = os.getloadavg()
    sizes = QUICK if args.quick else FULL
    if args.extraction_full:
        sizes = dataclasses.replace(sizes, public_extraction="all")
    rows, blocks = run_sections(config, sizes, args.only)
    blocks.append(("before this work", BEFORE_THIS_WORK))
    args.load = (load_before, os.getloadavg())
    if args.only:  # keep the other sections' figures of the previous full run
        rows, blocks = merge_previous(Path(args.out), rows, blocks, {*args.only, "before this work"})
    _write(Path(args.out), rows, blocks, args, time.perf_counter() - started)
    print(Path(args.out).read_text(encoding="utf-8"))
    return 0


def run_sections(config: Config, sizes: Sizes, only: list[str] | None = None
                 ) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """Run the sections; returns the table rows (section, measurement, value) and markdown blocks."""
    from bench.sections import all_sections

    rows: list[tuple[str, str, str]] = []
    blocks: list[tuple[str, str]] = []
    for name, func in all_sections(sizes):
        if only and name not in only:
            continue
        log.info("bench: %s ...", name)
        start = time.perf_counter()
        try:
            for item in func(config):
                if isinstance(item, str):
                    blocks.append((name, item))
                else:
                    rows.append((name, *item))
        except Exception as exc:  # a failed section is reported, the others still run
            log.exception("bench section %s failed", name)
            rows.append((name, "FAILED", f"{type(exc).__name__}: {exc}"))
        log.info("bench: %s done in %.1fs", name, time.perf_counter() - start)
    return rows, blocks


def merge_previous(path: Path, rows: list[tuple[str, str, str]], blocks: list[tuple[str, str]], ran: set[str]
                   ) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """This run's sections plus the other sections' rows and blocks from the existing report, in section order."""
    from bench.sections import FULL, all_sections

    if not path.exists():
        return rows, blocks
    old_rows: list[tuple[str, str, str]] = []
    old_blocks: list[tuple[str, str]] = []
    text = path.read_text(encoding="utf-8")
    table, _, rest = text.partition("\n## ")
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if line.startswith("| ") and len(cells) == 3 and cells[0] not in ("section", "---") and cells[0] not in ran:
            old_rows.append((cells[0], cells[1], cells[2]))
    for chunk in ("## " + rest).split("\n## ") if rest else []:
        name, _, body = chunk.removeprefix("## ").partition("\n")
        if name.strip() not in ran:
            old_blocks.append((name.strip(), body.strip("\n")))
    order = {name: i for i, (name, _) in enumerate(all_sections(FULL))}
    return (sorted(old_rows + rows, key=lambda r: order.get(r[0], len(order))),
            sorted(old_blocks + blocks, key=lambda b: order.get(b[0], len(order))))


def _write(path: Path, rows: list[tuple[str, str, str]], blocks: list[tuple[str, str]],
           args: argparse.Namespace, seconds: float) -> None:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    lines = [
        "# Rasad benchmarks",
        "",
        f"- date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {machine()}",
        f"- command: `make bench`{' (--quick)' if args.quick else ''} (`python -m bench`) at commit "
        f"{commit or 'unknown'} plus the working tree"
        + (" (--extraction-full)" if getattr(args, "extraction_full", False) else "")
        + f"; {seconds / 60:.1f} minutes in all"
        + (f"; this run measured only: {', '.join(args.only)} (the other sections' figures are those of the "
           "previous full run)" if getattr(args, "only", None) else ""),
        "- Elasticsearch: the local 9.2.0 node (integ-test distribution with Rasad's Arabic plugin, 1 GiB heap) on the same machine",
        "- the cores are shared with the Elasticsearch node and whatever else runs: timings of separate sections vary by",
        "  10-30% from run to run, so every figure stands beside its anchor measured in the same section",
        "  (alternating where the section says so): read the ratios, not the absolute figures",
        *([f"- load average (1 min) at the start / end of the run: {args.load[0][0]:.1f} / {args.load[1][0]:.1f} "
           f"on {os.cpu_count()} cores"] if getattr(args, "load", None) else []),
        "",
        "| section | measurement | value |",
        "|---|---|---|",
    ]
    lines += [f"| {s} | {m} | {v} |" for s, m, v in rows]
    for name, block in blocks:
        lines += ["", f"## {name}", "", block]
    lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
