import dataclasses
from datetime import timedelta, timezone

from factories import T0, make_entry
from kiosk.credentials.base import Credential, Refusal
from kiosk.entry import Direction
from kiosk.policy import DoorState, Policy
from kiosk.reasons import inline
from kiosk.settings import Settings
from kiosk.verdict import Outcome
from kiosk.watch_list import tagged_items

HANOI = timezone(timedelta(hours=7))
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
    reason = inline("other.url", "Đây là đường dẫn web", "This is a web link")
    verdict = Policy(Settings()).decide(Refusal("url", reason, "https://example.org"), door())
    assert verdict.outcome is Outcome.REFUSE and verdict.reasons == (reason,)


def test_the_same_person_again_is_told_when_they_checked_in():
    previous = make_entry(at=T0 - timedelta(minutes=10))  # 01:05 UTC
    verdict = Policy(Settings(), zone=HANOI).decide(VISITOR, door(previous=previous))
    assert verdict.outcome is Outcome.ADMIT and verdict.repeat  # admitted then: let them through again
    assert verdict.reasons[0].en == "Already checked in at 08:05 — not logged again"
    assert "08:05" in verdict.reasons[0].vi


def test_leaving_twice_says_already_checked_out():
    verdict = Policy(Settings()).decide(VISITOR, door(direction=Direction.OUT, previous=make_entry()))
    assert verdict.reasons[0].code == "policy.already-out"


def test_the_watch_list_matches_person_key_or_id_number():
    for listed in ("qid:162900000000000001", "001099012345"):
        verdict = Policy(Settings(watch_list=(listed,))).decide(VISITOR, door())
        assert verdict.outcome is Outcome.WARN and verdict.reasons[0].code == "policy.watch-list"
    refusing = Policy(Settings(watch_list=("001099012345",), watch_action="refuse"))
    assert refusing.decide(VISITOR, door()).outcome is Outcome.REFUSE


def test_a_typed_watch_list_kept_as_tagged_keys_matches_by_tagging_the_scanned_keys():
    key = bytes(range(32))
    stored = tagged_items(("001099012345",), lambda: key)
    assert stored[0].startswith("cccd:#") and "012345" not in stored[0]
    refusing = Policy(Settings(watch_list=stored, watch_action="refuse"), tag_key=lambda: key)
    assert refusing.decide(VISITOR, door()).outcome is Outcome.REFUSE
    # The same settings file at another kiosk (another tag key) names nobody.
    elsewhere = Policy(Settings(watch_list=stored, watch_action="refuse"), tag_key=lambda: bytes(32))
    assert elsewhere.decide(VISITOR, door()).outcome is Outcome.ADMIT


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
    note = inline("vnqr.masked-id", "Số giấy tờ bị che", "ID number is masked")
    visitor = Credential("vn-qr", "qid:3", "X", {}, "...", notes=(note,))
    health = inline("health.old", "Tờ khai đã quá 3 ngày", "Declaration is 3 days old")
    policy = Policy(Settings(watch_list=("qid:3",), capacity=10),
                    checks=[lambda credential, now: (Outcome.REFUSE, (health,))])
    verdict = policy.decide(visitor, door(inside=1))
    assert verdict.outcome is Outcome.REFUSE
    assert [r.code for r in verdict.reasons] == ["health.old", "policy.watch-list", "vnqr.masked-id"]


# A health declaration: the server signed it, but the name and ID number are whatever the visitor typed.
DECLARED = Credential("hd1", "cccd:001099012345", "NGUYEN V. A.",
                      {"id_number": "001099012345", "signature": "valid"}, "HD1:...")
LISTED_ID = "001099012345"


def declared_as(id_number: str) -> Credential:
    return dataclasses.replace(DECLARED, person_key=f"cccd:{id_number}",
                               fields={"id_number": id_number, "signature": "valid"})


def test_a_health_declaration_is_admitted_with_its_identity_named_as_self_declared():
    verdict = Policy(Settings()).decide(DECLARED, door())
    assert verdict.outcome is Outcome.ADMIT
    assert verdict.reasons[0].code == "identity.self_declared"
    assert verdict.reasons[0].en == "Self-declared identity — not checked against an ID document"
    assert verdict.reasons[0].vi == "Danh tính tự khai — chưa đối chiếu giấy tờ"


def test_one_changed_digit_in_a_declaration_does_not_pass_a_watched_door_silently():
    policy = Policy(Settings(watch_list=(LISTED_ID,), watch_action="refuse"))
    changed = policy.decide(declared_as("001099012346"), door())
    assert changed.outcome is Outcome.WARN
    assert changed.reasons[0].code == "identity.check_document"
    assert changed.reasons[0].en == ("Self-declared identity — check an ID document: "
                                     "scan the QR on their ID card")
    assert changed.reasons[0].vi.startswith("Danh tính tự khai — đối chiếu giấy tờ")
    # A code read from the ID card itself is believed: the real number meets the watch list.
    assert policy.decide(VISITOR, door()).outcome is Outcome.REFUSE
    # Leaving needs no clearance.
    leaving = policy.decide(declared_as("001099012346"), door(direction=Direction.OUT))
    assert leaving.outcome is Outcome.ADMIT and leaving.reasons[0].code == "identity.self_declared"


def test_what_a_watched_door_does_with_a_self_declared_identity_is_a_setting():
    for action, outcome, code in (("refuse", Outcome.REFUSE, "identity.check_document"),
                                  ("admit", Outcome.ADMIT, "identity.self_declared")):
        verdict = Policy(Settings(watch_list=(LISTED_ID,), watch_self_declared=action)).decide(
            declared_as("079190012345"), door())
        assert (verdict.outcome, verdict.reasons[0].code) == (outcome, code)


def test_a_watch_list_match_names_how_far_the_identity_can_be_trusted():
    policy = Policy(Settings(watch_list=(LISTED_ID,)))
    guard_typed = Credential("manual", f"cccd:{LISTED_ID}", "N. A.", {"id_number": LISTED_ID}, "manual")
    unknown_signer = Credential("dcc", "dcc:1", "N. A.", {"signature": "unknown-signer"}, "HC1:...")
    matched = {credential.format: policy.decide(credential, door()).reasons[0]
               for credential in (VISITOR, DECLARED, guard_typed)}
    assert {fmt: reason.code for fmt, reason in matched.items()} == dict.fromkeys(matched, "policy.watch-list")
    assert matched["vn-qr"].en == "On the watch list (document-backed, unsigned identity) — call the person in charge"
    assert matched["hd1"].en == "On the watch list (self-declared identity) — call the person in charge"
    assert matched["hd1"].vi == "Có trong danh sách theo dõi (danh tính tự khai) — mời người phụ trách"
    assert matched["manual"].en == "On the watch list (guard-typed identity) — call the person in charge"
    # An EU certificate nobody could verify backs no identity either.
    assert policy.decide(unknown_signer, door()).reasons[0].code == "identity.check_document"


def test_an_id_card_scanned_after_a_declaration_is_the_check_not_a_repeat():
    declared_entry = dataclasses.replace(make_entry(person="cccd:001099012345"), format="hd1",
                                         verdict=Outcome.WARN)
    policy = Policy(Settings(watch_list=(LISTED_ID,)))
    card = Credential("cccd", "cccd:001099012345", "NGUYEN V. A.", {"id_number": LISTED_ID}, "...")
    checked = policy.decide(card, door(previous=declared_entry))
    assert not checked.repeat and checked.reasons[0].code == "policy.watch-list"
    # The declaration again after the card is a repeat as before.
    card_entry = dataclasses.replace(declared_entry, format="cccd")
    assert policy.decide(DECLARED, door(previous=card_entry)).repeat
