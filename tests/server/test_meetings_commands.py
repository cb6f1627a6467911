"""`kiosk-server event / session / participant` as automation calls them, on SQLite and PostgreSQL: the
printed ids, the preview, re-imports that update and never duplicate, and refusals (status 2, one
sentence) that store nothing."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from commands import kiosk_server
from meeting_files import AN, BINH, CUONG, Attendee, generated, participant_csv
from server.meetings import participants as participants_module
from server.meetings.service import (MeetingError, add_event, add_participant, add_session, apply_import,
                                     find_event, local_moment, participants_of, sessions_of, set_event)

pytestmark = pytest.mark.slow  # a kiosk-server process per command


def _event(database_url: str) -> tuple[int, str]:
    name = f"Hội nghị tổng kết {uuid.uuid4().hex[:6]}"
    done = kiosk_server(database_url, "event", "add", name)
    assert done.returncode == 0, done.stderr
    return int(done.stdout), name


def _refused(done) -> str:
    """A refusal: status 2, nothing on stdout, one sentence on stderr (no traceback)."""
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith("kiosk-server: ") and line.endswith(".")
    return line


def test_event_add_prints_only_the_id_and_a_session_at_a_station_only_its_id(database_url, engine, new_station):
    station = new_station()
    done = kiosk_server(database_url, "event", "add", "Tập huấn phòng cháy chữa cháy")
    assert done.returncode == 0 and done.stdout.strip().isdigit() and done.stdout == done.stdout.strip() + "\n"
    event_id = int(done.stdout)

    added = kiosk_server(database_url, "session", "add", "Tập huấn phòng cháy chữa cháy", "Phiên sáng",
                         "--start", "2027-03-02T08:00", "--end", "2027-03-02T11:30", "--station", station.name,
                         "--room", "Hội trường A")

    assert added.returncode == 0, added.stderr
    [session] = sessions_of(engine, event_id)
    assert added.stdout == f"{session.id}\n"
    # Typed without a zone: the server's (Asia/Ho_Chi_Minh, UTC+7); stored in UTC.
    assert (session.name, session.room, session.stations) == ("Phiên sáng", "Hội trường A", (station.name,))
    assert (session.starts_at, session.ends_at) == (datetime(2027, 3, 2, 1, tzinfo=timezone.utc),
                                                    datetime(2027, 3, 2, 4, 30, tzinfo=timezone.utc))
    listed = kiosk_server(database_url, "event", "list")
    assert f"{event_id}\tTập huấn phòng cháy chữa cháy\t1 sessions\t0 participants\t2027-03-02 08:00 – " \
           "2027-03-02 11:30" in listed.stdout.splitlines()


def test_bad_sessions_are_refused_naming_what_is_wrong_and_nothing_is_stored(database_url, engine, new_station):
    hall, other = new_station(), new_station()
    event_id, name = _event(database_url)
    morning = (datetime(2027, 3, 3, 1, tzinfo=timezone.utc), datetime(2027, 3, 3, 4, 30, tzinfo=timezone.utc))
    add_session(engine, event_id, "Phiên sáng", *morning, [hall.name])

    ends_first = _refused(kiosk_server(database_url, "session", "add", name, "Phiên chiều", "--start",
                                       "2027-03-03T17:00", "--end", "2027-03-03T13:30", "--station", hall.name))
    with pytest.raises(MeetingError) as unknown:
        add_session(engine, event_id, "Phiên chiều", *morning, [other.name, "Phòng 404"])
    # A session at 11:15 in the hall would run while the morning's (to 11:30) still does.
    with pytest.raises(MeetingError) as overlapping:
        add_session(engine, event_id, "Phiên trưa", datetime(2027, 3, 3, 4, 15, tzinfo=timezone.utc),
                    datetime(2027, 3, 3, 5, 30, tzinfo=timezone.utc), [other.name, hall.name])
    with pytest.raises(MeetingError) as same_name:
        add_session(engine, event_id, "Phiên sáng", datetime(2027, 3, 4, 1, tzinfo=timezone.utc),
                    datetime(2027, 3, 4, 4, tzinfo=timezone.utc), [other.name])
    with pytest.raises(MeetingError) as not_a_time:
        local_moment("tối nay", "--start", timezone.utc)
    with pytest.raises(MeetingError):  # a time UTC cannot hold: refused, not a traceback
        local_moment("0001-01-01T00:00", "--start", timezone(timedelta(hours=7)))

    assert "ends before it starts" in ends_first
    assert "Phòng 404" in unknown.value.words.en and hall.name in unknown.value.words.en.split("stations are:")[1]
    assert "'Phiên sáng'" in overlapping.value.words.en and hall.name in overlapping.value.words.en
    assert "'Phiên sáng' already" in same_name.value.words.en
    assert "--start" in not_a_time.value.words.en and "--start" in not_a_time.value.words.vi
    assert [s.name for s in sessions_of(engine, event_id)] == ["Phiên sáng"]
    # Back to back in one room: a session at 11:40 is taken; its door opens at 11:30, when the morning ends.
    add_session(engine, event_id, "Phiên trưa", datetime(2027, 3, 3, 4, 40, tzinfo=timezone.utc),
                datetime(2027, 3, 3, 5, 45, tzinfo=timezone.utc), [hall.name])
    assert [s.name for s in sessions_of(engine, event_id)] == ["Phiên sáng", "Phiên trưa"]


def test_an_import_previews_then_imports_and_a_reimport_updates_and_never_duplicates(database_url, engine,
                                                                                    tmp_path):
    event_id, name = _event(database_url)
    first = tmp_path / "danh-sach.csv"
    first.write_bytes(participant_csv([AN, BINH, CUONG]))

    preview = kiosk_server(database_url, "event", "import", name, str(first), "--dry-run")
    assert preview.returncode == 0, preview.stderr
    assert "3 new, 0 updated, 0 unchanged, 0 skipped; 0 listed before and not in the file (kept)." in preview.stdout
    assert "name = 'Họ và tên'" in preview.stdout and "Dry run: nothing was imported" in preview.stdout
    assert participants_of(engine, event_id) == []

    assert kiosk_server(database_url, "event", "import", str(event_id), str(first)).returncode == 0
    before = {p.name: p for p in participants_of(engine, event_id)}
    moved = Attendee(BINH.name, "UBND quận 1", BINH.group, BINH.id_number, BINH.phone)  # same phone: same person
    newcomer = Attendee("Phạm Thị Dung", "Sở Y tế", "", "001188000222", "")
    second = tmp_path / "danh-sach-moi.csv"
    second.write_bytes(participant_csv([newcomer, moved, AN]))  # Cường is not in it
    again = kiosk_server(database_url, "event", "import", name, str(second))

    assert again.returncode == 0, again.stderr
    assert "1 new, 1 updated, 1 unchanged, 0 skipped; 1 listed before and not in the file (kept)." in again.stdout
    after = {p.name: p for p in participants_of(engine, event_id)}
    assert sorted(after) == sorted([AN.name, BINH.name, CUONG.name, newcomer.name])  # nobody twice, nobody gone
    assert after[BINH.name].organisation == "UBND quận 1" and after[BINH.name].id == before[BINH.name].id
    assert after[AN.name] == before[AN.name]
    assert (after[AN.name].id_number_hint, after[AN.name].phone_hint) == ("*********345", "091****678")


def test_a_participant_twice_is_said_and_kept_once(database_url, engine, tmp_path):
    event_id, name = _event(database_url)
    twice = tmp_path / "twice.csv"
    twice.write_bytes(participant_csv([AN, BINH, AN]))

    imported = kiosk_server(database_url, "event", "import", name, str(twice))
    added = kiosk_server(database_url, "participant", "add", name, "--name", "Trần Thị Bình", "--phone",
                         "+84 912 000 111")
    with pytest.raises(MeetingError) as bad_number:
        add_participant(engine, event_id, "Hồ Văn Tư", id_number="00109901234")

    assert imported.returncode == 0, imported.stderr
    assert "2 new" in imported.stdout and "  line 4: " in imported.stdout  # the file's fourth line: An again
    assert "is on the event's list already" in _refused(added)
    assert "9 or 12 digits" in bad_number.value.words.en
    assert sorted(p.name for p in participants_of(engine, event_id)) == [AN.name, BINH.name]


def test_100000_rows_are_refused_whole(database_url, engine, tmp_path):
    event_id, name = _event(database_url)
    huge = tmp_path / "huge.csv"
    huge.write_bytes(participant_csv(generated(100_000)))

    _refused(kiosk_server(database_url, "event", "import", name, str(huge)))

    assert participants_of(engine, event_id) == []


def test_a_file_that_is_no_table_or_has_no_name_column_imports_nothing(database_url, engine, tmp_path):
    event_id, name = _event(database_url)
    no_names = tmp_path / "so-dien-thoai.csv"
    no_names.write_text("Số điện thoại,Đơn vị\r\n0912345678,Sở Y tế\r\n", encoding="utf-8")
    picture = tmp_path / "anh.csv"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)

    _refused(kiosk_server(database_url, "event", "import", name, str(no_names)))
    for unusable in (picture.read_bytes(), b""):
        with pytest.raises(MeetingError):
            apply_import(engine, event_id, unusable, picture.name)
    assert "missing.csv" in _refused(kiosk_server(database_url, "event", "import", name, str(tmp_path / "missing.csv")))
    assert participants_of(engine, event_id) == []


def test_an_import_that_fails_halfway_leaves_nothing_behind(engine, monkeypatch):
    event_id = add_event(engine, f"Hội thảo {uuid.uuid4().hex[:6]}")
    made = []

    def failing_cards(*args):
        if len(made) == 2:
            raise OSError("disk full")
        made.append(args)
        return {}

    monkeypatch.setattr(participants_module, "door_cards", failing_cards)
    with pytest.raises(OSError):
        apply_import(engine, event_id, participant_csv([AN, BINH, CUONG]), "danh-sach.csv")
    assert len(made) == 2 and participants_of(engine, event_id) == []


def test_participants_are_listed_masked_found_without_accents_and_removed(database_url, engine):
    event_id, name = _event(database_url)
    participant = add_participant(engine, event_id, AN.name, AN.organisation, AN.group, AN.id_number, AN.phone)
    add_participant(engine, event_id, CUONG.name, CUONG.organisation, id_number=CUONG.id_number)

    found = kiosk_server(database_url, "participant", "list", name, "--search", "nguyen van")
    assert found.stdout.splitlines() == [f"{participant}\t{AN.name}\t{AN.organisation}\t{AN.group}\t*********345\t"
                                         "091****678\tmanual\t0 badges"]
    assert AN.id_number not in found.stdout + found.stderr and AN.phone not in found.stdout + found.stderr
    assert [p.name for p in participants_of(engine, event_id, "THPT LÊ LỢI")] == [CUONG.name]
    assert [p.name for p in participants_of(engine, event_id, offset=1, limit=5)] == [AN.name]  # by name

    removed = kiosk_server(database_url, "participant", "remove", participant)
    assert removed.returncode == 0, removed.stderr
    assert [p.name for p in participants_of(engine, event_id)] == [CUONG.name]
    assert "No participant" in _refused(kiosk_server(database_url, "participant", "remove", participant))


def test_an_event_is_found_by_id_or_exact_name_and_a_name_is_not_taken_twice(database_url, engine):
    event_id, name = _event(database_url)

    assert find_event(engine, str(event_id)).name == name == find_event(engine, name).name
    for unknown in (name.upper(), "Sự kiện không có", "999999"):
        with pytest.raises(MeetingError):
            find_event(engine, unknown)
    assert "exists already" in _refused(kiosk_server(database_url, "event", "add", name))


def test_event_settings_change_what_the_door_is_told(database_url, engine):
    event_id, name = _event(database_url)

    done = kiosk_server(database_url, "event", "set", name, "--not-listed", "refuse", "--late-after", "15")

    assert done.returncode == 0, done.stderr
    event = find_event(engine, str(event_id))
    assert (event.not_listed, event.outside_hours, event.late_after_minutes) == ("refuse", "warn", 15)
    with pytest.raises(MeetingError):
        set_event(engine, event_id, late_after=-5)
    with pytest.raises(MeetingError):
        set_event(engine, event_id, outside_hours="ignore")
