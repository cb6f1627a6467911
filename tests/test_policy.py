from datetime import timedelta

from factories import T0, make_entry
from kiosk.credentials.base import Credential, Refusal
from kiosk.entry import Direction
from kiosk.policy import DoorState, Policy
from kiosk.reasons import Reason
from kiosk.settings import Settings
from kiosk.verdict import Outcome

VISITOR = Credential(format="vn-qr", person_key="qid:162900000000000001", display_name="NGUYEN V** A*",
                     fields={"id_number": "001099012345"}, raw="...")


def door(**changes):
    state = dict(direction=Direction.IN, now=T0, inside=0, previous=None)
    state.update(changes)
    return DoorState(**state)


def test_a_valid_personal_code_is_admitted():
    verdict = Policy(Settings()).decide(VISITOR, door())
    assert verdict.outcome is Outcome.ADMIT and not verdict.repeat


def test_a_refused_code_keeps_its_specific_reason():
    reason = Reason("other.url", "Đây là đường dẫn web", "This is a web link")
    verdict = Policy(Settings()).decide(Refusal("url", reason, "https://example.org"), door())
    assert verdict.outcome is Outcome.REFUSE and verdict.reasons == (reason,)


def test_the_same_person_again_is_told_when_they_checked_in():
    previous = make_entry(at=T0 - timedelta(minutes=10))
    verdict = Policy(Settings()).decide(VISITOR, door(previous=previous))
    assert verdict.outcome is Outcome.WARN and verdict.repeat
    at = previous.scanned_at.astimezone().strftime("%H:%M")
    assert verdict.reasons[0].en == f"Already checked in at {at} — not logged again"
    assert at in verdict.reasons[0].vi


def test_leaving_twice_says_already_checked_out():
    verdict = Policy(Settings()).decide(VISITOR, door(direction=Direction.OUT, previous=make_entry()))
    assert verdict.reasons[0].code == "policy.already-out"


def test_the_watch_list_matches_person_key_or_id_number():
    for listed in ("qid:162900000000000001", "001099012345"):
        verdict = Policy(Settings(watch_list=(listed,))).decide(VISITOR, door())
        assert verdict.outcome is Outcome.WARN and verdict.reasons[0].code == "policy.watch-list"
    refusing = Policy(Settings(watch_list=("001099012345",), watch_action="refuse"))
    assert refusing.decide(VISITOR, door()).outcome is Outcome.REFUSE


def test_a_masked_id_number_never_matches_the_watch_list():
    masked = Credential("vn-qr", "qid:2", "X", {"id_number": "******012345"}, "...")
    assert Policy(Settings(watch_list=("******012345",))).decide(masked, door()).outcome is Outcome.ADMIT


def test_capacity_refuses_entries_but_never_exits():
    policy = Policy(Settings(capacity=50))
    full = policy.decide(VISITOR, door(inside=50))
    assert full.outcome is Outcome.REFUSE and "50 of 50" in full.reasons[0].en
    assert policy.decide(VISITOR, door(inside=49)).outcome is Outcome.ADMIT
    assert policy.decide(VISITOR, door(inside=50, direction=Direction.OUT)).outcome is Outcome.ADMIT


def test_the_worst_finding_wins_and_every_reason_is_kept():
    note = Reason("vnqr.masked-id", "Số giấy tờ bị che", "ID number is masked")
    visitor = Credential("vn-qr", "qid:3", "X", {}, "...", notes=(note,))
    health = Reason("health.old", "Tờ khai đã quá 3 ngày", "Declaration is 3 days old")
    policy = Policy(Settings(watch_list=("qid:3",), capacity=10),
                    checks=[lambda credential, now: (Outcome.REFUSE, (health,))])
    verdict = policy.decide(visitor, door(inside=1))
    assert verdict.outcome is Outcome.REFUSE
    assert [r.code for r in verdict.reasons] == ["health.old", "policy.watch-list", "vnqr.masked-id"]
