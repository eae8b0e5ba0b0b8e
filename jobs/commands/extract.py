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


def _short(text: str, limit: int = 200) -> str:
    return f"{text[:limit]}{'…' if len(text) > limit else ''}"


def _summary(row: dict, lead: tuple[str, bool], first_line: str) -> str:
    """A few readable lines for one extracted article: the lead (the declared one, or the first
    paragraph, labelled so) and the body's first sentence line, not its dateline."""
    text, declared = lead
    lines = [
        row["input"],
        f"  title:     {row['title']}",
        f"  canonical: {row['canonical_url']}",
        f"  published: {row['published_at'] or '-'}   modified: {row['modified_at'] or '-'}",
        f"  authors:   {', '.join(row['authors']) or '-'}   section: {row['section'] or '-'}   language: {row['language'] or '-'}",
        f"  words:     {row['word_count']}",
        f"  lead:      {_short(text) if declared else (f'(first paragraph) {_short(text)}' if text else '-')}",
        f"  body:      {_short(first_line)}",
    ]
    return "\n".join(lines)


def run(args: argparse.Namespace, config: Config) -> int:
    from crawler.text.extract import extract_path, is_dateline, lead_or_first_paragraph

    failed = 0
    for source in args.inputs:
        try:
            article = extract_path(source, **fetch_options(config))
            data = article.to_dict()
            row = {"input": source, **{name: data[name] for name in FIELDS}}
            lead = lead_or_first_paragraph(article)
            # The body's first line of text, not its dateline, and not the lead shown just above it.
            lines = [ln for ln in article.body.split("\n") if ln.strip() and not is_dateline(ln)]
            first_line = next((ln for ln in lines if ln.strip() != lead[0].strip()), lines[0] if lines else "")
        except ValueError as exc:  # ExtractionError, and bad input such as an invalid time zone
            failed += 1
            row = {"input": source, "url": getattr(exc, "url", source), "error": error_text(source, exc)}
            report_error("extract", row["error"])
        if args.json:
            print(json.dumps(row, ensure_ascii=False), flush=True)
        elif "error" not in row:
            print(_summary(row, lead, first_line))
    if failed:
        report_error("extract", f"{failed} of {len(args.inputs)} inputs failed")
    return 1 if failed else 0
