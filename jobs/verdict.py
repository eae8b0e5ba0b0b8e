"""The honest status of a crawl from its counts: ok, partial or failed.

Cron sees only the exit code, so a crawl that fetched nothing, or stored nothing it should have, must
not end `ok`. failed: every outlet failed (none of its listings answered: no network, every host down),
or articles were to be stored and none was (neither indexed nor spooled). partial: some outlets failed
or some articles were lost. ok: everything else (a 404 article is the outlet's business, not a failure).
"""

from __future__ import annotations

from collections.abc import Mapping

from jobs.runs import FAILED, OK, PARTIAL


def failed_outlets(per_source: Mapping[str, Mapping[str, float]]) -> tuple[list[str], int]:
    """(outlets none of whose listings answered, outlets whose listings were requested)."""
    tried = [name for name, c in per_source.items() if c.get("pages", 0) or c.get("listing_failed", 0)]
    failed = [name for name in tried if not per_source[name].get("pages", 0)]
    return sorted(failed), len(tried)


def crawl_verdict(counts: Mapping[str, float], per_source: Mapping[str, Mapping[str, float]]) -> tuple[str, list[str]]:
    """(status, reasons) of a finished crawl from its flat counts and per-outlet counts."""
    failed, tried = failed_outlets(per_source)
    lost = int(counts.get("failed", 0))
    stored = int(counts.get("indexed", 0) + counts.get("spooled", 0))
    reasons: list[str] = []
    if failed:
        reasons.append(f"{len(failed)} of {tried} outlets failed (no listing answered): {', '.join(failed)}")
    if lost:
        reasons.append(f"{lost} articles neither indexed nor spooled")
    if (tried and len(failed) == tried) or (lost and not stored):
        return FAILED, reasons
    return (PARTIAL if reasons else OK), reasons


def backfill_verdict(counts: Mapping[str, float], routes: list[Mapping[str, float]]) -> tuple[str, list[str]]:
    """(status, reasons) of a finished backfill from its flat counts and its per-route rows.

    failed: every route failed and found nothing (archives unreachable), or articles were to be stored
    and none was; partial: some route had errors or some articles were lost.
    """
    lost = int(counts.get("failed", 0))
    stored = int(counts.get("indexed", 0) + counts.get("spooled", 0))
    broken = [r for r in routes if r.get("errors", 0)]
    dead = [r for r in broken if not r.get("discovered", 0)]
    reasons = [f"route {r['route']}: {r['errors']} errors, {r.get('discovered', 0)} captures found" for r in broken]
    if lost:
        reasons.append(f"{lost} articles neither indexed nor spooled")
    if (routes and len(dead) == len(routes)) or (lost and not stored):
        return FAILED, reasons
    return (PARTIAL if reasons else OK), reasons
