"""`rasad compare FILE_OR_URL... [--json] [--topic NAME]`: compare pages or text files with the reference."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import date
from typing import TYPE_CHECKING

from crawler.config import CompareConfig, Config, ConfigError
from jobs.inputs import error_text, fetch_options, report_error

if TYPE_CHECKING:  # scikit-learn and the extractor: imported when a comparison runs
    from crawler.text.compare import Reference

log = logging.getLogger(__name__)

FIELDS = (
    "topic",
    "similarity",
    "relation",
    "facts_shared",
    "facts_conflicting",
    "facts_missing",
    "facts_other_edition",
    "novel_sentences",
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compare", help="compare pages (or .txt files) with the topic's reference article")
    p.add_argument("inputs", nargs="*", metavar="FILE_OR_URL", help="HTML files, .txt files or URLs")
    p.add_argument(
        "--reindex",
        action="store_true",
        help="recompute the comparison and story clusters of every stored article (after a reference or threshold change)",
    )
    p.add_argument("--json", action="store_true", help="one JSON object per input, one per line")
    p.add_argument("--topic", help="topic whose reference to compare with (default: the configured default)")
    p.add_argument(
        "--published",
        metavar="YYYY-MM-DD",
        help="publication date of the inputs: with the topic's event_year, a related report of another "
        "year lists its different figures as other_edition rather than conflicting",
    )
    p.set_defaults(func=run)


# The readable sections of a comparison, in the order they are printed (`rasad compare`, `rasad show`).
SECTIONS = (
    ("shared", "facts_shared"),
    ("conflicting", "facts_conflicting"),
    ("other edition", "facts_other_edition"),
    ("missing", "facts_missing"),
    ("novel", "novel_sentences"),
)


def comparison_lines(row: dict) -> list[str]:
    """A comparison (a `--json` row or a stored article) as indented `label: value` lines, one per fact or sentence."""
    return [f"  {label}: {_capped(str(value))}" for label, key in SECTIONS for value in row.get(key) or []]


def _capped(text: str, limit: int = 300) -> str:
    return f"{text[:limit]}{'…' if len(text) > limit else ''}"


def load_reference(config: Config, topic_name: str | None = None) -> Reference:
    """The prepared reference of a configured topic."""
    from crawler.text.compare import Reference

    topic = config.topic(topic_name)
    path = config.path(topic.reference)
    try:
        return Reference.from_topic(topic, path)
    except ValueError as exc:
        raise ConfigError(f"{config.source_file}: topics.{topic.name}.reference: {exc}") from exc


def _read_input(source: str, config: Config) -> tuple[str, str]:
    """(title, text) of a file or URL, read exactly as `rasad extract` reads it (same decoding, limits, errors)."""
    from crawler.text.compare import article_text
    from crawler.text.extract import extract_path

    article = extract_path(source, **fetch_options(config))
    return article.title or "", article_text(article.lead, article.body)


def compare_article_dict(doc: dict, reference: Reference, thresholds: CompareConfig) -> dict:
    """Fields to update on a stored article document (for reindexing after a reference change)."""
    from crawler.text.compare import article_text, compare

    text = article_text(doc.get("lead") or "", doc.get("body") or "")
    result = compare(text, reference, thresholds, title=doc.get("title") or "", published_at=doc.get("published_at"))
    return {name: getattr(result, name) for name in FIELDS}


def reindex(config: Config, reference: Reference, batch: int = 500) -> int:
    """Recompute comparison fields and story clusters of all stored articles of the topic."""
    from crawler.text.clusters import StoryIndex
    from crawler.text.compare import article_text
    from jobs.context import open_store

    store = open_store(config)
    stories = StoryIndex()
    updates: dict[str, dict] = {}
    done = 0
    docs = sorted(store.scan("articles", query={"term": {"topic": reference.topic}}), key=lambda d: (d.get("published_at") or "", d["id"]))
    for doc in docs:
        fields = compare_article_dict(doc, reference, config.compare)
        # The text a crawl signs (crawler.pipelines.ComparePipeline), so stored story keys match a crawl's.
        fields["story_id"] = stories.add(doc["id"], article_text(doc.get("lead") or "", doc.get("body") or ""))
        fields["story_keys"] = stories.keys_of(doc["id"])
        updates[doc["id"]] = fields
        if len(updates) >= batch:
            done += store.update_articles(updates).indexed
            log.info("reindex: %d/%d articles recomputed", done, len(docs))
            updates = {}
    done += store.update_articles(updates).indexed
    log.info("reindex: %d articles recomputed for topic %s", done, reference.topic)
    return done


# The readable lines of a comparison, in this order: every list of the --json output has its label.
def readable(source: str, row: dict) -> str:
    """The readable form of one comparison: relation and similarity, then shared, conflicting and missing
    facts, other-edition figures and the article's novel sentences (what --json gives, one per line)."""
    return "\n".join([f"{source}\t{row['relation']}\tsimilarity {row['similarity']:.2f}", *comparison_lines(row)])


def run(args: argparse.Namespace, config: Config) -> int:
    if args.published:
        try:
            date.fromisoformat(args.published)
        except ValueError:
            print(f"rasad compare: --published {args.published!r} is not a date (YYYY-MM-DD)", file=sys.stderr)
            return 2
    reference = load_reference(config, args.topic)
    if args.reindex:
        count = reindex(config, reference)
        print(f"recomputed {count} stored articles against topic {reference.topic}")
        return 0
    if not args.inputs:
        print("rasad compare: give FILE_OR_URL inputs, or --reindex", file=sys.stderr)
        return 2
    from crawler.text.compare import compare

    failed = 0
    for source in args.inputs:
        try:
            title, text = _read_input(source, config)
            if not text.strip():
                raise ValueError("no article text found")
            result = compare(text, reference, config.compare, title=title, published_at=args.published)
            row = {"input": source, **{name: getattr(result, name) for name in FIELDS}}
        except (OSError, ValueError) as exc:  # ExtractionError names the reason; the input is named as typed
            failed += 1
            row = {"input": source, "error": error_text(source, exc)}
            report_error("compare", row["error"])  # once, on stderr, worded as `rasad extract` words it
        if args.json:
            print(json.dumps(row, ensure_ascii=False), flush=True)
        elif "error" in row:
            continue
        else:
            print(readable(source, row))
    if failed:
        report_error("compare", f"{failed} of {len(args.inputs)} inputs failed")
    return 1 if failed else 0
