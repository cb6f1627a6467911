"""The `kiosk` command installed with the window: kiosk's command line (`kiosk.cli`) whose `run` opens the
window (unless `--headless`) and whose `selftest` runs the window's self-test.

Qt is imported only when a window is wanted, so `kiosk run --headless`, `kiosk sync` and the rest work on
a machine without it.
"""

from __future__ import annotations

import argparse
import sys

from kiosk.cli import main as kiosk_main
from kiosk.cli.run import run_headless, run_settings

EXIT_FAILED = 1
EXIT_USAGE = 2


def run(args: argparse.Namespace) -> int:
    """`kiosk run`: the window, or the headless door with `--headless`."""
    if args.headless:
        return run_headless(args)
    settings = run_settings(args)
    from ui.app import run_window

    return run_window(settings, args)


def selftest(args: argparse.Namespace) -> int:
    """`kiosk selftest --out DIR [--size WxH]`: the real window on a bundled clip and the scanner, a
    screenshot per state; exit 0 only if every expected state appeared on screen and passed its checks."""
    from ui.selftest import EXPECTED, parse_size, run_selftest

    try:
        size = parse_size(args.size) if args.size else None
    except ValueError as error:
        print(f"kiosk selftest: {error}", file=sys.stderr)
        return EXIT_USAGE
    report = run_selftest(args.out, timeout=args.timeout, language=args.lang, size=size)
    for name in EXPECTED:
        shot = report.shots.get(name)
        print(f"{'ok     ' if shot else 'MISSING'} {name:<20} {shot or ''}")
    for problem in report.problems:
        print(f"PROBLEM {problem}")
    if not report.passed:
        if report.missing:
            print(f"selftest failed: never shown: {', '.join(report.missing)}")
        if report.problems:
            print(f"selftest failed: {len(report.problems)} problem(s) on the screenshots")
        return EXIT_FAILED
    print("selftest passed")
    return 0


def main(argv: list[str] | None = None) -> int:
    return kiosk_main(argv, handlers={"run": run, "selftest": selftest})


if __name__ == "__main__":
    sys.exit(main())
