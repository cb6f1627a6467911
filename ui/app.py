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
from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase, QIcon
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from ui.cli import main as kiosk_command
from kiosk.door_app import DoorApp
from kiosk.errors import KioskError
from kiosk.settings import Settings, database_path, load_settings, save_settings
from kiosk.store import Store
from ui.camera_loop import camera_loop
from ui.dialogs.setup_dialog import SetupDialog
from ui.i18n import Languages
from ui.resource_paths import resources_dir, theme_path
from ui.window import KioskWindow
from ui.workers import DoorWorker, LoopFactory

log = logging.getLogger(__name__)

# Fonts with every Vietnamese letter, best first (Windows has Segoe UI; Debian fonts-noto-core, DejaVu).
FONTS = ("Segoe UI", "Noto Sans", "DejaVu Sans")
APP_NAME = "QR check-in kiosk"


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


def first_start(settings: Settings, settings_file: Path | None) -> Settings | None:
    """Ask for station name, PIN and camera; None when the guard closed the dialog."""
    languages().switch(settings.language)
    dialog = SetupDialog(settings)
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.result_settings is None:
        return None
    save_settings(dialog.result_settings, settings_file)
    return dialog.result_settings


def run_window(settings: Settings, args: argparse.Namespace) -> int:
    """`kiosk run` with a window: the door screen, full-screen, until closed from the admin screen.

    `settings` carry this run's `--source` and `--db`; the window writes only what the guard or the admin
    changes (language, settings) into the settings file, so these stay out of it.
    """
    app = application()
    settings_file = Path(args.config) if getattr(args, "config", None) else None
    try:
        if not settings.configured:
            chosen = first_start(load_settings(settings_file), settings_file)
            if chosen is None:
                return 1
            settings = settings.replace(station_name=chosen.station_name, admin_pin_hash=chosen.admin_pin_hash,
                                        camera=settings.camera if args.source else chosen.camera)
        store = Store.open(database_path(settings))
    except KioskError as error:
        QMessageBox.critical(None, APP_NAME, str(error))
        return 2
    try:
        window = open_window(settings, store, camera_loop(settings), settings_file, kiosk_mode=True)
        app.exec()
        window.shutdown()
    finally:
        store.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    """The packaged app: the `kiosk` command line with arguments, `kiosk run` without."""
    argv = sys.argv[1:] if argv is None else argv
    if argv:
        return kiosk_command(argv)
    logging.basicConfig(level=logging.WARNING)
    try:
        settings = load_settings()
    except KioskError as error:  # no console to print to: say it in a box
        application()
        QMessageBox.critical(None, APP_NAME, str(error))
        return 2
    return run_window(settings, argparse.Namespace(config=None, db=None, source=None))


if __name__ == "__main__":
    sys.exit(main())
