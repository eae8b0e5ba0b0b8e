"""The digest's HTML file as a browser renders it: real headless Chromium (Debian's package).

Chromium is required: without it these tests fail (scripts.digest_browser.BrowserMissing), they
never skip. `make test` and .ci/run install it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from crawler.config import load_config
from reports.digest import build_digest
from reports.service import write_files
from scripts.digest_browser import chromium, inspect_page, screenshot
from tests.digest_helpers import TOPIC, sample_articles

P0 = datetime(2026, 11, 26, tzinfo=UTC)
P1 = P0 + timedelta(days=2)


def _digest_page(tmp_path: Path, articles: list[dict]) -> Path:
    """The digest files as the service writes them (the .html loads the .png beside it)."""
    config = load_config(env={})
    config.digest.out_dir = str(tmp_path)
    digest = build_digest(articles, topic=TOPIC, period_start=P0, period_end=P1, kibana_url="http://kibana:5601")
    files, _ = write_files(config, digest)
    return Path(next(f for f in files if f.endswith(".html")))


def test_chromium_is_installed() -> None:
    assert Path(chromium()).exists()


@pytest.mark.parametrize("width", [900, 500], ids=["desktop", "narrow"])
def test_digest_renders_right_to_left_without_overflow_and_its_chart_loads(tmp_path: Path, width: int) -> None:
    page = _digest_page(tmp_path, sample_articles(P0))
    seen = inspect_page(page, width=width)
    assert seen["html_dir"] == "rtl" and seen["lang"] == "ar"
    assert seen["body_direction"] == "rtl" and seen["table_directions"] == ["rtl"]
    assert seen["client_width"] <= width
    assert seen["scroll_width"] <= seen["client_width"], seen["outside"][:5]
    assert seen["outside"] == []
    assert len(seen["images"]) == 1 and seen["images"][0]["loaded"], seen["images"]
    assert seen["images"][0]["src"].endswith(".png") and 0 < seen["images"][0]["width"] <= seen["client_width"]


def test_a_missing_chart_would_be_seen(tmp_path: Path) -> None:
    """The probe tells a broken image from a loaded one (so the check above can fail)."""
    page = _digest_page(tmp_path, sample_articles(P0))
    page.with_suffix(".png").unlink()
    (image,) = inspect_page(page)["images"]
    assert not image["loaded"]


def test_empty_digest_page_has_no_image(tmp_path: Path) -> None:
    seen = inspect_page(_digest_page(tmp_path, []))
    assert seen["images"] == [] and seen["body_direction"] == "rtl" and seen["outside"] == []


def test_screenshot_covers_the_whole_page(tmp_path: Path) -> None:
    page = _digest_page(tmp_path, sample_articles(P0))
    shot = screenshot(page, tmp_path / "shot.png", width=900)
    with Image.open(shot) as img:
        assert img.size[0] == 900 and img.size[1] >= inspect_page(page)["height"] > 1000
        # Mostly the page's light background, with the dark-blue header band drawn at the top.
        top = img.convert("RGB").getpixel((450, 30))
        assert top[2] > top[0]  # blue dominates: the header rendered
