"""The room door on the real window (offscreen): the stored station config names a session open now; a
badge read by the camera from a video's pixels, the participant's organisation and seat under the name,
the amber "not on the list", and the walk-in added from the admin dialog behind the PIN."""

import json
from datetime import timedelta

from PySide6.QtWidgets import QLabel

from kiosk.credentials.examples import CUONG, vnqr_payload
from kiosk.door_screen import ScreenState
from kiosk.entry import Source, utc_now
from kiosk.station_config import META_SERVER_CONFIG
from kiosk.store import Store
from kiosk.verdict import Outcome
from tests.meeting_config import AN_LISTED, badge, document_open_at
from tests.ui.kiosk_fixtures import door_settings
from tests.ui.test_admin_window import unlock_admin
from ui.selftest import make_clip


def visible_texts(window) -> str:
    return " | ".join(label.text() for label in window.findChildren(QLabel) if label.isVisible())


def meeting_store(tmp_path) -> Store:
    store = Store.open(tmp_path / "entries.sqlite3")
    store.set_meta(META_SERVER_CONFIG, json.dumps(document_open_at(utc_now())))
    return store


def test_a_badge_seen_by_the_camera_shows_the_participants_organisation_and_seat(qtbot, tmp_path, open_kiosk):
    printed = badge(AN_LISTED, expires_at=utc_now() + timedelta(days=1))
    clip = make_clip(tmp_path / "badge.mp4", [(None, 0.3), (printed, 0.6), (None, 0.3)])
    window = open_kiosk(door_settings(watch_list=()), camera=clip, realtime=False, store=meeting_store(tmp_path))
    seen = []
    window.verdict_shown.connect(lambda result: seen.append((result, visible_texts(window))))
    qtbot.waitUntil(lambda: len(seen) == 1, timeout=15000)
    result, texts = seen[0]
    assert result.verdict.outcome is Outcome.ADMIT and result.entry.source is Source.CAMERA
    assert window.panel.word.text() == "MỜI VÀO"
    assert window.panel.name.text() == "Nguyễn V. A."
    assert window.panel.details.isVisible() and window.panel.details.text() == "Sở Y tế Hà Nội · Bàn 4 · Ghế 12"
    assert window.panel.details.font().pixelSize() >= 0.04 * window.height()  # legible at two metres
    assert "Có trong danh sách — Phiên toàn thể" in texts and "Nguyễn Văn An" not in texts
    qtbot.waitUntil(lambda: window.top.inside.text() == "Trong phòng: 1", timeout=5000)  # counted after the verdict


def test_not_on_the_list_is_amber_and_the_guard_adds_the_walk_in_behind_the_pin(qtbot, tmp_path, open_kiosk):
    window = open_kiosk(door_settings(watch_list=()), store=meeting_store(tmp_path))
    qtbot.waitUntil(lambda: window.panel.meeting.isVisible(), timeout=5000)
    assert window.panel.meeting.text().startswith("Phiên toàn thể — Hội trường A · ")
    with qtbot.waitSignal(window.verdict_shown, timeout=5000):
        window.handle_scanner_text(vnqr_payload(CUONG))
    assert window.view.look.name == "warn" and window.view.state is ScreenState.VERDICT
    assert window.panel.word.text() == "KHÔNG CÓ TÊN"
    assert window.panel.reason.text() == "Không có trong danh sách đại biểu của Phiên toàn thể"
    assert not window.panel.details.isVisible()

    dialog = unlock_admin(qtbot, window)
    assert dialog.walk_in.text() == "Thêm người vừa quét vào danh sách (khách vãng lai)"
    with qtbot.waitSignal(window.verdict_shown, timeout=5000) as added:
        dialog.walk_in.click()
    assert added.args[0].verdict.reasons[0].code == "meeting.walk-in-added"
    qtbot.waitUntil(lambda: dialog.walk_in_message.text() != "", timeout=5000)
    assert dialog.walk_in_message.text() == "Đã thêm người vừa quét vào phiên, là khách vãng lai."
    assert window.panel.word.text() == "MỜI VÀO"
    assert "Khách vãng lai, đã được thêm vào Phiên toàn thể" in window.panel.reason.text()
    dialog.walk_in.click()  # nobody left to add
    qtbot.waitUntil(lambda: dialog.walk_in_message.text().startswith("Không có ai để thêm"), timeout=5000)
