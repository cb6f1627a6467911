"""What the server stores of who a visitor is: tagged keys and fields sealed to the health authority.

An entry arrives with its person keys in clear (over TLS) and its personal fields either sealed by the kiosk
or in clear (a kiosk that had no authority key for the week, or of the previous version). The server keeps
the keys only as tagged keys (its "person-tag" secret) and seals clear fields on arrival to the published
authority key of the entry's week. With no such key yet, it closes them in a box under its "pending-box"
secret (kid "local") and `reseal_pending` seals them once a key set is published.

Nothing here logs: what passes through is personal data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from datetime import datetime
from typing import Any, Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kiosk.sealing.authority import AuthorityKeySet
from kiosk.sealing.boxes import close_box, open_box
from kiosk.sealing.kept import sealed_content
from kiosk.sealing.seal import LOCAL_KID, seal_entry
from kiosk.sealing.tags import tagged_key
from kiosk.tracing.identity import link_of
from server.authority_keys import published_key_set
from server.database import writing
from server.secret_keys import secret
from server.stations import as_utc
from server.tables import entries

RESEAL_BATCH = 1000


@dataclass(frozen=True)
class SealingKeys:
    """The keys one batch is stored with, read once for it."""

    tag: bytes  # the server's "person-tag" secret
    authority: AuthorityKeySet | None  # the published key set, None before the first publish

    @classmethod
    def now(cls) -> "SealingKeys":
        return cls(secret("person-tag"), published_key_set())

    @cached_property
    def pending(self) -> bytes:
        """The server's "pending-box" secret, read only for a batch that needs it (reading a secret
        resolves its directory's path, which costs more than tagging a whole batch's keys)."""
        return secret("pending-box")

    def tagged(self, person_key: str) -> str:
        """The stored form of a clear person key ("" stays "": a refusal has no person)."""
        return tagged_key(self.tag, person_key) if person_key else ""


@dataclass(frozen=True)
class Arriving:
    """One entry's personal part as it arrived (or as a database of the previous schema held it)."""

    id: str  # the entry's UUID as str(uuid.UUID): what its box is bound to
    scanned_at: datetime
    format: str
    person_key: str  # clear
    linked_key: str  # clear; "" when the wire had none
    fields: Mapping[str, Any]  # clear; {} when sealed
    sealed: bytes = b""
    sealed_kid: str = ""


def stored_key(person_key: str) -> str:
    """A clear person key as the server stores it, to find its entries, visits and links (a search, a
    trace). Only ever compared, never kept beside the clear key."""
    return tagged_key(secret("person-tag"), person_key)


def stored_columns(keys: SealingKeys, entry: Arriving) -> dict[str, Any]:
    """The entries columns that stand for the entry's person: person_key, linked_key, sealed, sealed_kid."""
    linked = entry.linked_key
    if not linked and not entry.sealed:  # a kiosk of the previous version: the link is read from its fields
        link = link_of(entry.format, entry.person_key, entry.fields)
        linked = link[1] if link else ""
    if entry.sealed:
        box, kid = entry.sealed, entry.sealed_kid
    elif entry.person_key or entry.fields:
        box, kid = _seal_clear(keys, entry, linked)
    else:
        box, kid = None, None  # a refusal with nothing in it: nobody to seal
    return {"person_key": keys.tagged(entry.person_key), "linked_key": keys.tagged(linked) or None,
            "sealed": box, "sealed_kid": kid}


def seal_on_arrival(batch: Sequence[Arriving]) -> list[dict[str, Any]]:
    """`stored_columns` for each entry of an uploaded batch, with the keys read once."""
    keys = SealingKeys.now()
    return [stored_columns(keys, entry) for entry in batch]


def _seal_clear(keys: SealingKeys, entry: Arriving, linked: str) -> tuple[bytes, str]:
    content = sealed_content(entry.format, entry.person_key, linked, entry.fields)
    if keys.authority is not None:
        sealed = seal_entry(content, keys.authority, as_utc(entry.scanned_at), entry.id)
        if sealed is not None:
            return sealed.box, sealed.kid
    return close_box(keys.pending, _json(content), entry.id), LOCAL_KID


def _json(content: Mapping[str, Any]) -> bytes:
    return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def reseal_pending(engine: Engine) -> int:
    """Seal every entry boxed "local" to the published key set and drop its box; returns how many were
    sealed. Entries past the key set's last week stay boxed (the next key set seals them). Batches of
    RESEAL_BATCH, each its own transaction: an interrupted run keeps what it did and the next one goes on."""
    key_set = published_key_set()
    if key_set is None:
        return 0
    pending_key = secret("pending-box")
    resealed, after = 0, None
    while True:
        with writing(engine) as conn:
            rows = conn.execute(_pending_after(after)).all()
            updates = []
            for row in rows:
                content = json.loads(open_box(pending_key, row.sealed, str(row.id)))
                sealed = seal_entry(content, key_set, as_utc(row.scanned_at), str(row.id))
                if sealed is not None:
                    updates.append({"_id": row.id, "_at": row.scanned_at, "sealed": sealed.box,
                                    "sealed_kid": sealed.kid})
            if updates:
                conn.execute(entries.update().where(entries.c.id == sa.bindparam("_id"),
                                                    entries.c.scanned_at == sa.bindparam("_at")), updates)
        resealed += len(updates)
        if len(rows) < RESEAL_BATCH:
            return resealed
        after = (rows[-1].scanned_at, rows[-1].id)


def _pending_after(after: tuple[datetime, Any] | None) -> sa.Select:
    query = (sa.select(entries.c.id, entries.c.scanned_at, entries.c.sealed)
             .where(entries.c.sealed_kid == LOCAL_KID)
             .order_by(entries.c.scanned_at, entries.c.id).limit(RESEAL_BATCH))
    if after is not None:
        last = sa.tuple_(sa.literal(after[0], entries.c.scanned_at.type), sa.literal(after[1], entries.c.id.type))
        query = query.where(sa.tuple_(entries.c.scanned_at, entries.c.id) > last)
    return query
