"""`rasad search QUERY [--since] [--until] [--source] [--relation] [--story] [--limit] [--sort] [--json]`.

The stored coverage from the terminal: matches of the query in title, lead or body through the
index's Arabic analysis, with highlighted snippets, relation, outlet and date; newest first or by
relevance. Highlights are bold on a terminal and «…» elsewhere; --json prints one JSON object per
article (JSON Lines).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from datetime import UTC, datetime
from typing import Any

from crawler.config import Config
from jobs.commands.crawl import parse_since
from jobs.exitcodes import EXIT_OK, EXIT_USAGE

RELATIONS = ("copy", "rewrite", "related", "mention", "unrelated")  # reports.search.RELATIONS (not imported: start-up)
SORTS = ("newest", "relevance")
WAIT_S = 0.0  # a read command: one ping, no waiting for a cluster that is not there


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("search", help="search the stored articles (Arabic analysis: plurals and the article find the word)")
    p.add_argument("query", metavar="QUERY", help='words to find in title, lead or body, e.g. "المؤتمرات ووتشن"')
    p.add_argument("--since", type=parse_since, metavar="DATE", help="published on or after (date, or 30d / 12h back)")
    p.add_argument("--until", type=parse_since, metavar="DATE", help="published before")
    p.add_argument("--source", metavar="NAME", help="one outlet: its key (xinhua_arabic), name or domain")
    p.add_argument("--relation", choices=RELATIONS, help="relation to the reference article")
    p.add_argument("--story", metavar="STORY_ID", help="articles of one story")
    p.add_argument("--limit", type=int, default=20, metavar="N", help="at most N articles (default 20, at most 1000)")
    p.add_argument("--sort", choices=SORTS, default="newest", help="newest first (default) or best match first")
    p.add_argument("--json", action="store_true", help="one JSON object per article, one per line")
    p.set_defaults(func=run)


def date_label(doc: dict[str, Any]) -> str:
    """The publication date in UTC ("2020-11-23 01:00"), or "undated"."""
    try:
        when = datetime.fromisoformat(str(doc.get("published_at") or "").replace("Z", "+00:00"))
    except ValueError:
        return "undated"
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return when.strftime("%Y-%m-%d %H:%M")


def outlet_label(doc: dict[str, Any]) -> str:
    """The outlet as shown ("شينخوا [xinhua_arabic]"); a host in no catalogue entry says so."""
    name, key = doc.get("source_name") or doc.get("domain") or "", doc.get("source") or ""
    label = f"{name} [{key}]" if name and key and name != key else name or key or "?"
    return f"{label} (undeclared outlet)" if doc.get("outlet_declared") is False else label


class Printer:
    """Lines with highlight markers: bold through rich on a terminal, «…» otherwise."""

    def __init__(self, stream: Any = None):
        self.stream = stream or sys.stdout
        self.console = None
        if self.stream.isatty():
            from rich.console import Console

            self.console = Console(file=self.stream, highlight=False, soft_wrap=True)

    def line(self, text: str, style: str | None = None) -> None:
        from reports.search import plain_marks, split_marks

        if self.console is None:
            print(plain_marks(text), file=self.stream)
            return
        from rich.text import Text

        out = Text(style=style or "")
        for piece, marked in split_marks(text):
            out.append(piece, style="bold" if marked else None)
        self.console.print(out)


def json_row(hit: dict[str, Any]) -> dict[str, Any]:
    from reports.search import highlighted_title, plain_marks, snippets

    keys = ("url", "source", "source_name", "outlet_declared", "published_at", "relation", "similarity", "story_id",
            "topic")
    return {"id": hit["id"], "score": hit.get("score"), "title": hit.get("title") or "", **{k: hit.get(k) for k in keys},
            "title_highlighted": plain_marks(highlighted_title(hit)), "snippets": [plain_marks(s) for s in snippets(hit)]}


def print_hit(out: Printer, hit: dict[str, Any]) -> None:
    from reports.search import highlighted_title, snippets

    similarity = f"  similarity {hit['similarity']:.2f}" if hit.get("similarity") is not None else ""
    out.line(f"{date_label(hit)}  {hit.get('relation') or '-'}{similarity}  {outlet_label(hit)}", style="dim")
    out.line(f"  {highlighted_title(hit) or '(no title)'}")
    for snippet in snippets(hit):
        out.line(f"    … {snippet} …")
    if hit.get("url"):
        out.line(f"  {hit['url']}")
    out.line(f"  id {hit['id']}  story {hit.get('story_id') or '-'}", style="dim")


def demo_matches(config: Config, body: dict[str, Any]) -> int:
    """How many articles of `rasad demo` (its own indices, `<prefix>-demo-*`) match the same search; 0 if none."""
    from crawler.store import Store

    if config.elasticsearch.index_prefix.endswith("-demo"):
        return 0
    demo = config.model_copy(deep=True)
    demo.elasticsearch.index_prefix = f"{config.elasticsearch.index_prefix}-demo"
    store = Store(demo)
    try:
        return store.search_hits({**body, "size": 0})[0]
    except Exception:  # noqa: BLE001 - only a hint
        return 0
    finally:
        store.close()


def run(args: argparse.Namespace, config: Config) -> int:
    from jobs.context import open_store
    from reports.search import SearchFilters, search_body

    filters = SearchFilters(since=args.since, until=args.until, source=args.source, relation=args.relation,
                            story=args.story)
    try:
        body = search_body(args.query, filters, sort=args.sort, limit=args.limit)
    except ValueError as exc:
        print(f"rasad search: {exc}", file=sys.stderr)
        return EXIT_USAGE
    store = open_store(config, wait=WAIT_S)
    try:
        total, hits = store.search_hits(body)
        in_demo = demo_matches(config, body) if not hits else 0
    finally:
        store.close()
    if not hits:
        narrowed = " with these filters" if any(vars(filters).values()) else ""
        where = sys.stderr if args.json else sys.stdout
        print(f"no stored article matches {args.query!r}{narrowed} (index {store.articles})", file=where)
        if in_demo:
            demo = f"{config.elasticsearch.index_prefix}-demo"
            print(f"hint: {in_demo} article{'s' if in_demo != 1 else ''} of `rasad demo` "
                  f"match{'es' if in_demo == 1 else ''} in {demo}-articles; "
                  f"search them with: RASAD_INDEX_PREFIX={demo} rasad search {shlex.quote(args.query)}", file=where)
        return EXIT_OK
    if args.json:
        for hit in hits:
            print(json.dumps(json_row(hit), ensure_ascii=False))
        return EXIT_OK
    out = Printer()
    order = "newest first" if args.sort == "newest" else "best match first"
    # The total first: "3 of 24 stored articles match" read as if only 3 of the stored articles matched.
    shown = f"{len(hits)} shown, " if total > len(hits) else ""
    more = "; --limit N shows more" if total > len(hits) else ""
    out.line(f"{total} stored article{'s' if total != 1 else ''} match{'es' if total == 1 else ''} {args.query!r} "
             f"({shown}{order}; dates UTC){more}")
    for hit in hits:
        out.line("")
        print_hit(out, hit)
    out.line("")
    out.line("`rasad show ID` prints one article with its comparison with the reference")
    return EXIT_OK
