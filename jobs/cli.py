"""The `rasad` command. Each subcommand lives in one module of jobs/commands (register + run).

Start-up stays fast: command modules import only the standard library and the configuration at
the top; Scrapy, Elasticsearch, scikit-learn and the like are imported inside the `run` of the
commands that use them (`rasad --help` and `rasad sources list` import none of them).

Exit status: what the command returns; 2 for a configuration error, 130 when interrupted, and
141 (128 + SIGPIPE, like other Unix tools) when the reader of the output went away (`| head -1`).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import warnings

from crawler.config import Config, ConfigError, load_config
from crawler.redact import install_log_redaction, redact
from jobs import logs
from jobs.exitcodes import EXIT_FAILED, EXIT_USAGE

# Order here is the order in `rasad --help`.
COMMAND_MODULES = [
    "es",
    "init",
    "crawl",
    "backfill",
    "digest",
    "alert",
    "run_once",
    "schedule",
    "extract",
    "compare",
    "search",
    "show",
    "sources",
    "kibana",
    "demo",
]

log = logging.getLogger("rasad")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rasad", description="Monitor Arabic coverage of the World Internet Conference.")
    parser.add_argument("--config", "-c", help="configuration file (default: $RASAD_CONFIG or ./rasad.toml)")
    parser.add_argument(
        "--verbose", "-v", action="store_true",
        help="show the details on the terminal (debug logging, the crawl's own log lines); they always go to log.file",
    )
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


EX_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for `seq 1000000 | head -1`'s first command


def unreachable(exc: BaseException) -> bool:
    """True for an Elasticsearch that cannot be reached (checked without importing the client: the
    light commands never load it, so none of its errors can come from them)."""
    if "crawler.store.store" not in sys.modules:
        return False
    from crawler.store import UNREACHABLE, StoreError, UnsupportedCluster

    return isinstance(exc, (*UNREACHABLE, StoreError)) and not isinstance(exc, UnsupportedCluster)


def refused_version(exc: BaseException) -> bool:
    """True for a cluster that answers but runs a version Rasad's client cannot serve (7.x)."""
    if "crawler.store.store" not in sys.modules:
        return False
    from crawler.store import UnsupportedCluster

    return isinstance(exc, UnsupportedCluster)


def unreachable_message(config: Config, exc: BaseException) -> str:
    """One message for an Elasticsearch that cannot be reached: the URL (no credentials) and what to do."""
    from crawler.store import StoreError

    url = config.elasticsearch.display_url
    hint = ("start the local node with `rasad es up`" if config.elasticsearch.is_local
            else "check that the cluster runs and that ES_URL / elasticsearch.url point at it")
    if isinstance(exc, StoreError):  # already names the URL (without credentials) and the wait
        return f"rasad: {redact(str(exc))}: it is unreachable; {hint}"
    reason = redact(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)[:300]
    return f"rasad: Elasticsearch at {url} is unreachable ({reason}); {hint}"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logs.setup_console(args.verbose)
    # The client logs each failed attempt with a traceback; rasad says what failed once, below.
    for name in ("elasticsearch", "elastic_transport"):  # the 8.x client logs its retries under elastic_transport
        logging.getLogger(name).setLevel(logging.ERROR if not args.verbose else logging.INFO)
    install_log_redaction()
    # pywb brings brotlipy, and Scrapy says on every import that it is deprecated: noise for a user.
    warnings.filterwarnings("ignore", message="You have brotlipy installed")
    config: Config | None = None
    try:
        config = load_config(args.config)
        logs.add_file(config.path(config.log.file), max_bytes=config.log.max_bytes, backups=config.log.backups,
                      verbose=args.verbose)
        install_log_redaction()  # the log file too
        log.debug("rasad %s", " ".join(sys.argv[1:] if argv is None else argv))
        code = int(args.func(args, config) or 0)
        sys.stdout.flush()  # a closed pipe shows up here, not at interpreter exit
        return code
    except ConfigError as exc:
        print(f"rasad: configuration error: {redact(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("rasad: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader stopped reading: not an error of ours. Point stdout at /dev/null so that the
        # interpreter's final flush does not raise again (Python docs, "Note on SIGPIPE").
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EX_BROKEN_PIPE
    except Exception as exc:
        if config is not None and refused_version(exc):
            print(f"rasad: {redact(str(exc))}", file=sys.stderr)
            return EXIT_FAILED
        if config is None or not unreachable(exc):
            raise
        print(unreachable_message(config, exc), file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
