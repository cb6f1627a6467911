"""`kiosk selftest --out DIR [--size WxH]` (`ui.cli`): the real window, a bundled clip through the whole
pipeline, then the handheld scanner, one screenshot per state, and exit status 0 only if every expected
state appeared on screen and passed its checks (`ui.selftest_checks`).

What an installer runs on a new door PC and what CI runs. Everything happens in a temporary folder (its
own settings, database and clip): the station's real data is never touched. The window has the size of
the screen (or `--size`) and a long station name, the hardest case for the bars. The clip shows, with
empty scene between them, a valid personal code (admit), a code on the watch list (warn), a web link
(refuse) and the first code again (already checked in); then it ends (camera disconnected). The server is
set to a closed port on 127.0.0.1 once the ready screen was captured (offline). Then the scanner reads, in
turn: the first visitor leaving through exit mode, a visitor leaving who never came in, a chip card while
the manual entry dialog is open, and new visitors until one finds the disk full (SQLite refuses to grow, as
on a full disk: kiosk.full_disk). Last, the door is started twice more as `kiosk run` starts it: as a
rehearsal (`--demo`: its own database; the scanner reads the demo's signed EU certificate, under the demo
stripe), and on a settings file broken since its last good save (the door opens on the last good settings
and says what to fix).
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import sqlite3
import tempfile
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import cv2
import numpy as np
import qrcode
from PySide6.QtCore import QSize, QTimer

from kiosk.admin_pin import hash_pin
from kiosk.credentials.examples import AN, BINH, CUONG, SAMPLE_PAYLOADS, Person, cccd_payload, vnqr_payload
from kiosk.credentials.signed_examples import certificate_payload
from kiosk.entry import utc_now
from kiosk.door_screen import CameraState, DoorView, ScreenState
from kiosk.full_disk import limit_to_current_size, store_on_own_connection
from kiosk.secret_store import SECRETS_DIR_ENV
from kiosk.settings import Settings, save_settings
from kiosk.store import Store
from kiosk.cli.run import run_settings
from ui.app import application, open_window, start_door
from ui.camera_loop import camera_loop
from ui.selftest_checks import door_problems, screen_picture

if TYPE_CHECKING:
    from ui.window import KioskWindow

# Screenshot file name (without .png) for each state, in the order they appear.
CLIP_SHOTS = ("ready", "offline", "admit", "warn", "refuse", "already-checked-in", "camera-disconnected")
SCANNER_SHOTS = ("exit", "exit-without-entry", "dialog-during-scan", "disk-full")
DEMO_SHOT = "demo-mode"
BAD_SETTINGS_SHOT = "bad-settings"
EXPECTED = CLIP_SHOTS + SCANNER_SHOTS + (DEMO_SHOT, BAD_SETTINGS_SHOT)
_SHOT_NAMES = {"ready": "ready", "offline": "offline", "camera_disconnected": "camera-disconnected",
               "admit": "admit", "warn": "warn", "refuse": "refuse", "repeat": "already-checked-in"}

CLIP_FPS = 10
CLIP_SIZE = (640, 480)
PREVIEW_WAIT_MS = 300
POLL_MS = 50


# A made-up visitor seen only on the full disk: a first visit, so the door has an entry to write.
DUNG = Person(
    family_name="Phạm", middle_name="Thị", given_name="Dung", birth_date=date(1978, 5, 12), gender="female",
    id_number="036178004321", old_id_number="", qid="162900000000000004", phone="0977000111",
    insurance_code="GD4360112233445", address="Phường Trần Hưng Đạo, TP Nam Định", issue_date=date(2023, 2, 1),
)
LONG_STATION_NAME = "Cổng chính — Trung tâm Hội nghị Tỉnh, lối vào phía Đông, tầng 1, quầy lễ tân số 2"


@dataclass(frozen=True)
class SelftestReport:
    shots: dict[str, Path]
    missing: tuple[str, ...]
    problems: tuple[str, ...] = ()  # "<shot>: what is wrong on it"

    @property
    def passed(self) -> bool:
        return not self.missing and not self.problems


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
        station_name=LONG_STATION_NAME, location="Self-test", camera="selftest-clip",
        reset_seconds=1.2, admin_pin_hash=hash_pin(f"{secrets.randbelow(10**8):08d}"),
        watch_list=(f"qid:{BINH.qid}",), watch_action="warn", sound=True, language=language,
    )


def parse_size(text: str) -> tuple[int, int]:
    """"1366x768" → (1366, 768); ValueError for anything else."""
    width, _, height = text.lower().partition("x")
    size = (int(width), int(height))
    if min(size) < 200:
        raise ValueError(f"{text!r}: a screen size is WIDTHxHEIGHT in pixels, e.g. 1366x768")
    return size


def run_selftest(out: Path, timeout: float = 60.0, language: str = "vi",
                 size: tuple[int, int] | None = None) -> SelftestReport:
    """Shoot every state into `out` at `size` (default: the screen's). For a process of its own (the
    command): the station secret it makes is its own too, and the process keeps it for its life."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kiosk-selftest-") as work:
        work_dir = Path(work)
        os.environ[SECRETS_DIR_ENV] = str(work_dir / "secrets")  # not the station's own secret
        settings_file = work_dir / "settings.toml"
        settings = selftest_settings(language)
        save_settings(settings, settings_file)
        clip = make_clip(work_dir / "selftest.mp4")
        store, connection = store_on_own_connection(work_dir / "entries.sqlite3")
        with store:
            watch = _Watch(out, settings, store, connection, settings_file, str(clip), size)
            report = watch.run(timeout)
        shots, problems = dict(report.shots), list(report.problems)
        for start in (_rehearsal_start, _bad_settings_start):
            shot, found = start(work_dir, settings_file, out, watch.size, timeout)
            shots.update({shot.stem: shot} if shot else {})
            problems += found
        return SelftestReport(shots, tuple(name for name in EXPECTED if name not in shots), tuple(problems))


@dataclass(frozen=True)
class _Step:
    """One scanner step: what the self-test does, and how it knows its verdict is on screen."""

    shot: str
    act: Callable[[], None]
    shown: Callable[[DoorView], bool]
    again: Callable[[], None] | None = None  # for another verdict that is not the one awaited yet


class _Watch:
    """Drives the window through every state and shoots each as it appears."""

    def __init__(self, out: Path, settings: Settings, store: Store, connection: sqlite3.Connection,
                 settings_file: Path, clip: str, size: tuple[int, int] | None) -> None:
        self.app = application()
        self.out = out
        self.size = QSize(*size) if size else self.app.primaryScreen().size()
        self.connection = connection
        self.window = open_window(settings, store, camera_loop(settings, clip), settings_file, kiosk_mode=False)
        self.window.resize(self.size)
        self.shots: dict[str, Path] = {}
        self.problems: list[str] = []
        self.steps = self._scanner_steps()

    def run(self, timeout: float) -> SelftestReport:
        self.window.rendered.connect(self._seen)
        self.window.verdict_shown.connect(self._new_verdict)
        QTimer.singleShot(int(timeout * 1000), self.app.quit)
        self.app.exec()
        self.window.shutdown()
        self.window.deleteLater()
        missing = tuple(name for name in CLIP_SHOTS + SCANNER_SHOTS if name not in self.shots)
        return SelftestReport(self.shots, missing, tuple(self.problems))

    # --- the clip's states, then the scanner's steps, in order -------------------------------------

    def _seen(self, view: DoorView) -> None:
        if not set(CLIP_SHOTS) <= set(self.shots):
            self._clip_state(view)
            if set(CLIP_SHOTS) <= set(self.shots):
                self._next_step()

    def _new_verdict(self, _result: object) -> None:
        """A scanner step's verdict is judged when it is new (the view drawn for it is `window.view`): a
        setting that changes the look of the verdict still on screen is not a new one."""
        if not self.steps or not set(CLIP_SHOTS) <= set(self.shots):
            return
        if self.steps[0].shown(self.window.view):
            step = self.steps.pop(0)
            self._shoot(step.shot)
            self._next_step()
        elif self.steps[0].again is not None:
            self.steps[0].again()

    def _clip_state(self, view: DoorView) -> None:
        key = view.look.name if view.state is ScreenState.VERDICT else view.state.value
        name = _SHOT_NAMES.get(key)
        if name == "ready":
            if self.window.camera is CameraState.RUNNING:
                # Give the live preview a moment to arrive, so the picture shows what a guard sees.
                QTimer.singleShot(PREVIEW_WAIT_MS, lambda: self.window.view.state is ScreenState.READY
                                  and self._shoot("ready"))
        elif name is not None:
            self._shoot(name)

    def _next_step(self) -> None:
        if self.steps:
            self.steps[0].act()
        else:
            QTimer.singleShot(0, self.app.quit)

    def _scanner_steps(self) -> list[_Step]:
        window = self.window

        def verdict(entry_mode: bool) -> Callable[[DoorView], bool]:
            return lambda view: (view.state is ScreenState.VERDICT and not view.banner
                                 and window.status.entry_mode is entry_mode)

        def scan(text: str, before: Callable[[], None] = lambda: None) -> Callable[[], None]:
            return lambda: (before(), window.handle_scanner_text(text))

        def exit_mode() -> None:
            window.toggle_direction()

        def entry_mode_with_dialog() -> None:
            window.toggle_direction()
            window.open_manual_entry()

        def full_disk() -> None:
            if window.dialog is not None:
                window.dialog.reject()
            window._do(lambda: limit_to_current_size(self.connection))

        visitors = (replace(DUNG, qid=f"1629{n:014d}", id_number=f"036178{n:06d}") for n in range(5, 2000))

        return [
            _Step("exit", scan(vnqr_payload(AN), exit_mode), verdict(entry_mode=False)),
            _Step("exit-without-entry", scan(vnqr_payload(CUONG)), verdict(entry_mode=False)),
            _Step("dialog-during-scan", scan(cccd_payload(CUONG), entry_mode_with_dialog), verdict(entry_mode=True)),
            # The pages the database has may hold a few more entries: new visitors come until one is not.
            _Step("disk-full", scan(vnqr_payload(DUNG), full_disk),
                  lambda view: view.state is ScreenState.VERDICT and bool(view.notice),
                  again=lambda: window.handle_scanner_text(vnqr_payload(next(visitors)))),
        ]

    # --- shots and their checks -----------------------------------------------------------------

    def _shoot(self, name: str) -> None:
        if name in self.shots:
            return
        self.shots[name] = self.out / f"{name}.png"
        screen_picture(self.window).save(str(self.shots[name]))
        self.problems += [f"{name}: {problem}" for problem in self._check()]
        if name == "ready":
            # Now make the server unreachable: the next screen is the offline notice.
            self.window.apply_settings(self.window.settings.replace(
                server_url=f"http://127.0.0.1:{closed_port()}", server_token="selftest"))

    def _check(self) -> list[str]:
        return door_problems(self.window, self.size)


def _bad_settings_start(work_dir: Path, settings_file: Path, out: Path, size: QSize, timeout: float
                        ) -> tuple[Path | None, list[str]]:
    """The door started on a settings file broken since its last good save (kiosk.start_settings): it opens on
    the last good settings, with what to fix on screen."""
    settings_file.write_text('station_name = "Cổng chính\nreset_seconds = 4\n', encoding="utf-8")  # unclosed
    args = _run_args(settings_file, work_dir / "bad-start.sqlite3", work_dir, timeout)
    return _separate_start(BAD_SETTINGS_SHOT, args, out, size, timeout, act=None,
                           shown=lambda window: bool(window.status and window.status.start_notice))


def _rehearsal_start(work_dir: Path, settings_file: Path, out: Path, size: QSize, timeout: float
                     ) -> tuple[Path | None, list[str]]:
    """`kiosk run --demo`: a rehearsal on its own database, where the handheld scanner reads the demo's signed
    EU certificate (trusted only in demo mode) and the verdict carries the demo stripe."""
    args = _run_args(settings_file, work_dir / "entries.sqlite3", work_dir, timeout, demo=True)
    return _separate_start(DEMO_SHOT, args, out, size, timeout,
                           act=lambda window: window.handle_scanner_text(certificate_payload(AN, utc_now())),
                           shown=lambda window: bool(window.view and window.view.banner
                                                     and window.view.state is ScreenState.VERDICT))


def _run_args(settings_file: Path, database: Path, work_dir: Path, timeout: float,
              demo: bool = False) -> argparse.Namespace:
    """`kiosk run`'s arguments for a start on an empty scene."""
    blank = work_dir / "blank.mp4"
    if not blank.exists():
        make_clip(blank, [(None, timeout)])
    return argparse.Namespace(config=str(settings_file), db=str(database), source=str(blank), demo=demo,
                              direction=None, lang=None, headless=False)


def _separate_start(name: str, args: argparse.Namespace, out: Path, size: QSize, timeout: float,
                    act: Callable[["KioskWindow"], None] | None, shown: Callable[["KioskWindow"], bool]
                    ) -> tuple[Path | None, list[str]]:
    """Start the door as `kiosk run` does with `args`; once it is ready, `act`; shoot it when `shown`.
    The shot (None if it never was) and its problems."""
    running = start_door(run_settings(args), args, kiosk_mode=False)
    if isinstance(running, int):
        return None, [f"{name}: the door did not open (exit code {running})"]
    window, app = running.window, application()
    window.resize(size)
    shot = out / f"{name}.png"
    problems: list[str] = []
    pending = [act] if act else []

    def look() -> None:
        # Polled: a start notice changes the status line only, which the window announces to nobody.
        if pending and window.view is not None and window.view.state is ScreenState.READY:
            pending.pop()(window)
        elif not pending and shown(window) and not shot.exists():
            screen_picture(window).save(str(shot))
            problems.extend(f"{name}: {problem}" for problem in door_problems(window, size))
            app.quit()

    watch = QTimer(interval=POLL_MS, timeout=look)
    watch.start()
    QTimer.singleShot(int(timeout * 1000), app.quit)
    app.exec()
    running.close()
    window.deleteLater()
    return (shot if shot.exists() else None), problems
