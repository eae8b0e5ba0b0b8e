"""Screenshot a digest with headless Chromium into docs/digest-example.png (`make docs`).

By default the newest digest that `rasad demo` wrote (reports/out/demo/rasad-digest-*.html, whose chart
is the .png beside it) is shot, so the picture is what the demo really produces; `make docs` runs
`rasad demo --fresh` first. `--synthetic` renders the synthetic articles of tests/digest_helpers.py
instead (no Elasticsearch needed). The page is checked first: right-to-left, nothing wider than the
window, every image loaded.

    .venv/bin/python scripts/render_digest_example.py [--html FILE | --synthetic] [--out docs/digest-example.png]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.digest_browser import inspect_page, screenshot  # noqa: E402

PERIOD = (datetime(2026, 11, 27, tzinfo=UTC), datetime(2026, 11, 28, tzinfo=UTC))


def newest_demo_digest(out_dir: Path) -> Path:
    """The demo digest written last that has articles (an empty one has no chart to show)."""
    pages = sorted((p for p in out_dir.glob("rasad-digest-*.html") if p.with_suffix(".png").exists()),
                   key=lambda p: p.stat().st_mtime)
    if not pages:
        sys.exit(f"render_digest_example: no demo digest with articles in {out_dir}; run `rasad demo --fresh` first")
    return pages[-1]


def synthetic_digest(out_dir: Path) -> Path:
    """Write the synthetic example digest's files (as the service writes them) and return its .html."""
    from crawler.config import load_config
    from reports.digest import build_digest
    from reports.service import write_files
    from tests.digest_helpers import TOPIC, sample_articles

    config = load_config(env={})
    config.digest.out_dir = str(out_dir)
    digest = build_digest(sample_articles(PERIOD[0]), topic=TOPIC, period_start=PERIOD[0], period_end=PERIOD[1],
                          kibana_url=config.digest.kibana_url)
    files, _ = write_files(config, digest)
    return Path(next(f for f in files if f.endswith(".html")))


def check(page: Path, width: int) -> None:
    seen = inspect_page(page, width)
    problems = []
    if seen["body_direction"] != "rtl" or seen["html_dir"] != "rtl":
        problems.append(f"not right-to-left: {seen['html_dir']} / {seen['body_direction']}")
    if seen["scroll_width"] > seen["client_width"] or seen["outside"]:
        problems.append(f"wider than the window: {seen['outside'][:3]}")
    if not seen["images"] or not all(i["loaded"] for i in seen["images"]):
        problems.append(f"images not loaded: {seen['images']}")
    if problems:
        sys.exit(f"render_digest_example: {page}: " + "; ".join(problems))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--html", type=Path, help="a digest .html written by Rasad (its .png beside it)")
    source.add_argument("--synthetic", action="store_true", help="the synthetic example articles of the tests")
    parser.add_argument("--demo-dir", type=Path, default=ROOT / "reports" / "out" / "demo")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "digest-example.png")
    parser.add_argument("--width", type=int, default=900)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        page = args.html or (synthetic_digest(Path(tmp)) if args.synthetic else newest_demo_digest(args.demo_dir))
        check(page, args.width)
        screenshot(page, args.out, args.width)
    print(f"wrote {args.out} from {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
