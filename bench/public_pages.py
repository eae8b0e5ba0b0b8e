"""The public extraction benchmark (../shared/extraction-bench): pages, expected texts and its scoring rules.

The benchmark's README.md fixes the rules, followed here exactly:
- full-body sources (fundus, daniel, newspaper4k): tokens are `re.findall(r"\\w+", text.lower())`, overlap is
  the bag-of-words overlap, P = overlap/|output|, R = overlap/|expected|, F1 = 2PR/(P+R) (0 without
  overlap); a source's figure is the mean of per-page F1;
- snippet sources (trafilatura, goose3): whitespace collapsed and ends stripped in snippet and output, plain
  substring tests, counts pooled over all snippets (with-found, without-absent).
`None` (here: no article text) counts as empty output.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# ../shared beside the checkout (the main checkout and CI), else the workplace's copy.
CANDIDATES = (ROOT.parent / "shared" / "extraction-bench", Path("/work/shared/extraction-bench"))
FULL_BODY = ("fundus", "daniel", "newspaper4k")
SNIPPETS = ("trafilatura", "goose3")
SOURCES = FULL_BODY + SNIPPETS
# Sources whose expected text holds the headline, by the benchmark's README: DANIEL's reference starts with
# it, and the snippet sets are searched in an extractor's whole output (a few of trafilatura's `with`
# snippets are headlines, and as many of its `without` ones). fundus's body leaves the title out (it is a
# field of its own) and newspaper4k's expected text is newspaper's article.text, the body without the title.
# Rasad stores the headline as the article's title and keeps it out of the body (it is shown above the body,
# and wire copies retitled by each outlet keep one body hash), so it is scored field for field: headline and
# body where the source expects the headline, the body alone where it does not.
HEADLINE_EXPECTED = ("daniel", "trafilatura", "goose3")
_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")


class BenchmarkMissing(FileNotFoundError):
    """The benchmark directory is not there; the message names where it was looked for."""


def bench_dir() -> Path:
    """RASAD_EXTRACTION_BENCH if set, else the first of CANDIDATES that exists."""
    if env := os.environ.get("RASAD_EXTRACTION_BENCH"):
        path = Path(env)
        if not (path / "README.md").is_file():
            raise BenchmarkMissing(f"RASAD_EXTRACTION_BENCH={env}: no README.md there")
        return path
    for path in CANDIDATES:
        if (path / "README.md").is_file():
            return path
    raise BenchmarkMissing("extraction benchmark not found in " + ", ".join(map(str, CANDIDATES)))


@dataclass(frozen=True)
class PublicPage:
    source: str
    id: str
    url: str | None
    language: str
    path: Path
    body: str | None = None  # full-body sources
    with_: tuple[str, ...] = ()  # snippet sources
    without: tuple[str, ...] = ()

    @property
    def half(self) -> str:
        """'dev' or 'held-out': a fixed split by the hash of source and id, for checking that a rule generalises."""
        return "dev" if int(hashlib.sha1(f"{self.source}/{self.id}".encode()).hexdigest(), 16) % 2 == 0 else "held-out"

    @property
    def in_sample(self) -> bool:
        """About one page in four, picked by a hash of its own (so from both halves): the default subset of
        `make bench`."""
        return int(hashlib.sha1(f"quarter:{self.source}/{self.id}".encode()).hexdigest(), 16) % 4 == 0

    def html(self) -> bytes:
        return self.path.read_bytes()


def pages(source: str, root: Path | None = None) -> list[PublicPage]:
    """Every page of one source, in expected.jsonl order; a line without its page file is an error."""
    root = root or bench_dir()
    out = []
    expected = root / source / "expected.jsonl"
    with open(expected, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise ValueError(f"{expected}:{lineno}: {exc}") from exc
            path = root / source / "pages" / f"{row['id']}.html"
            if not path.is_file():
                raise FileNotFoundError(f"{expected}:{lineno}: no page file {path}")
            out.append(PublicPage(source, row["id"], row.get("url"), row.get("language") or "", path,
                                  body=row.get("body"), with_=tuple(row.get("with") or ()),
                                  without=tuple(row.get("without") or ())))
    return out


def all_pages(root: Path | None = None) -> Iterator[PublicPage]:
    root = root or bench_dir()
    for source in SOURCES:
        yield from pages(source, root)


def article_text(source: str, title: str, body: str) -> str:
    """An article's text as the source's expected text is written: headline and body, or the body alone.
    No body is no text, whatever the title."""
    return f"{title}\n{body}" if body and title and source in HEADLINE_EXPECTED else body


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def prf(output: str, expected: str) -> tuple[float, float, float]:
    """(precision, recall, F1) by the README's bag-of-words rule; all 0 when there is no overlap."""
    out, exp = Counter(words(output)), Counter(words(expected))
    overlap = sum((out & exp).values())
    if not overlap:
        return 0.0, 0.0, 0.0
    p, r = overlap / sum(out.values()), overlap / sum(exp.values())
    return p, r, 2 * p * r / (p + r)


def squash(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def snippets(output: str, page: PublicPage) -> tuple[int, int]:
    """(with snippets found, without snippets absent) in one output."""
    text = squash(output)
    return (sum(squash(s) in text for s in page.with_), sum(squash(s) not in text for s in page.without))
