"""`kiosk selftest --out DIR [--size WxH]`: the self-test opens the real window, so it is run by the `kiosk` command
installed with the window (`ui.cli`), which gives this command its handler. Here, without the window, it
says which command to use."""

from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.errors import KioskError
from kiosk.reasons import LANGUAGES

WINDOW_COMMAND = "kiosk selftest (the `kiosk` command installed with the window, or `python -m ui selftest`)"


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("selftest", help="check the whole door on this PC, with screenshots")
    parser.add_argument("--out", required=True, type=Path, help="folder for the screenshots (PNG)")
    parser.add_argument("--timeout", type=float, default=60.0, help="give up after this many seconds")
    parser.add_argument("--lang", choices=LANGUAGES, default="vi", help="language of the screen")
    parser.add_argument("--size", metavar="WxH", help="shoot the window at this size, e.g. 1366x768 "
                                                      "(default: the screen's)")
    parser.set_defaults(handler=run)
    return parser


def run(args: argparse.Namespace) -> int:
    raise KioskError(f"the self-test opens the window: run {WINDOW_COMMAND}")
