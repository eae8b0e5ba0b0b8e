"""`rasad extract FILE_OR_URL... [--json]`: extract pages and print the Articles."""

from __future__ import annotations

import argparse
import json
import logging

from crawler.config import Config
from jobs.inputs import error_text, fetch_options, report_error

log = logging.getLogger(__name__)

# The extraction fields of an Article, in output order (crawl fields are not set by extraction).
FIELDS = (
    "url",
    "canonical_url",
    "title",
    "lead",
    "body",
    "authors",
    "published_at",
    "modified_at",
    "language",
    "section",
    "images",
    "image_captions",
    "word_count",
    "content_hash",
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("extract", help="extract articles from HTML files, .txt files or URLs")
    p.add_argument("inputs", nargs="+", metavar="FILE_OR_URL", help="HTML files, .txt files or http(s) URLs")
    p.add_argument("--json", action="store_true", help="one JSON object per input, in order, one per line")
    p.set_defaults(func=run)


def _summary(row: dict) -> str:
    """A few readable lines for one extracted article."""
    lines = [
        row["input"],
        f"  title:     {row['title']}",
        f"  canonical: {row['canonical_url']}",
        f"  published: {row['published_at'] or '-'}   modified: {row['modified_at'] or '-'}",
        f"  authors:   {', '.join(row['authors']) or '-'}   section: {row['section'] or '-'}   language: {row['language'] or '-'}",
        f"  words:     {row['word_count']}",
    ]
    first = row["body"].split("\n", 1)[0]
    lines.append(f"  body:      {first[:200]}{'…' if len(first) > 200 else ''}")
    return "\n".join(lines)


def run(args: argparse.Namespace, config: Config) -> int:
    from crawler.text.extract import extract_path

    failed = 0
    for source in args.inputs:
        try:
            article = extract_path(source, **fetch_options(config))
            data = article.to_dict()
            row = {"input": source, **{name: data[name] for name in FIELDS}}
        except ValueError as exc:  # ExtractionError, and bad input such as an invalid time zone
            failed += 1
            row = {"input": source, "url": getattr(exc, "url", source), "error": error_text(source, exc)}
            report_error("extract", row["error"])
        if args.json:
            print(json.dumps(row, ensure_ascii=False), flush=True)
        elif "error" not in row:
            print(_summary(row))
    if failed:
        report_error("extract", f"{failed} of {len(args.inputs)} inputs failed")
    return 1 if failed else 0
