"""Collects the outlet definitions (filled in by the outlet modules of this package)."""

from __future__ import annotations

from crawler.sources.base import Source

SOURCES: dict[str, Source] = {}


class UnknownSourceError(KeyError):
    """An outlet name that is not registered."""

    def __str__(self) -> str:
        return f"unknown outlet {self.args[0]!r}; known outlets: {', '.join(sorted(SOURCES))}"


def register(*sources: Source) -> None:
    for s in sources:
        if s.name in SOURCES:
            raise ValueError(f"outlet {s.name!r} registered twice")
        SOURCES[s.name] = s


def all_sources() -> list[Source]:
    return sorted(SOURCES.values(), key=lambda s: (s.group, s.name))


def get_source(name: str) -> Source:
    try:
        return SOURCES[name]
    except KeyError:
        raise UnknownSourceError(name) from None
