"""`rasad show ID|URL [--json]`: one stored article with its comparison with the reference.

The comparison is printed as `rasad compare` prints it (jobs.commands.compare.comparison_lines):
shared, conflicting, other-edition and missing facts, and the article's novel sentences.
"""

from __future__ import annotations

import argparse
import json
import sys

from crawler.config import Config
from jobs.exitcodes import EXIT_FAILED, EXIT_OK

WAIT_S = 0.0  # one ping (jobs.context.open_store)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("show", help="print one stored article (by id or URL) with its comparison with the reference")
    p.add_argument("key", metavar="ID|URL", help="the article's id (as `rasad search` prints it) or its URL")
    p.add_argument("--json", action="store_true", help="the stored document as one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, config: Config) -> int:
    from jobs.commands.compare import comparison_lines
    from jobs.commands.search import date_label, outlet_label
    from jobs.context import open_store
    from reports.search import article_lookup_body, story_count_body

    _, body = article_lookup_body(args.key)
    store = open_store(config, wait=WAIT_S)
    try:
        _, hits = store.search_hits(body)
        doc = hits[0] if hits else None
        in_story = store.search_hits(story_count_body(doc["story_id"]))[0] if doc and doc.get("story_id") else 0
    finally:
        store.close()
    if doc is None:
        print(f"rasad show: no stored article with id or URL {args.key!r} (index {store.articles}); "
              "`rasad search QUERY` lists stored articles with their ids", file=sys.stderr)
        return EXIT_FAILED
    doc.pop("highlight", None)
    doc.pop("score", None)
    if args.json:
        print(json.dumps(doc, ensure_ascii=False))
        return EXIT_OK
    print(doc.get("title") or "(no title)")
    print(f"{outlet_label(doc)} | {date_label(doc)} UTC | via {doc.get('discovered_via') or '-'}")
    print(doc.get("url") or "")
    print(f"id {doc['id']}")
    if doc.get("story_id"):
        others = in_story - 1
        print(f"story {doc['story_id']} (only this article)" if others < 1 else
              f"story {doc['story_id']} ({others} other article{'s' if others != 1 else ''}: "
              f"rasad search QUERY --story {doc['story_id']})")
    if doc.get("lead"):
        print(f"\n{doc['lead']}")
    similarity = doc.get("similarity")
    print(f"\ncomparison with the reference of topic {doc.get('topic') or '-'}: {doc.get('relation') or 'not compared'}"
          + (f", similarity {similarity:.2f}" if similarity is not None else ""))
    lines = comparison_lines(doc)
    for line in lines:
        print(line)
    if not lines:
        print("  no shared, conflicting or missing facts and no novel sentences recorded")
    return EXIT_OK
