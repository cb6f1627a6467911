"""The admission policy: from a parsed code and the state of the door to admit / warn / refuse.

Pure functions of their inputs, so every rule is tested without a database, a camera or a window.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from enum import Enum
from typing import Callable, Sequence

from kiosk.credentials.base import Credential, Refusal
from kiosk.entry import Direction, Entry
from kiosk.reasons import DEMO_MODE_ENTRY, EXIT_WITHOUT_ENTRY, SELF_DECLARED, Reason, identity_check_needed, \
    on_watch_list
from kiosk.settings import Settings
from kiosk.verdict import SEVERITY, Outcome, Verdict
from kiosk.watch_list import LocalWatch, TagKey, WatchList, person_keys_of

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
    # Whether the person's latest admitted entry today (their linked keys too) is an entry: asked at an exit.
    entered: bool = True


class Identity(Enum):
    """How far a code's identity (the person key and ID number the watch list matches) can be trusted:
    signed by its issuer (an EU certificate that verified), read from an ID document's own unsigned code
    (chip ID card, insurance card, VNeID), typed by the guard (manual entry), typed by the visitor (a health
    declaration: the server signs whatever was declared), or a signed format whose signer is unknown.

    `value` is the catalogue code of how the door names it mid-sentence; "<value>.start" opens a sentence.
    """

    SIGNED = "identity.signed"
    DOCUMENT = "identity.document"
    GUARD = "identity.guard"
    SELF_DECLARED = "identity.self-declared"
    UNVERIFIED = "identity.unverified"

    @property
    def backed(self) -> bool:
        """Whether a document (or the guard who saw one) stands behind the identity."""
        return self not in (Identity.SELF_DECLARED, Identity.UNVERIFIED)


UNKNOWN_SIGNER = "health.unknown_signer"  # the reason every entry of a code no known signer signed carries
# Formats not listed are read from an identity document's own code (unsigned).
# A meeting badge is the organiser's word on who it is for, no more than a declaration is.
_IDENTITY_BY_FORMAT = {"hd1": Identity.SELF_DECLARED, "badge": Identity.SELF_DECLARED, "manual": Identity.GUARD}


def identity_of(credential: Credential | Entry) -> Identity:
    """The watch list's confidence in the identity of a scanned code or a logged entry, per format."""
    if credential.format == "dcc" and isinstance(credential, Entry):  # stored: no fields, its reasons tell
        unknown = any(reason.code == UNKNOWN_SIGNER for reason in credential.reasons)
        return Identity.UNVERIFIED if unknown else Identity.SIGNED
    if credential.format == "dcc":
        return Identity.SIGNED if credential.fields.get("signature") == "valid" else Identity.UNVERIFIED
    return _IDENTITY_BY_FORMAT.get(credential.format, Identity.DOCUMENT)


def local_time(moment: datetime, zone: tzinfo | None = None) -> str:
    """"08:15" in `zone` (None: the machine's zone)."""
    return moment.astimezone(zone).strftime("%H:%M")


class Policy:
    def __init__(self, settings: Settings, checks: Sequence[CredentialCheck] = (),
                 watch: WatchList | None = None, zone: tzinfo | None = None,
                 tag_key: TagKey | None = None) -> None:
        """`watch` is the server's tagged list, matched with the settings' own (`tag_key`: the kiosk's tag
        key, which the settings file's items are tagged with; default kiosk.watch_list.kiosk_tag_key);
        `zone` is the one the reasons tell times in (None: the machine's zone)."""
        self._settings = settings
        self._zone = zone
        self._local = LocalWatch(settings.watch_list, Outcome(settings.watch_action), tag_key)
        self._server = watch or WatchList()
        self._checks = tuple(checks)

    def decide(self, scanned: Credential | Refusal, door: DoorState) -> Verdict:
        if isinstance(scanned, Refusal):
            return Verdict(Outcome.REFUSE, (scanned.reason,))
        identity = identity_of(scanned)
        if door.previous is not None and not _confirms(identity, door.previous):
            return self._repeat(door.previous, door)
        findings: list[tuple[Outcome, tuple[Reason, ...]]] = []
        if door.direction is Direction.OUT and not door.entered:
            findings.append((Outcome.ADMIT, (EXIT_WITHOUT_ENTRY,)))
        listed, watch_note = self._watch_action(scanned, door.now)
        if listed is not None:
            findings.append((listed, (on_watch_list(Reason(identity.value)),)))
        elif ((self._local or self._server) and not identity.backed and door.direction is Direction.IN
              and self._settings.watch_self_declared != "admit"):
            # A self-declared ID number clears nobody: one changed digit would pass anyone on the list.
            action = Outcome(self._settings.watch_self_declared)
            findings.append((action, (identity_check_needed(Reason(identity.value + ".start")),)))
        elif identity is Identity.SELF_DECLARED:
            findings.append((Outcome.ADMIT, (SELF_DECLARED,)))
        capacity = self._settings.capacity
        if capacity is not None and door.direction is Direction.IN and door.inside >= capacity:
            findings.append((Outcome.REFUSE, (_full(door.inside, capacity),)))
        for check in self._checks:
            finding = check(scanned, door.now)
            if finding is not None:
                findings.append(finding)
        # An entry of a rehearsal says so wherever it goes (log, export, server), last so the screen's two
        # reason lines keep the verdict's own.
        notes = scanned.notes + ((DEMO_MODE_ENTRY,) if self._settings.demo_mode else ())
        return replace(_combine(findings, notes), note=watch_note)

    def _watch_action(self, credential: Credential, now: datetime) -> tuple[Outcome | None, str]:
        """The most severe action of the lists naming this person, and the server's note for them."""
        if not (self._local or self._server):
            return None, ""
        keys = person_keys_of(credential)
        server = self._server.match(keys, now) if self._server else None
        actions = [action for action in (self._local.match(keys), server and server.action) if action]
        return (max(actions, key=SEVERITY.__getitem__) if actions else None), server.note if server else ""

    def _repeat(self, previous: Entry, door: DoorState) -> Verdict:
        """The same person again within the window: nothing new is logged, and the guard does what the entry
        logged then asked for: let them through after an admission, check them again after a warning (its
        reason follows)."""
        at = local_time(previous.scanned_at, self._zone)
        reason = Reason("policy.already-in" if door.direction is Direction.IN else "policy.already-out", at=at)
        if previous.verdict is Outcome.ADMIT:
            return Verdict(Outcome.ADMIT, (reason,), repeat=True)
        return Verdict(Outcome.WARN, (reason, *previous.reasons[:1]), repeat=True)


def _confirms(identity: Identity, previous: Entry) -> bool:
    """A document scanned after a self-declared entry is the check the door asked for, not a repeat."""
    return identity.backed and not identity_of(previous).backed


def _full(inside: int, capacity: int) -> Reason:
    return Reason("policy.capacity", inside=inside, capacity=capacity)


def _combine(findings: list[tuple[Outcome, tuple[Reason, ...]]], notes: tuple[Reason, ...]) -> Verdict:
    """The worst outcome wins; its reasons come first, then the lesser ones, then the credential's notes."""
    ordered = sorted(findings, key=lambda finding: SEVERITY[finding[0]], reverse=True)
    outcome = ordered[0][0] if ordered else Outcome.ADMIT
    reasons = tuple(reason for _, found in ordered for reason in found) + notes
    return Verdict(outcome, reasons)
