"""Health rules for the signed formats: what the station makes of a verified certificate or declaration.

Configured per station and pushed by the server (`HealthRules.from_json` / `to_json`). `evaluate` is
pure: the same credential, rules and clock give the same outcome, with reasons that name the rule in
plain words. Formats other than `dcc` and `hd1` are not health credentials: admitted with no reason.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from kiosk.credentials.base import Credential
from kiosk.errors import KioskError
from kiosk.policy import CredentialCheck
from kiosk.reasons import Reason, inline
from kiosk.verdict import SEVERITY, Outcome


class HealthRulesError(KioskError, ValueError):
    """Health rules that cannot be used, with a message naming the setting."""


@dataclass(frozen=True)
class Question:
    """A yes/no health question on the declaration form; a "yes" leads to `on_yes`."""

    id: str
    vi: str
    en: str
    on_yes: Outcome = Outcome.WARN


DEFAULT_QUESTIONS = (
    Question("sym", "Trong 14 ngày qua, anh/chị có sốt, ho hoặc khó thở không?",
             "In the last 14 days, have you had a fever, a cough or shortness of breath?"),
    Question("con", "Trong 14 ngày qua, anh/chị có tiếp xúc gần với người mắc COVID-19 không?",
             "In the last 14 days, have you been in close contact with someone who has COVID-19?"),
    Question("pos", "Anh/chị đang mắc COVID-19 hoặc đang chờ kết quả xét nghiệm?",
             "Do you have COVID-19 now, or are you waiting for a test result?", Outcome.REFUSE),
)


@dataclass(frozen=True)
class HealthRules:
    declaration_max_age_hours: float = 24.0
    declaration_too_old: Outcome = Outcome.REFUSE
    questions: tuple[Question, ...] = DEFAULT_QUESTIONS
    # EU certificates: protected = complete vaccination older than N days, a negative test younger than
    # N hours, or recovery (first positive test) within N days.
    vaccination_min_days: int = 14
    test_max_hours: int = 72
    recovery_max_days: int = 180
    not_protected: Outcome = Outcome.WARN
    positive_test: Outcome = Outcome.REFUSE
    expired_certificate: Outcome = Outcome.WARN
    unknown_signer: Outcome = Outcome.WARN

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for name, value in data.items():
            if isinstance(value, Outcome):
                data[name] = value.value
        data["questions"] = [{**asdict(q), "on_yes": q.on_yes.value} for q in self.questions]
        return data

    @classmethod
    def from_json(cls, data: Any) -> "HealthRules":
        """Read pushed rules; unknown keys are ignored (a newer server), missing ones keep their default."""
        if not isinstance(data, dict):
            raise HealthRulesError("health rules must be a JSON object")
        values: dict[str, Any] = {}
        for item in fields(cls):
            if item.name not in data:
                continue
            default = getattr(cls, item.name)
            raw = data[item.name]
            if item.name == "questions":
                values[item.name] = _questions(raw)
            elif isinstance(default, Outcome):
                values[item.name] = _outcome(raw, item.name)
            elif isinstance(raw, bool) or not isinstance(raw, (int, float)) or raw < 0:
                raise HealthRulesError(f"health rule {item.name} must be a number of at least 0")
            else:
                values[item.name] = type(default)(raw)
        return cls(**values)


def _outcome(raw: Any, name: str) -> Outcome:
    try:
        return Outcome(raw)
    except ValueError:
        raise HealthRulesError(f"health rule {name} must be admit, warn or refuse, not {raw!r}") from None


def _questions(raw: Any) -> tuple[Question, ...]:
    if not isinstance(raw, list):
        raise HealthRulesError("health rule questions must be a list")
    questions = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in ("id", "vi", "en")):
            raise HealthRulesError(f"health question {index + 1} needs an id and vi/en texts")
        on_yes = _outcome(item.get("on_yes", "warn"), f"questions[{index}].on_yes")
        questions.append(Question(item["id"], item["vi"], item["en"], on_yes))
    return tuple(questions)


def evaluate(credential: Credential, rules: HealthRules, now: datetime) -> tuple[Outcome, tuple[Reason, ...]]:
    """The health verdict for one credential: the strictest outcome of the rules that fired, and why."""
    if credential.format == "dcc":
        findings = _signer(credential, rules) + _certificate_dates(credential, rules) \
            + _protection(credential, rules, now)
    elif credential.format == "hd1":
        findings = _signer(credential, rules) + _declaration_age(credential, rules, now) \
            + _answers(credential, rules)
    else:
        findings = []
    findings = [(outcome, reason) for outcome, reason in findings if outcome is not Outcome.ADMIT]
    if not findings:
        return Outcome.ADMIT, ()
    worst = max((outcome for outcome, _ in findings), key=SEVERITY.__getitem__)
    return worst, tuple(reason for _, reason in findings)


Finding = tuple[Outcome, Reason]

SIGNED_FORMATS = ("dcc", "hd1")


def credential_check(rules: HealthRules) -> CredentialCheck:
    """The rules as a check for `kiosk.policy.Policy(settings, checks=[...])`: silent for plain formats."""
    def check(credential: Credential, now: datetime) -> tuple[Outcome, tuple[Reason, ...]] | None:
        return evaluate(credential, rules, now) if credential.format in SIGNED_FORMATS else None
    return check


def _signer(credential: Credential, rules: HealthRules) -> list[Finding]:
    if credential.fields.get("signature") == "valid":
        return []
    return [(rules.unknown_signer, Reason("health.unknown_signer"))]


def _certificate_dates(credential: Credential, rules: HealthRules) -> list[Finding]:
    if credential.fields.get("expired"):
        return [(rules.expired_certificate, Reason("health.certificate_expired"))]
    if credential.fields.get("not_yet_valid"):
        return [(rules.expired_certificate, Reason("health.certificate_not_yet_valid"))]
    return []


def _protection(credential: Credential, rules: HealthRules, now: datetime) -> list[Finding]:
    f = credential.fields
    kind = f.get("certificate_type")
    if kind == "test" and f.get("test_negative") is False:
        return [(rules.positive_test, Reason("health.test_positive"))]
    if _protected(f, rules, now):
        return []
    why = {
        "vaccination": Reason("health.why.vaccination", days=rules.vaccination_min_days),
        "test": Reason("health.why.test", hours=rules.test_max_hours),
        "recovery": Reason("health.why.recovery", days=rules.recovery_max_days),
    }.get(kind, Reason("health.why.unknown"))
    return [(rules.not_protected, Reason("health.not_protected", why=why))]


def _protected(f: Any, rules: HealthRules, now: datetime) -> bool:
    kind = f.get("certificate_type")
    if kind == "vaccination":
        dose, total, day = f.get("dose_number"), f.get("doses_total"), f.get("vaccinated_on")
        return (dose is not None and total is not None and day is not None and dose >= total
                and (now.date() - day).days >= rules.vaccination_min_days)
    if kind == "test":
        sampled = f.get("sampled_at")
        return bool(f.get("test_negative")) and sampled is not None \
            and timedelta(0) <= now - sampled <= timedelta(hours=rules.test_max_hours)
    if kind == "recovery":
        first = f.get("first_positive_on")
        return first is not None and 0 <= (now.date() - first).days <= rules.recovery_max_days
    return False


def _declaration_age(credential: Credential, rules: HealthRules, now: datetime) -> list[Finding]:
    declared_at = credential.fields.get("declared_at")
    if declared_at is None:
        return []
    age = now - declared_at
    if age <= timedelta(hours=rules.declaration_max_age_hours):
        return []
    hours = age.total_seconds() / 3600
    age_words = Reason("age.days", count=int(hours // 24)) if hours >= 48 else Reason("age.hours", count=int(hours))
    return [(rules.declaration_too_old, Reason(
        "health.declaration_too_old", age=age_words, limit=f"{rules.declaration_max_age_hours:g}"))]


def _answers(credential: Credential, rules: HealthRules) -> list[Finding]:
    answers = credential.fields.get("answers") or {}
    findings = []
    for question in rules.questions:
        if answers.get(question.id) is True and question.on_yes is not Outcome.ADMIT:
            # The question is the admin's own wording, in both languages: it travels as an inline message.
            action = Reason("health.action.warn" if question.on_yes is Outcome.WARN else "health.action.refuse")
            findings.append((question.on_yes, Reason(
                "health.answer", question=inline(f"health.question.{question.id}", question.vi, question.en),
                action=action)))
    return findings
