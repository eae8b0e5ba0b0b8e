"""`rasad kibana import`: load the data views, saved searches and dashboard into Kibana."""

from __future__ import annotations

import argparse
import logging
import sys

from crawler.config import Config

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("kibana", help="Kibana saved objects (data views, saved searches, dashboard)")
    actions = p.add_subparsers(dest="kibana_action", metavar="ACTION", required=True)
    imp = actions.add_parser(
        "import",
        help="import the saved objects into Kibana (overwrites objects with the same ids); "
        "credentials from KIBANA_USERNAME / KIBANA_PASSWORD",
    )
    imp.add_argument(
        "--url", help="Kibana base URL (default: kibana.url of the configuration, or $KIBANA_URL)"
    )
    imp.add_argument(
        "files", nargs="*", help="NDJSON files to import (default: the ones shipped in reports/kibana)"
    )
    imp.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for Kibana's answer")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, config: Config) -> int:
    from jobs.kibana import KibanaError, import_saved_objects, saved_object_files

    url = args.url or config.kibana.url
    files = args.files or saved_object_files()
    try:
        result = import_saved_objects(
            url,
            files,
            username=config.kibana.username or None,
            password=config.kibana.password.get_secret_value() or None,
            timeout=args.timeout,
            index_prefix=config.elasticsearch.index_prefix,
        )
    except KibanaError as exc:
        print(f"rasad kibana import: {exc}", file=sys.stderr)
        return 1
    if not result.success:
        print(
            f"rasad kibana import: Kibana at {url} imported {result.success_count} of {result.objects} objects; refused:",
            file=sys.stderr,
        )
        for line in result.errors:
            print(f"  {line}", file=sys.stderr)
        return 1
    print(f"imported {result.success_count} saved objects into {url}")
    return 0
