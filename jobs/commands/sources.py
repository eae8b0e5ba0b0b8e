"""`rasad sources list`, `rasad sources check [--source NAME]`, `rasad sources match URL... [--json]` and
`rasad sources suggest [--since] [--limit N] [--json]`: the declared outlets, their health, which outlet
claims a URL as an article, and the hosts in no catalogue entry that stored coverage came from."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from crawler.config import Config
from crawler.sources.base import Source
from crawler.sources.registry import UnknownSourceError, all_sources, sources_for
from jobs.commands.crawl import parse_since
from jobs.exitcodes import EXIT_FAILED, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE

if TYPE_CHECKING:  # the check pulls in feedparser and lxml, the match courlan: imported by those actions only
    from crawler.sources.check import RouteCheck, SourceCheck, UrlCheck
    from reports.undeclared import UndeclaredOutlet

log = logging.getLogger(__name__)

EXIT_UNKNOWN_SOURCE = 2


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sources", help="list the declared outlets; check their routes; match URLs to outlets")
    actions = p.add_subparsers(dest="sources_action", metavar="ACTION", required=True)
    actions.add_parser("list", help="one line per outlet")
    check = actions.add_parser(
        "check", help="fetch every feed, sitemap and list page (one line per outlet), then each aggregator's robots.txt"
    )
    check.add_argument(
        "--source",
        action="append",
        dest="sources",
        metavar="NAME",
        help="check only this outlet (repeatable)",
    )
    check.add_argument("--timeout", type=float, default=10.0, help="seconds per request (default 10)")
    check.add_argument("--workers", type=int, default=4, help="outlets checked at once (default 4)")
    match = actions.add_parser(
        "match", help="which outlet (if any) claims each URL, and whether its article pattern accepts it"
    )
    match.add_argument("urls", nargs="+", metavar="URL")
    match.add_argument("--json", action="store_true", help="one JSON object per URL, one per line")
    suggest = actions.add_parser(
        "suggest", help="hosts in no catalogue entry, by the relevant articles stored from them (candidates to declare)"
    )
    suggest.add_argument("--since", type=parse_since, metavar="DATE",
                         help="articles published on or after (date, or 30d / 12h back; default: all stored)")
    suggest.add_argument("--limit", type=int, default=20, metavar="N", help="at most N domains (default 20)")
    suggest.add_argument("--json", action="store_true", help="one JSON object per domain, one per line")
    p.set_defaults(func=run)


EXIT_BAD_URL = 1


def match_url(url: str, catalogue: list[Source]) -> dict[str, object]:
    """{"url", "source" (name or None), "article"}; with "error" when the input is not an http(s) URL."""
    from crawler.discovery.links import looks_like_article, source_for_url

    if not url.startswith(("http://", "https://")):
        return {"url": url, "source": None, "article": False, "error": "not an http(s) URL"}
    source = source_for_url(url, catalogue)
    return {"url": url, "source": source.name if source else None,
            "article": bool(source and looks_like_article(url, source))}


def match_line(row: dict[str, object]) -> str:
    if row.get("error"):
        return f"{row['url']}: error: {row['error']}"
    if row["source"] is None:
        return f"{row['url']}: no declared outlet"
    verdict = "article" if row["article"] else "not an article (the outlet's article pattern rejects it)"
    return f"{row['url']}: {row['source']}, {verdict}"


def run_match(args: argparse.Namespace) -> int:
    """Match against the real catalogue (crawl.base_url_override does not apply: these are live addresses)."""
    catalogue = all_sources()
    rows = [match_url(u, catalogue) for u in args.urls]
    for row in rows:
        print(json.dumps(row, ensure_ascii=False) if args.json else match_line(row), flush=True)
    bad = [r["url"] for r in rows if r.get("error")]
    if bad:
        print(f"rasad sources match: not an http(s) URL: {', '.join(map(str, bad))}", file=sys.stderr)
        return EXIT_BAD_URL
    return 0


def suggest_lines(total: int, rows: list[UndeclaredOutlet], since: datetime | None) -> list[str]:
    """The text of `sources suggest`: a heading, then per domain its count, date span, hosts and sample URLs."""
    window = f" published since {since:%Y-%m-%d %H:%M} UTC" if since else ""
    if not rows:
        return [f"no stored article{window} comes from a host in no catalogue entry"]
    shown = f"{len(rows)} of {total}" if total > len(rows) else str(total)
    lines = [f"{shown} undeclared domain{'s' if total != 1 else ''} with stored coverage{window} (most articles first):"]
    for r in rows:
        span = f"{(r.first or '?')[:10]} .. {(r.last or '?')[:10]}" if r.first or r.last else "undated"
        lines.append(f"{r.domain:<32} articles={r.articles:<5} published {span}  hosts: {', '.join(r.hosts)}")
        lines += [f"    {url}" for url in r.samples]
    lines.append("declare one in crawler/sources/ with its public evidence (docs/outlets.md); "
                 "`rasad sources match URL` checks the pattern")
    return lines


def run_suggest(args: argparse.Namespace, config: Config) -> int:
    """Undeclared domains by stored coverage (reports.undeclared), from the configured indices."""
    from jobs.context import open_store
    from reports.undeclared import aggregations, parse, query

    try:
        aggs = aggregations(args.limit)
    except ValueError as exc:
        print(f"rasad sources suggest: {exc}", file=sys.stderr)
        return EXIT_USAGE
    store = open_store(config, wait=0.0)
    try:
        total, rows = parse(store.aggregations(query(args.since), aggs))
    finally:
        store.close()
    if args.json:
        for r in rows:
            print(json.dumps(r.to_dict(), ensure_ascii=False))
        return EXIT_OK
    for line in suggest_lines(total, rows, args.since):
        print(line)
    return EXIT_OK


def aggregator_routes(config: Config) -> list[tuple[str, str, bool, str]]:
    """(name, one URL the crawl would request, switched on?, config key) per aggregator route."""
    from crawler.discovery.aggregators import gdelt_requests, google_news_urls
    from crawler.run import aggregator_bases

    topic = config.topic()
    gn_base, gd_base = aggregator_bases(config)
    c = config.crawl
    routes = []
    gn = google_news_urls(topic.queries[:1] or ["x"], base=gn_base)[0]
    routes.append(("google_news", gn, c.aggregators and c.google_news, "crawl.google_news"))
    now = datetime.now(UTC)
    gd = gdelt_requests(topic.gdelt_queries[:1] or ["x"], now - timedelta(days=1), now, base=gd_base)[0].url
    routes.append(("gdelt", gd, c.aggregators and bool(topic.gdelt_queries), "topic gdelt_queries"))
    return routes


def route_state(r: RouteCheck) -> str:
    """off (switched off: never requested by a crawl, so never a failure), fail, ok or blocked."""
    if not r.enabled:
        return "off"
    return "fail" if r.allowed is None else ("ok" if r.allowed else "blocked")


def route_line(r: RouteCheck, key: str) -> str:
    """OFF / BLOCKED / OK / FAIL, the route, whether it is switched on, and the robots.txt verdict."""
    head = {"off": "OFF ", "fail": "FAIL", "ok": "OK  ", "blocked": "BLOCKED"}[route_state(r)]
    state = "on" if r.enabled else f"off ({key})"
    return f"{head} aggregator {r.name} [{state}]: {r.url} {r.verdict} ({r.robots_url} status={r.status or '-'})"


LIST_HEADER = "# outlet, group, discovery routes (feeds, sitemaps, list pages, site search), unconfirmed URLs, name"
LIST_LEGEND = (
    "# unconfirmed = how many of the outlet's declared URLs (feeds, sitemaps, list pages, search) could not be\n"
    "#   confirmed from public documentation, code or stored copies of the site; they are tried, and\n"
    "#   docs/outlets.md gives the evidence for each URL. `rasad sources check` fetches them all now."
)


def list_line(s: Source) -> str:
    """name, group, counts per discovery route, search yes/no, unconfirmed count, then the Arabic display name."""
    return (
        f"{s.name:<22} {s.group:<6} feeds={len(s.feeds)} sitemaps={len(s.sitemaps)} "
        f"lists={len(s.list_pages)} search={'yes' if s.search_url else 'no':<3} "
        f"unconfirmed={len(s.unconfirmed)}  {s.display_name}"
    )


def _url_part(c: UrlCheck) -> str:
    status = str(c.status) if c.status is not None else "-"
    newest = c.newest.isoformat() if c.newest else "-"
    text = f"{c.kind} {c.url} status={status} items={c.items} newest={newest}"
    return f"{text} error={c.error}" if c.error else text


def check_line(result: SourceCheck) -> str:
    """OK/FAIL, the outlet, then per URL: status, items, newest date (and the error, if any)."""
    verdict = "OK  " if result.ok else "FAIL"
    parts = " | ".join(_url_part(c) for c in result.checks) or "nothing to check"
    return f"{verdict} {result.name}: {parts}"


def summary_line(results: list[SourceCheck], routes: list[RouteCheck]) -> str:
    """The last line of `sources check`: outlets ok and failed, routes ok/blocked/off/failed, and, when
    every failure is a DNS failure, that the machine seems offline."""
    from crawler.sources.check import is_dns_error

    failed = [r for r in results if not r.ok]
    text = (f"checked {len(results)} outlet{'s' if len(results) != 1 else ''}: "
            f"{len(results) - len(failed)} ok, {len(failed)} failed")
    if routes:
        states = [route_state(r) for r in routes]
        text += "; aggregator routes: " + ", ".join(
            f"{states.count(s)} {word}" for s, word in (("ok", "ok"), ("blocked", "blocked"), ("off", "off"),
                                                          ("fail", "failed")))
    errors = [c.error for r in failed for c in r.checks if not c.ok]
    errors += [r.error for r in routes if route_state(r) == "fail"]
    if failed and errors and all(is_dns_error(e) for e in errors):
        text += ("; every failure is a DNS failure (no host name resolved): this machine seems offline, "
                 "check its network")
    return text


def run(args: argparse.Namespace, config: Config) -> int:
    if args.sources_action == "match":
        return run_match(args)
    if args.sources_action == "suggest":
        return run_suggest(args, config)
    try:
        sources = sources_for(config, getattr(args, "sources", None))
    except UnknownSourceError as exc:
        print(f"rasad sources: {exc}", file=sys.stderr)
        return EXIT_UNKNOWN_SOURCE
    if args.sources_action == "list":
        # Header and legend are comment lines (#): `grep -v '^#'` leaves one outlet per line.
        print(LIST_HEADER)
        for s in sources:
            print(list_line(s))
        print(LIST_LEGEND)
        return 0
    from crawler.sources.check import check_route_robots, check_sources

    results = check_sources(
        sources,
        timeout=args.timeout,
        max_bytes=config.crawl.max_response_bytes,
        user_agent=config.crawl.user_agent,
        workers=args.workers,
    )
    for r in results:
        print(check_line(r), flush=True)
    failed = sum(not r.ok for r in results)
    routes: list[RouteCheck] = []
    if not getattr(args, "sources", None):  # aggregator routes with the whole catalogue only
        from crawler.settings import user_agent

        for name, url, enabled, key in aggregator_routes(config):
            verdict = check_route_robots(name, url, enabled=enabled, user_agent=user_agent(config),
                                         timeout=args.timeout)
            routes.append(verdict)
            print(route_line(verdict, key), flush=True)
    summary = summary_line(results, routes)
    log.info("%s", summary)
    print(summary)
    # Every line is printed whatever happens; the exit code says it for cron: 0 all OK, 3 some failing, 1 all.
    if not failed:
        return EXIT_OK
    return EXIT_FAILED if failed == len(results) else EXIT_PARTIAL
