"""`rasad es up|down|status`: the local Elasticsearch node, and the configured cluster's health.

`status` reports the cluster Rasad uses: the local node, or the one named by ES_URL /
elasticsearch.url. Its exit status is for scripts (`rasad es status >/dev/null && ...`):

    0  the cluster answers and its health is green or yellow
    1  it answers but is not usable: health red, or it refuses the request (credentials)
    3  nothing answers: the local node is not running, or the configured cluster is unreachable

`up` exits 0 once the local node is healthy, 1 when it could not start; `down` exits 0. With an
external cluster configured, `up` and `down` do nothing and exit 1: Rasad manages only its own node.
"""

from __future__ import annotations

import argparse
from urllib.parse import urlsplit, urlunsplit

from crawler.config import Config

EXIT_OK, EXIT_UNUSABLE, EXIT_NOT_RUNNING = 0, 1, 3  # 3: LSB's "program is not running"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "es",
        help="start, stop or inspect the local Elasticsearch node; status also reports an external cluster "
        "(exit 0 usable, 1 red or refused, 3 not running or unreachable)",
    )
    p.add_argument("action", choices=["up", "down", "status"])
    p.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the node (up/down)")
    p.set_defaults(func=run)


def shown_url(url: str) -> str:
    """The URL without a password in it (user:secret@host -> user:***@host)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def health_exit(running: bool, health: str | None) -> int:
    """The exit status of `status` for what the cluster answered."""
    if not running:
        return EXIT_NOT_RUNNING
    return EXIT_OK if health in ("green", "yellow") else EXIT_UNUSABLE


def external_status(config: Config) -> int:
    """Health and version of the configured external cluster (with ES_USERNAME / ES_PASSWORD)."""
    from crawler.store import UNREACHABLE, Store, StoreError, TransportError, UnsupportedCluster

    url = shown_url(config.elasticsearch.effective_url)
    store = Store(config)
    try:
        version = store.version()
        health = store.client.cluster.health(request_timeout=5)
    except UNREACHABLE as exc:
        print(f"unreachable  url={url}  (external cluster: {type(exc).__name__}; is it running, is ES_URL right?)")
        return EXIT_NOT_RUNNING
    except UnsupportedCluster as exc:
        print(f"refused  url={url}  ({exc})")
        return EXIT_UNUSABLE
    except (StoreError, TransportError) as exc:
        status = exc.meta.status if isinstance(exc, TransportError) else "-"
        print(f"refused  url={url}  status={status}  (check ES_USERNAME / ES_PASSWORD and the user's rights)")
        return EXIT_UNUSABLE
    finally:
        store.client.close()
    status = health.get("status")
    print(f"running  url={url}  external cluster {health.get('cluster_name', '-')}  "
          f"version={version}  health={status}  "
          f"nodes={health.get('number_of_nodes', '-')}  unassigned_shards={health.get('unassigned_shards', '-')}")
    return health_exit(True, status)


def run(args: argparse.Namespace, config: Config) -> int:
    if not config.elasticsearch.is_local:
        if args.action == "status":
            return external_status(config)
        url = shown_url(config.elasticsearch.effective_url)
        print(f"rasad es {args.action}: an external cluster is configured ({url}); "
              f"Rasad starts and stops only its own local node (unset ES_URL / elasticsearch.url for that)")
        return EXIT_UNUSABLE
    from crawler.store.node import LocalNode, NodeError

    node = LocalNode(config)
    try:
        if args.action == "up":
            st = node.up(timeout=args.timeout)
        elif args.action == "down":
            stopped = node.down(timeout=args.timeout)
            print("stopped" if stopped else "no local node was running")
            return EXIT_OK
        else:
            st = node.status()
    except NodeError as exc:
        print(f"rasad es {args.action}: {exc}")
        return EXIT_UNUSABLE
    state = "running" if st.running else "not running"
    print(f"{state}  url={st.url}  pid={st.pid or '-'}  version={st.version or '-'}  health={st.health or '-'}")
    if args.action == "up":
        return EXIT_OK if st.running else EXIT_UNUSABLE
    return health_exit(st.running, st.health)
