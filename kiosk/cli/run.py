"""`kiosk run --headless`: the door without a window (`kiosk.door_app.headless`), one line per check-in
on standard output, camera changes and the status line on standard error.

The window is opened by the `kiosk` command installed with the window (`ui.cli`), which adds it to this
command; `python -m kiosk run` without `--headless` says so.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from kiosk.door_app.headless import HeadlessDoor
from kiosk.door_screen import DEMO_BANNER
from kiosk.door_start import StartProblem, open_door
from kiosk.errors import KioskError
from kiosk.frames import open_camera
from kiosk.policy import local_time
from kiosk.reasons import LANGUAGES
from kiosk.setting_specs import DIRECTIONS
from kiosk.settings import Settings, is_demo_camera, with_demo_camera
from kiosk.start_settings import start_settings
from kiosk.station import ScanResult

WINDOW_COMMAND = "kiosk run (the `kiosk` command installed with the window, or `python -m ui run`)"


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("run", help="run the kiosk")
    parser.add_argument("--source", help="camera:N, a video file, a folder of images or demo "
                                         "(default: the camera setting)")
    parser.add_argument("--demo", action="store_true",
                        help="rehearse: the demo camera (unless --source names another) in demo mode, which "
                             "trusts the demo's public signing keys and says so on every screen; never at a "
                             "real door (--source demo turns it on too)")
    parser.add_argument("--headless", action="store_true", help="no window: print one line per check-in")
    parser.add_argument("--direction", choices=DIRECTIONS,
                        help="record entries (in) or exits (out) in this run, e.g. at a headless exit door "
                             "(default: the direction setting)")
    parser.add_argument("--frames", type=int, help="stop after this many frames (headless)")
    parser.add_argument("--lang", choices=LANGUAGES, help="language of the printed reasons")
    parser.set_defaults(handler=run)
    return parser


def run_settings(args: argparse.Namespace) -> Settings:
    """The settings of this run: the file's, with `--db`, `--source`, `--direction` and `--demo` on top.

    A settings file that cannot be used as it is does not stop the door (kiosk.start_settings): what the
    admin should fix is printed and left in `args.settings_notice` for the door screen. A camera named
    "demo", from the file or this run, makes the run a rehearsal."""
    start = start_settings(Path(args.config) if args.config else None)
    settings = start.settings
    args.settings_notice = start.notice
    if start.notice is not None:
        language = getattr(args, "lang", None) or settings.language
        print(f"kiosk: {start.notice.text(language)}", file=sys.stderr, flush=True)
    if args.db:
        settings = settings.replace(database=args.db)
    if args.direction:
        settings = settings.replace(direction=args.direction)
    # `--demo`, or the demo camera named for this run: a rehearsal, whose made-up visitors are meant to pass.
    if args.demo or is_demo_camera(args.source or ""):
        args.source = args.source or "demo"  # the window keeps a run's source over the first start's camera
        settings = settings.replace(demo_mode=True)
    if args.source:
        settings = settings.replace(camera=args.source)
    settings = with_demo_camera(settings)
    if settings.demo_mode:
        print(f"kiosk: {DEMO_BANNER.vi} / {DEMO_BANNER.en}: the demo's public signing keys are trusted.",
              file=sys.stderr, flush=True)
    return settings


def run(args: argparse.Namespace) -> int:
    if not args.headless:
        raise KioskError(f"this command has no window: add --headless, or open the window with {WINDOW_COMMAND}")
    return run_headless(args)


def run_headless(args: argparse.Namespace) -> int:
    settings = run_settings(args)
    lang = args.lang or settings.language
    try:
        opened = open_door(settings)
    except StartProblem as problem:  # the same sentence the window shows
        print(f"kiosk: {problem.message.text(lang)}", file=sys.stderr, flush=True)
        return problem.exit_code
    try:
        source = open_camera(settings)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        door = HeadlessDoor(
            settings, opened.store,
            on_verdict=lambda result: print(describe(result, lang), flush=True),
            on_camera=lambda reason: print(f"kiosk: {reason.text(lang)}", file=sys.stderr, flush=True),
            status=lambda line: print(f"kiosk: {line}", file=sys.stderr, flush=True))
        print(f"kiosk: reading {settings.camera}; press Ctrl+C to stop.", file=sys.stderr, flush=True)
        try:
            door.run(source, stop, max_frames=args.frames)
        except KeyboardInterrupt:
            stop.set()
    finally:
        opened.close()
    return 0


def describe(result: ScanResult, lang: str) -> str:
    """One line a person can read in a terminal log."""
    reasons = "; ".join(reason.text(lang) for reason in result.verdict.reasons)
    direction = result.entry.direction.value if result.entry else "-"
    fmt = (result.credential or result.refusal).format if (result.credential or result.refusal) else "-"
    # A repeat logs nothing: its line says so rather than repeat the outcome of the entry it stands for.
    outcome = "REPEAT" if result.verdict.repeat else result.verdict.outcome.value.upper()
    line = (f"{local_time(result.scanned_at)}  {outcome:<6} {direction:<3} "
            f"{fmt:<10} {result.display_name or '-':<22} {reasons}")
    if result.store_problem:
        line += f"  [NOT SAVED: {result.store_problem.text(lang)}]"
    return line
