"""`kiosk export --csv FILE`: the log as CSV, recorded in the export audit table."""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path

from kiosk.cli.environment import open_store, settings_from
from kiosk.export import export_csv


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("export", help="export the log as CSV (recorded in the audit table)")
    parser.add_argument("--csv", required=True, metavar="FILE", help="the CSV file to write")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    path = Path(args.csv)
    with open_store(settings) as store:
        count = export_csv(store, path, who=f"command line ({getpass.getuser()})")
    print(f"Exported {count} entries to {path}.")
    return 0
