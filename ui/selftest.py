"""`kiosk selftest --out DIR` (`ui.cli`): the real window, a bundled clip through the whole pipeline, one screenshot per
state, and exit status 0 only if every expected state appeared on screen.

What an installer runs on a new door PC and what CI runs. Everything happens in a temporary folder (its
own settings, database and clip): the station's real data is never touched. The clip shows, with empty
scene between them, a valid personal code (admit), a code on the watch list (warn), a web link (refuse)
and the first code again (already checked in); then it ends (camera disconnected). The server is set to a
closed port on 127.0.0.1 once the ready screen was captured (offline). Last, the window is put in demo mode
and the handheld scanner reads the demo's signed EU certificate: admitted, under the demo stripe.
"""

from __future__ import annotations

import secrets
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import qrcode
from PySide6.QtCore import QTimer

from kiosk.admin_pin import hash_pin
from kiosk.credentials.examples import AN, BINH, SAMPLE_PAYLOADS, vnqr_payload
from kiosk.credentials.signed_examples import certificate_payload
from kiosk.entry import utc_now
from kiosk.door_screen import CameraState, DoorView, ScreenState
from kiosk.settings import Settings, save_settings
from kiosk.store import Store
from ui.app import application, open_window
from ui.camera_loop import camera_loop

# Screenshot file name (without .png) for each state, in the order they appear.
EXPECTED = ("ready", "offline", "admit", "warn", "refuse", "already-checked-in", "camera-disconnected",
            "demo-mode")
DEMO_SHOT = "demo-mode"
_SHOT_NAMES = {"ready": "ready", "offline": "offline", "camera_disconnected": "camera-disconnected",
               "admit": "admit", "warn": "warn", "refuse": "refuse", "repeat": "already-checked-in"}

CLIP_FPS = 10
CLIP_SIZE = (640, 480)
WINDOW_SIZE = (1280, 800)
PREVIEW_WAIT_MS = 300


@dataclass(frozen=True)
class SelftestReport:
    shots: dict[str, Path]
    missing: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.missing


def clip_script() -> list[tuple[str | None, float]]:
    """(text shown or None for an empty scene, seconds). The empty start leaves time for the ready and the
    offline screens; the first code comes back after more than the repeat filter's memory (1.5 s), so it
    is read again and the station calls it a repeat."""
    url = next(sample.text for sample in SAMPLE_PAYLOADS if sample.format == "url")
    first = vnqr_payload(AN)
    return [(None, 2.5), (first, 0.6), (None, 0.4), (vnqr_payload(BINH), 0.6), (None, 0.4), (url, 0.6),
            (None, 0.4), (first, 0.6), (None, 0.3)]


def make_clip(path: Path, script: list[tuple[str | None, float]] | None = None) -> Path:
    """Write the clip as an MP4 video (about 100 kB)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), CLIP_FPS, CLIP_SIZE)
    if not writer.isOpened():
        raise RuntimeError(f"cannot write a video at {path}")
    try:
        for text, seconds in script or clip_script():
            frame = frame_showing(text)
            for _ in range(round(seconds * CLIP_FPS)):
                writer.write(frame)
    finally:
        writer.release()
    return path


def frame_showing(text: str | None, size: tuple[int, int] = CLIP_SIZE) -> np.ndarray:
    """A camera picture: a lit wall above a desk, with `text` as a large QR code in the middle if given."""
    width, height = size
    wall = np.linspace(200, 140, height, dtype=np.float32)[:, None, None] * np.ones((1, width, 3), np.float32)
    frame = (wall * np.array([0.92, 0.97, 1.0], np.float32)).astype(np.uint8)
    frame[int(height * 0.8):] = (40, 70, 100)  # the desk, in BGR
    if text is None:
        return frame
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(text.encode("utf-8"))
    code.make(fit=True)
    modules = np.array(code.get_matrix(), dtype=np.uint8)
    side = int(min(height, width) * 0.6)
    image = cv2.resize(np.where(modules, 0, 255).astype(np.uint8), (side, side),
                       interpolation=cv2.INTER_NEAREST)
    top, left = (height - side) // 2, (width - side) // 2
    frame[top:top + side, left:left + side] = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    return frame


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def selftest_settings(language: str = "vi") -> Settings:
    return Settings(
        station_name="Cổng tự kiểm tra", location="Self-test", camera="selftest-clip",
        reset_seconds=1.2, admin_pin_hash=hash_pin(f"{secrets.randbelow(10**8):08d}"),
        watch_list=(f"qid:{BINH.qid}",), watch_action="warn", sound=True, language=language,
    )


def run_selftest(out: Path, timeout: float = 60.0, language: str = "vi") -> SelftestReport:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kiosk-selftest-") as work:
        work_dir = Path(work)
        settings_file = work_dir / "settings.toml"
        settings = selftest_settings(language)
        save_settings(settings, settings_file)
        clip = make_clip(work_dir / "selftest.mp4")
        with Store.open(work_dir / "entries.sqlite3") as store:
            return _watch(out, settings, store, settings_file, str(clip), timeout)


def _watch(out: Path, settings: Settings, store: Store, settings_file: Path, clip: str,
           timeout: float) -> SelftestReport:
    app = application()
    window = open_window(settings, store, camera_loop(settings, clip), settings_file, kiosk_mode=False)
    window.resize(*WINDOW_SIZE)
    shots: dict[str, Path] = {}

    def shoot(name: str) -> None:
        if name in shots:
            return
        shots[name] = out / f"{name}.png"
        window.grab().save(str(shots[name]))
        if name == "ready":
            # Now make the server unreachable: the next screen is the offline notice.
            window.apply_settings(window.settings.replace(server_url=f"http://127.0.0.1:{closed_port()}",
                                                          server_token="selftest"))
        if set(EXPECTED) <= set(shots):
            QTimer.singleShot(0, app.quit)
        elif set(EXPECTED) - set(shots) == {DEMO_SHOT}:
            # Every look of a real door was seen: now the rehearsal, which must say what it is.
            window.apply_settings(window.settings.replace(demo_mode=True))
            window.handle_scanner_text(certificate_payload(AN, utc_now()))

    def seen(view: DoorView) -> None:
        if view.banner:
            if view.state is ScreenState.VERDICT:
                shoot(DEMO_SHOT)
            return
        key = view.look.name if view.state is ScreenState.VERDICT else view.state.value
        name = _SHOT_NAMES.get(key)
        if name == "ready":
            if window.camera is CameraState.RUNNING:
                # Give the live preview a moment to arrive, so the picture shows what a guard sees.
                QTimer.singleShot(PREVIEW_WAIT_MS, lambda: window.view.state is ScreenState.READY
                                  and shoot("ready"))
        elif name is not None:
            shoot(name)

    window.rendered.connect(seen)
    QTimer.singleShot(int(timeout * 1000), app.quit)
    app.exec()
    window.shutdown()
    window.deleteLater()
    return SelftestReport(shots, tuple(name for name in EXPECTED if name not in shots))
