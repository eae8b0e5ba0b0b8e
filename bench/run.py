"""`make bench`: measure Rasad side by side and write BENCHMARKS.md.

Each section is a module of this package with one function returning a dict of measurements.
The local Elasticsearch node is started if ES_URL is not set (and stopped afterwards).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from crawler.config import load_config

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
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)

    from jobs.context import ensure_elasticsearch

    config = load_config()
    ensure_elasticsearch(config)
    sections = _sections(args.quick)
    rows: list[tuple[str, str, str]] = []
    for name, func in sections:
        if args.only and name not in args.only:
            continue
        log.info("bench: %s ...", name)
        start = time.perf_counter()
        try:
            for metric, value in func(config):
                rows.append((name, metric, value))
        except Exception as exc:  # a failed section is reported, the others still run
            log.exception("bench section %s failed", name)
            rows.append((name, "FAILED", f"{type(exc).__name__}: {exc}"))
        log.info("bench: %s done in %.1fs", name, time.perf_counter() - start)
    _write(Path(args.out), rows, args)
    print(Path(args.out).read_text(encoding="utf-8"))
    return 0


def _sections(quick: bool):
    from bench import sections

    return sections.all_sections(quick)


def _write(path: Path, rows: list[tuple[str, str, str]], args: argparse.Namespace) -> None:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    lines = [
        "# Rasad benchmarks",
        "",
        f"- date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {machine()}",
        f"- command: `make bench`{' (--quick)' if args.quick else ''} at commit {commit or 'unknown'}",
        "- Elasticsearch: the local 7.10.2 node (1 GiB heap) on the same machine",
        "",
        "| section | measurement | value |",
        "|---|---|---|",
    ]
    lines += [f"| {s} | {m} | {v} |" for s, m, v in rows]
    lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
