"""`rasad init`: validate configuration, create or upgrade index templates, indices and aliases."""

from __future__ import annotations

import argparse
import logging

from crawler.config import Config

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help="validate configuration and create/upgrade the Elasticsearch schema")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, config: Config) -> int:
    from jobs.context import open_store

    store = open_store(config)
    info = store.info()
    print(f"configuration {config.source_file}: ok; Elasticsearch {info['version']['number']} at {config.elasticsearch.display_url}")
    for alias, what in store.init().items():
        print(f"{alias}: {what}")
    replayed = store.replay_spool()
    if replayed:
        print(f"replayed {replayed} spooled writes")
    return 0
