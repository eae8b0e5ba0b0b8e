"""Outlet registry: every outlet is a `Source` declared in one module of this package."""

from crawler.sources.base import Selectors, Source
from crawler.sources.registry import all_sources, get_source

__all__ = ["Selectors", "Source", "all_sources", "get_source"]
