"""Everything Elasticsearch in one package.

    store.py   the Store: the only module that talks to Elasticsearch (schema setup, upserts, reads)
    schema.py  index settings and mappings as code (the Arabic analysis chain)
    spool.py   the disk spool for writes made while the cluster is unreachable
    node.py    the local Elasticsearch 9 node: distribution, Java, Arabic plugin, start and stop

`from crawler.store import Store` (and the store's other public names) loads the client on first
use only: the light commands import the node launcher or the schema without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# The public names of crawler.store.store, served from here (PEP 562: resolved on first access).
_STORE_NAMES = frozenset({
    "BULK_THREADS", "IndexResult", "SCHEMA_VERSION", "SUPPORTED", "Store", "StoreError", "TransportError",
    "UNREACHABLE", "UnsupportedCluster", "check_url", "make_client", "wait_for",
})

if TYPE_CHECKING:
    from crawler.store.store import (  # noqa: F401
        BULK_THREADS,
        SCHEMA_VERSION,
        SUPPORTED,
        UNREACHABLE,
        IndexResult,
        Store,
        StoreError,
        TransportError,
        UnsupportedCluster,
        check_url,
        make_client,
        wait_for,
    )


def __getattr__(name: str) -> Any:
    if name in _STORE_NAMES:
        from crawler.store import store

        return getattr(store, name)
    raise AttributeError(f"module 'crawler.store' has no attribute {name!r}")


__all__ = sorted(_STORE_NAMES)
