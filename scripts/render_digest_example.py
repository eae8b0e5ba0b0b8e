"""Render an example digest to HTML and screenshot it with headless Chromium (docs/digest-example.png).

By default the digest is built from the synthetic articles of tests/digest_helpers.py; with
--articles it is built from stored article documents (JSON Lines, each with its "id"), e.g. a
dump of a fixture crawl. The chart is inlined as a data: URI (cid: only resolves inside a mail).

    .venv/bin/python scripts/render_digest_example.py [--articles FILE.jsonl] [--out docs/digest-example.png]
"""

from __future__ import annotations

import argparse
import base64
import json
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reports.chart import timeline_png  # noqa: E402
from reports.digest import build_digest  # noqa: E402
from reports.render import render_html  # noqa: E402
from tests.digest_helpers import TOPIC, sample_articles  # noqa: E402

PERIOD = (datetime(2026, 11, 27, tzinfo=UTC), datetime(2026, 11, 28, tzinfo=UTC))


def load_articles(path: Path | None) -> list[dict]:
    if path is None:
        return sample_articles(PERIOD[0])
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def screenshot(html_path: Path, out: Path, size: str) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not browser:
        sys.exit("render_digest_example: no chromium on PATH (apt-get install chromium fonts-noto-core)")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--hide-scrollbars", f"--user-data-dir={profile}", f"--screenshot={out}", f"--window-size={size}",
                html_path.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=Path, help="stored article documents, one JSON object per line")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "digest-example.png")
    parser.add_argument("--html", type=Path, help="also keep the rendered HTML here")
    parser.add_argument("--window-size", default="900,1600")
    args = parser.parse_args(argv)
    digest = build_digest(
        load_articles(args.articles), topic=TOPIC, period_start=PERIOD[0], period_end=PERIOD[1],
        kibana_url="http://127.0.0.1:5601",
    )
    png = base64.b64encode(timeline_png(digest.days)).decode("ascii")
    html = render_html(digest, digest.chart_cid, chart_src=f"data:image/png;base64,{png}")
    with tempfile.TemporaryDirectory() as tmp:
        html_path = args.html or Path(tmp) / "digest.html"
        html_path.write_text(html, encoding="utf-8")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        screenshot(html_path.resolve(), args.out.resolve(), args.window_size)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
