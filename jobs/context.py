"""Shared start-up for commands: make sure Elasticsearch is there, open the store."""

from __future__ import annotations

import logging

from crawler.config import Config
from crawler.store import Store, check_url, wait_for
from jobs.esnode import LocalNode

log = logging.getLogger(__name__)


def ensure_elasticsearch(config: Config, *, start_local: bool = True) -> None:
    """Start the local node when no external cluster is configured and it is not running yet."""
    check_url(config)
    if config.elasticsearch.is_local and start_local:
        node = LocalNode(config)
        if not node.status().running:
            log.info("no ES_URL configured: starting the local Elasticsearch node")
            node.up()


def open_store(config: Config, *, start_local: bool = True, wait: float = 30.0) -> Store:
    """A Store on a reachable cluster (the local node is started if needed)."""
    ensure_elasticsearch(config, start_local=start_local)
    store = Store(config)
    wait_for(store, timeout=wait)
    return store
