"""Health rules: what protects a visitor, which answers warn or refuse, and rules pushed as JSON."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest

from kiosk.credentials.base import Credential
from kiosk.health_rules import HealthRules, HealthRulesError, Question, evaluate
from kiosk.verdict import Outcome

NOW = datetime(2021, 9, 20, 8, 0, tzinfo=timezone.utc)


def certificate(**fields) -> Credential:
    base = {"signature": "valid", "expired": False, "not_yet_valid": False}
    return Credential("dcc", "dcc:1", "N***** V** AN", base | fields, "HC1:...")


def vaccinated(days_ago: int, dose: int = 2, of: int = 2) -> Credential:
    return certificate(certificate_type="vaccination", dose_number=dose, doses_total=of,
                       vaccinated_on=(NOW - timedelta(days=days_ago)).date())


def sampled(hours_ago: int, negative: bool | None = True) -> Credential:
    return certificate(certificate_type="test", test_negative=negative,
                       sampled_at=NOW - timedelta(hours=hours_ago))


def recovered(days_ago: int) -> Credential:
    return certificate(certificate_type="recovery", first_positive_on=(NOW - timedelta(days=days_ago)).date())


@pytest.mark.parametrize("credential, outcome", [
    (vaccinated(20), Outcome.ADMIT),
    (vaccinated(14), Outcome.ADMIT),
    (vaccinated(5), Outcome.WARN),
    (vaccinated(60, dose=1), Outcome.WARN),
    (sampled(10), Outcome.ADMIT),
    (sampled(100), Outcome.WARN),
    (sampled(2, negative=False), Outcome.REFUSE),
    (sampled(2, negative=None), Outcome.WARN),
    (recovered(30), Outcome.ADMIT),
    (recovered(200), Outcome.WARN),
], ids=["vacc-20d", "vacc-14d", "vacc-5d", "one-of-two", "test-10h", "test-100h", "positive", "no-result",
        "recovered-30d", "recovered-200d"])
def test_protection_by_default_rules(credential, outcome):
    assert evaluate(credential, HealthRules(), NOW)[0] is outcome


def test_reasons_name_the_rule_in_plain_words():
    _, [reason] = evaluate(vaccinated(5), HealthRules(), NOW)
    assert reason.code == "health.not_protected"
    assert "14 days" in reason.en and "14 ngày" in reason.vi
    _, [reason] = evaluate(sampled(100), HealthRules(test_max_hours=48), NOW)
    assert "48 hours" in reason.en


def test_station_thresholds_change_the_verdict():
    strict = HealthRules(vaccination_min_days=30, not_protected=Outcome.REFUSE)
    assert evaluate(vaccinated(20), strict, NOW)[0] is Outcome.REFUSE


def test_the_strictest_finding_wins_and_all_reasons_are_kept():
    credential = certificate(certificate_type="vaccination", dose_number=1, doses_total=2,
                             vaccinated_on=date(2021, 9, 1), signature="unknown-signer", expired=True)
    outcome, reasons = evaluate(credential, HealthRules(expired_certificate=Outcome.REFUSE), NOW)
    assert outcome is Outcome.REFUSE
    assert [r.code for r in reasons] == ["health.unknown_signer", "health.certificate_expired",
                                         "health.not_protected"]


def declaration(hours_ago: float, **answers: bool) -> Credential:
    return Credential("hd1", "id:001099012345", "N***** V** AN",
                      {"signature": "valid", "declared_at": NOW - timedelta(hours=hours_ago), "answers": answers},
                      "HD1:...")


def test_declaration_age_and_answers():
    rules = HealthRules(declaration_max_age_hours=12)
    assert evaluate(declaration(2), rules, NOW) == (Outcome.ADMIT, ())
    outcome, [reason] = evaluate(declaration(13), rules, NOW)
    assert outcome is Outcome.REFUSE and reason.en.startswith("Declaration is 13 hours old")
    assert evaluate(declaration(1, con=True), rules, NOW)[0] is Outcome.WARN
    assert evaluate(declaration(1, pos=True), rules, NOW)[0] is Outcome.REFUSE
    assert evaluate(declaration(1, sym=False), rules, NOW)[0] is Outcome.ADMIT


def test_configured_questions_decide_which_answers_matter():
    rules = HealthRules(questions=(Question("trv", "Đi nước ngoài?", "Travelled abroad?", Outcome.REFUSE),))
    outcome, [reason] = evaluate(declaration(1, trv=True, sym=True), rules, NOW)
    assert outcome is Outcome.REFUSE and "Travelled abroad?" in reason.en


def test_other_formats_are_not_judged():
    plain = Credential("vn-qr", "qid:1", "N***** V** AN", {}, "001099012345|...")
    assert evaluate(plain, HealthRules(), NOW) == (Outcome.ADMIT, ())


def test_rules_survive_the_server_push():
    rules = HealthRules(declaration_max_age_hours=6, unknown_signer=Outcome.REFUSE,
                        questions=(Question("trv", "Đi nước ngoài?", "Travelled abroad?"),))
    assert HealthRules.from_json(json.loads(json.dumps(rules.to_json()))) == rules
    assert HealthRules.from_json({"test_max_hours": 24, "newer_setting": 1}).test_max_hours == 24


@pytest.mark.parametrize("data, words", [
    ([], "JSON object"),
    ({"unknown_signer": "shrug"}, "unknown_signer must be admit, warn or refuse"),
    ({"test_max_hours": -1}, "test_max_hours must be a number"),
    ({"questions": [{"id": "x"}]}, "question 1"),
])
def test_bad_rules_are_refused_with_a_plain_message(data, words):
    with pytest.raises(HealthRulesError, match=words):
        HealthRules.from_json(data)


def test_rules_plug_into_the_door_policy():
    from kiosk.entry import Direction
    from kiosk.health_rules import credential_check
    from kiosk.policy import DoorState, Policy
    from kiosk.settings import Settings

    policy = Policy(Settings(), checks=[credential_check(HealthRules())])
    door = DoorState(direction=Direction.IN, now=NOW, inside=0)
    verdict = policy.decide(declaration(30), door)
    assert verdict.outcome is Outcome.REFUSE and verdict.reasons[0].code == "health.declaration_too_old"
    plain = Credential("vn-qr", "qid:1", "NGUYEN V. A.", {}, "001099012345|...")
    assert policy.decide(plain, door).outcome is Outcome.ADMIT
