"""What each discovery route and each outlet found in one run: discovered, fetched, kept, errors.

The rows go into the run record (`routes`, `outlets`), the `rasad crawl`/`backfill` summaries and the
digest's footer, so a route or an outlet that goes dry shows as a row of zeros.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

FIELDS = ("discovered", "fetched", "kept", "errors")


# The routes of a crawl: each gets a row even when it found nothing (a dry route shows as zeros).
CRAWL_ROUTES = ("feed", "sitemap", "search", "list", "google-news", "gdelt")


def route_rows(discovered_via: Mapping[str, float], routes: Mapping[str, Mapping[str, float]],
               expected: Iterable[str] = ()) -> list[dict[str, Any]]:
    """One row per route (feed, sitemap, search, list, gdelt, archive:ia, ...), by name; `expected`
    routes get a row of zeros when they found nothing."""
    names = sorted(set(discovered_via) | set(routes) | set(expected))
    return [{"route": n, "discovered": int(discovered_via.get(n, 0)), "fetched": int(routes.get(n, {}).get("fetched", 0)),
             "kept": int(routes.get(n, {}).get("kept", 0)), "errors": int(routes.get(n, {}).get("errors", 0))}
            for n in names]


def outlet_rows(per_source: Mapping[str, Mapping[str, float]]) -> list[dict[str, Any]]:
    """One row per outlet from its per-source stats (errors of every kind added up)."""
    rows = []
    for name, c in sorted(per_source.items()):
        rows.append({"outlet": name, "discovered": int(c.get("discovered", 0)), "fetched": int(c.get("fetched", 0)),
                     "kept": int(c.get("stored", 0)),
                     "errors": int(sum(v for k, v in c.items() if k.startswith("errors/")))})
    return rows


def add_up(rows: Iterable[Mapping[str, Any]], key: str) -> list[dict[str, Any]]:
    """Rows of several runs summed per `key` (route or outlet)."""
    total: dict[str, dict[str, Any]] = {}
    for r in rows:
        name = r.get(key)
        if not name:
            continue
        t = total.setdefault(name, {key: name, **dict.fromkeys(FIELDS, 0)})
        for f in FIELDS:
            t[f] += int(r.get(f, 0) or 0)
    return [total[k] for k in sorted(total)]


def table(rows: list[dict[str, Any]], key: str) -> str:
    """A plain-text table of route or outlet rows."""
    if not rows:
        return f"({key}s: nothing found)"
    width = max(len(key), *(len(str(r[key])) for r in rows))
    lines = [key.ljust(width) + "".join(f"{f:>12}" for f in FIELDS)]
    lines += [str(r[key]).ljust(width) + "".join(f"{r[f]:>12}" for f in FIELDS) for r in rows]
    return "\n".join(lines)
