"""The admin's trace ("Truy vết"): who was in this kiosk's hall at the same time as a person.

The tab collects a request (person, window in the door's local time, minimum overlap, padding, the case
number the audit records) and draws the answer the door thread sends back: the case's visits, each
followed by the contacts who overlapped it, masked as everywhere else, with the tier in words and in a
pattern, and a timeline column. A request the tracing core refuses comes back as its catalogue sentence.

The person typed is shown masked once the field is left, sent only with the request, and never logged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Callable

from PySide6.QtCore import QDateTime, QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDateTimeEdit,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from kiosk.messages import Message
from kiosk.tracing.request import CASE_NUMBER_LONGEST
from kiosk.tracing.overlap import Tier
from kiosk.tracing.report import TIER_WORDS, Trace, screen_summary
from kiosk.tracing.request import LONGEST_MINIMUM
from ui.dialogs.trace_rows import LOCATION, TIMELINE, RowWords, TraceRows, shown
from ui.timeline import Look, TimelineDelegate, swatch

PICKER_FORMAT = "yyyy-MM-dd HH:mm"
SIZED_BY_ROWS = 60  # columns fit the first rows and the visible ones: a guard's 2,000 contacts stay quick


@dataclass(frozen=True)
class TraceQuery:
    """What the admin asked; `since`/`until` None: the whole retention period up to now."""

    person: str = field(repr=False)
    since: datetime | None
    until: datetime | None
    min_minutes: int
    padding: bool
    reason: str


class TraceTab(QWidget):
    requested = Signal(object)  # a TraceQuery

    def __init__(self, retention_days: int, language: Callable[[], str], zone: tzinfo | None = None,
                 parent: QWidget | None = None) -> None:
        """`language()` is the screen's language now (the answer's sentences come from the catalogue);
        times are shown and picked in `zone` (None: the machine's)."""
        super().__init__(parent)
        self._retention_days = retention_days
        self._language = language
        self._zone = zone
        self._answer: Trace | None = None
        self._problem: Message | None = None
        self._defaults: tuple[QDateTime, QDateTime] | None = None  # what the pickers showed untouched

        self.person = QLineEdit(objectName="tracePerson", echoMode=QLineEdit.EchoMode.PasswordEchoOnEdit)
        self.reason = QLineEdit(objectName="traceReason", maxLength=CASE_NUMBER_LONGEST)
        self.since = _picker("traceSince")
        self.until = _picker("traceUntil")
        self.min_minutes = QSpinBox(objectName="traceMinMinutes", maximum=LONGEST_MINIMUM, singleStep=5)
        self.padding = QCheckBox(objectName="tracePadding")
        self.button = QPushButton(objectName="traceButton", default=True)
        # A scanner types a space now and then: a focused button or box would take it as a press.
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.padding.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.button.clicked.connect(self.submit)
        for line in (self.person, self.reason):
            line.returnPressed.connect(self.submit)
        self.labels = {name: QLabel() for name in ("person", "reason", "since", "until", "min_minutes")}
        for name, widget in (("person", self.person), ("reason", self.reason), ("since", self.since),
                             ("until", self.until), ("min_minutes", self.min_minutes)):
            self.labels[name].setBuddy(widget)

        self.message = QLabel(objectName="dialogError", wordWrap=True)
        self.summary = QLabel(objectName="traceSummary", wordWrap=True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.legend = _Legend()
        self.rows = TraceRows(zone)
        self.table = QTableView(objectName="traceTable")
        self.table.setModel(self.rows)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.setItemDelegateForColumn(TIMELINE, TimelineDelegate(self.table))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(TIMELINE, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(40)
        header.setResizeContentsPrecision(SIZED_BY_ROWS)

        self.button.setMinimumWidth(180)

        self._lay_out()
        self.setStyleSheet("QDateTimeEdit { font-size: 18px; } QPushButton#traceButton { font-weight: bold; }"
                           " QLabel#traceSummary, QTableView#traceTable { font-size: 16px; }")
        self.reset_window()
        self.retranslate()

    def _lay_out(self) -> None:
        form = QGridLayout()
        form.setColumnStretch(1, 1)
        form.setColumnStretch(3, 1)
        form.addWidget(self.labels["person"], 0, 0)
        form.addWidget(self.person, 0, 1)
        form.addWidget(self.labels["reason"], 0, 2)
        form.addWidget(self.reason, 0, 3)
        form.addWidget(self.labels["since"], 1, 0)
        form.addWidget(self.since, 1, 1)
        form.addWidget(self.labels["until"], 1, 2)
        form.addWidget(self.until, 1, 3)
        form.addWidget(self.labels["min_minutes"], 2, 0)
        form.addWidget(self.min_minutes, 2, 1)
        form.addWidget(self.padding, 2, 2, 1, 2)
        actions = QHBoxLayout()
        actions.addWidget(self.message, 1)
        actions.addWidget(self.button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(actions)
        layout.addWidget(self.summary)
        layout.addWidget(self.legend)
        layout.addWidget(self.table, 1)

    # --- the request ------------------------------------------------------------------------------

    def reset_window(self) -> None:
        """The pickers show the whole retention period, up to now (what an untouched window searches)."""
        now = datetime.now(self._zone).replace(second=0, microsecond=0)
        since = now - timedelta(days=self._retention_days)
        self._defaults = (QDateTime(since.date(), since.time()), QDateTime(now.date(), now.time()))
        self.since.setDateTime(self._defaults[0])
        self.until.setDateTime(self._defaults[1])

    def query(self) -> TraceQuery:
        untouched = (self.since.dateTime(), self.until.dateTime()) == self._defaults
        since, until = (None, None) if untouched else (self._local(self.since), self._local(self.until))
        return TraceQuery(self.person.text(), since, until, self.min_minutes.value(), self.padding.isChecked(),
                          self.reason.text())

    def submit(self) -> None:
        """Ask for the trace; a missing case number or person is refused here, the rest by the core."""
        if not self.button.isEnabled():  # Enter again while the last request is on its way
            return
        query = self.query()
        if not query.reason.strip():
            self.show_problem(Message("trace.case-number-missing", longest=CASE_NUMBER_LONGEST))
            self.reason.setFocus()
            return
        if not query.person.strip():
            self.show_problem(Message("trace.person-missing"))
            self.person.setFocus()
            return
        self._answer = self._problem = None  # an earlier answer must not pass for this one's
        self._show_no_answer()
        self.message.setText(self.tr("Tracing…"))
        self.button.setEnabled(False)
        self.requested.emit(query)

    # --- the answer -------------------------------------------------------------------------------

    def show_problem(self, message: Message) -> None:
        self._problem = message
        self.button.setEnabled(True)
        self.message.setText(message.text(self._language()))

    def show_trace(self, answer: Trace) -> None:
        self._answer, self._problem = answer, None
        self.button.setEnabled(True)
        self.message.clear()
        self._draw()

    def retranslate(self) -> None:
        self.labels["person"].setText(self.tr("Person (ID number, QID or person key)"))
        self.labels["reason"].setText(self.tr("Case number (required, recorded)"))
        self.labels["since"].setText(self.tr("From"))
        self.labels["until"].setText(self.tr("To"))
        self.labels["min_minutes"].setText(self.tr("Minimum overlap"))
        self.min_minutes.setSuffix(self.tr(" min"))
        self.min_minutes.setSpecialValueText(self.tr("any overlap"))
        self.padding.setText(self.tr("Count up to 30 min after the case left (aerosols)"))
        self.button.setText(self.tr("Trace"))
        language = self._language()
        self.legend.name(self.tr("Case visit"), self.tr("after the case left"),
                         *(TIER_WORDS[tier].text(language) for tier in (Tier.FIFTEEN, Tier.TEN, Tier.ANY)))
        if self._problem is not None:
            self.message.setText(self._problem.text(language))
        elif not self.button.isEnabled():
            self.message.setText(self.tr("Tracing…"))
        if self._answer is not None:
            self._draw()
        else:
            self._show_no_answer()

    def _show_no_answer(self) -> None:
        language = self._language()
        self.summary.setText(self.tr("Every trace is recorded: who asked, when, and the case number."))
        self.legend.hide()
        self.rows.show(None, RowWords("", "", language), self._headers(language), self.table.font())

    def _headers(self, language: str) -> list[str]:
        return ["", *(Message(f"trace.column.{name}").text(language)
                      for name in ("person", "name", "location", "from", "to", "minutes", "tier")),
                self.tr("Timeline")]

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _draw(self) -> None:
        answer, language = self._answer, self._language()
        self.summary.setText("\n".join(screen_summary(answer, language, lambda moment: shown(moment, self._zone))))
        self.rows.show(answer, RowWords(self.tr("Case"), self.tr("Contact"), language), self._headers(language),
                       self.table.font())
        # At one kiosk every visit is usually in one hall: then the summary names it once.
        self.table.setColumnHidden(LOCATION, len({visit.location for visit in answer.case_visits}) <= 1)
        self.legend.setVisible(self.rows.rowCount() > 0)

    def _local(self, picker: QDateTimeEdit) -> datetime:
        """The picked wall-clock time in the door's zone."""
        moment = picker.dateTime().toPython().replace(second=0, microsecond=0)
        return moment.replace(tzinfo=self._zone) if self._zone is not None else moment.astimezone()


class _Legend(QWidget):
    """What each bar's look means, in the order of the tiers."""

    LOOKS = (Look.CASE, Look.PADDING, Look.CLOSE, Look.TEN, Look.ANY)

    def __init__(self) -> None:
        super().__init__()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self._texts = []
        for look in self.LOOKS:
            picture = QLabel()
            picture.setPixmap(swatch(look))
            text = QLabel()
            row.addWidget(picture)
            row.addWidget(text)
            row.addSpacing(14)
            self._texts.append(text)
        row.addStretch(1)

    def name(self, *texts: str) -> None:
        for label, text in zip(self._texts, texts, strict=True):
            label.setText(text)


def _picker(name: str) -> QDateTimeEdit:
    picker = QDateTimeEdit(objectName=name, calendarPopup=True)
    picker.setDisplayFormat(PICKER_FORMAT)
    return picker
