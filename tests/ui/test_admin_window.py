"""Behind the admin PIN, languages, first start, and the self-test, on the real window."""

import csv
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from kiosk.admin_pin import verify_pin
from kiosk.door_screen import CameraState
from kiosk.credentials.examples import AN, SAMPLE_PAYLOADS, vnqr_payload
from kiosk.settings import Settings, load_settings
from kiosk.station import Station
from kiosk.station_config import META_SERVER_CONFIG
from kiosk.store import Store
from tests.ui.kiosk_fixtures import PIN, door_settings
from ui.dialogs.admin_dialog import AdminDialog
from ui.dialogs.pin_dialog import PinDialog
from ui.dialogs.setup_dialog import SetupDialog
from ui.selftest import EXPECTED

ROOT = Path(__file__).resolve().parents[2]
URL = next(sample.text for sample in SAMPLE_PAYLOADS if sample.format == "url")


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def enter_pin(dialog: PinDialog, pin: str) -> None:
    dialog.pin.setText(pin)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def unlock_admin(qtbot, window) -> AdminDialog:
    window.open_admin()
    enter_pin(window.dialog, PIN)
    qtbot.waitUntil(lambda: isinstance(window.dialog, AdminDialog))
    return window.dialog


@pytest.mark.slow
def test_five_wrong_pins_lock_the_admin_screen_for_a_minute(qtbot, open_kiosk):
    clock = FakeClock()
    window = open_kiosk(pin_clock=clock)
    window.open_admin()
    dialog = window.dialog
    for _ in range(4):
        enter_pin(dialog, "0000")
    assert "1" in dialog.error.text()  # "Còn 1 lần thử"
    enter_pin(dialog, "0000")
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled() and not dialog.pin.isEnabled()
    assert "Tạm khoá 60 giây" in dialog.error.text()
    dialog.reject()
    window.open_admin()  # a new dialog does not start the count again: even the right PIN waits the minute
    assert window.dialog is not dialog
    dialog = window.dialog
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled() and not dialog.pin.isEnabled() and "Tạm khoá" in dialog.error.text()
    clock.now += 61
    qtbot.waitUntil(ok.isEnabled, timeout=3000)
    enter_pin(dialog, PIN)
    qtbot.waitUntil(lambda: isinstance(window.dialog, AdminDialog))


def test_language_switches_at_run_time_without_restart(qtbot, open_kiosk, tmp_path):
    window = open_kiosk()
    with qtbot.waitSignal(window.verdict_shown, timeout=5000):
        window.handle_scanner_text(URL)
    window.open_manual_entry()
    manual = window.dialog
    assert window.bottom.manual_button.text() == "Nhập tay (F3)"
    assert manual.windowTitle() == "Nhập tay"

    qtbot.mouseClick(window.bottom.language_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.panel.word.text() == "STOP")
    assert "not a personal code" in window.panel.reason.text()
    assert window.top.mode.text().startswith("ENTRY")
    # Qt posts LanguageChange to every window: the widgets follow at the next turn of the event loop.
    qtbot.waitUntil(lambda: window.bottom.manual_button.text() == "Manual entry (F3)")
    assert window.bottom.language_button.text() == "Tiếng Việt (F4)"
    assert manual.windowTitle() == "Manual entry"  # an open dialog follows too
    assert load_settings(tmp_path / "settings.toml").language == "en"  # and the choice is kept

    qtbot.mouseClick(window.bottom.language_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.panel.word.text() == "DỪNG LẠI")
    qtbot.waitUntil(lambda: window.bottom.language_button.text() == "English (F4)")


def test_settings_saved_from_the_admin_screen_apply_at_once(qtbot, open_kiosk, tmp_path):
    window = open_kiosk()
    admin = unlock_admin(qtbot, window)
    form = admin.form
    form.station.setText("Cổng B")
    form.capacity.setValue(80)
    form.pins.pin.setText("97531")
    form.pins.repeat.setText("97531")
    admin.save.click()
    qtbot.waitUntil(lambda: window.top.station.text() == "Cổng B")  # saved and applied on the door thread
    saved = load_settings(tmp_path / "settings.toml")
    assert saved.station_name == "Cổng B" and saved.capacity == 80
    assert verify_pin("97531", saved.admin_pin_hash) and "97531" not in (tmp_path / "settings.toml").read_text()
    assert window.top.station.text() == "Cổng B"
    qtbot.waitUntil(lambda: window.top.inside.text() == "Đang ở trong: 0/80", timeout=5000)


def test_a_mistyped_new_pin_is_refused_and_nothing_is_saved(qtbot, open_kiosk, tmp_path):
    window = open_kiosk()
    admin = unlock_admin(qtbot, window)
    admin.form.pins.pin.setText("97531")
    admin.form.pins.repeat.setText("97532")
    admin.save.click()
    assert "không giống nhau" in admin.settings_message.text()
    assert not (tmp_path / "settings.toml").exists()


def test_a_closing_time_that_is_not_a_time_is_refused_and_nothing_is_saved(qtbot, open_kiosk, tmp_path):
    window = open_kiosk()
    admin = unlock_admin(qtbot, window)
    admin.form.fields["closing_time"].setText("22h")
    admin.save.click()
    assert admin.settings_message.text().startswith("Giờ đóng cửa (HH:MM): expected a time of day")
    assert not (tmp_path / "settings.toml").exists()


def test_the_log_shows_masked_names_and_the_export_is_audited(qtbot, open_kiosk, tmp_path):
    window = open_kiosk()
    with qtbot.waitSignal(window.verdict_shown, timeout=5000):
        window.handle_scanner_text(vnqr_payload(AN))
    admin = unlock_admin(qtbot, window)
    admin.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: admin.table.rowCount() == 1, timeout=5000)
    row = [admin.table.item(0, column).text() for column in range(admin.table.columnCount())]
    assert "NGUYEN V. A." in row and "NGUYEN VAN AN" not in " ".join(row)

    target = tmp_path / "log.csv"
    admin.export_path.setText(str(target))
    with qtbot.waitSignal(window.exported, timeout=5000):
        admin.export.click()
    with open(target, encoding="utf-8-sig") as exported:
        assert len(list(csv.DictReader(exported))) == 1
    assert [record.path for record in window.app.store.exports()] == [str(target)]
    qtbot.waitUntil(lambda: "1" in admin.data_message.text())


def test_the_purge_keeps_to_the_retention_the_server_pushed(qtbot, open_kiosk, tmp_path):
    store = Store.open(tmp_path / "entries.sqlite3")
    store.set_meta(META_SERVER_CONFIG, json.dumps({"settings": {"retention_days": 7}}))
    window = open_kiosk(store=store)  # the station's own retention: 28 days
    qtbot.waitUntil(lambda: window.camera is CameraState.RUNNING, timeout=5000)
    ten_days_ago = datetime.now(timezone.utc) - timedelta(days=10)
    Station(door_settings(), store, clock=lambda: ten_days_ago).check_text(vnqr_payload(AN))
    admin = unlock_admin(qtbot, window)
    assert "7" in admin.purge.text() and admin.form.fields["retention_days"].value() == 28
    with qtbot.waitSignal(window.purged, timeout=5000) as purged:
        admin.purge.click()
    assert purged.args == [1] and store.entries() == []


def test_first_start_asks_for_name_pin_and_camera(qtbot):
    dialog = SetupDialog(Settings())
    qtbot.addWidget(dialog)
    dialog.finish()
    assert "Đặt tên" in dialog.error.text() and dialog.result_settings is None
    dialog.station.setText("Cổng A")
    dialog.pins.pin.setText("1357")
    dialog.pins.repeat.setText("1357")
    dialog.camera.setCurrentText("camera:1")
    dialog.finish()
    chosen = dialog.result_settings
    assert chosen.configured and chosen.camera == "camera:1" and verify_pin("1357", chosen.admin_pin_hash)


@pytest.mark.slow
def test_selftest_shows_every_state_and_saves_screenshots(tmp_path):
    done = subprocess.run([sys.executable, "-m", "ui", "selftest", "--out", str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(path.stem for path in tmp_path.glob("*.png")) == sorted(EXPECTED)
    assert all(path.stat().st_size > 5000 for path in tmp_path.glob("*.png"))


def test_closing_the_kiosk_asks_for_the_pin_instead(qtbot, open_kiosk):
    window = open_kiosk(kiosk_mode=True)
    assert window.isFullScreen()
    window.close()  # Alt+F4
    assert window.isVisible()
    assert isinstance(window.dialog, PinDialog)
    enter_pin(window.dialog, PIN)
    qtbot.waitUntil(lambda: isinstance(window.dialog, AdminDialog))
    window.dialog.leave.click()
    assert not window.isFullScreen()


def test_purge_deletes_entries_older_than_the_retention(qtbot, open_kiosk, tmp_path):
    store = Store.open(tmp_path / "entries.sqlite3")
    window = open_kiosk(store=store)
    qtbot.waitUntil(lambda: window.camera is CameraState.RUNNING, timeout=5000)  # its hourly purge ran
    month_ago = datetime.now(timezone.utc) - timedelta(days=40)
    Station(door_settings(), store, clock=lambda: month_ago).check_text(vnqr_payload(AN))
    admin = unlock_admin(qtbot, window)
    with qtbot.waitSignal(window.purged, timeout=5000) as purged:
        admin.purge.click()
    assert purged.args == [1]
    assert store.entries() == []
    qtbot.waitUntil(lambda: "1" in admin.data_message.text())


@pytest.mark.slow
def test_selftest_fails_when_a_state_never_appears(tmp_path):
    done = subprocess.run([sys.executable, "-m", "ui", "selftest", "--out", str(tmp_path), "--timeout", "1"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 1
    assert "MISSING camera-disconnected" in done.stdout and "selftest failed" in done.stdout


def test_an_empty_camera_field_at_first_start_is_the_first_camera_and_the_demo_is_not_offered(qtbot):
    dialog = SetupDialog(Settings())
    qtbot.addWidget(dialog)
    assert "demo" not in [dialog.camera.itemText(index) for index in range(dialog.camera.count())]
    dialog.station.setText("Cổng A")
    dialog.pins.pin.setText("1357")
    dialog.pins.repeat.setText("1357")
    dialog.camera.setCurrentText("")
    dialog.finish()
    assert dialog.result_settings.camera == "camera:0" and not dialog.result_settings.demo_mode
