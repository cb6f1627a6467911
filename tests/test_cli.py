"""The command line as automation and administrators use it: real processes, real files, real pixels."""

import csv
import dataclasses
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest
import qrcode
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from kiosk.cli import main
from kiosk.credentials.examples import AN, BINH, CUONG, SAMPLE_PAYLOADS, vnqr_payload
from kiosk.credentials.signed_examples import declaration_payload, demo_trust
from kiosk.entry import utc_now
from kiosk.settings import Settings, save_settings
from kiosk.station import Station
from kiosk.store import Store
from kiosk.visit_log import VisitRules

pytestmark = pytest.mark.slow  # runs the kiosk command in subprocesses

ROOT = Path(__file__).resolve().parent.parent
VISITOR = "001099012345|NGUYEN VAN AN|1990-01-31|0|162900000000000001|<1<HS4010000000001<0912345678"
CCCD = "001090012345|012345678|Nguyễn Văn An|31011990|Nam|Phường Láng Hạ, Quận Đống Đa, Hà Nội|15042021"


def kiosk(*args, stdin=None, env_dir=None):
    env = {"PATH": "/usr/bin:/bin", "KIOSK_CONFIG_DIR": str(env_dir / "config"),
           "KIOSK_DATA_DIR": str(env_dir / "data"), "PYTHONPATH": str(ROOT),
           "KIOSK_SECRETS_DIR": os.environ["KIOSK_SECRETS_DIR"]}  # the test's station secret (conftest)
    return subprocess.run([sys.executable, "-m", "kiosk", *args], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=120)


def qr_image(text: str, size: int = 480) -> np.ndarray:
    picture = np.array(qrcode.make(text, box_size=8, border=4).convert("L"))
    picture = cv2.resize(picture, (size, size), interpolation=cv2.INTER_NEAREST)
    canvas = np.full((720, 1280), 200, np.uint8)
    canvas[120:120 + size, 400:400 + size] = picture
    return cv2.cvtColor(canvas, cv2.COLOR_GRAY2BGR)


def test_inspect_json_for_a_national_personal_code(tmp_path):
    done = kiosk("inspect", VISITOR, "--json", env_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert set(result) >= {"format", "valid", "person_key", "display_name", "fields", "reasons"}
    assert (result["format"], result["valid"], result["person_key"]) == ("vn-qr", True, "qid:162900000000000001")
    assert "VAN AN" not in result["display_name"]


def test_inspect_reads_stdin_and_explains_a_refusal(tmp_path):
    done = kiosk("inspect", "-", "--json", "--lang", "en", stdin="https://example.org/menu\n", env_dir=tmp_path)
    result = json.loads(done.stdout)
    assert result["valid"] is False and result["format"] == "url"
    assert "example.org" in result["reasons"][0]


def test_scan_reports_each_code_in_images_and_videos(tmp_path):
    photo = tmp_path / "visitor.png"
    cv2.imwrite(str(photo), qr_image(VISITOR))
    empty = tmp_path / "empty.png"
    cv2.imwrite(str(empty), np.full((720, 1280, 3), 180, np.uint8))
    video = tmp_path / "door.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 15, (1280, 720))
    for text in (CCCD, "https://example.org"):
        for _ in range(10):
            writer.write(qr_image(text))
        for _ in range(5):
            writer.write(np.full((720, 1280, 3), 180, np.uint8))
    writer.release()
    done = kiosk("scan", str(photo), str(empty), str(video), "--json", env_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(line["file"], line["format"], line["verdict"]) for line in lines] == [
        (str(photo), "vn-qr", "admit"), (str(empty), None, None),
        (str(video), "cccd", "admit"), (str(video), "url", "refuse")]
    assert lines[0]["text"] == VISITOR and lines[1]["text"] is None
    assert set(lines[0]) >= {"file", "text", "format", "person_key", "display_name", "verdict", "reasons"}


def test_scan_of_a_missing_or_broken_file_exits_2_and_still_reports_the_others(tmp_path):
    photo = tmp_path / "visitor.png"
    cv2.imwrite(str(photo), qr_image(VISITOR))
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG this is not really an image")
    done = kiosk("scan", str(tmp_path / "missing.png"), str(broken), str(photo), "--json", env_dir=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "missing.png" in done.stderr and "broken.png" in done.stderr
    assert [json.loads(line)["format"] for line in done.stdout.splitlines()] == ["vn-qr"]


def test_a_corrupt_settings_file_is_named_with_its_line(tmp_path):
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.toml").write_text('station_name = "Gate"\ndedup_minutes = "ten"\n', encoding="utf-8")
    done = kiosk("log", env_dir=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "line 2" in done.stderr and "dedup_minutes" in done.stderr


def test_headless_run_logs_each_visitor_once_then_export_and_purge(tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    for n, text in enumerate([VISITOR, CCCD, None, VISITOR]):  # each image is in view for one second
        cv2.imwrite(str(folder / f"{n:02}.png"), qr_image(text) if text else np.full((720, 1280, 3), 90, np.uint8))
    done = kiosk("run", "--source", str(folder), "--headless", env_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 3 and "ADMIT" in lines[0] and "ADMIT" in lines[1]
    assert "REPEAT" in lines[2]  # the first visitor again: already checked in, not logged twice
    logged = kiosk("log", "--json", env_dir=tmp_path)
    assert sorted(json.loads(line)["format"] for line in logged.stdout.splitlines()) == ["cccd", "vn-qr"]
    assert "0912345678" not in logged.stdout
    out = tmp_path / "export.csv"
    exported = kiosk("export", "--csv", str(out), env_dir=tmp_path)
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert len(rows) == 2 and {row["format"] for row in rows} == {"cccd", "vn-qr"}
    assert "2 entries" in exported.stdout
    purged = kiosk("purge", "--days", "0", env_dir=tmp_path)
    assert purged.returncode == 0 and "Deleted 2 entries" in purged.stdout


def test_a_demo_signed_declaration_passes_only_a_run_in_demo_mode(tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    cv2.imwrite(str(folder / "00.png"), qr_image(declaration_payload(AN, utc_now())))
    door = kiosk("run", "--source", str(folder), "--headless", "--lang", "en", env_dir=tmp_path)
    assert door.returncode == 0, door.stderr
    assert "REFUSE" in door.stdout and "signed with the public demo key" in door.stdout
    assert "DEMO" not in door.stderr
    rehearsal = kiosk("run", "--demo", "--source", str(folder), "--headless", "--lang", "en", env_dir=tmp_path)
    assert rehearsal.returncode == 0, rehearsal.stderr
    assert "ADMIT" in rehearsal.stdout and "DEMO MODE — not for a real door" in rehearsal.stderr


def test_inspect_does_not_verify_with_a_demo_key_handed_in_a_trust_file(tmp_path, capsys):
    trust_file = tmp_path / "keys.json"
    trust_file.write_text(json.dumps({"declaration_keys": [key.to_json() for key in demo_trust().declaration_keys]}))
    assert main(["inspect", declaration_payload(AN, utc_now()), "--json", "--trust", str(trust_file)]) == 0
    assert json.loads(capsys.readouterr().out)["signature"] == "unknown-signer"


def test_the_demo_camera_named_on_the_command_line_runs_in_demo_mode(tmp_path):
    done = kiosk("run", "--source", "demo", "--headless", "--frames", "1", env_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "CHẾ ĐỘ THỬ — không dùng tại cửa thật / DEMO MODE — not for a real door" in done.stderr


def test_running_an_unknown_source_says_what_is_allowed(tmp_path):
    done = kiosk("run", "--source", "camera:", "--headless", env_dir=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr and "camera:0" in done.stderr


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(
    st.text(max_size=300),
    st.binary(max_size=300).map(lambda raw: raw.decode("latin-1")),
    st.sampled_from([s.text for s in SAMPLE_PAYLOADS]).flatmap(
        lambda good: st.integers(0, len(good)).map(lambda cut: good[:cut])),
    st.sampled_from([s.text for s in SAMPLE_PAYLOADS]).map(lambda good: good.replace("|", ";")),
    st.just("\u202e" + VISITOR), st.just(VISITOR + "\x00"), st.just("A" * 4096),
))
def test_inspect_never_fails_whatever_is_typed(capsys, text):
    assume(text != "-")  # that one means "read standard input"
    assert main(["inspect", "--json", "--", text]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["valid"] or (result["reasons"] and result["reason_codes"][0])


def hall_with_a_case(env_dir: Path) -> datetime:
    """The kiosk's own database with a morning in its waiting hall, made by real doors: the case (AN, his
    unmasked national QR code) from 3 h to 2 h ago, a visitor (BINH) overlapping him 20 minutes. Returns
    when the case came in."""
    came = (utc_now() - timedelta(hours=3)).replace(microsecond=0)
    now = [came]
    save_settings(Settings(location="Sảnh chờ"), env_dir / "config" / "settings.toml")  # the kiosk's own
    with Store.open(env_dir / "data" / "entries.sqlite3") as store:
        settings = Settings(station_name="Cổng vào", location="Sảnh chờ", dedup_minutes=0)
        entrance = Station(settings, store, clock=lambda: now[0])
        exit_door = Station(settings.replace(station_name="Lối ra", direction="out"), store, clock=lambda: now[0])
        entrance.check_text(vnqr_payload(AN))
        now[0] = came + timedelta(minutes=40)
        entrance.check_text(vnqr_payload(BINH, masked=True))
        now[0] = came + timedelta(hours=1)
        exit_door.check_text(vnqr_payload(AN))
    return came


def test_trace_prints_the_case_and_its_contacts_as_a_table_or_json_lines(tmp_path):
    came = hall_with_a_case(tmp_path)
    table = kiosk("trace", AN.id_number, "--reason", "CA-17", "--lang", "en", env_dir=tmp_path)
    assert table.returncode == 0, table.stderr
    assert "Visits of the case: 1" in table.stdout and "Contacts: 1" in table.stdout
    assert "exit scan" in table.stdout and "≥ 15 min (close contact)" in table.stdout
    assert "TRAN T. B." in table.stdout and BINH.qid not in table.stdout and AN.id_number not in table.stdout
    vietnamese = kiosk("trace", AN.qid, "--reason", "CA-17", "--padding", env_dir=tmp_path)
    assert "Người tiếp xúc: 1" in vietnamese.stdout and "khí dung" in vietnamese.stdout
    lines = [json.loads(line) for line in kiosk("trace", AN.id_number, "--reason", "CA-17", "--json",
                                                 env_dir=tmp_path).stdout.splitlines()]
    case, contact = lines[0]["case"], lines[1]["contact"]
    assert len(lines) == 2 and len(case["keys"]) == 2 and case["contacts"] == 1
    assert case["visits"][0]["start"] == came.isoformat(timespec="seconds")
    assert (contact["minutes"], contact["tier"], contact["location"]) == (20, "15", "Sảnh chờ")
    with Store.open(tmp_path / "data" / "entries.sqlite3") as store:
        assert [record.reason for record in store.traces()] == ["CA-17"] * 3


def test_a_trace_meeting_more_than_it_lists_says_more_than_and_lists_the_first_in_time_order(tmp_path):
    """A busy hall: 2,005 visitors came in one after the other while the case was there (bulk-added copies
    of one real scan); the answer lists the first 2,000 and says there are more, never a number it did not
    count."""
    came = hall_with_a_case(tmp_path)
    with Store.open(tmp_path / "data" / "entries.sqlite3", visit_rules=VisitRules(location="Sảnh chờ")) as store:
        visitor = next(entry for entry in store.entries() if entry.person_key == store.seal.tag(f"qid:{BINH.qid}"))
        store.add_many(dataclasses.replace(visitor, id=f"visitor-{n}", person_key=f"qid:1789{n:014d}", fields={},
                                           scanned_at=came + timedelta(seconds=1 + n))
                       for n in range(2005))
    table = kiosk("trace", AN.id_number, "--reason", "CA-18", "--lang", "en", env_dir=tmp_path)
    assert table.returncode == 0, table.stderr
    assert "Contacts: more than 2000" in table.stdout
    assert "More than 2000 contacts: the first 2000 in time order are listed" in table.stdout
    counts = [line for line in table.stdout.splitlines() if "contact" in line.lower() and "#" not in line]
    assert not any(number in line for line in counts for number in ("2001", "2006"))  # tags are hex: not those
    lines = [json.loads(line) for line in kiosk("trace", AN.id_number, "--reason", "CA-18", "--json",
                                                 env_dir=tmp_path).stdout.splitlines()]
    assert lines[0]["case"]["capped"] and len(lines) == 1 + 2000
    starts = [line["contact"]["from"] for line in lines[1:]]
    assert starts == sorted(starts) and lines[-1]["contact"]["from"] == (
        came + timedelta(seconds=2000)).astimezone().isoformat(timespec="seconds")


def test_trace_of_a_person_never_seen_says_no_visits_and_what_was_searched(tmp_path):
    hall_with_a_case(tmp_path)
    done = kiosk("trace", "079199000001", "--reason", "CA-17", "--lang", "en", env_dir=tmp_path)
    assert done.returncode == 0 and "No visits of ••••••••0001 between" in done.stdout


@pytest.mark.parametrize("window, sentence", [
    (["--from", "2026-03-02T10:00", "--to", "2026-03-02T09:00"], "after it ends"),
    (["--from", "2999-01-01T00:00+07:00", "--to", "2999-01-02T00:00+07:00"], "starts in the future"),
    (["--from", "2001-01-01", "--to", "2001-01-02"], "entries are kept 28 days"),
    (["--from", "yesterday"], "is not a time"),
    (["--min-minutes", "-5"], "is not possible"),
])
def test_a_trace_window_that_cannot_be_answered_gets_its_sentence_and_exit_code_2(tmp_path, window, sentence):
    hall_with_a_case(tmp_path)
    done = kiosk("trace", AN.id_number, "--reason", "CA-17", "--lang", "en", *window, env_dir=tmp_path)
    assert done.returncode == 2 and sentence in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""


def test_visits_close_ends_every_open_visit_now(tmp_path):
    hall_with_a_case(tmp_path)
    with Store.open(tmp_path / "data" / "entries.sqlite3") as store:
        Station(Settings(station_name="Cổng vào", location="Sảnh chờ"), store).check_text(vnqr_payload(CUONG))
    done = kiosk("visits", "close", "--lang", "en", env_dir=tmp_path)
    assert done.returncode == 0 and done.stdout.startswith("1 open visits closed at"), done.stderr
    with Store.open(tmp_path / "data" / "entries.sqlite3") as store:
        [visit] = store.visits_of([store.seal.tag(f"qid:{CUONG.qid}")], utc_now() - timedelta(hours=1), utc_now())
        assert visit.end_reason.value == "operator" and visit.end <= utc_now()
    assert "0 open visits" in kiosk("visits", "close", "--lang", "en", env_dir=tmp_path).stdout


def test_a_headless_exit_door_records_exits_that_end_visits(tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    cv2.imwrite(str(folder / "00.png"), qr_image(VISITOR))
    entered = kiosk("run", "--source", str(folder), "--headless", env_dir=tmp_path)
    left = kiosk("run", "--source", str(folder), "--headless", "--direction", "out", env_dir=tmp_path)
    assert entered.returncode == 0 and left.returncode == 0, left.stderr
    assert " in " in entered.stdout and " out " in left.stdout
    with Store.open(tmp_path / "data" / "entries.sqlite3") as store:
        [visit] = store.visits_of([store.seal.tag("qid:162900000000000001")], utc_now() - timedelta(hours=1), utc_now())
        assert visit.end_reason.value == "exit" and visit.exit_id is not None
    assert not (tmp_path / "config" / "settings.toml").exists() or \
        "direction" not in (tmp_path / "config" / "settings.toml").read_text()  # for one run only
