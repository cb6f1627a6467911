"""What the door says, and in what colour, on the real window (offscreen, real store): the direction on the
verdict, a repeat that says to let the person through, a typed-in entry, a full disk in the screen's
language, counts by person, and an admin screen in one language with every value in words."""

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from kiosk.credentials.examples import AN, BINH, CUONG, cccd_payload, vnqr_payload
from kiosk.door_screen import ADMIT, EXIT, READY_EXIT, REPEAT, WARN
from kiosk.reasons import EXIT_WITHOUT_ENTRY
from kiosk.full_disk import limit_to_current_size, store_on_own_connection
from tests.ui.kiosk_fixtures import door_settings
from tests.ui.test_admin_window import unlock_admin


def scan(qtbot, window, text: str):
    """A scanner's scan; returns its result once the verdict is on screen."""
    with qtbot.waitSignal(window.verdict_shown, timeout=10000) as shown:
        window.handle_scanner_text(text)
    return shown.args[0]


def press(qtbot, widget, key: Qt.Key) -> None:
    """A function key, as the guard presses it on the window in front."""
    widget.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget.window())
    QTest.keyClick(widget, key)


def panel_colour(window) -> str:
    """The colour the guard sees around the verdict (the panel's edge, clear of icon and text)."""
    image = window.panel.grab().toImage()
    return QColor(image.pixel(3, image.height() // 2)).name().upper()


def test_an_exit_has_its_own_look_and_says_when_the_person_never_came_in(qtbot, open_kiosk):
    window = open_kiosk()
    scan(qtbot, window, cccd_payload(AN))
    press(qtbot, window, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: not window.status.entry_mode, timeout=5000)
    left = scan(qtbot, window, vnqr_payload(AN))  # out with the national QR, in with the chip card: linked
    assert window.view.look is EXIT and window.panel.word.text() == "ĐÃ RA"
    assert panel_colour(window) == EXIT.background != ADMIT.background
    assert EXIT_WITHOUT_ENTRY not in left.verdict.reasons
    assert window.panel.reason.text() == "Mã hợp lệ — đã ghi lượt ra"

    never = scan(qtbot, window, vnqr_payload(CUONG))  # nobody saw Cường come in today
    assert window.view.look is EXIT and window.panel.word.text() == "RA — CHƯA VÀO"
    assert window.panel.reason.text() == "Hôm nay người này chưa có lượt vào — lượt ra vẫn được ghi"
    assert EXIT_WITHOUT_ENTRY in window.app.store.get(never.entry.id).reasons  # still logged, and says so


def test_the_ready_screen_of_an_exit_door_says_it_is_the_exit(qtbot, open_kiosk):
    window = open_kiosk(door_settings(direction="out"))
    assert window.panel.word.text() == "CỬA RA" and window.view.look is READY_EXIT
    assert panel_colour(window) == READY_EXIT.background
    press(qtbot, window, Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: window.panel.word.text() == "EXIT", timeout=5000)


def test_a_repeat_says_to_let_the_person_through_in_a_colour_of_its_own(qtbot, open_kiosk):
    window = open_kiosk()
    scan(qtbot, window, vnqr_payload(AN))
    again = scan(qtbot, window, vnqr_payload(AN))
    assert again.verdict.repeat and again.entry is None
    assert window.panel.word.text() == "CHO QUA"
    repeat_colour = panel_colour(window)
    scan(qtbot, window, vnqr_payload(BINH))  # on the watch list
    assert window.panel.word.text() == "KIỂM TRA"
    assert (repeat_colour, panel_colour(window)) == (REPEAT.background, WARN.background)
    assert REPEAT.background != "#FF9100"  # the orange that read as the amber of "check"


def test_an_entry_typed_in_by_the_guard_says_so_rather_than_valid_code(qtbot, open_kiosk):
    window = open_kiosk()
    window.open_manual_entry()
    window.dialog.name.setText("Phạm Thị Hoa")
    window.dialog.phone.setText("0912 345 678")
    with qtbot.waitSignal(window.verdict_shown, timeout=10000):
        window.dialog.buttons.accepted.emit()
    assert window.panel.word.text() == "MỜI VÀO"
    assert window.panel.reason.text() == "Nhập tay, không quét mã — đã ghi lượt vào"


def fill_the_disk(qtbot, open_kiosk, tmp_path):
    """A door whose database cannot grow (SQLITE_FULL), scanned by new people until one is held in memory;
    returns the window and how many people were scanned."""
    store, connection = store_on_own_connection(tmp_path / "entries.sqlite3")
    window = open_kiosk(store=store)
    limit_to_current_size(connection)
    for scanned in range(1, 300):
        if scan(qtbot, window, vnqr_payload(AN, masked=True).replace(AN.qid, f"1629{scanned:014d}")).store_problem:
            return window, scanned
    raise AssertionError("the disk never filled up")


def test_a_full_disk_is_said_in_vietnamese_without_a_path(qtbot, open_kiosk, tmp_path):
    window, _ = fill_the_disk(qtbot, open_kiosk, tmp_path)
    notice = window.panel.notice.text()
    assert notice == "Ổ ĐĨA ĐẦY: 1 lượt đang giữ trong bộ nhớ, không bị mất. Hãy báo quản trị viên."
    assert window.panel.notice.isVisible() and str(tmp_path) not in notice


def test_the_counts_go_on_while_the_disk_is_full(qtbot, open_kiosk, tmp_path):
    window, scanned = fill_the_disk(qtbot, open_kiosk, tmp_path)
    # The one held in memory is inside too: the counts do not freeze while the disk is full.
    qtbot.waitUntil(lambda: window.top.inside.text() == f"Đang ở trong: {scanned}", timeout=5000)
    assert window.top.today.text() == f"Hôm nay: {scanned}"


def test_a_chip_card_then_the_national_qr_of_one_person_counts_one_person(qtbot, open_kiosk):
    window = open_kiosk()
    scan(qtbot, window, cccd_payload(AN))
    scan(qtbot, window, vnqr_payload(AN))  # another code of the same person, which links the two
    qtbot.waitUntil(lambda: window.top.inside.text() == "Đang ở trong: 1", timeout=5000)
    assert window.top.today.text() == "Hôm nay: 1"


def test_the_log_shows_whole_values_in_words_of_the_screens_language(qtbot, open_kiosk):
    window = open_kiosk()
    scan(qtbot, window, vnqr_payload(BINH))  # warned, with a long reason
    window.toggle_direction()
    scan(qtbot, window, vnqr_payload(CUONG))
    admin = unlock_admin(qtbot, window)
    admin.tabs.setCurrentIndex(1)
    table = admin.table
    qtbot.waitUntil(lambda: table.rowCount() == 2, timeout=5000)

    def rows() -> list[list[str]]:
        return [[table.item(row, column).text() for column in range(table.columnCount())]
                for row in range(table.rowCount())]

    scanned_at = window.app.store.entries()[0].scanned_at.astimezone(window.app.zone)
    assert rows()[0][:5] == [f"{scanned_at:%d/%m/%Y %H:%M:%S}", "Ra", "Cho qua", "QR cá nhân (VNeID)", "LE D. C."]
    assert rows()[0][5] == "Hôm nay người này chưa có lượt vào — lượt ra vẫn được ghi"
    assert rows()[1][1:4] == ["Vào", "Kiểm tra", "QR cá nhân (VNeID)"]
    metrics = table.fontMetrics()
    for row in range(table.rowCount()):  # nothing cut: each text fits its column, the reasons their row
        for column in range(table.columnCount() - 1):
            assert metrics.horizontalAdvance(table.item(row, column).text()) < table.columnWidth(column)
        reasons = table.item(row, table.columnCount() - 1).text()
        needed = metrics.boundingRect(0, 0, table.columnWidth(table.columnCount() - 1) - 10, 10_000,
                                      Qt.TextFlag.TextWordWrap, reasons).height()
        assert needed <= table.rowHeight(row)

    press(qtbot, admin, Qt.Key.Key_F4)  # English, with the admin screen open
    qtbot.waitUntil(lambda: rows()[0][1] == "Out", timeout=5000)
    assert rows()[1][1:4] == ["In", "Check", "National QR (VNeID)"]
    header = table.horizontalHeader()
    name_column = 4
    assert table.horizontalHeaderItem(name_column).text() == "Name (masked)"
    assert header.fontMetrics().horizontalAdvance("Name (masked)") < header.sectionSize(name_column)


def test_the_settings_speak_the_screens_language_after_f4(qtbot, open_kiosk):
    window = open_kiosk()
    admin = unlock_admin(qtbot, window)
    form = admin.form

    def label(widget) -> str:
        return form.layout().labelForField(widget).text()

    press(qtbot, admin, Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: label(form.pins.pin) == "New admin PIN (leave empty to keep)", timeout=5000)
    assert label(form.station) == "Station name" and form.capacity.specialValueText() == "no limit"
    press(qtbot, admin, Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: label(form.pins.pin) == "Mã PIN mới (để trống nếu giữ nguyên)", timeout=5000)
    assert label(form.station) == "Tên điểm kiểm soát" and form.capacity.specialValueText() == "không giới hạn"


def test_the_settings_name_each_choice_in_words(qtbot, open_kiosk):
    window = open_kiosk()
    form = unlock_admin(qtbot, window).form
    assert [form.fields[name].currentText() for name in ("language", "direction", "camera_backend")] == \
        ["Tiếng Việt", "Cửa vào", "Tự động"]
    form.fields["direction"].setCurrentIndex(form.fields["direction"].findText("Cửa ra"))
    assert form.settings().direction == "out"
