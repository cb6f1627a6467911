"""A door without a screen: the signal per verdict (a real command, a plain file as the "line"), the
status line, and `kiosk run --headless` syncing, reloading and purging like the window."""

import json
import logging
import queue
import re
import shlex
import subprocess
import os
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import cv2
import numpy as np
import pytest
import qrcode

from kiosk.credentials.examples import AN, vnqr_payload
from kiosk.authority_pin import NO_KEY
from kiosk.door_app import DoorApp, StatusLine
from kiosk.door_app.signal import command_line
from kiosk.door_screen import CameraState
from kiosk.entry import Direction
from kiosk.settings import SettingsError, load_settings, save_settings
from kiosk.station import Station
from kiosk.station_config import META_SERVER_CONFIG
from kiosk.store import Store
from tests.ui.kiosk_fixtures import door_settings

ROOT = Path(__file__).resolve().parent.parent
URL = "https://example.org/menu"
# Appends its arguments as one line to the file named first; waits for a release file if one is named.
RECORDER = ("import sys, os, time\n"
            "release = os.environ.get('RELEASE')\n"
            "while release and not os.path.exists(release): time.sleep(0.01)\n"
            "open(sys.argv[1], 'a').write(' '.join(sys.argv[2:]) + '\\n')\n")


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "entries.sqlite3") as opened:
        yield opened


def door(store: Store, **changes) -> DoorApp:
    app = DoorApp(door_settings(**changes), store, post=queue.SimpleQueue().put)
    app.start()
    return app


def test_the_verdict_command_gets_the_look_and_direction_of_each_verdict(store, tmp_path):
    out = tmp_path / "signals.txt"
    app = door(store, verdict_command=shlex.join([sys.executable, "-c", RECORDER, str(out), "{look}",
                                                  "direction={direction}"]))
    app.scanner_text(vnqr_payload(AN))
    app.scanner_text(URL)
    app.toggle_direction()
    app.scanner_text(vnqr_payload(AN))
    app.signal.wait_until_sent()
    assert out.read_text().splitlines() == ["admit direction=in", "refuse direction=in", "admit direction=out"]
    app.close()


def test_a_command_without_placeholders_gets_look_and_direction_appended():
    assert command_line(("beep", "-f", "440"), "warn", Direction.OUT) == ["beep", "-f", "440", "warn", "out"]


def test_a_slow_command_never_holds_the_door_up(store, tmp_path, monkeypatch):
    out, release = tmp_path / "signals.txt", tmp_path / "release"
    monkeypatch.setenv("RELEASE", str(release))
    app = door(store, verdict_command=shlex.join([sys.executable, "-c", RECORDER, str(out)]))
    app.scanner_text(vnqr_payload(AN))  # returns while the command still waits for its release
    assert len(store.entries()) == 1 and not out.exists()
    release.touch()
    app.signal.wait_until_sent()
    assert out.read_text() == "admit in\n"
    app.close()


def test_a_command_that_hangs_is_stopped_and_a_missing_one_logged_without_the_visitor(store, tmp_path, caplog):
    hang = door(store, verdict_command=shlex.join([sys.executable, "-c", "import time; time.sleep(60)"]),
                verdict_command_timeout=0.2)
    missing = door(store, verdict_command=str(tmp_path / "no-such-buzzer"))
    with caplog.at_level(logging.ERROR):
        hang.scanner_text(vnqr_payload(AN))
        missing.scanner_text(vnqr_payload(AN))
        hang.signal.wait_until_sent()
        missing.signal.wait_until_sent()
    assert "stopped after 0.2 s" in caplog.text and "no-such-buzzer cannot run" in caplog.text
    assert AN.given_name not in caplog.text and AN.qid not in caplog.text


def test_the_line_opens_when_the_screen_says_let_through_and_not_otherwise(store, tmp_path):
    line = tmp_path / "gpio17-value"
    app = door(store, verdict_line=str(line))
    app.scanner_text(vnqr_payload(AN))
    app.signal.wait_until_sent()
    assert line.read_bytes() == b"1"
    app.scanner_text(URL)
    app.signal.wait_until_sent()
    assert line.read_bytes() == b"0"
    app.scanner_text(vnqr_payload(AN))  # already in: the screen says "let through", so the line opens too
    app.signal.wait_until_sent()
    assert line.read_bytes() == b"1"


def test_a_command_line_that_cannot_be_split_is_named_in_the_settings_file(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text('verdict_command = "beep \'unclosed"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match="line 1.*not a command line"):
        load_settings(path)


def test_the_status_line_is_written_on_change_and_every_few_minutes(store):
    lines: list[str] = []
    clock = [0.0]
    status = StatusLine(lines.append, every_seconds=600, monotonic=lambda: clock[0])
    app = DoorApp(door_settings(capacity=50), store, post=queue.SimpleQueue().put)
    app.subscribe(status)
    app.start()
    app.camera_changed(CameraState.RUNNING)
    app.scanner_text(vnqr_payload(AN))
    status.due()
    clock[0] += 600
    status.due()
    assert lines[0].startswith("status: ") and "camera=running" in lines[0]
    assert lines[-1] == ("status: screen=verdict camera=running sync=not_configured waiting=1 held=0 "
                         "today=1 inside=1/50")
    assert len(lines) == 2
    assert not any("NGUYEN" in line or AN.qid in line for line in lines)


def qr_image(text: str) -> np.ndarray:
    picture = np.array(qrcode.make(text, box_size=8, border=4).convert("L"))
    picture = cv2.resize(picture, (480, 480), interpolation=cv2.INTER_NEAREST)
    canvas = np.full((720, 1280), 200, np.uint8)
    canvas[120:600, 400:880] = picture
    return cv2.cvtColor(canvas, cv2.COLOR_GRAY2BGR)


def test_the_headless_door_signals_syncs_and_purges_with_the_pushed_retention(tmp_path, closed_port):
    frames = tmp_path / "frames"
    frames.mkdir()
    cv2.imwrite(str(frames / "00.png"), qr_image(vnqr_payload(AN)))
    out, config, database = tmp_path / "signals.txt", tmp_path / "settings.toml", tmp_path / "entries.sqlite3"
    save_settings(door_settings(database=str(database), server_url=f"http://127.0.0.1:{closed_port}",
                                server_token="door-a", watch_list=(),
                                verdict_command=shlex.join([sys.executable, "-c", RECORDER, str(out)])), config)
    with Store.open(database) as store:
        store.set_meta(META_SERVER_CONFIG, json.dumps({"settings": {"retention_days": 7}}))
        then = datetime.now(timezone.utc) - timedelta(days=10)
        Station(door_settings(), store, clock=lambda: then).check_text(URL)
    done = subprocess.run([sys.executable, "-m", "kiosk", "run", "--headless", "--source", str(frames),
                           "--config", str(config)], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT),
                               "KIOSK_SECRETS_DIR": os.environ["KIOSK_SECRETS_DIR"]})
    assert done.returncode == 0, done.stderr
    assert "ADMIT" in done.stdout and out.read_text() == "admit in\n"
    status = [line for line in done.stderr.splitlines() if line.startswith("kiosk: status: ")]
    assert status[0].startswith("kiosk: status: screen=ready camera=starting")
    # The server could not be reached: the door synced (and keeps the entry queued) like the window's.
    # No health authority key yet: the line says so, in the door's language, for the guard to pass on.
    # The camera's one visit was read: the line says so, and how long the code waited for its verdict.
    assert re.search(r"camera=disconnected sync=offline waiting=1 held=0 today=1 inside=1 "
                     r"visits_read=100% verdict_ms=\d+ — ", status[-1]), status[-1]
    assert status[-1].endswith(NO_KEY.vi)
    with Store.open(database) as store:
        assert [entry.format for entry in store.entries()] == ["vn-qr"]  # the 10-day-old entry is gone


def test_the_window_command_is_named_by_the_qt_free_command_line(tmp_path):
    done = subprocess.run([sys.executable, "-m", "kiosk", "run"], capture_output=True, text=True, cwd=ROOT,
                          timeout=60, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT),
                                           "KIOSK_CONFIG_DIR": str(tmp_path)})
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "--headless" in done.stderr and "python -m ui run" in done.stderr


@pytest.fixture
def closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_kiosk_console_command_runs_the_headless_door_without_loading_qt(tmp_path):
    script = ("import sys\nfrom ui.cli import main\n"
              "code = main(['run', '--headless', '--source', 'demo', '--frames', '1'])\n"
              "sys.exit(code or ('PySide6' in sys.modules and 'Qt was loaded'))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT),
                               "KIOSK_CONFIG_DIR": str(tmp_path / "config"), "KIOSK_DATA_DIR": str(tmp_path),
                               "KIOSK_SECRETS_DIR": os.environ["KIOSK_SECRETS_DIR"]})
    assert done.returncode == 0, done.stderr
