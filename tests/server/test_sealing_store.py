"""Sealing on arrival and later: what an old kiosk sends in clear is sealed to the published key, or boxed
under the server's own key until `reseal_pending` seals it, batch after batch, leaving boxed only what is
past the published key set's last week. On SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from factories import make_entry
from kiosk.sealing.authority import generate_private_key
from kiosk.sealing.seal import LOCAL_KID, Sealed, open_entry
from kiosk.sealing.weeks import week_of, week_start
from server import sealing_store
from server.authority_keys import store_key_set
from server.ingest import Contact, store_batch
from server.stations import add_station
from server.tables import entries
from server.wire import TimeWindow, parse_entry

NOW = datetime.now(timezone.utc)
EARLY = NOW - timedelta(days=20)


def _authority():
    return generate_private_key(week_of(NOW - timedelta(days=60)))


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KIOSK_SERVER_DATA_DIR", str(tmp_path / "server-data"))
    return tmp_path / "server-data"


def _upload(engine: sa.Engine, *times: datetime) -> list[str]:
    """Entries of a kiosk of the previous version (clear fields), stored as ingest stores them."""
    station, _token = add_station(engine, f"Cổng {uuid.uuid4().hex[:8]}", "Sảnh A")
    sent = [make_entry(at=at, station=station.name, person=f"cccd:0010990{n:05d}") for n, at in enumerate(times)]
    window = TimeWindow(NOW, 28)
    store_batch(engine, station, [parse_entry(entry.to_json(), window) for entry in sent], Contact(NOW))
    return [entry.id for entry in sent]


def _stored(engine: sa.Engine, ids: list[str]) -> dict[str, sa.Row]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(entries.c.id, entries.c.sealed, entries.c.sealed_kid)
                            .where(entries.c.id.in_([uuid.UUID(i) for i in ids])))
        return {str(row.id): row for row in rows}


def test_pending_boxes_are_sealed_batch_by_batch_once_a_key_covers_their_week(engine, data_dir, monkeypatch):
    early = [EARLY + timedelta(hours=n) for n in range(5)]
    ids = _upload(engine, *early, NOW - timedelta(hours=1))  # nothing published yet: every entry waits in a box
    assert {row.sealed_kid for row in _stored(engine, ids).values()} == {LOCAL_KID}

    authority = _authority()
    store_key_set(authority.key_set(EARLY, 2))  # two weeks from the early entries': not this week
    monkeypatch.setattr(sealing_store, "RESEAL_BATCH", 2)
    assert sealing_store.reseal_pending(engine) == 5

    stored = _stored(engine, ids)
    assert stored[ids[-1]].sealed_kid == LOCAL_KID  # past the key set: it waits for the next one
    for entry_id in ids[:-1]:
        content = open_entry(Sealed(stored[entry_id].sealed_kid, stored[entry_id].sealed), authority, entry_id)
        assert content["fields"] == {"name": "NGUYEN VAN AN", "phone": "0912345678", "birth_date": "1990-01-31"}


def test_clear_fields_arriving_after_a_publish_are_sealed_at_once(engine, data_dir):
    authority = _authority()
    store_key_set(authority.key_set(week_start(week_of(NOW)) - timedelta(weeks=1), 3))

    [entry_id] = _upload(engine, NOW - timedelta(minutes=5))

    row = _stored(engine, [entry_id])[entry_id]
    assert row.sealed_kid.startswith(authority.key_id + "/")
    assert open_entry(Sealed(row.sealed_kid, row.sealed), authority, entry_id)["person_key"] == "cccd:001099000000"
