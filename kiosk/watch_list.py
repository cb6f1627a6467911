"""The watch lists a door matches scanned people against, without holding anyone's number in clear.

Two lists, one rule: a scanned code's clear keys (its person key and, when the code shows it unmasked, the
ID number it names: see `person_keys_of`) are turned into tags at the moment of the scan and compared with
tags the list holds.

- `WatchList`: the server's list, from the station config's "watch" part. Each entry is a tag made with the
  watch key of one week (kiosk.sealing.tags.watch_tag); the station gets the keys of this week and the
  next only. A stolen station token shows no number in clear: finding who is listed means trying ID
  numbers one by one against that fortnight's keys, and the next fortnight's list needs a new download.
  A note opens only with the key of the person it is about (tags.open_note).
- `LocalWatch`: the kiosk's own typed list (setting `watch_list`). The settings file holds each item as a
  tagged key under the kiosk's own tag key (tags.tagged_key: "cccd:#3f2a…"), never the number typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping

from kiosk.credentials.base import Credential
from kiosk.meetings.keys import id_number_key
from kiosk.sealing import tags
from kiosk.sealing.weeks import week_of, week_start
from kiosk.tracing.masking import mask_person_key
from kiosk.verdict import SEVERITY, Outcome

TagKey = Callable[[], bytes]  # the kiosk's own tag key, asked for only when a typed watch list needs it


class WatchListError(ValueError):
    """The "watch" part of a station config cannot be used; the message names what is wrong (never a tag)."""


def kiosk_tag_key() -> bytes:
    """The kiosk's own tag key: derived from the station secret (kiosk.secret_store), never leaves the kiosk."""
    from kiosk.secret_store import station_keys  # the station secret's owner
    return station_keys().tag_key


def person_keys_of(credential: Credential) -> tuple[str, ...]:
    """The clear keys a watch list may name a scanned person by: the person key, and the key of the ID
    number the code shows unmasked (a national QR code's QID and ID number, kiosk.tracing.identity.link_of;
    a guard's entry with an old 9-digit number)."""
    keys = [credential.person_key]
    number = credential.fields.get("id_number")
    if isinstance(number, str) and not credential.fields.get("id_number_masked"):
        linked = id_number_key(number)
        if linked:
            keys.append(linked)
    return tuple(dict.fromkeys(key.strip().casefold() for key in keys if key))


def typed_key(item: str) -> str:
    """A watch-list item as typed ("001099012345", "QID:1629…") as the person key it names; a tagged key
    stays as it is."""
    item = item.strip()
    if tags.is_tagged(item):
        return item
    return id_number_key(item) or item.casefold()


@dataclass(frozen=True)
class WatchMatch:
    action: Outcome
    note: str  # the server's note, opened for this person; "" when there is none


@dataclass(frozen=True)
class WatchEntry:
    week: str
    tag: str
    action: Outcome
    note: str  # sealed (tags.seal_note), hex; "" for none


@dataclass(frozen=True)
class WatchList:
    """The server's watch list as the station config carries it: the week keys and the tagged entries."""

    week_keys: Mapping[str, bytes] = field(default_factory=dict)  # "2026-W49" → that week's watch key
    entries: tuple[WatchEntry, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "week_keys", MappingProxyType(dict(self.week_keys)))

    def __bool__(self) -> bool:
        return bool(self.entries)

    @classmethod
    def from_json(cls, document: Any) -> "WatchList":
        """Read the config's "watch" part: {"weeks": {week: hex key}, "entries": [{week, tag, action, note}]}."""
        if document is None:
            return cls()
        if not isinstance(document, dict):
            raise WatchListError("the watch list is not a JSON object")
        try:
            weeks = {str(week): bytes.fromhex(key) for week, key in (document.get("weeks") or {}).items()}
            for week in weeks:
                week_start(week)
        except (AttributeError, TypeError, ValueError):
            raise WatchListError("the watch list's week keys are not week ids with hex keys") from None
        entries = []
        for number, item in enumerate(document.get("entries") or [], start=1):
            try:
                entry = WatchEntry(str(item["week"]), str(item["tag"]).lower(), Outcome(item.get("action", "warn")),
                                   str(item.get("note") or ""))
                week_start(entry.week)
                bytes.fromhex(entry.tag + entry.note)
            except (KeyError, TypeError, ValueError, AttributeError):
                raise WatchListError(f"watch list entry {number} is not usable") from None
            entries.append(entry)
        return cls(weeks, tuple(entries))

    def match(self, person_keys: Iterable[str], at: datetime) -> WatchMatch | None:
        """The most severe entry of `at`'s week naming one of `person_keys` (clear keys), with its note opened;
        None when none does or when the list holds no key for that week (a station long offline)."""
        week = week_of(at)
        week_key = self.week_keys.get(week)
        entries = [entry for entry in self.entries if entry.week == week]
        if week_key is None or not entries:
            return None  # no tag to make: each one is a deliberately slow derivation, on every scan
        found: list[WatchMatch] = []
        for key in person_keys:
            tag = tags.watch_tag(week_key, key)
            for entry in entries:
                if entry.tag == tag:
                    note = tags.open_note(week_key, key, entry.note) if entry.note else None
                    found.append(WatchMatch(entry.action, note or ""))
        return max(found, key=lambda match: SEVERITY[match.action]) if found else None


class LocalWatch:
    """The kiosk's own typed list, every item with the same action (setting `watch_action`).

    Items come from the settings file as tagged keys; an item typed in this run (the admin form, a test's
    settings) may still be clear until the settings are saved: it is compared as it is. The tag key is
    asked for once, the first time a tagged item must be compared."""

    def __init__(self, items: Iterable[str], action: Outcome, tag_key: TagKey | None = None) -> None:
        self.action = action
        keys = {typed_key(item) for item in items if item.strip()}
        self._tagged = frozenset(key for key in keys if tags.is_tagged(key))
        self._clear = frozenset(keys - self._tagged)
        self._tag_key = tag_key
        self._key: bytes | None = None

    def __bool__(self) -> bool:
        return bool(self._tagged or self._clear)

    def match(self, person_keys: Iterable[str]) -> Outcome | None:
        for key in person_keys:
            if key in self._clear or (self._tagged and tags.tagged_key(self._key_bytes(), key) in self._tagged):
                return self.action
        return None

    def _key_bytes(self) -> bytes:
        if self._key is None:
            self._key = (self._tag_key or kiosk_tag_key)()
        return self._key


def tagged_items(items: Iterable[str], tag_key: TagKey | None = None) -> tuple[str, ...]:
    """What the settings file holds for typed watch-list items: each as a tagged key (kept as it is when it
    already is one). The tag key is asked for only when an item is still clear."""
    keys = tuple(dict.fromkeys(typed_key(item) for item in items if item.strip()))
    if all(tags.is_tagged(key) for key in keys):
        return keys
    secret = (tag_key or kiosk_tag_key)()
    return tuple(dict.fromkeys(key if tags.is_tagged(key) else tags.tagged_key(secret, key) for key in keys))


def shown_items(items: Iterable[str]) -> tuple[str, ...]:
    """Typed watch-list items as a form shows them: masked ("cccd:#3f2a9c01", "cccd:••••••••2345")."""
    return tuple(mask_person_key(typed_key(item)) for item in items)


def edited_items(edited: Iterable[str], before: Iterable[str]) -> tuple[str, ...]:
    """The items of a form that showed `before` masked: a masked item left as shown stands for the item it
    masks, anything else was typed anew (and is tagged when the settings are saved)."""
    by_shown = {mask_person_key(typed_key(item)): item for item in before}
    return tuple(by_shown.get(item.strip(), item.strip()) for item in edited if item.strip())
