"""The watch list by tags: the server's list matches the right person in its week only, its notes open only
for that person, a station config carries no number in clear, and the kiosk's typed list never reaches the
settings file in clear."""

import json
import logging
from datetime import datetime, timedelta, timezone

import pytest

from kiosk.credentials.examples import AN, BINH, vnqr_payload
from kiosk.sealing.authority import generate_private_key
from kiosk.sealing.weeks import week_of
from kiosk.settings import Settings, load_settings, save_changes, save_settings
from kiosk.station import Station
from kiosk.station_config import META_SERVER_CONFIG, StationConfig, StationConfigError, load_station_config
from kiosk.store import Store
from kiosk.verdict import Outcome
from kiosk.watch_list import WatchList, edited_items, shown_items
from tests.watch_config import watch_part

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=timezone.utc)  # a Wednesday of 2026-W49
NEXT_WEEK = NOW + timedelta(days=7)
IN_THREE_WEEKS = NOW + timedelta(days=21)
AN_KEY = f"cccd:{AN.id_number}"
NOTE = "Ca bệnh xác nhận ngày 30/11 — mời vào phòng cách ly"


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "entries.sqlite3") as opened:
        yield opened


def door_at(store, document, moment, settings=None):
    store.set_meta(META_SERVER_CONFIG, json.dumps(document))
    return Station(settings or Settings(station_name="Cổng A"), store, clock=lambda: moment,
                   config=load_station_config(store))


def test_a_watch_entry_matches_the_right_person_in_its_week_and_not_in_another(store):
    # The server lists An's ID number; his national QR code names it (unmasked) next to his QID.
    document = {"watch": watch_part(NOW, {AN_KEY: ("refuse", "")})}
    door = door_at(store, document, NOW)
    refused = door.check_text(vnqr_payload(AN))
    assert refused.verdict.outcome is Outcome.REFUSE and refused.verdict.reasons[0].code == "policy.watch-list"
    assert door.check_text(vnqr_payload(BINH)).verdict.outcome is Outcome.ADMIT
    # The masked view of the same code names no ID number: nothing to match it by.
    assert door.check_text(vnqr_payload(AN, masked=True)).verdict.outcome is Outcome.ADMIT
    # Next week the entry made with next week's key matches; three weeks on the station holds no key
    # for that week (it has this week's and the next only) and matches no one.
    assert door_at(store, document, NEXT_WEEK).check_text(vnqr_payload(AN)).verdict.outcome is Outcome.REFUSE
    assert door_at(store, document, IN_THREE_WEEKS).check_text(vnqr_payload(AN)).verdict.outcome is Outcome.ADMIT


def test_an_entry_tagged_for_one_week_does_not_match_in_the_next():
    part = watch_part(NOW, {AN_KEY: ("warn", "")})
    this_week = week_of(NOW)
    part["entries"] = [entry for entry in part["entries"] if entry["week"] == this_week]
    watch = WatchList.from_json(part)
    assert watch.match([AN_KEY], NOW).action is Outcome.WARN
    assert watch.match([AN_KEY], NEXT_WEEK) is None


def test_a_note_opens_only_for_the_person_it_is_about():
    part = watch_part(NOW, {AN_KEY: ("warn", NOTE), f"cccd:{BINH.id_number}": ("refuse", "")})
    watch = WatchList.from_json(part)
    assert watch.match([f"qid:{AN.qid}", AN_KEY], NOW).note == NOTE
    binh = watch.match([f"cccd:{BINH.id_number}"], NOW)
    assert binh.action is Outcome.REFUSE and binh.note == ""
    # An's sealed note moved under Bình's tag (a server's mistake, or a forged list) does not open for Bình.
    binh_entry = next(entry for entry in part["entries"] if entry["action"] == "refuse")
    an_entry = next(entry for entry in part["entries"]
                    if entry["action"] == "warn" and entry["week"] == binh_entry["week"])
    binh_entry["note"] = an_entry["note"]
    assert WatchList.from_json(part).match([f"cccd:{BINH.id_number}"], NOW).note == ""


def test_a_station_config_holds_no_person_key_in_clear(store):
    """What a stolen station token downloads: tags, week keys, sealed notes, the authority's public keys."""
    key_set = generate_private_key().key_set(NOW, 4)
    document = {"settings": {"dedup_minutes": 5},
                "watch": watch_part(NOW, {AN_KEY: ("warn", NOTE), f"qid:{BINH.qid}": ("refuse", "")}),
                "authority": key_set.to_json()}
    text = json.dumps(document, ensure_ascii=False)
    for secret in (AN.id_number, BINH.qid, "Ca bệnh", "cccd:", "qid:"):
        assert secret not in text
    config = StationConfig.from_document(json.loads(text))
    assert len(config.watch.entries) == 4 and set(config.watch.week_keys) == {"2026-W49", "2026-W50"}
    assert config.watch.match([f"qid:{BINH.qid}"], NOW).action is Outcome.REFUSE


def test_an_older_servers_watch_list_in_clear_is_refused_with_a_log_line(store, caplog):
    document = {"settings": {"capacity": 30},
                "watch_list": [{"person_key": AN_KEY, "action": "refuse", "note": NOTE}]}
    with caplog.at_level(logging.ERROR, logger="kiosk.station_config"):
        door = door_at(store, document, NOW)
    assert door.settings.capacity == 30  # the rest of the config applies
    assert door.check_text(vnqr_payload(AN)).verdict.outcome is Outcome.ADMIT
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "old watch list" in logged and AN.id_number not in logged and NOTE not in logged


def test_a_watch_part_that_cannot_be_read_is_named_without_its_tags():
    part = watch_part(NOW, {AN_KEY: ("warn", "")})
    part["entries"][1]["action"] = "call-the-police"
    with pytest.raises(StationConfigError, match="watch list entry 2 is not usable") as refused:
        StationConfig.from_document({"watch": part})
    assert part["entries"][1]["tag"] not in str(refused.value)


# --- the kiosk's own typed list -----------------------------------------------------------------------------

def test_the_settings_file_never_holds_a_typed_id_number_in_clear(tmp_path, store):
    path = tmp_path / "settings.toml"
    # A file written by an older version: the typed number in clear.
    path.write_text(f'station_name = "Cổng A"\nwatch_list = ["{AN.id_number}", "qid:{BINH.qid}"]\n'
                    'watch_action = "refuse"\n', encoding="utf-8")
    loaded = load_settings(path)
    on_disk = path.read_text(encoding="utf-8")
    assert AN.id_number not in on_disk and BINH.qid not in on_disk  # rewritten as soon as it is read
    assert all(item.split(":")[1].startswith("#") for item in loaded.watch_list)
    door = Station(loaded, store, clock=lambda: NOW)
    assert door.check_text(vnqr_payload(AN)).verdict.outcome is Outcome.REFUSE
    assert door.check_text(vnqr_payload(BINH)).verdict.outcome is Outcome.REFUSE
    # An item typed in the admin form is tagged when the form's settings are saved, the others kept.
    typed = loaded.replace(watch_list=(*loaded.watch_list, "048203009876"))
    save_changes(loaded, typed, path)
    on_disk = path.read_text(encoding="utf-8")
    assert "048203009876" not in on_disk and AN.id_number not in on_disk
    again = load_settings(path)
    assert len(again.watch_list) == 3 and again.watch_list[:2] == loaded.watch_list
    save_settings(again, path)
    assert load_settings(path) == again


def test_the_form_shows_typed_items_masked_and_gives_back_what_they_stand_for(tmp_path):
    path = tmp_path / "settings.toml"
    save_settings(Settings(watch_list=(AN.id_number,)), path)
    stored = load_settings(path).watch_list
    shown = shown_items(stored)
    assert shown[0].startswith("cccd:#") and len(shown[0]) == len("cccd:#") + 8
    assert edited_items([*shown, " 079185001234 "], stored) == (*stored, "079185001234")
    assert shown_items(["079185001234"]) == ("cccd:••••••••1234",)
