"""Made-up entries for store and sync tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from kiosk.entry import Direction, Entry, Source, new_entry_id
from kiosk.reasons import inline
from kiosk.verdict import Outcome

# 08:15 in Hà Nội two days ago: recent enough for the server, which refuses entries older than its
# retention window, and in the past even for the 100,000 entries a second apart of bench/sync.py.
T0 = (datetime.now(timezone.utc) - timedelta(days=2)).replace(hour=1, minute=15, second=0, microsecond=0)


def make_entry(n: int = 0, *, at: datetime | None = None, direction: Direction = Direction.IN,
               verdict: Outcome = Outcome.ADMIT, person: str | None = None, station: str = "Cổng A") -> Entry:
    return Entry(
        id=new_entry_id(),
        scanned_at=at or T0 + timedelta(seconds=n),
        station=station,
        direction=direction,
        source=Source.CAMERA,
        format="vn-qr",
        person_key=person or f"qid:1629{n:014d}",
        display_name="NGUYEN V** A*",
        fields={"name": "NGUYEN VAN AN", "phone": "0912345678", "birth_date": "1990-01-31"},
        verdict=verdict,
        reasons=(inline("test.note", "Ghi chú thử", "Test note"),),
    )
