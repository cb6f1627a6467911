"""One uploaded entry, field by field: the declared model (server.wire.WireEntry) refuses exactly what the
kiosk's "rejected" table must explain, in the words of the field and with the code of the problem."""

from __future__ import annotations

import ast
import base64
import dataclasses
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from kiosk.contract import ENTRY_FIELDS, REASON_KEYS, Direction, Outcome, Source
from kiosk.entry import Entry
from kiosk.reasons import Reason
from server.wire import InvalidEntry, Problem, TimeWindow, WireEntry, parse_entry

NOT_A_REASON = "reasons: each reason needs a code and params (or code, vi and en strings)"

NOW = datetime(2026, 3, 1, 2, tzinfo=timezone.utc)
WINDOW = TimeWindow(NOW, retention_days=28)
GOOD = Entry(id="0b6f4c3e-3f0a-4f4e-9a51-2d7e8b0c1a11", scanned_at=NOW, station="Cổng A", direction=Direction.IN,
             source=Source.CAMERA, format="cccd", person_key="qid:162900000000000001", display_name="NGUYEN V** A*",
             fields={"name": "NGUYEN VAN AN"}, verdict=Outcome.ADMIT,
             reasons=(Reason("hint_admit"),)).to_json()
MISSING = object()
MALFORMED, TOO_OLD, IN_FUTURE = Problem.MALFORMED, Problem.TIME_TOO_OLD, Problem.TIME_IN_FUTURE
CASES: list[tuple[str, Any, str, str]] = [
    ("id", MISSING, "id: missing or not a string", MALFORMED),
    ("id", 5, "id: missing or not a string", MALFORMED),
    ("id", "not-a-uuid", "id: 'not-a-uuid' is not a UUID", MALFORMED),
    ("id", "x" * 80, f"id: {'x' * 40!r} is not a UUID", MALFORMED),
    ("scanned_at", MISSING, "scanned_at: missing or not a string", MALFORMED),
    ("scanned_at", 17, "scanned_at: missing or not a string", MALFORMED),
    ("scanned_at", "yesterday", "scanned_at: 'yesterday' is not an ISO 8601 time", MALFORMED),
    ("scanned_at", "2026-03-01T08:00:00", "scanned_at: the time has no time zone", MALFORMED),
    ("scanned_at", "0001-01-01T00:00:00+01:00",
     "scanned_at: '0001-01-01T00:00:00+01:00' is outside the years 1 to 9999 in UTC", TOO_OLD),
    ("scanned_at", "9999-12-31T23:00:00-05:00",
     "scanned_at: '9999-12-31T23:00:00-05:00' is outside the years 1 to 9999 in UTC", IN_FUTURE),
    ("scanned_at", "2126-03-01T08:00:00+00:00", "scanned_at: 2126-03-01T08:00:00+00:00 is more than 1 day ahead "
     "of the server's clock (2026-03-01T02:00:00+00:00)", IN_FUTURE),
    ("scanned_at", "1990-03-01T08:00:00+00:00", "scanned_at: 1990-03-01T08:00:00+00:00 is older than the "
     "retention window (28 days, plus 1 day for clock skew)", TOO_OLD),
    ("station", MISSING, "station: missing, empty or not a string", MALFORMED),
    ("station", "", "station: missing, empty or not a string", MALFORMED),
    ("station", 3, "station: missing, empty or not a string", MALFORMED),
    ("station", None, "station: missing, empty or not a string", MALFORMED),
    ("station", "s" * 101, "station: longer than 100 characters", MALFORMED),
    ("direction", MISSING, "direction: 'None' is not one of in, out", MALFORMED),
    ("direction", "sideways", "direction: 'sideways' is not one of in, out", MALFORMED),
    ("direction", 1, "direction: '1' is not one of in, out", MALFORMED),
    ("direction", "IN", "direction: 'IN' is not one of in, out", MALFORMED),
    ("source", "phone", "source: 'phone' is not one of camera, manual, scanner", MALFORMED),
    ("verdict", MISSING, "verdict: 'None' is not one of admit, refuse, warn", MALFORMED),
    ("verdict", ["admit"], "verdict: \"['admit']\" is not one of admit, refuse, warn", MALFORMED),
    ("format", "", "format: missing, empty or not a string", MALFORMED),
    ("format", MISSING, "format: missing, empty or not a string", MALFORMED),
    ("format", "f" * 65, "format: longer than 64 characters", MALFORMED),
    ("person_key", MISSING, "person_key: missing, empty or not a string", MALFORMED),
    ("person_key", "", "person_key: missing, empty or not a string", MALFORMED),
    ("person_key", 12, "person_key: missing, empty or not a string", MALFORMED),
    ("person_key", "k" * 257, "person_key: longer than 256 characters", MALFORMED),
    ("display_name", None, "display_name: missing, empty or not a string", MALFORMED),
    ("display_name", "d" * 257, "display_name: longer than 256 characters", MALFORMED),
    ("fields", [], "fields: not a JSON object", MALFORMED),
    ("fields", None, "fields: not a JSON object", MALFORMED),
    ("fields", {"big": "x" * 17_000}, "fields: larger than 16384 bytes", MALFORMED),
    ("reasons", {}, "reasons: not a list of at most 32", MALFORMED),
    ("reasons", [{"code": "a", "vi": "b"}], NOT_A_REASON, MALFORMED),
    ("reasons", ["x"], NOT_A_REASON, MALFORMED),
    ("reasons", [{"code": "a", "vi": "b", "en": 3}], NOT_A_REASON, MALFORMED),
]


def changed(entry: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {key: value for key, value in {**entry, **changes}.items() if value is not MISSING}


@pytest.mark.parametrize("name, value, message, code", CASES, ids=lambda v: str(v)[:24])
def test_each_field_is_refused_in_its_own_words(name: str, value: Any, message: str, code: str) -> None:
    with pytest.raises(InvalidEntry) as refused:
        parse_entry(changed(GOOD, **{name: value}), WINDOW)
    assert (str(refused.value), refused.value.code) == (message, code)


def test_of_several_problems_the_first_field_in_wire_order_is_named() -> None:
    with pytest.raises(InvalidEntry, match="^id: missing or not a string$"):
        parse_entry(changed(GOOD, id=None, station=3), WINDOW)
    with pytest.raises(InvalidEntry, match="^verdict: 'bad'"):  # first: it decides whether person_key is needed
        parse_entry(changed(GOOD, verdict="bad", id="bad"), WINDOW)


@pytest.mark.parametrize("person_key", [MISSING, ""])
def test_a_refusal_at_the_door_needs_no_person(person_key: object) -> None:
    entry = parse_entry(changed(GOOD, verdict="refuse", person_key=person_key), WINDOW)
    assert entry.person_key == "" and entry.verdict == "refuse"


def test_a_good_entry_arrives_as_the_kiosk_sent_it() -> None:
    entry = parse_entry(changed(GOOD, reasons=[{"code": "ok", "vi": "Được vào", "en": "Admitted"}]), WINDOW)
    assert str(entry.id) == GOOD["id"] and entry.scanned_at == NOW and entry.scanned_at.tzinfo is timezone.utc
    assert (entry.direction, entry.source, entry.verdict) == ("in", "camera", "admit")
    assert type(entry.direction) is str  # stored as plain text on SQLite and PostgreSQL
    assert entry.fields == GOOD["fields"]  # a kiosk not yet upgraded: its two sentences kept as parameters
    assert entry.reasons == [{"code": "ok", "params": {"vi": "Được vào", "en": "Admitted"}}]
    assert parse_entry(changed(GOOD, display_name=MISSING, fields=MISSING, reasons=MISSING), WINDOW).fields == {}


def test_the_kiosk_writes_what_the_server_reads() -> None:
    assert tuple(GOOD) == ENTRY_FIELDS  # kiosk.entry.Entry.to_json
    assert set(WireEntry.model_fields) == set(ENTRY_FIELDS)
    assert tuple(Reason("hint_admit", time="08:15").to_json()) == REASON_KEYS
    assert [field.name for field in dataclasses.fields(Entry)] == list(ENTRY_FIELDS)


def test_the_server_takes_from_the_kiosk_only_the_contract() -> None:
    """Beyond issuing declarations (server/declarations), the server imports nothing of the kiosk but the
    contract, the shared tracing, sealing and meetings cores (so that a trace reads, a person is tagged and
    sealed, and a participant is listed, the same on both), the message catalogue it words refusals from,
    and the one-line message for a missing extra."""
    server = Path(__file__).resolve().parents[2] / "server"
    imported = set()
    for path in server.rglob("*.py"):
        if "declarations" in path.relative_to(server).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    from_kiosk = {name for name in imported if name.split(".")[0] == "kiosk"}
    shared = {name for name in from_kiosk if name.startswith(("kiosk.tracing.", "kiosk.sealing.", "kiosk.meetings."))}
    assert from_kiosk - shared <= {"kiosk.contract", "kiosk.extras", "kiosk.messages", "kiosk.setting_specs",
                                 "kiosk.atomic_file"}


def test_an_entry_of_the_previous_kiosk_version_has_no_seal_and_keeps_its_clear_fields() -> None:
    old = {key: value for key, value in GOOD.items() if key not in ("linked_key", "sealed", "sealed_kid")}
    entry = parse_entry(old, WINDOW)
    assert (entry.linked_key, entry.sealed, entry.sealed_kid, entry.fields) == ("", b"", "", GOOD["fields"])


def test_a_sealed_entry_arrives_as_its_box_and_key_id() -> None:
    box = bytes(range(256)) * 5
    sealed = changed(GOOD, format="vn-qr", fields={}, linked_key="cccd:001099012345", sealed=base64.b64encode(box).decode(),
                     sealed_kid="3F2A9C01B7D4E655/2026-W49")
    entry = parse_entry(sealed, WINDOW)
    assert (entry.sealed, entry.sealed_kid, entry.linked_key) == (box, "3F2A9C01B7D4E655/2026-W49",
                                                                  "cccd:001099012345")
    upper = changed(sealed, id=GOOD["id"].upper())
    with pytest.raises(InvalidEntry, match="lowercase"):  # the box is bound to the id as the kiosk wrote it
        parse_entry(upper, WINDOW)


def test_a_sealed_box_with_a_character_past_ascii_is_refused_as_not_base64() -> None:
    """A printable letter such as "Ẽ" passes the hidden-character check; base64 decoding must still refuse
    it for this entry alone, not fail the whole batch."""
    sealed = changed(GOOD, fields={}, sealed="Ẽ" * 4, sealed_kid="3F2A9C01B7D4E655/2026-W49")
    with pytest.raises(InvalidEntry) as refused:
        parse_entry(sealed, WINDOW)
    assert (str(refused.value), refused.value.code) == ("sealed: not base64", MALFORMED)


@pytest.mark.parametrize("name, value, message", [
    ("sealed", base64.b64encode(bytes(8193)).decode(), "sealed: larger than 8192 bytes"),
    ("sealed_kid", "3F2A9C01B7D4E655/2026-W4", "sealed_kid: not an authority key id"),
    ("linked_key", "k" * 257, "linked_key: longer than 256 characters"),
])
def test_the_sealed_fields_keep_the_contracts_limits(name: str, value: str, message: str) -> None:
    sealed = changed(GOOD, format="vn-qr", fields={}, sealed=base64.b64encode(b"box").decode(),
                     sealed_kid="3F2A9C01B7D4E655/2026-W49") | {name: value}
    with pytest.raises(InvalidEntry) as refused:
        parse_entry(sealed, WINDOW)
    assert str(refused.value).startswith(message) and refused.value.code == MALFORMED
