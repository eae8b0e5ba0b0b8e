"""Headless Chromium on a digest's HTML file: measure the rendered page and take screenshots.

Used by scripts/render_digest_example.py (docs/digest-example.png) and tests/test_digest_browser.py.
Chromium is Debian's package (`apt-get install chromium fonts-noto-core`); `make docs` and `make test`
install it when run as root, .ci/run always does.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

# Measured once the page and its images have loaded; written into the DOM that --dump-dom prints.
_PROBE = """
<script>
window.addEventListener('load', () => {
  const de = document.documentElement;
  const tables = [...document.querySelectorAll('table')];
  const outside = [...document.querySelectorAll('body *')].filter(e => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && (r.right > de.clientWidth + 1 || r.left < -1);
  }).map(e => e.tagName + ': ' + (e.textContent || '').trim().slice(0, 60));
  const result = {
    html_dir: de.getAttribute('dir'), lang: de.getAttribute('lang'),
    body_direction: getComputedStyle(document.body).direction,
    table_directions: [...new Set(tables.map(t => getComputedStyle(t).direction))],
    scroll_width: de.scrollWidth, client_width: de.clientWidth, height: de.scrollHeight,
    outside: outside,
    images: [...document.images].map(i => ({src: i.getAttribute('src'), loaded: i.complete && i.naturalWidth > 0,
                                           width: i.getBoundingClientRect().width})),
  };
  const pre = document.createElement('pre');
  pre.id = 'rasad-probe';
  pre.textContent = JSON.stringify(result);
  document.body.appendChild(pre);
});
</script>
"""
_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
          "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
          "--allow-file-access-from-files"]


class BrowserMissing(RuntimeError):
    """No Chromium on PATH."""


def chromium() -> str:
    """Path of the Chromium binary; raises BrowserMissing (with the install command) when there is none."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not browser:
        raise BrowserMissing("no chromium on PATH: apt-get install chromium fonts-noto-core (or `make test` as root)")
    return browser


def _run(args: list[str], timeout: float = 120) -> str:
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run([chromium(), *_FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                              text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"chromium {' '.join(args)} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return proc.stdout


def inspect_page(html_file: Path, width: int = 900, height: int = 1200) -> dict[str, Any]:
    """Direction, widths, elements outside the viewport and image loading of a page at a window width."""
    html_file = html_file.resolve()
    probe = html_file.with_name(f".probe-{html_file.name}")  # same directory: relative images resolve
    probe.write_text(html_file.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    try:
        dom = _run(["--virtual-time-budget=10000", f"--window-size={width},{height}", "--dump-dom", probe.as_uri()])
    finally:
        probe.unlink(missing_ok=True)
    m = re.search(r'<pre id="rasad-probe">(.*?)</pre>', dom, re.S)
    if not m:
        raise RuntimeError(f"the page probe did not run in {html_file} (no load event?)")
    return json.loads(html.unescape(m.group(1)))


def screenshot(html_file: Path, out: Path, width: int = 900) -> Path:
    """A PNG of the whole page at this window width (the height is measured first)."""
    height = int(inspect_page(html_file, width)["height"])
    out.parent.mkdir(parents=True, exist_ok=True)
    _run(["--virtual-time-budget=10000", f"--window-size={width},{height}", f"--screenshot={out.resolve()}",
          html_file.resolve().as_uri()])
    return out
