"""`kiosk purge`: delete entries older than the retention period (28 days unless set otherwise)."""

from __future__ import annotations

import argparse

from kiosk.cli.environment import open_store, settings_from
from kiosk.retention import purge_expired


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("purge", help="delete entries older than the retention period")
    parser.add_argument("--days", type=_days, help="keep this many days instead of the retention setting "
                                                  "(0 deletes every entry)")
    parser.set_defaults(handler=run)


def _days(text: str) -> int:
    days = int(text)
    if days < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return days


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    days = args.days if args.days is not None else settings.retention_days
    with open_store(settings) as store:
        removed = purge_expired(store, days)
    print(f"Deleted {removed} entries older than {days} days.")
    return 0
