"""The kiosk application: `main()` opens the door screen (the packaged app's entry point too).

With arguments, the packaged app behaves as the `kiosk` command (`kiosk-app selftest --out DIR`); without,
it opens the window on the configured camera, after the first-start setup if nobody has done it yet.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase, QIcon
from PySide6.QtWidgets import QApplication, QDialog

from ui.cli import main as kiosk_command
from kiosk.cli.run import run_settings
from kiosk.door_app import DoorApp
from kiosk.door_start import OpenedDoor, StartProblem, open_door
from kiosk.messages import Message
from kiosk.settings import Settings, SettingsError, read_settings, save_changes, with_demo_camera
from kiosk.store import Store
from ui.camera_loop import camera_loop
from ui.dialogs.setup_dialog import SetupDialog
from ui.i18n import Languages
from ui.resource_paths import resources_dir, theme_path
from ui.start_problem import ask_after_start_problem
from ui.window import KioskWindow
from ui.workers import DoorWorker, LoopFactory

log = logging.getLogger(__name__)

# Fonts with every Vietnamese letter, best first (Windows has Segoe UI; Debian fonts-noto-core, DejaVu).
FONTS = ("Segoe UI", "Noto Sans", "DejaVu Sans")
APP_NAME = "QR check-in kiosk"
SETUP_UNFINISHED = Message("start.setup-unfinished")


_languages: Languages | None = None


def application() -> QApplication:
    """The QApplication (created if needed, offscreen when there is no display) with the kiosk's font,
    icon and theme."""
    global _languages
    app = QApplication.instance()
    if app is None:
        if not os.environ.get("QT_QPA_PLATFORM") and sys.platform.startswith("linux") and not (
                os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
        app = QApplication(sys.argv[:1])
    if _languages is None or _languages.app is not app:
        app.setApplicationName(APP_NAME)
        app.setWindowIcon(QIcon(str(resources_dir() / "icons" / "app.png")))
        families = set(QFontDatabase.families())
        family = next((name for name in FONTS if name in families), None)
        if family:
            app.setFont(QFont(family))
        app.setStyleSheet(theme_path().read_text(encoding="utf-8"))
        _languages = Languages(app)
    return app  # type: ignore[return-value]


def languages() -> Languages:
    """The one language switcher of the application (a second one would leave the first's catalogue in)."""
    application()
    assert _languages is not None
    return _languages


def open_window(settings: Settings, store: Store, make_loop: LoopFactory, settings_file: Path | None = None,
                kiosk_mode: bool = True, pin_clock: Callable[[], float] = time.monotonic) -> KioskWindow:
    """The door screen on `store`, shown full-screen in kiosk mode (a plain window otherwise)."""
    switcher = languages()
    switcher.switch(settings.language)
    door_worker = DoorWorker()
    door = DoorApp(settings, store, post=door_worker.post, settings_file=settings_file, pin_clock=pin_clock)
    door_worker.attach(door)
    window = KioskWindow(door, door_worker, make_loop, switcher, kiosk_mode)
    window.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, kiosk_mode)
    if kiosk_mode:
        window.show_kiosk()
    else:
        window.resize(1280, 800)
        window.show()
    return window


def first_start(settings: Settings, settings_file: Path | None, rehearsal: bool = False) -> Settings | None:
    """Ask for station name, PIN and camera and save them; None (nothing saved) when the guard closed the
    dialog. `rehearsal`: this is a demo run, and the dialog says that the camera chosen is the real door's."""
    languages().switch(settings.language)
    dialog = SetupDialog(settings, rehearsal=rehearsal)
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.result_settings is None:
        return None
    try:
        save_changes(settings, dialog.result_settings, settings_file)
    except SettingsError as error:  # the door runs on what was chosen; the setup asks again next time
        log.error("the first-start settings were not saved: %s", error)
    return dialog.result_settings


@dataclass
class RunningDoor:
    """The door window on its locked, open database."""

    window: KioskWindow
    opened: OpenedDoor

    def close(self) -> None:
        self.window.shutdown()
        self.opened.close()


def start_door(settings: Settings, args: argparse.Namespace, kiosk_mode: bool = True) -> RunningDoor | int:
    """Everything of `kiosk run` before the event loop: the first-start setup when nobody did it, the lock
    and the database (kiosk.door_start), the window, the settings file's notice on it. The exit code when
    the door does not open: 0 when the setup was closed, StartProblem's code after its door-sized screen.

    `settings` carry this run's `--source` and `--db`; the window writes only what the guard or the admin
    changes (language, settings) into the settings file, so these stay out of it."""
    application()
    settings_file = Path(args.config) if getattr(args, "config", None) else None
    if not settings.configured:
        chosen = first_start(_file_settings(settings_file), settings_file, rehearsal=settings.demo_mode)
        if chosen is None:  # the person chose to stop: nothing to repair
            _say(SETUP_UNFINISHED, settings.language)
            log.warning("%s", SETUP_UNFINISHED.en)
            return 0
        settings = with_demo_camera(settings.replace(
            station_name=chosen.station_name, admin_pin_hash=chosen.admin_pin_hash,
            camera=settings.camera if args.source else chosen.camera))
    opened = _open_door(settings, kiosk_mode)
    if isinstance(opened, int):
        return opened
    window = open_window(settings, opened.store, camera_loop(settings), settings_file, kiosk_mode=kiosk_mode)
    notice: Message | None = getattr(args, "settings_notice", None)
    if notice is not None:
        window.door_worker.post(lambda: window.app.show_start_notice(notice))
    return RunningDoor(window, opened)


def run_window(settings: Settings, args: argparse.Namespace) -> int:
    """`kiosk run` with a window: the door screen, full-screen, until closed from the admin screen."""
    running = start_door(settings, args)
    if isinstance(running, int):
        return running
    try:
        application().exec()
    finally:
        running.close()
    return 0


def _file_settings(settings_file: Path | None) -> Settings:
    """The station's own settings, without this run's options: what the setup starts from and saves onto."""
    try:
        return read_settings(settings_file)[0]
    except SettingsError:  # unreadable even after the start moved a broken file aside: start from nothing
        return Settings()


def _open_door(settings: Settings, full_screen: bool) -> OpenedDoor | int:
    """The door's database, or the exit code after the guard read what to fix (Close, or Try again until
    it works)."""
    while True:
        try:
            return open_door(settings)
        except StartProblem as problem:
            text = _say(problem.message, settings.language)  # kiosk.door_start logged it
            languages().switch(settings.language)
            if not ask_after_start_problem(text, problem.can_retry, full_screen) or not problem.can_retry:
                return problem.exit_code


def _say(message: Message, language: str) -> str:
    """A sentence for a door that did not open, on standard error (a service's log)."""
    text = message.text(language)
    print(f"kiosk: {text}", file=sys.stderr, flush=True)
    return text


def main(argv: list[str] | None = None) -> int:
    """The packaged app: the `kiosk` command line with arguments, `kiosk run` without."""
    argv = sys.argv[1:] if argv is None else argv
    if argv:
        return kiosk_command(argv)
    logging.basicConfig(level=logging.WARNING)
    args = argparse.Namespace(config=None, db=None, source=None, demo=False, direction=None, lang=None)
    return run_window(run_settings(args), args)


if __name__ == "__main__":
    sys.exit(main())
