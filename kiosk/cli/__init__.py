"""The `kiosk` command line. Each command is a module with `register(subparsers)`.

Automation depends on the commands' names, options and JSON output: change them only on purpose.
`run` and `selftest` open the window only in the `kiosk` command installed with it (`ui.cli`, which gives
them their window handlers); here `run --headless` works and the rest say which command opens the window.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Callable, Mapping

from kiosk.errors import KioskError
from kiosk.extras import report_missing_extra

EXIT_USER_ERROR = 2

Handler = Callable[[argparse.Namespace], int]


def build_parser(handlers: Mapping[str, Handler] | None = None) -> argparse.ArgumentParser:
    """The command line; `handlers` replace the handlers of the named commands (the window's)."""
    # Imported here: the commands need the door's packages (the `kiosk` extra), which main() names if missing.
    from kiosk.cli import (authority, export, inspect, log, purge, run, scan, selftest, status, sync, trace, trust,
                           visits)

    parser = argparse.ArgumentParser(prog="kiosk", description="QR check-in kiosk")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in (run, scan, inspect, log, export, purge, trust, authority, sync, status, selftest, trace, visits):
        command.register(subparsers)
    for name, handler in (handlers or {}).items():
        subparsers.choices[name].set_defaults(handler=handler)
    for subparser in subparsers.choices.values():  # options every command takes, after its name
        add_common_options(subparser)
    return parser


def add_common_options(parser: argparse.ArgumentParser, default: object = None) -> None:
    """--config, --db and --verbose. A command with subcommands (`kiosk visits close`) gives them to each
    subcommand too, with `default=argparse.SUPPRESS` so that they may come after its name as well."""
    parser.add_argument("--config", default=default, help="settings file (default: the platform's config folder)")
    parser.add_argument("--db", default=default, help="entries database (default: from the settings)")
    parser.add_argument("-v", "--verbose", action="store_true", default=False if default is None else default,
                        help="log what happens to stderr")


def main(argv: list[str] | None = None, handlers: Mapping[str, Handler] | None = None) -> int:
    try:
        args = build_parser(handlers).parse_args(argv)
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
