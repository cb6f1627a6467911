"""The waiting hall of a hospital's internal medicine department, where the visit and trace tests scan: its
place, its zone, and a clock set to times of its day."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
HALL = "Sảnh chờ khoa Nội"
MORNING = datetime(2026, 3, 2, 8, 0, tzinfo=VIETNAM)  # 08:00 in Hà Nội


class Clock:
    def __init__(self, start: datetime = MORNING) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def at(self, hour: int, minute: int = 0, day: int = 0) -> "Clock":
        """`hour`:`minute` in the hall, `day` days after the first morning."""
        self.now = (MORNING + timedelta(days=day)).replace(hour=hour, minute=minute)
        return self
