"""The trace behind the admin PIN, on the real window with a real store: a case and two visitors scanned at
this door, traced from the dialog, in both languages; requests the core refuses show its sentence."""

import dataclasses
import logging
from datetime import datetime, timedelta

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from kiosk.messages import Message
from kiosk.credentials.examples import AN, BINH, CUONG, vnqr_payload
from kiosk.tracing.overlap import Tier
from tests.test_door_app import scan_case_and_two_visitors
from tests.ui.test_admin_window import unlock_admin
from ui.dialogs.trace_rows import TIMELINE
from ui.dialogs.trace_tab import TraceTab
from ui.timeline import BAR_ROLE, Look

CASE_NUMBER = "BV-2026-0042"


def trace_tab(qtbot, window) -> TraceTab:
    admin = unlock_admin(qtbot, window)
    admin.tabs.setCurrentWidget(admin.trace)
    return admin.trace


def ask(qtbot, window, tab: TraceTab, person: str, reason: str = CASE_NUMBER) -> None:
    tab.person.setText(person)
    tab.reason.setText(reason)
    with qtbot.waitSignals([tab.requested]):
        tab.button.click()
    qtbot.waitUntil(tab.button.isEnabled, timeout=5000)  # answered


def rows(tab: TraceTab) -> list[list[str]]:
    model = tab.table.model()
    return [[model.index(row, column).data() for column in range(TIMELINE)] for row in range(model.rowCount())]


def set_picker(picker, moment: datetime) -> None:
    picker.setDateTime(QDateTime(moment.date(), moment.time()))


def test_the_case_and_its_two_contacts_are_listed_masked_with_their_tiers_and_the_trace_is_audited(
        qtbot, open_kiosk, caplog):
    caplog.set_level(logging.DEBUG)
    window = open_kiosk()
    scan_case_and_two_visitors(window.app.store)
    tab = trace_tab(qtbot, window)
    ask(qtbot, window, tab, AN.id_number)

    table = rows(tab)
    assert [row[0] for row in table] == ["Ca bệnh", "Tiếp xúc", "Tiếp xúc"]
    assert [row[2] for row in table] == ["NGUYEN V. A.", "TRAN T. B.", "LE D. C."]
    assert table[1][7] == "●●● ≥ 15 phút (tiếp xúc gần)" and table[2][7] == "●●○ ≥ 10 phút"
    assert [row[6] for row in table] == ["120", "115", "10"]
    shown = " ".join(" ".join(row) for row in table) + tab.summary.text()
    for person in (AN, BINH, CUONG):
        assert person.qid not in shown and person.id_number not in shown
    assert "Người tiếp xúc: 2" in tab.summary.text()
    looks = [tab.table.model().index(row, TIMELINE).data(BAR_ROLE).look for row in range(3)]
    assert looks == [Look.CASE, Look.of(Tier.FIFTEEN), Look.of(Tier.TEN)]
    assert tab.person.echoMode() == tab.person.EchoMode.PasswordEchoOnEdit  # masked once the field is left

    assert AN.id_number not in caplog.text  # the person asked for is never logged
    [record] = window.app.store.traces()
    assert (record.who, record.reason, record.contacts) == ("screen", CASE_NUMBER, 2)

    admin = window.dialog
    admin.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is admin)
    QTest.keyClick(tab.reason, Qt.Key.Key_F4)  # the guard's language key works inside the dialog too
    qtbot.waitUntil(lambda: rows(tab)[1][7] == "●●● ≥ 15 min (close contact)")
    assert [row[0] for row in rows(tab)] == ["Case", "Contact", "Contact"]
    assert "Contacts: 2" in tab.summary.text() and tab.button.text() == "Trace"


def test_a_busy_hall_lists_the_first_2000_contacts_and_says_there_are_more_not_how_many(qtbot, open_kiosk):
    window = open_kiosk()
    store = window.app.store
    came = scan_case_and_two_visitors(store)
    visitor = next(entry for entry in store.entries() if entry.person_key == store.seal.tag(f"qid:{BINH.qid}"))
    store.add_many(dataclasses.replace(visitor, id=f"visitor-{n}", person_key=f"qid:1789{n:014d}", fields={},
                                       scanned_at=came + timedelta(seconds=1 + n)) for n in range(2005))
    tab = trace_tab(qtbot, window)
    ask(qtbot, window, tab, AN.id_number)
    assert tab.table.model().rowCount() == 1 + 2000
    summary = tab.summary.text()
    assert "Người tiếp xúc: hơn 2000" in summary and "Hơn 2000 người tiếp xúc" in summary
    assert "2001" not in summary and "2007" not in summary


def test_a_window_from_after_to_or_in_the_future_shows_the_catalogues_sentence_and_an_empty_case_number_is_refused(
        qtbot, open_kiosk):
    window = open_kiosk()
    scan_case_and_two_visitors(window.app.store)
    tab = trace_tab(qtbot, window)
    now = datetime.now()
    set_picker(tab.since, now - timedelta(hours=1))
    set_picker(tab.until, now - timedelta(hours=2))
    ask(qtbot, window, tab, AN.id_number)
    assert tab.message.text().startswith("Khoảng thời gian bắt đầu (")
    assert tab.message.text().endswith("hãy đổi chỗ hai mốc.")
    assert tab.table.model().rowCount() == 0
    set_picker(tab.since, now + timedelta(days=1))
    set_picker(tab.until, now + timedelta(days=2))
    ask(qtbot, window, tab, AN.id_number)
    assert tab.message.text().startswith("Khoảng thời gian bắt đầu trong tương lai (")

    tab.reason.setText("   ")
    with qtbot.assertNotEmitted(tab.requested):
        tab.button.click()
    assert tab.message.text() == Message("trace.case-number-missing", longest=100).text("vi")
    assert window.app.store.traces() == []


def test_an_unknown_or_unreadable_person_gets_a_sentence_not_a_traceback(qtbot, open_kiosk):
    window = open_kiosk()
    tab = trace_tab(qtbot, window)
    ask(qtbot, window, tab, "not a person")
    assert "không chỉ ra người nào" in tab.message.text()
    ask(qtbot, window, tab, BINH.id_number)  # never scanned here: an answer, "no visits"
    masked = "•" * 8 + BINH.id_number[-4:]
    assert f"Không có lượt có mặt nào của {masked} từ" in tab.summary.text()
    assert BINH.id_number not in tab.summary.text() and tab.table.model().rowCount() == 0


def test_a_scanner_typing_into_the_trace_fields_reaches_the_door_and_leaves_the_fields_as_they_were(
        qtbot, open_kiosk):
    window = open_kiosk()
    tab = trace_tab(qtbot, window)
    tab.reason.setText(CASE_NUMBER)
    before = tab.since.dateTime()
    for field in (tab.reason, tab.since):
        field.setFocus()
        qtbot.waitUntil(field.hasFocus)
        with qtbot.waitSignal(window.verdict_shown, timeout=5000):
            QTest.keyClicks(field, vnqr_payload(AN))  # the scanner: a burst ...
            QTest.keyClick(field, Qt.Key.Key_Return)  # ... and its Enter
    assert tab.reason.text() == CASE_NUMBER and tab.since.dateTime() == before
    assert window.app.store.traces() == []  # the scanner's Enter started no trace
