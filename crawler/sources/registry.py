"""Collects the outlet definitions (filled in by the outlet modules of this package)."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

from crawler.sources.base import Source

if TYPE_CHECKING:
    from crawler.config import Config

SOURCES: dict[str, Source] = {}

# Modules that declare outlets; imported on first use so `register` is defined before they run.
OUTLET_MODULES = (
    "crawler.sources.china",
    "crawler.sources.arab",
    "crawler.sources.egypt",
    "crawler.sources.gulf",
    "crawler.sources.levant",
    "crawler.sources.maghreb",
)


class UnknownSourceError(KeyError):
    """An outlet name that is not registered."""

    def __str__(self) -> str:
        return f"unknown outlet {self.args[0]!r}; known outlets: {', '.join(sorted(SOURCES))}"


def register(*sources: Source) -> None:
    """Add outlets to the registry; a name may be registered once."""
    for s in sources:
        if s.name in SOURCES:
            raise ValueError(f"outlet {s.name!r} registered twice")
        SOURCES[s.name] = s


def _load() -> None:
    """Import the outlet modules (idempotent: Python imports each module once)."""
    for module in OUTLET_MODULES:
        importlib.import_module(module)


def all_sources() -> list[Source]:
    """Every registered outlet, Chinese services first, then by name."""
    _load()
    order = {"china": 0, "arab": 1, "intl": 2}
    return sorted(SOURCES.values(), key=lambda s: (order.get(s.group, 9), s.name))


def get_source(name: str) -> Source:
    """The outlet registered under ``name``; UnknownSourceError lists the known names."""
    _load()
    try:
        return SOURCES[name]
    except KeyError:
        raise UnknownSourceError(name) from None


def sources_for(config: Config, names: Iterable[str] | None = None) -> list[Source]:
    """The outlets to crawl: ``names`` (else config.crawl.sources; empty = all), base override applied."""
    wanted = list(names) if names else list(config.crawl.sources)
    chosen = [get_source(n) for n in dict.fromkeys(wanted)] if wanted else all_sources()
    override = config.crawl.base_url_override
    return [s.with_base(override) for s in chosen] if override else chosen
