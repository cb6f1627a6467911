"""`kiosk selftest --out DIR`: open the real window, play a bundled clip through the whole pipeline, save a
screenshot of every state into DIR; exit 0 only if every expected state appeared on screen.

The window lives in `ui/`; it is imported only when the command runs, so the rest of the command line
works on machines without Qt.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.reasons import LANGUAGES

EXIT_FAILED = 1


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("selftest", help="check the whole door on this PC, with screenshots")
    parser.add_argument("--out", required=True, type=Path, help="folder for the screenshots (PNG)")
    parser.add_argument("--timeout", type=float, default=60.0, help="give up after this many seconds")
    parser.add_argument("--lang", choices=LANGUAGES, default="vi", help="language of the screen")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ui.selftest import EXPECTED, run_selftest

    report = run_selftest(args.out, timeout=args.timeout, language=args.lang)
    for name in EXPECTED:
        shot = report.shots.get(name)
        print(f"{'ok     ' if shot else 'MISSING'} {name:<20} {shot or ''}")
    if not report.passed:
        print(f"selftest failed: never shown: {', '.join(report.missing)}")
        return EXIT_FAILED
    print("selftest passed")
    return 0
