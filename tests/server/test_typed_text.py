"""What an administrator types for the server to keep refuses characters a reader cannot see, through the
real command line: a U+202E in a station's name would reverse it on every kiosk screen and in exports."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from commands import kiosk_server
from server.tables import admins, stations, watch_list

pytestmark = pytest.mark.slow  # runs the real command line, a process per attempt

HIDDEN = ("\u202e", "\u200b", "\x01", "\ufeff")


@pytest.mark.parametrize("hidden", HIDDEN, ids=lambda ch: f"U+{ord(ch):04X}")
def test_station_names_locations_watch_entries_and_user_names_refuse_hidden_characters(
        database_url, engine, hidden):
    attempts = {
        "station name": ("station", "add", f"Cổng{hidden} A"),
        "location": ("station", "add", "Cổng Z", "--location", f"Sảnh{hidden} chính"),
        "note": ("watch", "add", "001099012345", "--note", f"ca{hidden} bệnh"),
        "watch-list key": ("watch", "add", f"0010990{hidden}12345"),
        "user name": ("admin", "add", f"quan{hidden}tri", "--password-stdin"),
    }
    for label, args in attempts.items():
        done = kiosk_server(database_url, *args, stdin="Mua-thu-Ha-Noi-2026\n")
        assert done.returncode == 1, (label, done.stdout, done.stderr)
        assert f"The {label} holds an invisible or control character (U+{ord(hidden):04X})" in done.stderr
        assert "Traceback" not in done.stderr
    with engine.connect() as conn:
        for table, column in ((stations, stations.c.name), (stations, stations.c.location),
                              (watch_list, watch_list.c.masked), (watch_list, watch_list.c.person_key),
                              (admins, admins.c.username)):
            assert not [v for v in conn.execute(sa.select(column)).scalars() if hidden in v], column
        assert conn.execute(sa.select(sa.func.count()).select_from(watch_list)).scalar() == 0
