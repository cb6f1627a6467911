"""The meetings core the kiosk and the server share: a roster names nobody without their code, a badge
verifies offline and a forged or revoked one does not, and a hostile "meetings" part is refused whole."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.credentials.signed import SIGNATURE_INVALID, SIGNATURE_UNKNOWN, SIGNATURE_VALID
from kiosk.meetings import badge_code
from kiosk.meetings.keys import badge_key, id_number_key, phone_key
from kiosk.meetings.plan import MeetingPlan, MeetingPlanError, MomentKind, opening
from kiosk.meetings.roster import Card, close_card, door_tag, event_door_key, open_card
from kiosk.trust import DeclarationKey, TrustList

NOW = datetime(2026, 3, 10, 1, 30, tzinfo=timezone.utc)  # 08:30 in Hanoi
ZONE = timezone(timedelta(hours=7))
KEY = event_door_key(b"\x07" * 32, "3")
AN = Card("0a1b2c3d4e5f6071", "Nguyễn V. A.", "Sở Y tế", "Bàn 4")
SIGNER = Ed25519PrivateKey.generate()
TRUST = TrustList(declaration_keys=(DeclarationKey(b"kid-0001", SIGNER.public_key(), NOW - timedelta(days=1), None),))


def _plan(**event_changes: object) -> dict:
    roster = {door_tag(KEY, "cccd:001099012345"): close_card(KEY, "cccd:001099012345", AN),
              door_tag(KEY, "phone:0912345678"): close_card(KEY, "phone:0912345678", AN)}
    event = {"id": "3", "name": "Hội nghị tổng kết", "key": KEY.hex(), "roster": roster, **event_changes}
    session = {"id": "12", "event": "3", "name": "Phiên toàn thể", "room": "Hội trường A",
               "opens": (NOW - timedelta(minutes=30)).isoformat(), "start": NOW.isoformat(),
               "end": (NOW + timedelta(hours=3)).isoformat()}
    return {"events": [event], "sessions": [session]}


def _badge(name: str = "Nguyễn Văn An", signer: Ed25519PrivateKey = SIGNER, cti: bytes = b"\x01" * 8) -> str:
    return badge_code.encode(badge_code.Badge("3", AN.participant, name), key=signer, kid=b"kid-0001",
                             issuer="VN", issued_at=NOW - timedelta(days=1), expires_at=NOW + timedelta(days=1),
                             cti=cti)


def test_a_participant_is_found_by_id_number_or_phone_and_by_nobody_else() -> None:
    event = MeetingPlan.from_json(_plan()).events["3"]
    assert event.card_for(["qid:162900000000000001", id_number_key("001099012345")]) == AN
    assert event.card_for([phone_key("+84 912 345 678")]) == AN
    assert event.card_for([id_number_key("001099012346"), badge_key(AN.participant)]) is None


def test_a_card_opens_only_with_its_own_person_key_and_names_nobody_in_the_config() -> None:
    closed = close_card(KEY, "cccd:001099012345", AN)
    assert open_card(KEY, "cccd:001099012345", closed) == AN
    assert open_card(KEY, "cccd:001099012346", closed) is None
    assert open_card(event_door_key(b"\x08" * 32, "3"), "cccd:001099012345", closed) is None
    document = str(_plan())
    assert "Nguyễn" not in document and "Sở Y tế" not in document and "001099012345" not in document


def test_the_station_knows_whether_a_session_is_open_coming_or_over_today() -> None:
    plan = MeetingPlan.from_json(_plan())
    assert plan.moment(NOW, ZONE).kind is MomentKind.OPEN
    assert plan.moment(NOW - timedelta(minutes=29), ZONE).kind is MomentKind.OPEN  # the queue before the start
    assert plan.moment(NOW - timedelta(minutes=31), ZONE).kind is MomentKind.NOT_YET
    assert plan.moment(NOW + timedelta(hours=3), ZONE).kind is MomentKind.ENDED
    assert plan.moment(NOW + timedelta(days=1), ZONE).kind is MomentKind.NONE
    assert not MeetingPlan.from_json(None)


@pytest.mark.parametrize("change", [
    {"key": "00" * 16},
    {"not_listed": "admit"},
    {"name": "Hội\u200bnghị"},
    {"roster": {"not-a-tag": "00"}},
    {"roster": {"0" * 32: "zz"}},
    {"id": "3; drop table"},
])
def test_a_hostile_meetings_part_is_refused_whole(change: dict) -> None:
    with pytest.raises(MeetingPlanError):
        MeetingPlan.from_json(_plan(**change))


def test_a_session_that_ends_before_it_starts_is_refused() -> None:
    part = _plan()
    part["sessions"][0]["end"] = (NOW - timedelta(hours=1)).isoformat()
    with pytest.raises(MeetingPlanError):
        MeetingPlan.from_json(part)


def test_a_badge_verifies_offline_and_carries_only_the_name_on_it() -> None:
    checked = badge_code.check(_badge(), TRUST, NOW)
    assert checked.signature == SIGNATURE_VALID and not checked.revoked and not checked.expired
    assert checked.badge == badge_code.Badge("3", AN.participant, "Nguyễn Văn An")


def test_a_forged_unknown_or_revoked_badge_is_not_taken() -> None:
    assert badge_code.check(_badge(signer=Ed25519PrivateKey.generate()), TRUST, NOW).signature == SIGNATURE_INVALID
    assert badge_code.check(_badge(), TrustList(), NOW).signature == SIGNATURE_UNKNOWN
    revoked = TrustList(TRUST.signers, TRUST.declaration_keys, frozenset({b"\x02" * 8}))
    assert badge_code.check(_badge(cti=b"\x02" * 8), revoked, NOW).revoked
    assert badge_code.check(_badge()[:-4], TRUST, NOW).stage is not None


def test_a_station_opens_for_a_session_ahead_of_it_but_not_before_the_previous_one_ends() -> None:
    start, ahead = NOW, timedelta(minutes=30)
    assert opening(start, ahead, []) == NOW - ahead
    assert opening(start, ahead, [(NOW - timedelta(hours=3), NOW - timedelta(minutes=10))]) == NOW - timedelta(minutes=10)
    assert opening(start, ahead, [(NOW - timedelta(hours=3), NOW - timedelta(hours=1))]) == NOW - ahead
    assert opening(start, ahead, [(NOW + timedelta(hours=1), NOW + timedelta(hours=2))]) == NOW - ahead  # a later one


@pytest.mark.parametrize("module", ["kiosk.meetings.keys", "kiosk.meetings.badge_code", "kiosk.meetings.plan",
                                    "kiosk.meetings.roster", "kiosk.credentials.badge", "kiosk.credentials.signed"])
def test_each_shared_module_imports_first_in_a_fresh_process(module: str) -> None:
    """The server imports the shared core without the kiosk's parsers having been loaded first, and the
    badge parser and the core import from each other's packages: every order must work."""
    done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
