"""The kiosk window: draws what its `DoorApp` reports, forwards scans and the guard's clicks to it, and
runs the camera thread. Every decision (what a scan means, what a settings change restarts, what the
server's pushed settings change) is the app's.

Threads: the app lives on the "door" thread (`DoorWorker`): the window only posts calls to it and gets
its events back through a queued signal, so the GUI thread never touches the database.

Keys (function keys, so that a scanner's typing presses none of them): F2 entry/exit, F3 manual entry,
F4 language, F10 or Esc admin (behind the PIN; leaving full-screen kiosk mode is done from there).
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Callable

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QImage, QKeySequence, QResizeEvent, QScreen, QShortcut
from PySide6.QtWidgets import QApplication, QDialog, QMainWindow, QVBoxLayout, QWidget

from kiosk.door_app import (
    TICK_GRACE,
    AdminFailed,
    CameraStateChanged,
    DoorApp,
    DoorEvent,
    EntriesLoaded,
    Exported,
    Purged,
    SettingsChanged,
    VerdictShown,
    ViewChanged,
    WalkInAnswered,
)
from kiosk.door_app.events import Traced, TraceRefused
from kiosk.door_screen import CameraState, DoorView, StatusView
from kiosk.settings import Settings
from ui.camera_loop import camera_loop
from ui.dialogs.admin_dialog import AdminDialog
from ui.dialogs.manual_entry import ManualEntryDialog, ManualVisitor
from ui.dialogs.pin_dialog import PinDialog
from ui.door_dialogs import NARROW, WIDE, Side, place_beside_verdict
from ui.door_panel import DoorPanel
from ui.i18n import Languages
from ui.scanner_filter import ScannerFilter
from ui.sounds import Sounds
from ui.status_bars import BottomBar, TopBar
from ui.workers import CameraWorker, DoorWorker, LoopFactory, start_in_thread

REFRESH_MS = 2000  # counts, sync state and the retention schedule


class KioskWindow(QMainWindow):
    """Signals: `rendered(DoorView)` after every change of the big area; `verdict_shown(ScanResult)`;
    the admin's results `entries(list)`, `exported(count, path)`, `purged(count)`, `failed(message)`,
    `traced(Trace)`, `trace_refused(Message)`, `walk_in_answered(message)`."""

    rendered = Signal(object)
    verdict_shown = Signal(object)
    entries = Signal(list)
    exported = Signal(int, str)
    purged = Signal(int)
    failed = Signal(str)
    traced = Signal(object)
    trace_refused = Signal(object)
    walk_in_answered = Signal(str)

    def __init__(self, app: DoorApp, door_worker: DoorWorker, make_loop: LoopFactory, languages: Languages,
                 kiosk_mode: bool = True) -> None:
        super().__init__()
        self.app = app
        self.settings: Settings = app.local_settings  # what the admin form edits (the app's latest)
        self._retention_days = app.settings.retention_days  # in force, maybe pushed: what a purge keeps
        self.camera = CameraState.STARTING
        self.view: DoorView | None = None
        self.status: StatusView | None = None
        self._make_loop = make_loop
        self._languages = languages
        self._kiosk_mode = kiosk_mode
        self._closing = False
        self._reset_at: float | None = None
        # A verdict was shown: the view that follows it is drawn even if it looks the same, then announced.
        self._verdict: VerdictShown | None = None
        self._camera_changed = False  # the preview came or went: the next view is drawn (and announced)
        self.sounds = Sounds(app.settings.sound, self)
        self.dialog: QDialog | None = None  # the open dialog, if any (tests and the self-test look at it)
        self._watched_screen: QScreen | None = None  # kiosk mode fills this screen, and follows its changes

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

        self._reset_timer = QTimer(self, singleShot=True, timerType=Qt.TimerType.PreciseTimer)
        self._reset_timer.timeout.connect(self._reset_verdict)
        self._clock_timer = QTimer(self, interval=1000)
        self._clock_timer.timeout.connect(lambda: self.top.tick(datetime.now(self.app.zone)))
        self._refresh_timer = QTimer(self, interval=REFRESH_MS)
        self._refresh_timer.timeout.connect(self.refresh)

        self.door_worker = door_worker
        door_worker.event.connect(self._on_event)
        self._draw(app.door.view(), app.door.status(app.direction))  # the door thread has not started yet
        self.door_thread = start_in_thread(door_worker, "door", run=door_worker.start)

        self.camera_worker: CameraWorker | None = None
        self.camera_thread = None
        self.setWindowTitle(self.tr("QR check-in"))
        self.top.tick(datetime.now(self.app.zone))
        self._clock_timer.start()
        self._refresh_timer.start()
        self.start_camera()

    # --- camera ---------------------------------------------------------------------------------

    def start_camera(self) -> None:
        worker = CameraWorker(self.app.station, self._make_loop)  # the station takes camera scans itself
        worker.result.connect(self.door_worker.camera_result)
        worker.camera.connect(self.door_worker.camera_changed)
        worker.visits.connect(self.door_worker.visits_changed)
        worker.preview.connect(self._show_preview)
        self._do(lambda: self.app.camera_changed(CameraState.STARTING))
        thread = start_in_thread(worker, "camera", run=worker.run)
        worker.finished.connect(thread.quit)
        self.camera_worker, self.camera_thread = worker, thread

    def stop_camera(self) -> None:
        if self.camera_worker is None:
            return
        self.camera_worker.stop()
        self.camera_thread.quit()
        self.camera_thread.wait(5000)
        self.camera_worker = self.camera_thread = None

    def _show_preview(self, image: QImage) -> None:
        self.panel.show_preview(image)
        if self.camera_worker is not None:
            self.camera_worker.preview_in_flight.clear()

    # --- what the guard did: forwarded to the door thread ----------------------------------------

    def handle_scanner_text(self, text: str) -> None:
        self._do(lambda: self.app.scanner_text(text))

    def toggle_direction(self) -> None:
        self._do(self.app.toggle_direction)

    def toggle_language(self) -> None:
        self._do(self.app.toggle_language)

    def apply_settings(self, settings: Settings) -> None:
        self._do(lambda: self.app.apply_settings(settings))

    def refresh(self) -> None:
        """Ask for new counts and sync state (the door thread reads them)."""
        self._do(self.app.refresh)

    def open_manual_entry(self) -> None:
        dialog = ManualEntryDialog(self._languages.current, self)
        dialog.submitted.connect(self._check_manual)
        self._open(dialog)

    def _check_manual(self, visitor: ManualVisitor) -> None:
        self._do(lambda: self.app.check_manual(visitor.name, visitor.phone, visitor.id_number, visitor.note))

    def open_admin(self) -> None:
        if isinstance(self.dialog, (PinDialog, AdminDialog)) and self.dialog.isVisible():
            return
        pin = PinDialog(self.app.pin_lock, self)
        pin.accepted.connect(self._open_admin_unlocked)
        self._open(pin)

    def _open_admin_unlocked(self) -> None:
        dialog = AdminDialog(self.settings, self._retention_days, self, zone=self.app.zone,
                             language=lambda: self._languages.current)
        dialog.settings_saved.connect(self.apply_settings)
        dialog.log_requested.connect(
            lambda query: self._do(lambda: self.app.load_entries(query.search, query.limit)))
        dialog.export_requested.connect(lambda path, who: self._do(lambda: self.app.export(path, who)))
        dialog.purge_requested.connect(lambda: self._do(self.app.purge))
        dialog.walk_in_requested.connect(lambda: self._do(self.app.add_walk_in))
        self.walk_in_answered.connect(dialog.show_walk_in)
        dialog.trace.requested.connect(lambda query: self._do(lambda: self.app.trace(
            query.person, query.since, query.until, query.min_minutes, query.padding, query.reason)))
        self.traced.connect(dialog.trace.show_trace)
        self.trace_refused.connect(dialog.trace.show_problem)
        self.entries.connect(dialog.show_entries)
        self.exported.connect(dialog.show_exported)
        self.purged.connect(dialog.show_purged)
        self.failed.connect(dialog.show_failed)
        dialog.language_requested.connect(self.toggle_language)
        dialog.leave_kiosk.connect(self.leave_kiosk_mode)
        dialog.quit_kiosk.connect(self.quit_kiosk)
        self._open(dialog, WIDE)

    def show_kiosk(self) -> None:
        """Full screen, with the geometry set to the screen's: without a window manager (common on a Linux
        kiosk) full-screen alone leaves the window at its preferred size in a corner. It follows the screen
        when the screen changes (another monitor, another resolution)."""
        self._fill_screen()  # before the first show: no small window flashes in a corner
        self.showFullScreen()
        self.windowHandle().screenChanged.connect(self._fill_screen)
        self._fill_screen()  # the window may have been created on another screen
        self.activateWindow()  # without a window manager nobody else gives it the keyboard

    def _fill_screen(self) -> None:
        screen = self.screen()
        if screen is not self._watched_screen:
            if self._watched_screen is not None:
                self._watched_screen.geometryChanged.disconnect(self._fill_screen)
            screen.geometryChanged.connect(self._fill_screen)
            self._watched_screen = screen
        if self._kiosk_mode and self.geometry() != screen.geometry():
            self.setGeometry(screen.geometry())
            if self.isVisible():
                self.showFullScreen()  # setting the geometry ends the full-screen state

    def leave_kiosk_mode(self) -> None:
        self._kiosk_mode = False
        self.showNormal()

    def quit_kiosk(self) -> None:
        self._kiosk_mode = False
        self.close()

    def _do(self, work: Callable[[], None]) -> None:
        if not self._closing:
            self.door_worker.post(work)

    # --- what the app reported (on the GUI thread) -----------------------------------------------

    def _on_event(self, event: DoorEvent) -> None:
        if isinstance(event, ViewChanged):
            self._draw(event.view, event.status)
        elif isinstance(event, VerdictShown):
            self.sounds.play(event.look.sound)
            self._reset_at = event.reset_at
            self._verdict = event
            self._arm_reset()
        elif isinstance(event, CameraStateChanged):
            self.camera = event.state
            self._camera_changed = True
            if event.state is not CameraState.RUNNING:
                self.panel.clear_preview()
        elif isinstance(event, SettingsChanged):
            self._settings_changed(event)
        elif isinstance(event, EntriesLoaded):
            self.entries.emit(event.entries)
        elif isinstance(event, Exported):
            self.exported.emit(event.count, event.path)
        elif isinstance(event, Purged):
            self.purged.emit(event.count)
        elif isinstance(event, AdminFailed):
            self.failed.emit(event.message)
        elif isinstance(event, Traced):
            self.traced.emit(event.trace)
        elif isinstance(event, TraceRefused):
            self.trace_refused.emit(event.message)
        elif isinstance(event, WalkInAnswered):
            self.walk_in_answered.emit(event.message)

    def _settings_changed(self, event: SettingsChanged) -> None:
        self.settings = event.local
        self._retention_days = event.effective.retention_days
        self.sounds.enabled = event.effective.sound
        if event.language != self._languages.current:
            self._languages.switch(event.language)
        if event.restart_camera:
            self._make_loop = camera_loop(event.effective)
            self.stop_camera()
            self.start_camera()

    def _draw(self, view: DoorView, status: StatusView) -> None:
        verdict, self._verdict = self._verdict, None
        new_view = view != self.view or verdict is not None or self._camera_changed
        self.view, self.status, self._camera_changed = view, status, False
        if new_view:
            self.panel.show_view(view)
        self.top.show_status(status, status.entry_mode)
        self.bottom.show_status(status)
        if new_view:
            # Lay out now rather than at the next turn of the event loop: the first paint (and a
            # screenshot) must not show the new texts in the old state's geometry.
            self._lay_out_now()
            self.rendered.emit(view)
        if verdict is not None and verdict.result is not None:
            self.verdict_shown.emit(verdict.result)

    def _lay_out_now(self) -> None:
        # Each widget's layout is its own: the inner ones take the new sizes, then the window
        # shares out the space, then the inner ones fit into their new geometry.
        inner = (self.panel.layout(), self.top.layout(), self.bottom.layout())
        for layout in (*inner, self.centralWidget().layout(), *inner):
            layout.activate()

    def _arm_reset(self) -> None:
        if self._reset_at is not None:
            self._reset_timer.start(max(0, int((self._reset_at - time.monotonic()) * 1000)))

    def _reset_verdict(self) -> None:
        # A timer may fire a hair early; the app never cuts a verdict short, so wait out the rest here.
        if self._reset_at is not None and self._reset_at - time.monotonic() > TICK_GRACE:
            self._arm_reset()
            return
        self._reset_at = None
        self._do(self.app.tick)

    def _open(self, dialog: QDialog, side: Side = NARROW) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.finished.connect(lambda _result: self._forget_dialog(dialog))
        place_beside_verdict(dialog, self.panel, side)  # scanning goes on: the verdict stays readable
        dialog.open()

    def _forget_dialog(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
            # Without a window manager nobody gives the keyboard back: a scanner's keys would go nowhere.
            self.activateWindow()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.LanguageChange:
            self.setWindowTitle(self.tr("QR check-in"))
        super().changeEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        room = min(self.width(), self.screen().geometry().width())  # the bars never widen the window
        self.top.fit(self.height(), room)
        self.bottom.fit(self.height(), room)

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
        self.door_thread.quit()
        self.door_thread.wait(5000)
        self.app.close()  # the door thread has ended: nothing else uses the app now
