"""The sealing core: what the authority can open, what nobody else can, and what a changed key set is."""

from __future__ import annotations

import json
import os
import re
from datetime import datetime, timedelta, timezone

import pytest

from kiosk.contract import SEALED_KID_PATTERN
from kiosk.sealing import authority, boxes, kept, seal, tags, weeks

DAY = datetime(2026, 12, 2, 9, 30, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def authority_key() -> authority.AuthorityPrivateKey:
    return authority.generate_private_key("2026-W49")


@pytest.fixture(scope="module")
def key_set(authority_key: authority.AuthorityPrivateKey) -> authority.AuthorityKeySet:
    return authority.AuthorityKeySet.from_json(json.loads(json.dumps(authority_key.key_set(DAY).to_json())))


def _content() -> dict:
    return kept.sealed_content("cccd", "cccd:001099012345", "", {
        "name": "Trần Thị Mơ", "id_number": "001099012345", "address": "12 Ngõ Huế, Hà Nội",
        "extra": ["Trần Văn Bố", "Lê Thị Mẹ"]})


def test_the_authority_opens_what_a_door_sealed_and_the_family_members_were_dropped(authority_key, key_set):
    sealed = seal.seal_entry(_content(), key_set, DAY, "entry-1")
    opened = seal.open_entry(sealed, authority_key, "entry-1")
    assert opened["person_key"] == "cccd:001099012345"
    assert opened["fields"]["name"] == "Trần Thị Mơ"
    assert "extra" not in opened["fields"]
    assert "Trần Thị Mơ".encode() not in sealed.box and b"001099012345" not in sealed.box


def test_a_sealed_box_moved_to_another_entry_does_not_open(authority_key, key_set):
    sealed = seal.seal_entry(_content(), key_set, DAY, "entry-1")
    with pytest.raises(seal.UnsealError):
        seal.open_entry(sealed, authority_key, "entry-2")


def test_another_authority_key_opens_nothing(key_set):
    sealed = seal.seal_entry(_content(), key_set, DAY, "entry-1")
    with pytest.raises(seal.UnsealError):
        seal.open_entry(sealed, authority.generate_private_key(), "entry-1")


def test_each_week_has_its_own_key_older_entries_take_the_first_and_past_the_set_nothing_seals(
        authority_key, key_set):
    this_week = seal.seal_entry(_content(), key_set, DAY, "e")
    next_week = seal.seal_entry(_content(), key_set, DAY + timedelta(days=7), "e")
    assert this_week.kid.endswith("/2026-W49") and next_week.kid.endswith("/2026-W50")
    older = seal.seal_entry(_content(), key_set, DAY - timedelta(days=30), "e")
    assert older.kid.endswith("/2026-W49") and seal.open_entry(older, authority_key, "e")["fields"]
    assert seal.seal_entry(_content(), key_set, key_set.last_day + timedelta(hours=1), "e") is None


def test_a_forgotten_week_opens_for_no_one_and_the_weeks_after_it_still_do(authority_key, key_set):
    this_week = seal.seal_entry(_content(), key_set, DAY, "e")
    next_week = seal.seal_entry(_content(), key_set, DAY + timedelta(days=7), "e")
    later = authority.AuthorityPrivateKey.from_json(authority_key.forgetting("2026-W50").to_json())
    assert later.first_week == "2026-W50" and later.seed != authority_key.seed
    assert seal.open_entry(next_week, later, "e")["person_key"] == "cccd:001099012345"
    with pytest.raises(seal.UnsealError):
        seal.open_entry(this_week, later, "e")
    with pytest.raises(authority.AuthorityKeyError, match="2026-W49"):
        later.week_private("2026-W49")


def test_a_changed_key_set_is_refused(authority_key):
    document = authority_key.key_set(DAY).to_json()
    document["weeks"][1]["public"] = document["weeks"][0]["public"]
    with pytest.raises(authority.AuthorityKeyError, match="signature"):
        authority.AuthorityKeySet.from_json(document)


def test_a_key_set_signed_by_a_substitute_key_names_another_fingerprint(authority_key, key_set):
    substitute = authority.generate_private_key().key_set(DAY)
    assert authority.AuthorityKeySet.from_json(substitute.to_json()).fingerprint != key_set.fingerprint


def test_the_fingerprint_is_32_hex_digits_and_a_sealed_entrys_kid_names_the_key_by_its_first_16(
        authority_key, key_set):
    shown = key_set.fingerprint
    assert re.fullmatch(r"[0-9A-F]{4}( [0-9A-F]{4}){7}", shown) and authority_key.fingerprint == shown
    assert key_set.key_id == authority_key.key_id == shown.replace(" ", "")[:16]
    sealed = seal.seal_entry({"name": "Trần Thị Mơ"}, key_set, DAY, "entry-1")
    assert re.fullmatch(SEALED_KID_PATTERN, sealed.kid) and sealed.kid.startswith(key_set.key_id + "/")
    assert seal.open_entry(sealed, authority_key, "entry-1") == {"name": "Trần Thị Mơ"}


def test_the_private_key_file_is_owner_only_and_never_overwritten(tmp_path, authority_key):
    path = tmp_path / "authority.key"
    authority.write_private_key(authority_key, path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert authority.read_private_key(path).fingerprint == authority_key.fingerprint
    with pytest.raises(FileExistsError):
        authority.write_private_key(authority.generate_private_key(), path)


def test_tags_match_the_same_person_only_under_the_same_key():
    key, other = os.urandom(32), os.urandom(32)
    assert tags.person_tag(key, "cccd:001099012345") == tags.person_tag(key, "cccd:001099012345")
    assert tags.person_tag(key, "cccd:001099012345") != tags.person_tag(key, "cccd:001099012346")
    assert tags.person_tag(key, "cccd:001099012345") != tags.person_tag(other, "cccd:001099012345")
    week_key = tags.watch_week_key(key, "2026-W49")
    assert tags.watch_tag(week_key, "cccd:1") != tags.person_tag(week_key, "cccd:1")
    assert week_key != tags.watch_week_key(key, "2026-W50")


def test_a_watch_note_opens_only_for_the_person_it_is_about():
    week_key = os.urandom(32)
    note = tags.seal_note(week_key, "cccd:001099012345", "ca bệnh xác nhận")
    assert tags.open_note(week_key, "cccd:001099012345", note) == "ca bệnh xác nhận"
    assert tags.open_note(week_key, "cccd:001099012346", note) is None


def test_a_box_opens_only_with_its_key_for_its_entry():
    key = os.urandom(32)
    box = boxes.close_box(key, b"cccd:001099012345", "entry-1")
    assert boxes.open_box(key, box, "entry-1") == b"cccd:001099012345"
    for wrong_key, entry in ((os.urandom(32), "entry-1"), (key, "entry-2")):
        with pytest.raises(boxes.BoxError):
            boxes.open_box(wrong_key, box, entry)


def test_weeks_run_monday_to_monday_in_utc():
    assert weeks.week_of(datetime(2026, 12, 6, 23, 59, tzinfo=timezone.utc)) == "2026-W49"
    assert weeks.week_of(datetime(2026, 12, 7, 0, 0, tzinfo=timezone.utc)) == "2026-W50"
    assert weeks.week_start("2027-W01") == datetime(2027, 1, 4, tzinfo=timezone.utc)
    assert weeks.weeks_between(DAY, DAY + timedelta(days=14)) == ("2026-W49", "2026-W50", "2026-W51")
