"""The stored real news pages (bench/real_pages) with their expected article text and address."""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from pathlib import Path

DIR = Path(__file__).resolve().parent / "real_pages"
_ROW = re.compile(r"^\| (\S+) \| (\w+) \| (\S+) \|$")


@dataclass(frozen=True)
class RealPage:
    name: str
    language: str
    url: str
    html: bytes
    expected: str


def real_pages() -> list[RealPage]:
    """Every page listed in real_pages/SOURCES.md, in the listed order."""
    out = []
    for line in (DIR / "SOURCES.md").read_text(encoding="utf-8").splitlines():
        if (m := _ROW.match(line)) and m.group(1) != "page":
            name, language, url = m.groups()
            html = gzip.decompress((DIR / f"{name}.html.gz").read_bytes())
            expected = (DIR / f"{name}.expected.txt").read_text(encoding="utf-8")
            out.append(RealPage(name, language, url, html, expected))
    return out
