"""The door's logic: one scanned text in, one decision out, the entry on disk.

The window is handed a `Station` and only shows what it returns; the command line uses the same object,
so every behaviour of the door is tested without Qt.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Sequence

from kiosk import credentials
from kiosk.credentials.base import Credential, ParseContext, Refusal
from kiosk.entry import Direction, Entry, Source, new_entry_id
from kiosk.policy import CredentialCheck, DoorState, Policy
from kiosk.settings import Settings
from kiosk.store import Store, StoreError
from kiosk.verdict import Verdict

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


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


class Station:
    def __init__(self, settings: Settings, store: Store, clock: Callable[[], datetime] = utc_now,
                 parse_context: Callable[[], ParseContext] | None = None,
                 checks: Sequence[CredentialCheck] = ()) -> None:
        self.settings = settings
        self.store = store
        self.direction = Direction.IN
        self._clock = clock
        self._parse_context = parse_context or (lambda: ParseContext(now=self._clock()))
        self._policy = Policy(settings, checks)
        # Entries the disk refused (full, read-only): kept in memory and written first on the next scan.
        self._unsaved: list[Entry] = []
        self._lock = threading.Lock()

    def set_direction(self, direction: Direction) -> None:
        self.direction = direction

    def toggle_direction(self) -> Direction:
        self.direction = Direction.OUT if self.direction is Direction.IN else Direction.IN
        return self.direction

    def check_text(self, text: str, source: Source = Source.CAMERA) -> ScanResult:
        return self._check(credentials.parse(text, self._parse_context()), source)

    def check_credential(self, credential: Credential, source: Source) -> ScanResult:
        """For credentials that do not come from a code (manual entry)."""
        return self._check(credential, source)

    def counts(self) -> Counts:
        local_midnight = self._clock().astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
        counted = self.store.counts(local_midnight)
        return Counts(inside=counted.inside, today=counted.today, capacity=self.settings.capacity)

    def unsaved_count(self) -> int:
        return len(self._unsaved)

    def _check(self, scanned: Credential | Refusal, source: Source) -> ScanResult:
        # One scan at a time: the camera and a handheld scanner must not both admit the same person.
        with self._lock:
            now = self._clock()
            previous = None
            if isinstance(scanned, Credential):
                window_start = now - timedelta(minutes=self.settings.dedup_minutes)
                previous = self.store.last_entry_for(scanned.person_key, window_start, self.direction)
            door = DoorState(direction=self.direction, now=now, inside=self.counts().inside, previous=previous)
            verdict = self._policy.decide(scanned, door)
            credential = scanned if isinstance(scanned, Credential) else None
            refusal = scanned if isinstance(scanned, Refusal) else None
            display_name = credential.display_name if credential else ""
            if verdict.repeat:
                return ScanResult(verdict, credential, refusal, None, now, display_name,
                                  first_seen_at=previous.scanned_at if previous else None)
            entry = Entry(
                id=new_entry_id(), scanned_at=now, station=self.settings.station_name,
                direction=self.direction, source=source, format=scanned.format,
                person_key=credential.person_key if credential else "",
                display_name=display_name, fields=credential.fields if credential else {},
                verdict=verdict.outcome, reasons=verdict.reasons,
            )
            problem = self._save(entry)
            return ScanResult(verdict, credential, refusal, entry, now, display_name, store_problem=problem)

    def _save(self, entry: Entry) -> str | None:
        self._unsaved.append(entry)
        try:
            while self._unsaved:
                self.store.add(self._unsaved[0])
                self._unsaved.pop(0)
        except StoreError as error:
            log.error("entry not written yet (%d waiting in memory): %s", len(self._unsaved), error)
            return str(error)
        return None

