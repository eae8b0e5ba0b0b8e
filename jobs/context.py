"""Shared start-up for commands: make sure Elasticsearch is there, open the store."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from crawler.config import Config

if TYPE_CHECKING:
    from crawler.store import Store

log = logging.getLogger(__name__)


def ensure_elasticsearch(config: Config, *, start_local: bool = True) -> None:
    """Start the local node when no external cluster is configured and it is not running yet."""
    from crawler.store import check_url
    from crawler.store.node import LocalNode

    check_url(config)
    if config.elasticsearch.is_local and start_local:
        node = LocalNode(config)
        if not node.status().running:
            log.info("no ES_URL configured: starting the local Elasticsearch node")
            node.up()


def open_store(config: Config, *, start_local: bool = True, wait: float = 30.0) -> Store:
    """A Store on a reachable cluster (the local node is started if needed).

    `wait` 0: one ping, no waiting (a read command such as `rasad search` answers at once).
    """
    from crawler.store import Store, StoreError, wait_for

    ensure_elasticsearch(config, start_local=start_local)
    store = Store(config)
    if wait > 0:
        # The local node may still be starting (here or by `rasad es up`): wait for it. An external
        # cluster that refuses the connection is not starting: say so at once.
        wait_for(store, timeout=wait, patient=config.elasticsearch.is_local)
    elif not store.ping():
        store.close()
        raise StoreError(f"Elasticsearch at {config.elasticsearch.display_url} did not answer")
    return store


def local_node_notice(config: Config) -> str | None:
    """A line saying the project's own Elasticsearch node keeps running, and how to stop it; None otherwise.

    Only for the node this project started (its pid file under elasticsearch.local_data_dir).
    """
    if not config.elasticsearch.is_local:
        return None
    from crawler.store.node import LocalNode

    node = LocalNode(config)
    pid = node.pid()
    if not pid:
        return None
    return (f"The local Elasticsearch node is still running (pid {pid}, {node.url}, Java heap "
            f"{config.elasticsearch.local_heap}); stop it with `make es-down` or `.venv/bin/rasad es down`.")
