"""The door's logic: one scanned text in, one decision out, the entry on disk (tagged and sealed by the
store, after the decision: kiosk.person_seal).

`kiosk.door_app.DoorApp` owns the running door's `Station`; the command line's `scan` uses one directly.
The station's `direction` is the one place the door's direction is kept.

In meeting mode (the station config's meeting plan has a session today) each verdict also weighs the
session of the moment (kiosk.meeting_door), the counts are the open session's, and the guard may add the
last person found not on the list as a walk-in (`add_walk_in`, behind the PIN).
"""

from __future__ import annotations

import logging
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Callable

from kiosk import credentials
from kiosk.credentials.base import Credential, ParseContext, Refusal
from kiosk.credentials.manual import manual_credential
from kiosk.entry import Direction, Entry, Source, new_entry_id, utc_now
from kiosk.health_rules import credential_check
from kiosk.meeting_door import WALK_IN_ADDED, combined, lookup_keys, meeting_check, session_params
from kiosk.meetings.plan import Moment, MomentKind, PlannedSession
from kiosk.meetings.roster import Card
from kiosk.policy import DoorState, Policy
from kiosk.reasons import Reason
from kiosk.settings import Settings
from kiosk.station_config import StationConfig, published_key_check
from kiosk.store import Store, StoreError
from kiosk.tracing.identity import link_of
from kiosk.verdict import Outcome, Verdict
from kiosk.visit_log import VisitRules
from kiosk.walk_ins import WalkIns
from kiosk.watch_list import TagKey

log = logging.getLogger(__name__)

# How long the guard may add the last person found not on the list as a walk-in (the next scan ends it too).
WALK_IN_HOLD = timedelta(minutes=2)


@dataclass(frozen=True)
class Counts:
    """People inside now and checked in: today's, or the open session's since it opened (`session`)."""

    inside: int
    today: int
    capacity: int | None
    session: PlannedSession | None = None


@dataclass(frozen=True)
class ScanResult:
    verdict: Verdict
    credential: Credential | None
    refusal: Refusal | None
    entry: Entry | None  # None when nothing new was logged (the same person again within the window)
    scanned_at: datetime
    display_name: str  # masked; "" for refusals
    first_seen_at: datetime | None = None  # when the person was already checked in
    # The entry could not be written yet: why, short and without a path (the log has the path), with how many
    # entries the station holds in memory meanwhile (kiosk.station.not_saved); None when it was written.
    store_problem: Reason | None = None
    direction: Direction = Direction.IN  # the door's direction when it decided
    participant: Card | None = None  # in meeting mode: the participant the list names (masked name, seat)


@dataclass(frozen=True)
class _NotListed:
    """The last person found not on the list, held (in memory only) for the guard to add as a walk-in."""

    credential: Credential
    session: PlannedSession
    verdict: Verdict  # the policy's own, without the meeting's "not on the list"
    direction: Direction
    at: datetime


class Station:
    def __init__(self, settings: Settings, store: Store, clock: Callable[[], datetime] = utc_now,
                 config: StationConfig | None = None, zone: tzinfo | None = None,
                 tag_key: TagKey | None = None) -> None:
        """`settings` are the station's own; `config` is what the server pushed (see `reconfigure`).
        `zone` is the door's: where its day starts and the time its reasons tell (None: the machine's).
        `tag_key` is the kiosk's own tag key the walk-ins are kept under (default: the station secret's)."""
        self.store = store
        self._walk_ins = WalkIns(store, tag_key)
        self._not_listed: _NotListed | None = None
        # Each listed participant's latest entry per direction in this run: the same person with another of
        # their codes (the badge, then the ID card) is "already checked in" too.
        self._participant_entries: dict[tuple[str, Direction], Entry] = {}
        self.direction = Direction(settings.direction)
        self._clock = clock
        self._zone = zone
        self._local_settings = settings
        # Entries the disk refused (full, read-only) or a bug stopped: kept in memory, written on the next scan.
        self._unsaved: list[Entry] = []
        self._lock = threading.Lock()
        self.reconfigure(config or StationConfig())

    def reconfigure(self, config: StationConfig, settings: Settings | None = None) -> None:
        """Apply a new server config (or new local settings) between two scans. A newly chosen direction
        setting turns the door that way at once; visits are built with the new rules from the next scan."""
        with self._lock:
            if settings is not None:
                if settings.direction != self._local_settings.direction:
                    self.direction = Direction(settings.direction)
                self._local_settings = settings
            self.config = config
            self.settings = config.settings_for(self._local_settings)
            self.store.use_visit_rules(VisitRules.from_settings(self.settings, self._zone))
            self.store.use_authority_keys(config.authority_keys)
            self._trust = config.trust_for(self.settings)
            checks = [published_key_check, credential_check(config.health_rules)]
            self._policy = Policy(self.settings, checks=checks, watch=config.watch, zone=self._zone)

    def set_direction(self, direction: Direction) -> None:
        self.direction = direction

    def toggle_direction(self) -> Direction:
        self.direction = Direction.OUT if self.direction is Direction.IN else Direction.IN
        return self.direction

    def check_text(self, text: str, source: Source = Source.CAMERA) -> ScanResult:
        return self._check(credentials.parse(text, self._parse_context()), source)

    def assess(self, text: str) -> tuple[Credential | Refusal, Verdict]:
        """What the door would decide for a first visit, logging nothing (for checking photos and files)."""
        scanned = credentials.parse(text, self._parse_context())
        return scanned, self._policy.decide(scanned, DoorState(self.direction, self._clock(), inside=0))

    def check_manual(self, name: str, phone: str, id_number: str = "", note: str = "") -> ScanResult:
        """A visitor without a code: same policy, logged with source "manual"."""
        return self._check(manual_credential(name, phone, id_number, note), Source.MANUAL)

    def moment(self) -> Moment:
        """Where the meeting plan stands now (MomentKind.NONE: an ordinary door)."""
        return self.config.meetings.moment(self._clock(), self._zone)

    def counts(self) -> Counts:
        """Today's counts, or while a session is open the session's: inside and arrived since it opened.
        Counted by person (the keys linked for certain are one), the entries held in memory included."""
        moment = self.moment()
        session = moment.session if moment.kind is MomentKind.OPEN else None
        since = session.opens if session is not None else self._day_start(self._clock())
        counted = self.store.counts(since, unsaved=tuple(self._unsaved))
        return Counts(inside=counted.inside, today=counted.today, capacity=self.settings.capacity, session=session)

    def _day_start(self, now: datetime) -> datetime:
        return now.astimezone(self._zone).replace(hour=0, minute=0, second=0, microsecond=0)

    def add_walk_in(self) -> ScanResult | None:
        """Add the last person found not on the list (within `WALK_IN_HOLD`, and no scan since) to their
        session as a walk-in: an entry saying so, and their keys kept so that their next scans say
        walk-in. None when there is nobody to add."""
        with self._lock:
            held, self._not_listed = self._not_listed, None
            now = self._clock()
            if held is None or now - held.at > WALK_IN_HOLD:
                return None
            credential, session = held.credential, held.session
            self._walk_ins.add(session.id, lookup_keys(credential))
            verdict = Verdict(held.verdict.outcome, (Reason(WALK_IN_ADDED, **session_params(session)),
                                                     *held.verdict.reasons))
            entry = self._entry(now, Source.MANUAL, credential, verdict, held.direction)
            problem = self._save(entry)
            return ScanResult(verdict, credential, None, entry, now, credential.display_name, store_problem=problem,
                              direction=held.direction)

    def unsaved_count(self) -> int:
        return len(self._unsaved)

    def _parse_context(self) -> ParseContext:
        return ParseContext(now=self._clock(), trust=self._trust)

    def _check(self, scanned: Credential | Refusal, source: Source) -> ScanResult:
        # One scan at a time: the camera and a handheld scanner must not both admit the same person.
        with self._lock:
            now = self._clock()
            self._not_listed = None  # the guard's chance to add them as a walk-in ends with the next scan
            previous = None
            meeting = meeting_check(self.config.meetings, now, self._zone, scanned, self.direction, self._walk_ins)
            participant = meeting.card if meeting else None
            entered = True
            if isinstance(scanned, Credential):
                window_start = now - timedelta(minutes=self.settings.dedup_minutes)
                previous = self._previous(scanned, window_start)
                if previous is None and participant is not None:
                    seen = self._participant_entries.get((participant.participant, self.direction))
                    previous = seen if seen is not None and seen.scanned_at >= window_start else None
                if previous is None and self.direction is Direction.OUT:
                    entered = self._came_in(scanned, now)
            # Counting who is inside costs a query over today's entries: only a capacity limit needs it.
            counted = isinstance(scanned, Credential) and previous is None and self.settings.capacity is not None
            inside = self.counts().inside if counted else 0
            door = DoorState(direction=self.direction, now=now, inside=inside, previous=previous, entered=entered)
            policy_verdict = self._policy.decide(scanned, door)
            credential = scanned if isinstance(scanned, Credential) else None
            refusal = scanned if isinstance(scanned, Refusal) else None
            display_name = credential.display_name if credential else ""
            if policy_verdict.repeat:  # "already checked in" stands; the guard still sees who and where they sit
                return ScanResult(policy_verdict, credential, refusal, None, now, display_name,
                                  first_seen_at=previous.scanned_at if previous else None, direction=self.direction,
                                  participant=participant)
            verdict = combined(policy_verdict, meeting)
            entry = self._entry(now, source, scanned, verdict, self.direction)
            problem = self._save(entry)  # tagged and sealed on the way to the disk (kiosk.person_seal)
            if participant is not None and verdict.outcome is not Outcome.REFUSE:
                self._participant_entries[(participant.participant, self.direction)] = entry
            if (credential is not None and meeting is not None and meeting.walk_in_session is not None
                    and policy_verdict.outcome is not Outcome.REFUSE):
                self._not_listed = _NotListed(credential, meeting.walk_in_session, policy_verdict, self.direction,
                                              now)
            return ScanResult(verdict, credential, refusal, entry, now, display_name, store_problem=problem,
                              direction=self.direction, participant=participant)

    def _previous(self, credential: Credential, since: datetime) -> Entry | None:
        """The person's latest entry in the door's direction since `since` that was not refused, on disk or
        held in memory (the disk refused it): the same person again is a repeat even on a full disk."""
        stored = self.store.last_entry_for(self.store.seal.tag(credential.person_key), since, self.direction)
        held = [entry for entry in self._unsaved if entry.person_key == credential.person_key
                and entry.direction is self.direction and entry.verdict is not Outcome.REFUSE
                and entry.scanned_at >= since]
        return max([*held, *([stored] if stored else [])], key=lambda entry: entry.scanned_at, default=None)

    def _came_in(self, credential: Credential, now: datetime) -> bool:
        """Whether the person leaving came in today: their latest admitted entry today, under their key or a
        key linked to it (this code's own link too), is an entry. An error reading it answers yes: the exit is
        logged anyway, and a door that cannot read its log does not tell the guard that nobody came in."""
        keys = [self.store.seal.tag(key) for key in (credential.person_key, _linked_key(credential)) if key]
        try:
            return self.store.came_in(keys, self._day_start(now), unsaved=tuple(self._unsaved))
        except StoreError as error:
            log.error("exit not checked against today's entries: %s", error)
            return True

    def _entry(self, now: datetime, source: Source, scanned: Credential | Refusal, verdict: Verdict,
               direction: Direction) -> Entry:
        credential = scanned if isinstance(scanned, Credential) else None
        return Entry(
            id=new_entry_id(), scanned_at=now, station=self.settings.station_name or socket.gethostname(),
            direction=direction, source=source, format=scanned.format,
            person_key=credential.person_key if credential else "", linked_key=_linked_key(credential),
            display_name=credential.display_name if credential else "", fields=credential.fields if credential else {},
            verdict=verdict.outcome, reasons=verdict.reasons,
        )

    def _save(self, entry: Entry) -> Reason | None:
        """Write the entries kept in memory, then this one. A condition of the machine (disk full, read-only)
        keeps them all, in order, for the next scan; a bug keeps only the entry it hit and is logged in full,
        so that the entries after it are still written."""
        waiting, self._unsaved = [*self._unsaved, entry], []
        condition: StoreError | None = None
        bug: Exception | None = None
        for index, unsaved in enumerate(waiting):
            try:
                self.store.add(unsaved)
            except StoreError as error:
                condition = error
                self._unsaved += waiting[index:]
                break
            except Exception as error:  # noqa: BLE001 - a bug must not stop the door answering
                bug = error
                self._unsaved.append(unsaved)
        if bug is not None:
            log.error("bug: an entry could not be written (%d waiting in memory)", len(self._unsaved),
                      exc_info=bug)
        if condition is not None:
            log.error("entry not written yet (%d waiting in memory): %s", len(self._unsaved), condition)
            return not_saved(Reason(f"unsaved.{condition.condition.name.lower()}"), len(self._unsaved))
        return not_saved(Reason("unsaved.fault"), len(self._unsaved)) if entry in self._unsaved else None


def not_saved(problem: Reason, held: int) -> Reason:
    """What the door says of an entry not written yet: the problem in a few words (the path is in the log),
    that `held` entries are safe in memory, and to tell the admin."""
    return Reason("not_saved", problem=problem, held=held)


def _linked_key(credential: Credential | None) -> str:
    """The key the code proves its person also has (a national QR code's ID number), else ""."""
    link = link_of(credential.format, credential.person_key, credential.fields) if credential else None
    return link[1] if link else ""
