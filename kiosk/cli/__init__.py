"""The `kiosk` command line. Each command is a module with `register(subparsers)`.

Automation depends on the commands' names, options and JSON output: change them only on purpose.
"""

from __future__ import annotations

import argparse
import logging
import sys

from kiosk.errors import KioskError
from kiosk.extras import report_missing_extra

EXIT_USER_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    # Imported here: the commands need the door's packages (the `kiosk` extra), which main() names if missing.
    from kiosk.cli import export, inspect, log, purge, run, scan, selftest, sync, trust

    parser = argparse.ArgumentParser(prog="kiosk", description="QR check-in kiosk")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in (run, scan, inspect, log, export, purge, trust, sync, selftest):
        command.register(subparsers)
    for subparser in subparsers.choices.values():  # options every command takes, after its name
        subparser.add_argument("--config", help="settings file (default: the platform's config folder)")
        subparser.add_argument("--db", help="entries database (default: from the settings)")
        subparser.add_argument("-v", "--verbose", action="store_true", help="log what happens to stderr")
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        return args.handler(args) or 0
    except ModuleNotFoundError as missing:  # the door's packages (OpenCV, zxing, Qt, ...) are an extra
        return report_missing_extra("kiosk", "kiosk", missing)
    except KioskError as error:
        print(f"kiosk: {error}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
