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
    from kiosk.cli import export, inspect, log, purge, run, scan, selftest, sync, trust

    parser = argparse.ArgumentParser(prog="kiosk", description="QR check-in kiosk")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in (run, scan, inspect, log, export, purge, trust, sync, selftest):
        command.register(subparsers)
    for name, handler in (handlers or {}).items():
        subparsers.choices[name].set_defaults(handler=handler)
    for subparser in subparsers.choices.values():  # options every command takes, after its name
        subparser.add_argument("--config", help="settings file (default: the platform's config folder)")
        subparser.add_argument("--db", help="entries database (default: from the settings)")
        subparser.add_argument("-v", "--verbose", action="store_true", help="log what happens to stderr")
    return parser


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
