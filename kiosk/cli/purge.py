"""`kiosk purge`: delete entries older than the retention period (28 days unless set otherwise)."""

from __future__ import annotations

import argparse

from kiosk.cli.environment import open_store, settings_from
from kiosk.retention import purge_expired


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("purge", help="delete entries older than the retention period")
    parser.add_argument("--days", type=int, help="keep this many days instead of the retention setting")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    days = args.days if args.days is not None else settings.retention_days
    with open_store(settings) as store:
        removed = purge_expired(store, days)
    print(f"Deleted {removed} entries older than {days} days.")
    return 0
