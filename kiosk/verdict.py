"""The kiosk's decision about one scan."""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.contract import Outcome
from kiosk.reasons import Reason

__all__ = ["Outcome", "SEVERITY", "Verdict"]


# How serious an outcome is, to pick the worst of several findings.
SEVERITY = {Outcome.ADMIT: 0, Outcome.WARN: 1, Outcome.REFUSE: 2}


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    reasons: tuple[Reason, ...] = ()
    # True when the same person was already checked in within the de-duplication window: no new entry. The
    # outcome is then what the guard does (ADMIT: let them through, as the entry logged then did; WARN: that
    # entry asked for a check, and its reason follows).
    repeat: bool = False
    # The server's watch-list note for this person, opened at the door ("Ca bệnh xác nhận — mời sang phòng
    # khám"), for the guard: the door screen shows it with this verdict and nothing else takes it. An entry
    # keeps the outcome and the reasons only (stored, uploaded, logged), so the note is never among them.
    note: str = field(default="", repr=False)
