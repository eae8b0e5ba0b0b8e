"""`rasad es up|down|status`: the local Elasticsearch node."""

from __future__ import annotations

import argparse

from crawler.config import Config
from jobs.esnode import LocalNode, NodeError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("es", help="start, stop or inspect the local Elasticsearch node")
    p.add_argument("action", choices=["up", "down", "status"])
    p.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the node (up/down)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, config: Config) -> int:
    if not config.elasticsearch.is_local:
        print(f"an external cluster is configured ({config.elasticsearch.effective_url}); nothing to {args.action} locally")
        return 0 if args.action == "status" else 1
    node = LocalNode(config)
    try:
        if args.action == "up":
            st = node.up(timeout=args.timeout)
        elif args.action == "down":
            stopped = node.down(timeout=args.timeout)
            print("stopped" if stopped else "no local node was running")
            return 0
        else:
            st = node.status()
    except NodeError as exc:
        print(f"rasad es {args.action}: {exc}")
        return 1
    state = "running" if st.running else "not running"
    print(f"{state}  url={st.url}  pid={st.pid or '-'}  version={st.version or '-'}  health={st.health or '-'}")
    return 0 if st.running or args.action == "status" else 1
