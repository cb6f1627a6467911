"""Behind the admin PIN: adding the person just found not on a meeting's list as a walk-in, settings, the
log (masked), contact tracing (audited by the store), CSV export (audited too), purge, and leaving kiosk
mode. The dialog only collects requests; the door thread does the
work and answers by signal."""

from __future__ import annotations

from dataclasses import astuple
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.admin_pin import PinError
from kiosk.entry import Entry
from kiosk.log_rows import LogRow, log_row
from kiosk.settings import Settings
from ui.dialogs.settings_form import SettingsForm
from ui.dialogs.trace_tab import TraceTab
from ui.workers import LogQuery


class AdminDialog(QDialog):
    settings_saved = Signal(object)
    log_requested = Signal(object)
    export_requested = Signal(str, str)
    purge_requested = Signal()  # with the retention in force (the server's, when it pushed one)
    language_requested = Signal()  # F4: the window's own shortcut does not reach a dialog
    leave_kiosk = Signal()
    quit_kiosk = Signal()
    walk_in_requested = Signal()  # add the person just found not on the meeting's list, as a walk-in

    def __init__(self, settings: Settings, retention_days: int, parent: QWidget | None = None,
                 zone: tzinfo | None = None, language: Callable[[], str] | None = None) -> None:
        """`settings` are the station's own (the form edits them); `retention_days` is the retention in
        force, which the server may have pushed (a trace searches it by default); the log and the trace
        show times in `zone` (None: the machine's); `language()` is the screen's language now."""
        super().__init__(parent)
        self._settings = settings
        self._retention_days = retention_days
        self._zone = zone
        self._language = language or (lambda: settings.language)
        self._entries: list[Entry] = []  # the log's rows, shown again in words of a newly chosen language
        self._fit_screen()
        self.tabs = QTabWidget()
        self.form = SettingsForm(settings, language=self._language)
        self.save = QPushButton(objectName="saveSettings")
        self.save.clicked.connect(self._save)
        self.settings_message = QLabel(objectName="dialogError")
        self.settings_message.setWordWrap(True)
        settings_tab = _column(_scrolled(self.form), self.settings_message, self.save)

        self.search = QLineEdit(objectName="logSearch")
        self.search.returnPressed.connect(self.request_log)
        self.table = QTableWidget(0, len(LogRow.__dataclass_fields__), objectName="logTable")
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        # Every value whole: the columns as wide as their longest text (header included), the reasons
        # wrapped in what is left, each row as tall as its reasons.
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(self.table.columnCount() - 1, QHeaderView.ResizeMode.Stretch)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        header.sectionResized.connect(lambda *_: self._fit_rows())  # the reasons wrap anew
        log_tab = _column(self.search, self.table)

        self.export_path = QLineEdit(str(_default_export_path()), objectName="exportPath")
        self.browse = QPushButton()
        self.browse.clicked.connect(self._browse)
        self.export = QPushButton(objectName="exportButton")
        self.export.clicked.connect(lambda: self.export_requested.emit(self.export_path.text(), "admin"))
        self.purge = QPushButton(objectName="purgeButton")
        self.purge.clicked.connect(self.purge_requested)
        self.data_message = QLabel(objectName="dataMessage")
        self.data_message.setWordWrap(True)
        path_row = QWidget()
        row = QHBoxLayout(path_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.export_path, 1)
        row.addWidget(self.browse)
        data_tab = _column(path_row, self.export, self.purge, self.data_message)
        data_tab.layout().addStretch(1)

        self.leave = QPushButton(objectName="leaveKiosk")
        self.leave.clicked.connect(self.leave_kiosk)
        self.quit = QPushButton(objectName="quitKiosk")
        self.quit.clicked.connect(self.quit_kiosk)
        kiosk_tab = _column(self.leave, self.quit)
        kiosk_tab.layout().addStretch(1)

        self.trace = TraceTab(retention_days, self._language, zone)

        # First, above the tabs: the guard opens the dialog for this right after the scan.
        self.walk_in = QPushButton(objectName="walkInButton")
        self.walk_in.clicked.connect(self.walk_in_requested)
        self.walk_in_message = QLabel(objectName="walkInMessage")
        self.walk_in_message.setWordWrap(True)

        for tab in (settings_tab, log_tab, self.trace, data_tab, kiosk_tab):
            self.tabs.addTab(tab, "")
        layout = QVBoxLayout(self)
        layout.addWidget(self.walk_in)
        layout.addWidget(self.walk_in_message)
        layout.addWidget(self.tabs)
        QShortcut(QKeySequence(Qt.Key.Key_F4), self).activated.connect(self.language_requested.emit)
        self.tabs.currentChanged.connect(lambda index: index == 1 and self.request_log())
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Administration"))
        for index, title in enumerate((self.tr("Settings"), self.tr("Log"), self.tr("Trace"),
                                       self.tr("Export and purge"), self.tr("Kiosk mode"))):
            self.tabs.setTabText(index, title)
        self.walk_in.setText(self.tr("Add the person just scanned to the list (walk-in)"))
        self.save.setText(self.tr("Save settings"))
        self.search.setPlaceholderText(self.tr("Search masked name, person key or format, then Enter"))
        self.table.setHorizontalHeaderLabels([self.tr("Time"), self.tr("Direction"), self.tr("Verdict"),
                                              self.tr("Format"), self.tr("Name (masked)"),
                                              self.tr("Reasons")])
        self.browse.setText(self.tr("Choose…"))
        self.export.setText(self.tr("Export the log as CSV (recorded in the audit log)"))
        self.purge.setText(self.tr("Delete entries older than %n days now", "", self._retention_days))
        self.leave.setText(self.tr("Leave full-screen kiosk mode"))
        self.quit.setText(self.tr("Close the kiosk"))
        self._show_rows()  # the log's values in words of the new language

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def request_log(self) -> None:
        self.log_requested.emit(LogQuery(self.search.text().strip()))

    def show_entries(self, entries: list[Entry]) -> None:
        self._entries = entries
        self._show_rows()

    def _show_rows(self) -> None:
        """The log in words of the screen's language now (kiosk.log_rows), times in the door's zone."""
        language = self._language()
        self.table.setRowCount(len(self._entries))
        for row, entry in enumerate(self._entries):
            for column, text in enumerate(astuple(log_row(entry, language, self._zone))):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
        self._fit_rows()

    def _fit_rows(self) -> None:
        """Each row as tall as its reasons, wrapped in their column. Qt's own measure wraps the text a few
        pixels wider than it paints it, which left the last word of a reason unseen: measured here with room
        to spare."""
        column = self.table.columnCount() - 1
        width = max(self.table.columnWidth(column) - _CELL_MARGINS, 1)
        metrics = self.table.fontMetrics()
        for row in range(self.table.rowCount()):
            text = self.table.item(row, column).text()
            lines = metrics.boundingRect(0, 0, width, 1_000_000, Qt.TextFlag.TextWordWrap, text).height()
            self.table.setRowHeight(row, max(lines, metrics.height()) + _CELL_MARGINS)

    def show_exported(self, count: int, path: str) -> None:
        self.data_message.setText(self.tr("%n entries written to %1", "", count).replace("%1", path))

    def show_purged(self, count: int) -> None:
        self.data_message.setText(self.tr("%n old entries deleted", "", count))

    def show_failed(self, message: str) -> None:
        self.data_message.setText(message)

    def show_walk_in(self, message: str) -> None:
        self.walk_in_message.setText(message)

    def _save(self) -> None:
        try:
            settings = self.form.settings()
        except PinError as error:
            self.settings_message.setText(error.reason.text(self._language()))
            return
        except ValueError as error:  # a typed value the setting cannot take: the form names it
            self.settings_message.setText(str(error))
            return
        self._settings = settings
        self.settings_message.setText(self.tr("Saved."))
        self.settings_saved.emit(settings)
        self.retranslate()

    def _fit_screen(self) -> None:
        """Large enough for the trace's table and timeline, never larger than the screen (1366×768 too)."""
        screen = self.screen().availableGeometry()
        self.resize(min(1300, screen.width() - 40), min(720, screen.height() - 40))

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export the log"), self.export_path.text(),
                                              "CSV (*.csv)")
        if path:
            self.export_path.setText(path)


# Room around a cell's text: the style's margins and the grid line, with a little to spare.
_CELL_MARGINS = 12


def _column(*widgets: QWidget) -> QWidget:
    page = QWidget()
    layout = QVBoxLayout(page)
    for widget in widgets:
        layout.addWidget(widget)
    return page


def _scrolled(widget: QWidget) -> QScrollArea:
    """A tall form that scrolls, so that the dialog fits a 1366×768 screen."""
    area = QScrollArea(widgetResizable=True, frameShape=QScrollArea.Shape.NoFrame)
    area.setWidget(widget)
    return area


def _default_export_path() -> Path:
    return Path.home() / f"kiosk-log-{datetime.now():%Y%m%d-%H%M}.csv"
