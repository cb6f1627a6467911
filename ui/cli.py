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


def run(args: argparse.Namespace) -> int:
    """`kiosk run`: the window, or the headless door with `--headless`."""
    if args.headless:
        return run_headless(args)
    settings = run_settings(args)
    from ui.app import run_window

    return run_window(settings, args)


def selftest(args: argparse.Namespace) -> int:
    """`kiosk selftest --out DIR`: the real window on a bundled clip, a screenshot per state; exit 0 only
    if every expected state appeared on screen."""
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


def main(argv: list[str] | None = None) -> int:
    return kiosk_main(argv, handlers={"run": run, "selftest": selftest})


if __name__ == "__main__":
    sys.exit(main())
