"""The `rasad` command. Each subcommand lives in one module of jobs/commands (register + run)."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from crawler.config import ConfigError, load_config

# Order here is the order in `rasad --help`.
COMMAND_MODULES = [
    "es",
    "init",
    "crawl",
    "digest",
    "run_once",
    "schedule",
    "extract",
    "compare",
    "sources",
    "kibana",
    "demo",
]

log = logging.getLogger("rasad")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rasad", description="Monitor Arabic coverage of the World Internet Conference.")
    parser.add_argument("--config", "-c", help="configuration file (default: $RASAD_CONFIG or ./rasad.toml)")
    parser.add_argument("--verbose", "-v", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"jobs.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"jobs.commands.{name}":
                continue  # command not built yet
            raise
        module.register(sub)
    return parser


def setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("elastic_transport", "elasticsearch", "urllib3", "scrapy.core.engine", "filelock"):
        logging.getLogger(noisy).setLevel(logging.WARNING if not verbose else logging.INFO)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(args.verbose)
    try:
        config = load_config(args.config)
        return int(args.func(args, config) or 0)
    except ConfigError as exc:
        print(f"rasad: configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("rasad: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
