"""The finding that started the hardening, end to end: a signed declaration whose name carries a NUL.

A kiosk scans a good visitor, a visitor holding a declaration signed with the server's own key whose name
carries U+0000, and another good visitor; then it syncs with the real server. Before the hardening the door
admitted the NUL visitor, PostgreSQL refused the batch with a 500 for ever, and nothing after it arrived.
Now the door refuses that code naming the field, the refusal travels without personal data, both good
visitors reach the server, and the dashboard loads.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from dashboard_login import log_in
from kiosk.credentials import hd1
from kiosk.entry import Source, utc_now
from kiosk.station import Station
from kiosk.station_config import load_station_config
from kiosk.verdict import Outcome
from server.admins import add_admin
from server.declarations import DeclarationService
from server.sealing_store import stored_key
from server.tables import entries, stations

pytestmark = pytest.mark.slow  # real server processes on 127.0.0.1, on SQLite and PostgreSQL

GOOD_VISITORS = (
    "001090012345|012345678|Nguyễn Văn An|31011990|Nam|Phường Láng Hạ, Quận Đống Đa, Hà Nội|15042021",
    "079185001234||Trần Thị Bích|02031985|Nữ|Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh|20052022",
)


def _poisoned_declaration(engine: sa.Engine) -> str:
    """A declaration the server's own key signed, as a server before the input rules would have."""
    key = DeclarationService(Path(os.environ["KIOSK_SERVER_DATA_DIR"]), engine=engine).keyring().signing_key()
    now = utc_now()
    declaration = hd1.Declaration("LÊ VĂN\x00 CƯỜNG", "0987654321", "001203004567", now,
                                  {"sym": False, "con": False, "pos": False})
    return hd1.encode(declaration, key=key.private_key, kid=key.kid, issuer="VN", issued_at=now,
                      expires_at=now + timedelta(days=1), cti=os.urandom(8))


def test_a_nul_in_a_signed_name_is_refused_at_the_door_and_never_stops_the_sync(
        server, engine, make_kiosk, kiosk_command):
    kiosk = make_kiosk(server.url)
    first = kiosk_command(kiosk, "sync", "--once")  # fetches the declaration keys the server signs with
    assert first.returncode == 0, first.stderr

    station = Station(kiosk.settings, kiosk.store, config=load_station_config(kiosk.store))
    results = [station.check_text(text, Source.SCANNER)
               for text in (GOOD_VISITORS[0], _poisoned_declaration(engine), GOOD_VISITORS[1])]
    assert [result.verdict.outcome for result in results] == [Outcome.ADMIT, Outcome.REFUSE, Outcome.ADMIT]
    assert any(reason.code.startswith("hidden-character.name") for reason in results[1].verdict.reasons)

    synced = kiosk_command(kiosk, "sync", "--once", "--json")
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert kiosk.store.pending_count() == 0

    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(entries.c.id, entries.c.person_key, entries.c.verdict, entries.c.sealed)
            .join(stations, stations.c.id == entries.c.station_id).where(stations.c.name == kiosk.station.name)
        ).all()
    by_id = {str(row.id): row for row in rows}
    assert set(by_id) == {result.entry.id for result in results}, "every verdict the door logged arrived"
    assert by_id[results[0].entry.id].person_key == stored_key(results[0].entry.person_key)
    assert by_id[results[2].entry.id].person_key == stored_key(results[2].entry.person_key)
    refusal = by_id[results[1].entry.id]
    assert refusal.verdict == "refuse" and refusal.person_key == "" and "CƯỜNG".encode() not in (refusal.sealed or b"")

    add_admin(engine, "quantri", "Cổng-bệnh-viện-2026")
    browser = requests.Session()
    assert log_in(browser, server.url, "quantri", "Cổng-bệnh-viện-2026").status_code == 200
    overview = browser.get(f"{server.url}/dashboard/", timeout=10)
    assert overview.status_code == 200 and kiosk.station.name in overview.text
