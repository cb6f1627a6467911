"""The admission policy: from a parsed code and the state of the door to admit / warn / refuse.

Pure functions of their inputs, so every rule is tested without a database, a camera or a window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Mapping, Sequence

from kiosk.credentials.base import Credential, Refusal
from kiosk.entry import Direction, Entry
from kiosk.reasons import Reason
from kiosk.settings import Settings
from kiosk.verdict import SEVERITY, Outcome, Verdict

# A check on the credential itself (e.g. the health rules for signed formats): None when it has nothing to say.
CredentialCheck = Callable[[Credential, datetime], "tuple[Outcome, tuple[Reason, ...]] | None"]


@dataclass(frozen=True)
class DoorState:
    """What the policy needs to know about the door at the moment of a scan."""

    direction: Direction
    now: datetime
    inside: int
    # The same person's latest entry in the same direction within the de-duplication window.
    previous: Entry | None = None


def local_time(moment: datetime) -> str:
    return moment.astimezone().strftime("%H:%M")


class Policy:
    def __init__(self, settings: Settings, checks: Sequence[CredentialCheck] = (),
                 watch: Mapping[str, Outcome] | None = None) -> None:
        """`watch` adds person keys or ID numbers (casefolded) with their own action to the settings' list."""
        self._settings = settings
        local_action = Outcome(settings.watch_action)
        self._watch = {item.casefold(): local_action for item in settings.watch_list} | dict(watch or {})
        self._checks = tuple(checks)

    def decide(self, scanned: Credential | Refusal, door: DoorState) -> Verdict:
        if isinstance(scanned, Refusal):
            return Verdict(Outcome.REFUSE, (scanned.reason,))
        if door.previous is not None:
            return Verdict(Outcome.WARN, (self._repeat_reason(door),), repeat=True)
        findings: list[tuple[Outcome, tuple[Reason, ...]]] = []
        listed = self._watch_action(scanned)
        if listed is not None:
            findings.append((listed, (_WATCH_LIST,)))
        capacity = self._settings.capacity
        if capacity is not None and door.direction is Direction.IN and door.inside >= capacity:
            findings.append((Outcome.REFUSE, (_full(door.inside, capacity),)))
        for check in self._checks:
            finding = check(scanned, door.now)
            if finding is not None:
                findings.append(finding)
        return _combine(findings, scanned.notes)

    def _watch_action(self, credential: Credential) -> Outcome | None:
        if not self._watch:
            return None
        keys = [credential.person_key.casefold()]
        id_number = credential.fields.get("id_number")
        if isinstance(id_number, str) and "*" not in id_number:
            keys.append(id_number.casefold())
        actions = [self._watch[key] for key in keys if key in self._watch]
        return max(actions, key=SEVERITY.__getitem__) if actions else None

    @staticmethod
    def _repeat_reason(door: DoorState) -> Reason:
        at = local_time(door.previous.scanned_at)  # type: ignore[union-attr]
        if door.direction is Direction.IN:
            return Reason("policy.already-in", f"Đã vào lúc {at} — không ghi lại lần nữa",
                          f"Already checked in at {at} — not logged again")
        return Reason("policy.already-out", f"Đã ra lúc {at} — không ghi lại lần nữa",
                      f"Already checked out at {at} — not logged again")


_WATCH_LIST = Reason("policy.watch-list", "Có trong danh sách theo dõi — mời người phụ trách",
                     "On the watch list — call the person in charge")


def _full(inside: int, capacity: int) -> Reason:
    return Reason("policy.capacity", f"Đã đủ người: {inside}/{capacity} đang ở bên trong",
                  f"Full: {inside} of {capacity} people inside")


def _combine(findings: list[tuple[Outcome, tuple[Reason, ...]]], notes: tuple[Reason, ...]) -> Verdict:
    """The worst outcome wins; its reasons come first, then the lesser ones, then the credential's notes."""
    ordered = sorted(findings, key=lambda finding: SEVERITY[finding[0]], reverse=True)
    outcome = ordered[0][0] if ordered else Outcome.ADMIT
    reasons = tuple(reason for _, found in ordered for reason in found) + notes
    return Verdict(outcome, reasons)
