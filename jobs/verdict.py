"""The honest status of a crawl from its counts: ok, partial or failed.

Cron sees only the exit code, so a crawl that fetched nothing, or stored nothing it should have, must
not end `ok`. failed: every outlet failed (none of its listings answered: no network, every host down),
or articles were to be stored and none was (neither indexed nor spooled). partial: some outlets failed
or some articles were lost. ok: everything else (a 404 article is the outlet's business, not a failure).
"""

from __future__ import annotations

from collections.abc import Mapping

from jobs.runs import FAILED, OK, PARTIAL

# What an error kind (crawler.spiders.news.error_kind, counted as errors_<kind>) means, in words.
_CAUSES = {
    "dns": "the host name could not be resolved (DNS)",
    "timeout": "no answer in time",
    "connectionrefusederror": "the connection was refused",
    "connectionlost": "the connection was lost",
    "robots": "robots.txt forbids it",
    "redirect_loop": "a redirect loop",
    "too_large": "the answer was too large",
    "private_address": "a private address (crawl.allow_private_addresses is off)",
    "extraction": "no article text could be extracted",
    "archive_index": "the archive's index did not answer",
}


def error_causes(counts: Mapping[str, float]) -> str:
    """The errors of a run's counts as a sentence: "1 request failed: the host name could not be resolved
    (DNS); is the machine offline?". Empty when there were none."""
    kinds = {k[len("errors_"):]: int(v) for k, v in counts.items() if k.startswith("errors_") and v}
    if not kinds:
        return ""

    def words(kind: str) -> str:
        if kind.startswith("http_"):
            return f"the server answered HTTP {kind[5:]}"
        return _CAUSES.get(kind, kind.replace("_", " "))

    total = sum(kinds.values())
    parts = [f"{n} × {words(k)}" if len(kinds) > 1 else words(k) for k, n in sorted(kinds.items(), key=lambda kv: -kv[1])]
    text = f"{total} request{'s' if total != 1 else ''} failed: " + "; ".join(parts)
    if set(kinds) == {"dns"}:
        text += "; is the machine offline, or is an address misspelt?"
    return text


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
    cause = error_causes(counts)
    if broken and cause:
        reasons.append(cause)
    if lost:
        reasons.append(f"{lost} articles neither indexed nor spooled")
    if (routes and len(dead) == len(routes)) or (lost and not stored):
        return FAILED, reasons
    return (PARTIAL if reasons else OK), reasons
