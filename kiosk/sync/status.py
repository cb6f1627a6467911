"""The state of a kiosk's sync, and `describe`: the one sentence that states it, on the door's status line
and on the command line alike, in Vietnamese or English."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import Enum

from kiosk.reasons import Reason


class SyncState(str, Enum):
    NEVER = "never"  # no round has succeeded since the kiosk started
    ONLINE = "online"
    OFFLINE = "offline"
    UNCONFIGURED = "unconfigured"  # no server address or token in the settings


@dataclass(frozen=True)
class SyncStatus:
    """How the sync stands: what `describe` words."""

    state: SyncState
    waiting: int
    last_sync: datetime | None
    last_error: str | None
    held: int = 0


_HEADS = {
    SyncState.UNCONFIGURED: Reason("sync_off"),
    SyncState.NEVER: Reason("sync_connecting"),
    SyncState.ONLINE: Reason("sync_online"),
    SyncState.OFFLINE: Reason("sync_offline"),
}


def describe(status: SyncStatus, lang: str = "vi", zone: tzinfo | None = None) -> str:
    """'Ngoại tuyến — 37 lượt đang chờ gửi — đồng bộ lần cuối 08:12', 'online — last sync 08:12 — 2 held
    for the admin'. Entries waiting are always told when offline, otherwise when there are any; a kiosk
    with no server says only that. The time of the last sync is told in `zone` (None: the machine's zone)."""
    parts = [_HEADS[status.state]]
    if status.state is not SyncState.UNCONFIGURED and (status.waiting or status.state is SyncState.OFFLINE):
        parts.append(Reason("sync_waiting_one" if status.waiting == 1 else "sync_waiting", waiting=status.waiting))
    if status.last_sync is not None:
        at = status.last_sync.astimezone(zone).strftime("%H:%M")
        parts.append(Reason("sync_last" if status.state is SyncState.ONLINE else "sync_last_since", time=at))
    if status.held:
        parts.append(Reason("sync_held", held=status.held))
    return " — ".join(part.text(lang) for part in parts)
