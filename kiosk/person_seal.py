"""An entry from the door to the disk, and from the disk to the server, with no one readable on the disk.

At the door an entry holds the clear person key and the code's fields (kiosk.entry). What the store keeps
(`stored`): the person key and the linked key tagged with the kiosk's tag key; the clear keys in a box under
the kiosk's box key, for the upload only; the kept fields (kiosk.sealing.kept) sealed to the health
authority's key of the scan's week, or, when the station has no key for that week, closed in a box under
the kiosk's own key (kid "local"). The fields themselves are not kept.

What is uploaded (`uploaded`): the clear keys (the server tags them with its own key), and the sealed
fields as they are; a "local" box is sealed now if a key for its week has arrived, else its kept fields go
in clear (over TLS) for the server to seal on arrival.

Sealing costs a fraction of a millisecond (bench/store.py --sealed) and runs in the store's write, after
the door decided.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, replace
from typing import Any, Mapping

from kiosk.entry import Entry
from kiosk.sealing.authority import AuthorityKeySet
from kiosk.sealing.boxes import close_box, open_box
from kiosk.sealing.kept import sealed_content
from kiosk.sealing.seal import LOCAL_KID, Sealed, seal_entry
from kiosk.sealing.tags import tagged_key
from kiosk.secret_store import StationKeys
from kiosk.tracing.identity import link_of

__all__ = ["PersonSeal", "StoredEntry"]


@dataclass(frozen=True)
class StoredEntry:
    """An entry as the store keeps it."""

    entry: Entry  # tagged keys, no fields, `sealed` and `sealed_kid` set (both "" for a refusal)
    keys_box: bytes  # the clear person key and linked key, under the kiosk's box key


class PersonSeal:
    """Tags, seals and boxes with one station's keys and the authority keys it has (None until the server
    sent some; `authority_keys` is replaced when a new station config arrives)."""

    def __init__(self, keys: StationKeys, authority_keys: AuthorityKeySet | None = None) -> None:
        self._keys = keys
        self.authority_keys = authority_keys

    def tag(self, person_key: str) -> str:
        """What is stored in place of a person key ("" stays "": a refusal has no person)."""
        return tagged_key(self._keys.tag_key, person_key) if person_key else ""

    def stored(self, entry: Entry) -> StoredEntry:
        """A door entry (clear keys and fields) as the store keeps it."""
        linked_key = entry.linked_key or _linked_key(entry)
        keys = {"person_key": entry.person_key, "linked_key": linked_key}
        keys_box = close_box(self._keys.box_key, _json(keys), _bound(entry.id, "keys"))
        sealed, kid = "", ""
        if entry.person_key or entry.fields:
            content = sealed_content(entry.format, entry.person_key, linked_key, entry.fields)
            box = self._seal(content, entry) or Sealed(
                LOCAL_KID, close_box(self._keys.box_key, _json(content), _bound(entry.id, "fields")))
            sealed, kid = base64.b64encode(box.box).decode("ascii"), box.kid
        return StoredEntry(replace(entry, person_key=self.tag(entry.person_key), linked_key=self.tag(linked_key),
                                   sealed=sealed, sealed_kid=kid, fields={}), keys_box)

    def uploaded(self, stored: StoredEntry) -> Entry:
        """The entry as the server takes it (kiosk.contract.ENTRY_FIELDS). Raises BoxError when the boxes do
        not open with this kiosk's key (its station secret was replaced)."""
        entry = stored.entry
        keys = json.loads(open_box(self._keys.box_key, stored.keys_box, _bound(entry.id, "keys")))
        sealed, kid, fields = entry.sealed, entry.sealed_kid, {}
        if kid == LOCAL_KID:
            content = json.loads(open_box(self._keys.box_key, base64.b64decode(entry.sealed),
                                          _bound(entry.id, "fields")))
            box = self._seal(content, entry)
            if box is not None:
                sealed, kid = base64.b64encode(box.box).decode("ascii"), box.kid
            else:
                sealed, kid, fields = "", "", content["fields"]
        return replace(entry, person_key=keys["person_key"], linked_key=keys["linked_key"], sealed=sealed,
                       sealed_kid=kid, fields=fields)

    def _seal(self, content: Mapping[str, Any], entry: Entry) -> Sealed | None:
        if self.authority_keys is None:
            return None
        return seal_entry(content, self.authority_keys, entry.scanned_at, entry.id)


def _linked_key(entry: Entry) -> str:
    link = link_of(entry.format, entry.person_key, entry.fields)
    return link[1] if link else ""


def _bound(entry_id: str, part: str) -> str:
    """A box opens only on its entry, and only as the part it was closed as."""
    return f"{entry_id}/{part}"


def _json(content: Mapping[str, Any]) -> bytes:
    return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
