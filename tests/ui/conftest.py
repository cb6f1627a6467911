"""A real kiosk window, offscreen, on a real SQLite store and a real video source."""

import os
import time
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from kiosk.settings import Settings  # noqa: E402
from kiosk.store import Store  # noqa: E402
from ui.app import open_window  # noqa: E402
from ui.camera_loop import camera_loop  # noqa: E402
from tests.ui.kiosk_fixtures import door_settings  # noqa: E402
from ui.selftest import make_clip  # noqa: E402


@pytest.fixture(scope="session")
def blank_clip(tmp_path_factory) -> Path:
    """An empty scene for 30 s, played in real time: a camera that is on and sees no code."""
    return make_clip(tmp_path_factory.mktemp("clips") / "blank.mp4", [(None, 30.0)])


@pytest.fixture
def open_kiosk(qtbot, tmp_path, blank_clip):
    opened = []

    def opener(settings: Settings | None = None, camera: Path | None = None, realtime: bool = True,
               store: Store | None = None, kiosk_mode: bool = False, pin_clock=time.monotonic):
        settings = settings or door_settings()
        store = store or Store.open(tmp_path / "entries.sqlite3")
        loop = camera_loop(settings, str(camera or blank_clip), realtime=realtime)
        window = open_window(settings, store, loop, tmp_path / "settings.toml", kiosk_mode=kiosk_mode,
                             pin_clock=pin_clock)
        if not kiosk_mode:
            window.resize(1280, 800)
        opened.append((window, store))
        return window

    yield opener
    for window, store in opened:
        if window.dialog is not None:
            window.dialog.close()
        window.shutdown()
        window.deleteLater()
        store.close()
