"""Settings for a test door: a known PIN, a watch list that makes one sample person a warning."""

from kiosk.admin_pin import hash_pin
from kiosk.credentials.examples import BINH
from kiosk.settings import Settings

PIN = "2468"
PIN_HASH = hash_pin(PIN)


def door_settings(**changes) -> Settings:
    settings = Settings(station_name="Cổng A", admin_pin_hash=PIN_HASH, reset_seconds=30.0,
                        watch_list=(f"qid:{BINH.qid}",), watch_action="warn", language="vi")
    return settings.replace(**changes)
