"""After a sync round to a real server (SQLite and PostgreSQL), the kiosk's file keeps nothing it held only to
send an entry: no box of clear keys for an entry the server has, no box of its fields under the kiosk's own
key. A box sealed to the authority stays, and an entry the server refused keeps everything."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from factories import T0, make_entry
from kiosk.sealing.authority import generate_private_key
from kiosk.sealing.seal import LOCAL_KID
from kiosk.sealing.weeks import week_of
from kiosk.sync import SyncClient

pytestmark = pytest.mark.slow  # a real server process, on SQLite and PostgreSQL


def _rows(path) -> dict[str, sqlite3.Row]:
    """The entries as the file holds them, read by a connection of its own."""
    with sqlite3.connect(path) as connection:
        connection.row_factory = sqlite3.Row
        rows = connection.execute("SELECT id, sync_state, keys_box, sealed, sealed_kid FROM entries").fetchall()
    return {row["id"]: row for row in rows}


def test_a_synced_entry_leaves_no_keys_box_and_no_local_box_in_the_kiosks_file(server, make_kiosk):
    kiosk = make_kiosk(server.url)
    boxed = make_entry(1, station=kiosk.station.name)  # no authority key yet: its fields in the kiosk's box
    kiosk.store.add(boxed)
    key_set = generate_private_key(week_of(T0 - timedelta(days=7))).key_set(T0 - timedelta(days=7), 4)
    kiosk.store.use_authority_keys(key_set)
    sealed = make_entry(2, station=kiosk.station.name)
    refused = make_entry(3, station="Cổng của trạm khác")  # the server refuses it: another station's
    kiosk.store.add_many([sealed, refused])
    before = _rows(kiosk.settings.database)
    assert before[boxed.id]["sealed_kid"] == LOCAL_KID and all(row["keys_box"] for row in before.values())

    report = SyncClient(kiosk.store, kiosk.settings).run_once()

    assert report.ok and report.accepted == 2 and report.rejected == 1
    after = _rows(kiosk.settings.database)
    for synced in (boxed, sealed):
        assert after[synced.id]["sync_state"] == "synced" and after[synced.id]["keys_box"] is None
    assert after[boxed.id]["sealed"] is None and after[boxed.id]["sealed_kid"] == ""
    assert after[sealed.id]["sealed"] == before[sealed.id]["sealed"]
    assert after[sealed.id]["sealed_kid"] == before[sealed.id]["sealed_kid"] != ""
    assert after[refused.id]["sync_state"] == "rejected"
    for column in ("keys_box", "sealed", "sealed_kid"):  # the refused entry keeps what it was sent with
        assert after[refused.id][column] == before[refused.id][column]
    # What the kiosk's trace and log read still reads: the masked name, the tagged key, the verdict.
    assert kiosk.store.get(boxed.id).display_name == boxed.display_name
