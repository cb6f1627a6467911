"""The door screen as a guard sees it: real window (offscreen), real video, real store."""

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel

from kiosk.credentials.examples import AN, BINH, SAMPLE_PAYLOADS, vnqr_payload
from kiosk.credentials.signed_examples import declaration_payload
from kiosk.door_screen import CameraState, ScreenState
from kiosk.entry import Source, utc_now
from kiosk.settings import Settings
from kiosk.station_config import META_SERVER_CONFIG
from kiosk.store import Store
from kiosk.verdict import Outcome
from tests.ui.kiosk_fixtures import door_settings
from tests.watch_config import watch_part
from ui.selftest import make_clip

URL = next(sample.text for sample in SAMPLE_PAYLOADS if sample.format == "url")


def visible_texts(window) -> str:
    return " | ".join(label.text() for label in window.findChildren(QLabel) if label.isVisible())


def test_a_video_with_known_codes_puts_the_right_verdicts_on_screen(qtbot, tmp_path, open_kiosk):
    clip = make_clip(tmp_path / "codes.mp4", [(None, 0.3), (vnqr_payload(AN), 0.5), (None, 0.3),
                                              (vnqr_payload(BINH), 0.5), (None, 0.3), (URL, 0.5), (None, 0.3)])
    window = open_kiosk(camera=clip, realtime=False)
    seen = []
    window.rendered.connect(lambda view: view.state is ScreenState.VERDICT and seen.append(
        (view.look.name, window.panel.word.text(), window.panel.name.text(), visible_texts(window))))
    # The last verdict is drawn again when the clip ends and its preview goes: the first three are the scans.
    qtbot.waitUntil(lambda: len(seen) >= 3, timeout=15000)
    scans = seen[:3]
    assert [(look, word, name) for look, word, name, _ in scans] == [
        ("admit", "MỜI VÀO", "NGUYEN V. A."), ("warn", "KIỂM TRA", "TRAN T. B."), ("refuse", "DỪNG LẠI", "")]
    assert "danh sách theo dõi" in scans[1][3]
    assert "không phải mã cá nhân" in scans[2][3]
    assert all("NGUYEN VAN AN" not in texts and AN.id_number not in texts for *_, texts in scans)
    # The clip ends: the camera is gone, and the screen says so once the verdict's time is up.
    qtbot.waitUntil(lambda: window.camera is CameraState.DISCONNECTED, timeout=10000)
    assert window.app.store.entries(limit=10)[0].source is Source.CAMERA


def test_the_status_bar_shows_the_cameras_visits_read_and_time_to_verdict(qtbot, tmp_path, open_kiosk):
    clip = make_clip(tmp_path / "visit.mp4", [(None, 0.3), (vnqr_payload(AN), 0.6), (None, 5.0)])
    window = open_kiosk(camera=clip)     # played at its frame rate, as a camera gives it
    shown = window.bottom.camera
    qtbot.waitUntil(lambda: "1/1" in shown.text(), timeout=10000)
    assert shown.text().startswith("Camera: đọc 1/1 lượt · trung vị ")
    assert shown.text().endswith(" ms") and shown.isVisible()


def test_the_verdict_is_legible_at_two_metres(qtbot, open_kiosk):
    window = open_kiosk()
    window.resize(1920, 1080)
    with qtbot.waitSignal(window.verdict_shown, timeout=5000):
        window.handle_scanner_text(URL)
    assert window.panel.word.font().pixelSize() >= 0.05 * window.height()
    assert window.panel.reason.font().pixelSize() >= 0.05 * window.height()


def test_a_scan_returns_to_ready_by_itself(qtbot, open_kiosk):
    window = open_kiosk(door_settings(reset_seconds=1.0))
    qtbot.waitUntil(lambda: window.camera is CameraState.RUNNING, timeout=5000)
    with qtbot.waitSignal(window.verdict_shown, timeout=5000):
        window.handle_scanner_text(vnqr_payload(AN))
    assert window.panel.word.text() == "MỜI VÀO"
    qtbot.waitUntil(lambda: window.panel.word.text() == "SẴN SÀNG", timeout=3000)


def test_scanner_input_reaches_the_door_while_a_dialog_has_focus(qtbot, open_kiosk):
    window = open_kiosk()
    window.open_manual_entry()
    dialog = window.dialog
    qtbot.waitUntil(dialog.isVisible)
    dialog.activateWindow()
    dialog.name.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.name)
    QTest.keyClicks(dialog.name, "Ngu", Qt.KeyboardModifier.NoModifier, 120)  # a person typing
    qtbot.waitUntil(lambda: dialog.name.text() == "Ngu")
    with qtbot.waitSignal(window.verdict_shown, timeout=5000) as shown:
        QTest.keyClicks(dialog.name, vnqr_payload(AN))  # the scanner: a burst ...
        QTest.keyClick(dialog.name, Qt.Key.Key_Return)  # ... ended by Enter
    result = shown.args[0]
    assert result.verdict.outcome is Outcome.ADMIT and result.entry.source is Source.SCANNER
    assert dialog.name.text() == "Ngu"  # the person's typing stays, the scan does not
    assert dialog.isVisible()  # the scanner's Enter did not submit the half-filled form
    assert window.panel.word.text() == "MỜI VÀO"


def test_text_mangled_by_telex_tells_the_guard_to_switch_the_input_method_off(qtbot, open_kiosk):
    window = open_kiosk()
    target = QApplication.focusWidget() or window
    mangled = "HC1:NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH-R6IÔ6"  # Telex turned "OO" into "Ô"
    QTest.keyClicks(target, mangled)
    QTest.keyClick(target, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.panel.word.text() == "LỖI MÁY QUÉT", timeout=3000)
    assert "Telex" in window.panel.reason.text()
    assert window.app.store.entries(limit=5) == []


def test_manual_entry_is_logged_with_source_manual(qtbot, open_kiosk):
    window = open_kiosk()
    window.open_manual_entry()
    dialog = window.dialog
    dialog.name.setText("Phạm Thị Hoa")
    dialog.phone.setText("0912 345 678")
    with qtbot.waitSignal(window.verdict_shown, timeout=5000) as shown:
        dialog.buttons.accepted.emit()
    assert shown.args[0].entry.source is Source.MANUAL
    assert window.panel.name.text() == "Phạm T. H."
    assert window.dialog is None  # closed and gone


def test_manual_entry_names_the_field_to_correct(qtbot, open_kiosk):
    window = open_kiosk()
    window.open_manual_entry()
    dialog = window.dialog
    dialog.name.setText("Phạm Thị Hoa")
    dialog.phone.setText("123")
    dialog.buttons.accepted.emit()
    assert dialog.isVisible() and "điện thoại" in dialog.error.text()


def test_entry_exit_mode_switches_with_one_click(qtbot, open_kiosk):
    window = open_kiosk()
    assert window.top.mode.text().startswith("CHẾ ĐỘ VÀO")
    qtbot.mouseClick(window.top.mode, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.top.mode.text().startswith("CHẾ ĐỘ RA"))
    with qtbot.waitSignal(window.verdict_shown, timeout=5000) as shown:
        window.handle_scanner_text(vnqr_payload(AN))
    assert shown.args[0].entry.direction.value == "out"
    assert window.panel.word.text() == "RA — CHƯA VÀO"  # an exit, of someone not seen coming in


def test_the_status_line_shows_counts_capacity_and_station(qtbot, open_kiosk):
    window = open_kiosk(door_settings(capacity=50, location="Sảnh chính"))
    with qtbot.waitSignal(window.verdict_shown, timeout=5000):
        window.handle_scanner_text(vnqr_payload(AN))
    qtbot.waitUntil(lambda: window.top.inside.text() == "Đang ở trong: 1/50", timeout=5000)
    assert window.top.today.text() == "Hôm nay: 1"
    assert window.top.station.text() == "Cổng A — Sảnh chính"
    assert window.bottom.sync.text() == "Chưa cài máy chủ"
    qtbot.waitUntil(lambda: window.bottom.camera.text() == "Camera: đang chạy", timeout=5000)


def test_digits_typed_by_the_admin_reach_a_number_field(qtbot, open_kiosk):
    window = open_kiosk()
    window.open_admin()
    window.dialog.pin.setText("2468")
    window.dialog.try_pin()
    qtbot.waitUntil(lambda: window.dialog is not None and hasattr(window.dialog, "form"))
    capacity = window.dialog.form.capacity
    window.dialog.activateWindow()
    capacity.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is capacity)
    capacity.selectAll()
    QTest.keyClicks(capacity, "75", Qt.KeyboardModifier.NoModifier, 120)
    qtbot.waitUntil(lambda: capacity.value() == 75)  # typed keys arrive once they are known not to be a scan


def test_choosing_another_camera_does_not_flash_camera_lost(qtbot, open_kiosk):
    window = open_kiosk()
    qtbot.waitUntil(lambda: window.camera is CameraState.RUNNING, timeout=5000)
    states = []
    window.rendered.connect(lambda view: states.append(window.camera))
    window.stop_camera()
    window.start_camera()
    qtbot.waitUntil(lambda: window.camera is CameraState.RUNNING, timeout=5000)
    assert CameraState.DISCONNECTED not in states


@pytest.mark.parametrize("camera", (Settings().camera, "demo"))
def test_a_scanner_at_a_door_without_demo_mode_does_not_admit_a_demo_signed_declaration(
        qtbot, open_kiosk, camera):
    window = open_kiosk(door_settings(camera=camera))
    qtbot.waitUntil(lambda: window.camera is CameraState.RUNNING, timeout=5000)
    with qtbot.waitSignal(window.verdict_shown, timeout=5000) as shown:
        window.handle_scanner_text(declaration_payload(AN, utc_now()))
    assert shown.args[0].verdict.outcome is Outcome.REFUSE
    assert window.panel.word.text() == "DỪNG LẠI" and not window.panel.banner.isVisible()


def test_demo_mode_admits_the_demo_samples_under_a_visible_demo_stripe(qtbot, open_kiosk):
    window = open_kiosk(door_settings(demo_mode=True, watch_list=()))
    qtbot.waitUntil(lambda: window.camera is CameraState.RUNNING, timeout=5000)
    assert window.panel.banner.isVisible()
    with qtbot.waitSignal(window.verdict_shown, timeout=5000) as shown:
        window.handle_scanner_text(declaration_payload(AN, utc_now()))
    assert shown.args[0].verdict.outcome is Outcome.ADMIT
    assert window.panel.word.text() == "MỜI VÀO"
    assert window.panel.banner.isVisible() and window.panel.banner.text() == "CHẾ ĐỘ THỬ — không dùng tại cửa thật"


def test_settings_pushed_by_the_server_reach_the_window(qtbot, open_kiosk, tmp_path):
    store = Store.open(tmp_path / "entries.sqlite3")
    store.set_meta(META_SERVER_CONFIG, json.dumps(
        {"settings": {"reset_seconds": 1.0, "language": "en", "sound": False}}))
    window = open_kiosk(store=store)  # the station's own: 30 s, Vietnamese, sound on
    qtbot.waitUntil(lambda: window.panel.word.text() == "READY")
    qtbot.waitUntil(lambda: window.bottom.manual_button.text() == "Manual entry (F3)")
    assert not window.sounds.enabled
    with qtbot.waitSignal(window.verdict_shown, timeout=5000):
        window.handle_scanner_text(vnqr_payload(AN))
    assert window.panel.word.text() == "GO IN"
    qtbot.waitUntil(lambda: window.panel.word.text() == "READY", timeout=3000)  # the pushed 1 s


def test_the_watch_lists_note_is_shown_with_the_verdict_of_that_scan(qtbot, open_kiosk, tmp_path):
    note = "Ca bệnh xác nhận — mời sang phòng khám"
    store = Store.open(tmp_path / "entries.sqlite3")
    listed = {f"cccd:{AN.id_number}": ("refuse", note)}
    store.set_meta(META_SERVER_CONFIG, json.dumps({"watch": watch_part(utc_now(), listed)}))
    window = open_kiosk(store=store)
    with qtbot.waitSignal(window.verdict_shown, timeout=5000):
        window.handle_scanner_text(vnqr_payload(AN))
    assert window.panel.word.text() == "DỪNG LẠI"
    assert window.panel.watch_note.isVisible() and window.panel.watch_note.text() == note
    assert note not in window.panel.reason.text()
    with qtbot.waitSignal(window.verdict_shown, timeout=5000):
        window.handle_scanner_text(URL)
    assert not window.panel.watch_note.isVisible()


def test_the_status_bar_says_what_the_health_authoritys_key_needs_in_the_screens_language(qtbot, open_kiosk):
    window = open_kiosk()
    notice = window.bottom.authority
    qtbot.waitUntil(lambda: notice.isVisible())
    assert notice.text() == "Chưa có khóa của cơ quan y tế: dữ liệu được niêm phong tại máy cho đến khi có khóa"
    window.toggle_language()
    qtbot.waitUntil(lambda: notice.text() == ("No health authority key yet: entries are kept sealed on this kiosk "
                                              "until one arrives"))
    assert notice.isVisible() and notice.text() in visible_texts(window)
