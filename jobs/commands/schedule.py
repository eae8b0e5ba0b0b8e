"""`rasad schedule`: the long-running APScheduler service (crawl and digest on their crontabs)."""

from __future__ import annotations

import argparse

from crawler.config import Config


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "schedule",
        help="run the scheduler service in the foreground (crawl and digest on schedule.crawl_cron / digest_cron)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace, config: Config) -> int:
    from jobs.scheduler import serve

    # Only warnings and errors on the terminal (README, "Output"); the service prints its jobs itself.
    return serve(config)
