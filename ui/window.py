"""The kiosk window: renders `DoorScreen`, forwards scans and the guard's clicks, owns the worker threads.

Keys (function keys, so that a scanner's typing presses none of them): F2 entry/exit, F3 manual entry,
F4 language, F10 or Esc admin (behind the PIN; leaving full-screen kiosk mode is done from there).
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QImage, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import QApplication, QDialog, QMainWindow, QVBoxLayout, QWidget

from kiosk.admin_pin import PinLock
from kiosk.door_screen import CameraState, DoorScreen, DoorView, SyncState, station_label
from kiosk.entry import Direction, Source
from kiosk.errors import KioskError
from kiosk.scanner_input import mangled_reason
from kiosk.settings import Settings, save_changes
from kiosk.station import Counts, ScanResult, Station
from kiosk.store import Store
from ui.camera_loop import camera_loop
from ui.dialogs.admin_dialog import AdminDialog
from ui.dialogs.manual_entry import ManualEntryDialog
from ui.dialogs.pin_dialog import PinDialog
from ui.door_panel import DoorPanel
from ui.i18n import Languages
from ui.scanner_filter import ScannerFilter
from ui.sounds import Sounds
from ui.status_bars import BottomBar, TopBar
from ui.sync_link import SyncLink
from ui.workers import CameraWorker, DoorWorker, LoopFactory, start_in_thread

log = logging.getLogger(__name__)

REFRESH_MS = 2000  # counts and sync state


class KioskWindow(QMainWindow):
    """Signals: `rendered(DoorView)` after every change of the big area; `verdict_shown(ScanResult)`."""

    rendered = Signal(object)
    verdict_shown = Signal(object)
    # Requests to the door thread (queued).
    _check_text = Signal(str, object)
    _check_manual = Signal(object)
    _refresh = Signal()
    _reconfigure = Signal(object, object)
    _load_config = Signal()

    def __init__(self, settings: Settings, store: Store, make_loop: LoopFactory, languages: Languages,
                 settings_file: Path | None = None, kiosk_mode: bool = True) -> None:
        super().__init__()
        self.settings = settings
        self.store = store
        self._make_loop = make_loop
        self._languages = languages
        self._settings_file = settings_file
        self._kiosk_mode = kiosk_mode
        self._closing = False
        self.pin_lock = PinLock(settings.admin_pin_hash)
        self.door = DoorScreen(settings.reset_seconds, settings.language, station_label(settings),
                               demo_mode=settings.demo_mode)
        self.sounds = Sounds(settings.sound, self)
        # The server's config for this station is read from the store on the door thread, at its start.
        self.station = Station(settings, store)
        self.dialog: QDialog | None = None  # the open dialog, if any (tests and the self-test look at it)

        self.top = TopBar()
        self.panel = DoorPanel()
        self.bottom = BottomBar()
        central = QWidget(objectName="central")
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.top)
        layout.addWidget(self.panel, 1)
        layout.addWidget(self.bottom)
        self.setCentralWidget(central)

        self.top.toggle_mode.connect(self.toggle_direction)
        self.bottom.manual.connect(self.open_manual_entry)
        self.bottom.language.connect(self.toggle_language)
        self.bottom.admin.connect(self.open_admin)
        for key, slot in ((Qt.Key.Key_F2, self.toggle_direction), (Qt.Key.Key_F3, self.open_manual_entry),
                          (Qt.Key.Key_F4, self.toggle_language), (Qt.Key.Key_F10, self.open_admin),
                          (Qt.Key.Key_Escape, self.open_admin)):
            QShortcut(QKeySequence(key), self, activated=slot)

        self.scanner = ScannerFilter(self)
        self.scanner.scanned.connect(self.handle_scanner_text)
        QApplication.instance().installEventFilter(self.scanner)

        self._reset_timer = QTimer(self, singleShot=True)
        self._reset_timer.timeout.connect(self._reset_verdict)
        self._clock_timer = QTimer(self, interval=1000)
        self._clock_timer.timeout.connect(lambda: self.top.tick(datetime.now()))
        self._refresh_timer = QTimer(self, interval=REFRESH_MS)
        self._refresh_timer.timeout.connect(self._refresh)

        self.sync_link = self._link(settings)
        self.door_worker = DoorWorker(self.station, self.sync_link.state)
        self.door_worker.result.connect(self.show_result)
        self.door_worker.counts.connect(self.show_counts)
        self.door_worker.sync.connect(self.show_sync)
        self._check_text.connect(self.door_worker.check_text)
        self._check_manual.connect(self.door_worker.check_manual)
        self._refresh.connect(self.door_worker.refresh)
        self._reconfigure.connect(self.door_worker.reconfigure)
        self._load_config.connect(self.door_worker.load_config)
        self.door_thread = start_in_thread(self.door_worker, "door", run=self.door_worker.load_config)

        self.camera_worker: CameraWorker | None = None
        self.camera_thread = None
        self.setWindowTitle(self.tr("QR check-in"))
        self._render()
        self.top.tick(datetime.now())
        self._clock_timer.start()
        self._refresh_timer.start()
        self.start_camera()

    # --- camera ---------------------------------------------------------------------------------

    def start_camera(self) -> None:
        self.door.camera = CameraState.STARTING
        worker = CameraWorker(self.station, self._make_loop)
        worker.result.connect(self.show_result)
        worker.camera.connect(self.show_camera)
        worker.preview.connect(self._show_preview)
        thread = start_in_thread(worker, "camera", run=worker.run)
        worker.finished.connect(thread.quit)
        self.camera_worker, self.camera_thread = worker, thread
        self._render()

    def stop_camera(self) -> None:
        if self.camera_worker is None:
            return
        self.camera_worker.stop()
        self.camera_thread.quit()
        self.camera_thread.wait(5000)
        self.camera_worker = self.camera_thread = None

    # --- what happened --------------------------------------------------------------------------

    def show_result(self, result: ScanResult) -> None:
        look = self.door.show_result(result, time.monotonic())
        self.sounds.play(look.sound)
        self._render()
        self._arm_reset()
        if result.entry is not None:
            self.sync_link.wake()
        self._refresh.emit()  # ask the door thread for the new counts
        self.verdict_shown.emit(result)

    def handle_scanner_text(self, text: str) -> None:
        reason = mangled_reason(text)
        if reason is not None:
            look = self.door.show_problem(reason, time.monotonic())
            self.sounds.play(look.sound)
            self._render()
            self._arm_reset()
            return
        self._check_text.emit(text, Source.SCANNER)

    def show_camera(self, state: CameraState) -> None:
        self.door.camera = state
        if state is not CameraState.RUNNING:
            self.panel.clear_preview()
        self._render()

    def show_counts(self, counts: Counts) -> None:
        self.door.counts = counts
        self._render_status()

    def show_sync(self, state: SyncState) -> None:
        # The offline notice on the big screen carries the waiting count: redraw it when it changes.
        before = self.door.view()
        self.door.sync = state
        self._render() if self.door.view() != before else self._render_status()

    def _show_preview(self, image: QImage) -> None:
        self.panel.show_preview(image)
        if self.camera_worker is not None:
            self.camera_worker.preview_in_flight.clear()

    # --- what the guard did ---------------------------------------------------------------------

    def toggle_direction(self) -> None:
        self.door.direction_in = self.station.toggle_direction() is Direction.IN
        self._render_status()

    def toggle_language(self) -> None:
        self.set_language("en" if self.door.language == "vi" else "vi")

    def set_language(self, language: str) -> None:
        self._languages.switch(language)
        self.door.language = language
        self._save(self.settings.replace(language=language))
        self._render()

    def open_manual_entry(self) -> None:
        dialog = ManualEntryDialog(self.door.language, self)
        dialog.submitted.connect(self._check_manual)
        self._open(dialog)

    def open_admin(self) -> None:
        if isinstance(self.dialog, (PinDialog, AdminDialog)) and self.dialog.isVisible():
            return
        pin = PinDialog(self.pin_lock, self)
        pin.accepted.connect(self._open_admin_unlocked)
        self._open(pin)

    def _open_admin_unlocked(self) -> None:
        dialog = AdminDialog(self.settings, self)
        dialog.settings_saved.connect(self.apply_settings)
        dialog.log_requested.connect(self.door_worker.load_entries)
        dialog.export_requested.connect(self.door_worker.export)
        dialog.purge_requested.connect(self.door_worker.purge)
        self.door_worker.entries.connect(dialog.show_entries)
        self.door_worker.exported.connect(dialog.show_exported)
        self.door_worker.purged.connect(dialog.show_purged)
        self.door_worker.failed.connect(dialog.show_failed)
        dialog.leave_kiosk.connect(self.leave_kiosk_mode)
        dialog.quit_kiosk.connect(self.quit_kiosk)
        self._open(dialog)

    def apply_settings(self, settings: Settings) -> None:
        camera_changed = (settings.camera, settings.camera_backend) != (self.settings.camera,
                                                                        self.settings.camera_backend)
        self._save(settings)
        self.pin_lock.set_hash(settings.admin_pin_hash)
        self.sounds.enabled = settings.sound
        self.door.reset_seconds = settings.reset_seconds
        self.door.station = station_label(settings)
        self.door.demo_mode = settings.demo_mode
        # On the door thread: the station's lock may be held by a scan waiting for a busy disk.
        self.sync_link.close()
        self.sync_link = self._link(settings)
        self._reconfigure.emit(settings, self.sync_link.state)
        if settings.language != self._languages.current:
            self.set_language(settings.language)
        if camera_changed:
            self._make_loop = camera_loop(settings)
            self.stop_camera()
            self.start_camera()
        self._render()

    def _link(self, settings: Settings) -> SyncLink:
        # Both callbacks come from the sync thread: they only post to the door thread. A finished round
        # is shown at once, not at the next refresh.
        return SyncLink(settings, self.store, on_round=self._refresh.emit, on_config=self._load_config.emit)

    def leave_kiosk_mode(self) -> None:
        self._kiosk_mode = False
        self.showNormal()

    def quit_kiosk(self) -> None:
        self._kiosk_mode = False
        self.close()

    # --- drawing --------------------------------------------------------------------------------

    def _render(self) -> None:
        view: DoorView = self.door.view()
        self.panel.show_view(view)
        self._render_status()
        # Lay out now rather than at the next turn of the event loop: the first paint (and a screenshot)
        # must not show the new texts in the old state's geometry.
        self._lay_out_now()
        self.rendered.emit(view)

    def _render_status(self) -> None:
        status = self.door.status()
        self.top.show_status(status, self.door.direction_in)
        self.bottom.show_status(status)

    def _lay_out_now(self) -> None:
        # Each widget's layout is its own: the inner ones take the new sizes, then the window
        # shares out the space, then the inner ones fit into their new geometry.
        inner = (self.panel.layout(), self.top.layout(), self.bottom.layout())
        for layout in (*inner, self.centralWidget().layout(), *inner):
            layout.activate()

    def _arm_reset(self) -> None:
        deadline = self.door.reset_deadline
        if deadline is not None:
            self._reset_timer.start(max(0, int((deadline - time.monotonic()) * 1000)))

    def _reset_verdict(self) -> None:
        # The timer may fire a hair early; a verdict is never cut short, so ask again if needed.
        if self.door.tick(time.monotonic() + 0.005):
            self._render()
        else:
            self._arm_reset()

    def _open(self, dialog: QDialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.finished.connect(lambda _result: self._forget_dialog(dialog))
        dialog.open()

    def _forget_dialog(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def _save(self, settings: Settings) -> None:
        """Keep `settings` and write what changed into the settings file."""
        before, self.settings = self.settings, settings
        try:
            save_changes(before, settings, self._settings_file)
        except (KioskError, OSError) as error:  # the door keeps working with the settings in memory
            log.error("settings not saved: %s", error)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.LanguageChange:
            self.setWindowTitle(self.tr("QR check-in"))
        super().changeEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self.top.fit(self.height())
        self.bottom.fit(self.height())

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        if self._kiosk_mode:
            # Alt+F4 does not end kiosk mode: that needs the admin PIN.
            event.ignore()
            self.open_admin()
            return
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop the threads (idempotent)."""
        if self._closing:
            return
        self._closing = True
        QApplication.instance().removeEventFilter(self.scanner)
        for timer in (self._reset_timer, self._clock_timer, self._refresh_timer):
            timer.stop()
        self.stop_camera()
        self.sync_link.close()
        self.door_thread.quit()
        self.door_thread.wait(5000)

