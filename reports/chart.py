"""The digest's timeline: a PNG bar chart of articles per day (Pillow, deterministic bytes).

Chart text is digits only (counts, MM-DD dates, the year): Pillow without libraqm would draw Arabic
as isolated, left-to-right letters, so the Arabic caption lives in the HTML around the image, and
no English word is drawn into an Arabic report. An empty period has no chart at all.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from datetime import date

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 720, 240
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 44, 16, 16, 44
BAR = (31, 94, 153)
GRID = (221, 225, 230)
AXIS = (90, 98, 110)
TEXT = (40, 44, 52)
BACKGROUND = (255, 255, 255)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # Pillow's bundled font: identical on every machine, so the PNG bytes are reproducible.
    return ImageFont.load_default(size=size)


def _ticks(top: int) -> list[int]:
    """At most five round y-axis values from 0 to at least `top`."""
    step = max(1, math.ceil(top / 4))
    return list(range(0, top + step, step))


def timeline_png(days: Sequence[tuple[date, int]]) -> bytes:
    """A bar chart of articles per day.

    Args:
        days: (day, count) pairs in chronological order; at least one.
    Returns:
        PNG bytes; the same input always yields the same bytes.
    Raises:
        ValueError: no days (an empty digest has no chart).
    """
    img = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(img)
    small, label = _font(11), _font(12)
    x0, x1 = MARGIN_LEFT, WIDTH - MARGIN_RIGHT
    y0, y1 = MARGIN_TOP, HEIGHT - MARGIN_BOTTOM
    if not days:
        raise ValueError("no days to chart: an empty digest has no timeline")
    ticks = _ticks(max(c for _, c in days))
    top = ticks[-1]
    for t in ticks:
        y = y1 - (y1 - y0) * t / top
        draw.line([(x0, y), (x1, y)], fill=GRID if t else AXIS)
        draw.text((x0 - 6, y), str(t), fill=TEXT, font=small, anchor="rm")
    slot = (x1 - x0) / len(days)
    bar_w = max(2.0, slot * 0.7)
    # Label every k-th day so dates never overlap (a label is ~40 px wide).
    every = max(1, math.ceil(44 / slot))
    for i, (day, count) in enumerate(days):
        cx = x0 + slot * (i + 0.5)
        if count:
            y = y1 - (y1 - y0) * count / top
            draw.rectangle([cx - bar_w / 2, y, cx + bar_w / 2, y1 - 1], fill=BAR)
            if slot >= 14:
                draw.text((cx, y - 2), str(count), fill=TEXT, font=small, anchor="md")
        if i % every == 0:
            draw.text((cx, y1 + 6), day.strftime("%m-%d"), fill=TEXT, font=small, anchor="mt")
    years = sorted({d.year for d, _ in days})
    caption = str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"
    draw.text(((x0 + x1) / 2, HEIGHT - 6), caption, fill=AXIS, font=label, anchor="md")
    return _png(img)


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()
