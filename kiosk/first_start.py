"""First start: the station's name, the admin PIN and the camera are chosen by a person, not defaulted."""

from __future__ import annotations

from kiosk.admin_pin import new_pin_hash
from kiosk.reasons import Reason
from kiosk.settings import Settings, chosen_camera, is_demo_camera

NAME_MISSING = Reason("setup_name")


class SetupError(ValueError):
    """A choice in the setup that cannot be used; `reason` says why in both languages."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason.en)
        self.reason = reason


def offered_camera(settings: Settings) -> str:
    """The camera the setup offers: the station's, or the first real camera; never the demo, which a person
    may still type (and which then makes every start a rehearsal)."""
    return Settings.camera if is_demo_camera(settings.camera) else settings.camera


def first_start_settings(settings: Settings, station_name: str, pin: str, pin_repeat: str,
                         camera: str) -> Settings:
    """The settings after setup. Raises SetupError for a missing name, PinError for an unusable PIN."""
    name = station_name.strip()
    if not name:
        raise SetupError(NAME_MISSING)
    return settings.replace(station_name=name, admin_pin_hash=new_pin_hash(pin, pin_repeat, required=True),
                            camera=chosen_camera(camera))
