"""Meeting mode at the room door: what a session adds to a scan's verdict, decided without Qt or a disk.

While the station's meeting plan (kiosk.meetings.plan, from the station config) has sessions today, each
scan is also judged against the session of the moment (`MeetingPlan.moment`):

- open: a participant on the event's list is admitted and named (`meeting.listed`, with the participant's
  random id so the server's report can tell who was who); someone the guard added as a walk-in says so
  (`meeting.walk-in-added`); anyone else is "not on the list" with the event's `not_listed` action;
- before it opens or after the day's last one: entries get the event's `outside_hours` action
  (`meeting.not-open-yet` / `meeting.ended`, the time in the door's zone); exits are always admitted;
- no session today: an ordinary door, except that a badge is refused there (`meeting.badge-no-session`).

A badge counts only at its own event's doors (`meeting.badge-other-event`) and while a session is open.
The finding is combined with the policy's verdict by `combined`: the worst outcome wins, as in the policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Protocol, Sequence

from kiosk.credentials.badge import FORMAT as BADGE
from kiosk.credentials.base import Credential, Refusal
from kiosk.entry import Direction
from kiosk.meetings.keys import phone_key
from kiosk.meetings.plan import MeetingPlan, MomentKind, PlannedSession
from kiosk.meetings.roster import Card
from kiosk.policy import local_time
from kiosk.reasons import Reason
from kiosk.verdict import SEVERITY, Outcome, Verdict
from kiosk.watch_list import person_keys_of

Finding = tuple[Outcome, tuple[Reason, ...]]

LISTED = "meeting.listed"
NOT_LISTED = "meeting.not-listed"
WALK_IN_ADDED = "meeting.walk-in-added"
NOT_OPEN_YET = "meeting.not-open-yet"
ENDED = "meeting.ended"
BADGE_OTHER_EVENT = "meeting.badge-other-event"
BADGE_NO_SESSION = "meeting.badge-no-session"


class KnownWalkIns(Protocol):
    def knows(self, session_id: str, person_keys: Sequence[str]) -> bool: ...


@dataclass(frozen=True)
class MeetingCheck:
    """What meeting mode adds to one scan: findings for the verdict, the participant's card when the
    list names them, and the session someone not on the list could be added to as a walk-in."""

    findings: tuple[Finding, ...]
    card: Card | None = None
    walk_in_session: PlannedSession | None = None


def lookup_keys(credential: Credential) -> tuple[str, ...]:
    """The clear keys a roster may list this person by: the watch list's (the person key, an unmasked ID
    number; a badge's key is its person key) and the phone number the code shows unmasked."""
    keys = list(person_keys_of(credential))
    phone = credential.fields.get("phone")
    if isinstance(phone, str) and not credential.fields.get("phone_masked"):
        key = phone_key(phone)
        if key:
            keys.append(key)
    return tuple(dict.fromkeys(keys))


def session_params(session: PlannedSession) -> dict[str, str]:
    return {"session": session.name, "session_id": session.id}


def meeting_check(plan: MeetingPlan, now: datetime, zone: tzinfo | None, scanned: Credential | Refusal,
                  direction: Direction, walk_ins: KnownWalkIns) -> MeetingCheck | None:
    """What the session of the moment says about `scanned` at a door set to `direction`; None when it has
    nothing to say (no session today, or a code that was refused anyway)."""
    if isinstance(scanned, Refusal):
        return None
    badge = scanned.format == BADGE
    moment = plan.moment(now, zone)
    session = moment.session
    if session is None:
        return MeetingCheck(((Outcome.REFUSE, (Reason(BADGE_NO_SESSION),)),)) if badge else None
    named = session_params(session)
    entering = direction is Direction.IN
    if badge and scanned.fields.get("event") != session.event:
        return MeetingCheck(((Outcome.REFUSE, (Reason(BADGE_OTHER_EVENT, **named),)),))
    if badge and moment.kind is not MomentKind.OPEN and entering:
        return MeetingCheck(((Outcome.REFUSE, (Reason(BADGE_NO_SESSION, **named),)),))
    event = plan.events[session.event]
    keys = lookup_keys(scanned)
    card = event.card_for(keys)
    findings: list[Finding] = []
    if moment.kind is not MomentKind.OPEN:
        hours = (Reason(NOT_OPEN_YET, at=local_time(session.opens, zone), **named)
                 if moment.kind is MomentKind.NOT_YET else Reason(ENDED, at=local_time(session.end, zone), **named))
        findings.append((Outcome(event.outside_hours) if entering else Outcome.ADMIT, (hours,)))
    walk_in_session = None
    if card is not None:
        findings.append((Outcome.ADMIT, (Reason(LISTED, participant=card.participant, **named),)))
    elif walk_ins.knows(session.id, keys):
        findings.append((Outcome.ADMIT, (Reason(WALK_IN_ADDED, **named),)))
    else:
        findings.append((Outcome(event.not_listed) if entering else Outcome.ADMIT, (Reason(NOT_LISTED, **named),)))
        walk_in_session = session if entering else None
    return MeetingCheck(tuple(findings), card, walk_in_session)


def combined(verdict: Verdict, check: MeetingCheck | None) -> Verdict:
    """The policy's verdict with the meeting's findings: the worst outcome wins; at equal severity the
    meeting's reasons come first (the screen shows two), the policy's notes (the demo's) stay last."""
    if check is None:
        return verdict
    ordered = sorted([*check.findings, (verdict.outcome, verdict.reasons)], key=lambda found: -SEVERITY[found[0]])
    return Verdict(ordered[0][0], tuple(reason for _, reasons in ordered for reason in reasons),
                   repeat=verdict.repeat, note=verdict.note)
