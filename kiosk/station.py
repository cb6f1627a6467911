"""The door's logic: one scanned text in, one decision out, the entry on disk (tagged and sealed by the
store, after the decision: kiosk.person_seal).

`kiosk.door_app.DoorApp` owns the running door's `Station`; the command line's `scan` uses one directly.
The station's `direction` is the one place the door's direction is kept.
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
from kiosk.errors import INTERNAL_ERROR
from kiosk.health_rules import credential_check
from kiosk.policy import DoorState, Policy
from kiosk.settings import Settings
from kiosk.station_config import StationConfig, published_key_check
from kiosk.store import Store, StoreError
from kiosk.tracing.identity import link_of
from kiosk.verdict import Verdict
from kiosk.visit_log import VisitRules

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Counts:
    inside: int
    today: int
    capacity: int | None


@dataclass(frozen=True)
class ScanResult:
    verdict: Verdict
    credential: Credential | None
    refusal: Refusal | None
    entry: Entry | None  # None when nothing new was logged (the same person again within the window)
    scanned_at: datetime
    display_name: str  # masked; "" for refusals
    first_seen_at: datetime | None = None  # when the person was already checked in
    store_problem: str | None = None  # the entry could not be written yet: why, in plain words
    direction: Direction = Direction.IN  # the door's direction when it decided


class Station:
    def __init__(self, settings: Settings, store: Store, clock: Callable[[], datetime] = utc_now,
                 config: StationConfig | None = None, zone: tzinfo | None = None) -> None:
        """`settings` are the station's own; `config` is what the server pushed (see `reconfigure`).
        `zone` is the door's: where its day starts and the time its reasons tell (None: the machine's)."""
        self.store = store
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

    def counts(self) -> Counts:
        local_midnight = self._clock().astimezone(self._zone).replace(hour=0, minute=0, second=0, microsecond=0)
        counted = self.store.counts(local_midnight)
        return Counts(inside=counted.inside, today=counted.today, capacity=self.settings.capacity)

    def unsaved_count(self) -> int:
        return len(self._unsaved)

    def _parse_context(self) -> ParseContext:
        return ParseContext(now=self._clock(), trust=self._trust)

    def _check(self, scanned: Credential | Refusal, source: Source) -> ScanResult:
        # One scan at a time: the camera and a handheld scanner must not both admit the same person.
        with self._lock:
            now = self._clock()
            previous = None
            if isinstance(scanned, Credential):
                window_start = now - timedelta(minutes=self.settings.dedup_minutes)
                previous = self.store.last_entry_for(self.store.seal.tag(scanned.person_key), window_start,
                                                     self.direction)
            # Counting who is inside costs a query over today's entries: only a capacity limit needs it.
            counted = isinstance(scanned, Credential) and previous is None and self.settings.capacity is not None
            inside = self.counts().inside if counted else 0
            door = DoorState(direction=self.direction, now=now, inside=inside, previous=previous)
            verdict = self._policy.decide(scanned, door)
            credential = scanned if isinstance(scanned, Credential) else None
            refusal = scanned if isinstance(scanned, Refusal) else None
            display_name = credential.display_name if credential else ""
            if verdict.repeat:
                return ScanResult(verdict, credential, refusal, None, now, display_name,
                                  first_seen_at=previous.scanned_at if previous else None, direction=self.direction)
            entry = Entry(
                id=new_entry_id(), scanned_at=now, station=self.settings.station_name or socket.gethostname(),
                direction=self.direction, source=source, format=scanned.format,
                person_key=credential.person_key if credential else "", linked_key=_linked_key(credential),
                display_name=display_name, fields=credential.fields if credential else {},
                verdict=verdict.outcome, reasons=verdict.reasons,
            )
            problem = self._save(entry)  # tagged and sealed on the way to the disk (kiosk.person_seal)
            return ScanResult(verdict, credential, refusal, entry, now, display_name, store_problem=problem,
                              direction=self.direction)

    def _save(self, entry: Entry) -> str | None:
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
            return str(condition)
        return INTERNAL_ERROR.en if entry in self._unsaved else None


def _linked_key(credential: Credential | None) -> str:
    """The key the code proves its person also has (a national QR code's ID number), else ""."""
    link = link_of(credential.format, credential.person_key, credential.fields) if credential else None
    return link[1] if link else ""
