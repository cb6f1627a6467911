"""What the door screen shows, decided without Qt: the window only paints a `DoorView` and a `StatusView`.

One verdict at a time fills the screen (colour, icon, one word, the reason, the masked name, the time, and
the server's watch-list note for that person when there is one, which only the screen ever takes) and
gives way to "ready" by itself after `reset_seconds`; a new scan replaces it at once. Without a verdict the
screen shows the camera's trouble if it has one, else "ready" (with the offline notice when the server
cannot be reached). Colour is never the only signal: every look has its own icon, word and sound.
The direction is on the verdict itself: an exit has its own look (colour, icon, word; "no entry today" when
the person leaving never came in), and the ready screen of an exit door says it is the exit. A repeat says
what to do (let them through), and an entry typed in by the guard does not claim that a code was read.
In demo mode every view carries the demo banner, so nobody mistakes a rehearsal for a door.

In meeting mode (kiosk.meeting_door) a verdict also shows the participant's organisation and seat under
the name, "not on the list" / "not open yet" / "ended" are the verdict's word, the ready screen and the
status line name the session of the moment (or the next one), and the counts are the session's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from enum import Enum
from typing import TYPE_CHECKING

from kiosk.credentials.manual import FORMAT as MANUAL_FORMAT
from kiosk.decoding.visit_timing import VisitFigures
from kiosk.entry import Direction
from kiosk.frames.base import SourceStatus
from kiosk.meeting_door import ENDED, NOT_LISTED, NOT_OPEN_YET
from kiosk.meetings.plan import Moment, MomentKind
from kiosk.messages import Message
from kiosk.policy import local_time
from kiosk.reasons import DEMO_MODE_ENTRY, EXIT_WITHOUT_ENTRY, Reason
from kiosk.settings import Settings
from kiosk.sync import SyncState as RoundState
from kiosk.sync import SyncStatus, describe
from kiosk.verdict import Outcome

from kiosk.station import Counts

if TYPE_CHECKING:
    from kiosk.station import ScanResult


class ScreenState(str, Enum):
    READY = "ready"
    VERDICT = "verdict"
    CAMERA_DISCONNECTED = "camera_disconnected"
    OFFLINE = "offline"


class CameraState(str, Enum):
    STARTING = "starting"
    RUNNING = "running"
    DISCONNECTED = "disconnected"


def camera_state(status: SourceStatus) -> CameraState:
    """What the screen shows of a frame source's status: a video that ran out is a camera that is gone."""
    return _CAMERA_STATES[status]


_CAMERA_STATES = {
    SourceStatus.STARTING: CameraState.STARTING,
    SourceStatus.LIVE: CameraState.RUNNING,
    SourceStatus.DISCONNECTED: CameraState.DISCONNECTED,
    SourceStatus.ENDED: CameraState.DISCONNECTED,
}


class SyncKind(str, Enum):
    NOT_CONFIGURED = "not_configured"
    CONNECTING = "connecting"  # configured, no answer from the server yet
    ONLINE = "online"
    OFFLINE = "offline"


@dataclass(frozen=True)
class SyncState:
    kind: SyncKind = SyncKind.NOT_CONFIGURED
    waiting: int = 0
    last_sync: datetime | None = None
    held: int = 0  # entries the server failed on, kept aside for the admin (`kiosk sync --held`)

    @classmethod
    def from_status(cls, status: SyncStatus) -> "SyncState":
        """What the screen shows of the sync worker's status."""
        return cls(_SYNC_KINDS[status.state], waiting=status.waiting, last_sync=status.last_sync,
                   held=status.held)


_SYNC_KINDS = {
    RoundState.UNCONFIGURED: SyncKind.NOT_CONFIGURED,
    RoundState.NEVER: SyncKind.CONNECTING,
    RoundState.ONLINE: SyncKind.ONLINE,
    RoundState.OFFLINE: SyncKind.OFFLINE,
}


def station_label(settings: Settings) -> str:
    """The station's name and location as the top bar shows them."""
    return " — ".join(part for part in (settings.station_name, settings.location) if part)


@dataclass(frozen=True)
class Look:
    """How one kind of screen looks and sounds. `icon` and `sound` name files in resources/. `signal` is what
    the door's signal gets for it (kiosk.door_app.signal: admit, warn, refuse, repeat, scanner; the README
    names them): an exit lets the person through as an admission does, so a relay opens for both."""

    name: str
    background: str
    foreground: str
    icon: str
    sound: str | None
    signal: str = ""

    def __post_init__(self) -> None:
        if not self.signal:
            object.__setattr__(self, "signal", self.name)


# Five verdict colours a guard tells apart at a glance, colour-blind too (green and red differ by icon and
# word; the others by lightness and by the blue-yellow axis): dark green admit, purple exit, light blue
# "already in, let through", amber check, red stop. Every look keeps a 7:1 contrast (tests check it).
READY = Look("ready", "#0D1B2A", "#FFFFFF", "ready", None)
# The ready screen of a door set to exit: its own dark purple and the exit's icon, so that nobody takes the
# exit for the entrance.
READY_EXIT = Look("ready_exit", "#2A0B45", "#FFFFFF", "exit", None)
ADMIT = Look("admit", "#1B5E20", "#FFFFFF", "admit", "admit")
EXIT = Look("exit", "#4A148C", "#FFFFFF", "exit", "admit", signal="admit")
WARN = Look("warn", "#FFC107", "#000000", "warn", "warn")
REFUSE = Look("refuse", "#A50E0E", "#FFFFFF", "refuse", "refuse")
REPEAT = Look("repeat", "#81D4FA", "#000000", "repeat", "repeat")
SCANNER_PROBLEM = Look("scanner", "#FFC107", "#000000", "scanner", "warn")
CAMERA_OFF = Look("camera_off", "#37474F", "#FFFFFF", "camera_off", None)
LOOKS = (READY, READY_EXIT, ADMIT, EXIT, WARN, REFUSE, REPEAT, SCANNER_PROBLEM, CAMERA_OFF)

# The demo stripe across the top of every look: dark text on a light stripe edged in black, so that it
# stands apart from the dark looks by its colour and from the bright ones by its edge.
DEMO_STRIPE_BACKGROUND = "#F3E5F5"
DEMO_STRIPE_FOREGROUND = "#4A148C"
DEMO_STRIPE_EDGE = "#000000"


WORD_READY = Reason("ready")
WORD_READY_EXIT = Reason("ready_out")
WORD_ADMIT_IN = Reason("admit_in")
WORD_ADMIT_OUT = Reason("admit_out")
WORD_EXIT_WITHOUT_ENTRY = Reason("exit_without_entry")
WORD_WARN = Reason("warn")
WORD_REFUSE = Reason("refuse")
WORD_REPEAT = Reason("repeat")
WORD_REPEAT_OUT = Reason("repeat_out")
WORD_SCANNER = Reason("scanner")
WORD_CAMERA_OFF = Reason("camera_off")

# The verdict's word when the meeting's finding decided it (its first reason).
MEETING_WORDS = {NOT_LISTED: Reason("meeting.word.not-listed"), NOT_OPEN_YET: Reason("meeting.word.not-open-yet"),
                 ENDED: Reason("meeting.word.ended")}

HINT_READY = Reason("hint_ready")
HINT_READY_EXIT = Reason("hint_ready_out")
HINT_CAMERA_OFF = Reason("hint_camera_off")
# The line under an admission that has no reason of its own: a code read, or details typed in by the guard
# (no code was read), entering or leaving.
HINTS = {(False, Direction.IN): Reason("hint_admit"), (False, Direction.OUT): Reason("hint_exit"),
         (True, Direction.IN): Reason("hint_manual"), (True, Direction.OUT): Reason("hint_manual_out")}
DEMO_BANNER = Reason("demo_mode")


@dataclass(frozen=True)
class DoorView:
    """Everything the big area of the screen shows, already in the chosen language."""

    state: ScreenState
    look: Look
    word: str
    reason: str
    name: str = ""
    time: str = ""
    notice: str = ""  # one extra line, e.g. "offline — 37 entries waiting" on the ready screen
    banner: str = ""  # the demo-mode stripe, on every look while demo mode is on
    # The server's watch-list note for the person of this verdict (kiosk.verdict.Verdict.note), as written:
    # on the screen only, for the guard, for as long as the verdict is shown; never stored, logged or sent.
    watch_note: str = field(default="", repr=False)
    details: str = ""  # under the name in meeting mode: the participant's organisation and seat
    meeting: str = ""  # on the ready screen in meeting mode: the session now, or the next one


@dataclass(frozen=True)
class StatusView:
    """The always-visible line: mode, counts, camera, sync, station, in the chosen language."""

    mode: str
    entry_mode: bool
    inside: str
    today: str
    full: bool
    camera: str
    camera_ok: bool
    sync: str
    sync_ok: bool
    station: str
    # What the health authority's key needs (kiosk.authority_pin.AuthorityState.notice: changed, none yet,
    # running out), for the guard to pass on; "" when all is well.
    authority: str = ""
    # The session of the moment (or the next one, or the day's last), "" at an ordinary door. The ready
    # screen shows it too (`DoorView.meeting`), where a long session name can wrap.
    meeting: str = ""
    # What the admin should fix since the start (a settings file that needed help) and that this run is a
    # rehearsal (kiosk.door_app.app): it stays for the whole run; "" when there is nothing.
    start_notice: str = ""


@dataclass(frozen=True)
class _Shown:
    look: Look
    word: Reason
    reasons: tuple[Reason, ...]
    name: str
    at: datetime | None
    until: float
    notice: Reason | None = None
    watch_note: str = field(default="", repr=False)
    details: str = ""
    # At an exit, a look that does not say "out" by itself (a check, a refusal) names the door on its time line.
    door: Reason | None = None


class DoorScreen:
    """The state of the door screen. Times passed to `show_*` and `tick` are monotonic seconds."""

    def __init__(
        self,
        reset_seconds: float = 4.0,
        language: str = "vi",
        station: str = "",
        zone: tzinfo | None = None,
        demo_mode: bool = False,
        direction: Direction = Direction.IN,
    ) -> None:
        """`zone` is the one times are shown in (None: the machine's zone). `direction` is the door's, for the
        ready screen (the station keeps it; DoorApp tells this screen whenever it draws)."""
        self.reset_seconds = reset_seconds
        self.direction = direction
        self.demo_mode = demo_mode
        self.language = language
        self.station = station
        self.camera = CameraState.STARTING
        self.sync = SyncState()
        self.counts = Counts(0, 0, None)
        self.authority: Message | None = None  # the authority key's notice (`StatusView.authority`), if any
        self.meeting = Moment(MomentKind.NONE)  # the meeting plan's moment (Station.moment), kept by DoorApp
        self.start_notices: tuple[Message, ...] = ()  # `StatusView.start_notice`, kept by DoorApp
        self.visits: VisitFigures | None = None  # the camera's per-visit figure, kept by DoorApp
        self._zone = zone
        self._shown: _Shown | None = None

    # --- what happened -------------------------------------------------------------------------

    def show_result(self, result: ScanResult, now: float) -> Look:
        """Put a scan's verdict on screen (replacing any other); returns its look, for the sound."""
        verdict = result.verdict
        # The demo banner already says that the demo's keys are trusted: the line keeps the real reason.
        reasons = tuple(reason for reason in verdict.reasons if reason.code != DEMO_MODE_ENTRY.code)
        entering = result.direction is Direction.IN
        if verdict.repeat and verdict.outcome is Outcome.ADMIT:
            # Already let through within the window: let them through again. The policy's reason says when
            # ("Already checked in at 08:15"). A repeat of a warned entry is a warning again (below).
            look = REPEAT
            word = WORD_REPEAT if entering else WORD_REPEAT_OUT
        elif verdict.outcome is Outcome.ADMIT:
            look = ADMIT if entering else EXIT
            word = WORD_ADMIT_IN if entering else WORD_ADMIT_OUT
            if not entering and EXIT_WITHOUT_ENTRY in reasons:
                word = WORD_EXIT_WITHOUT_ENTRY
            manual = result.credential is not None and result.credential.format == MANUAL_FORMAT
            reasons = reasons or (HINTS[manual, result.direction],)
        elif verdict.outcome is Outcome.WARN:
            look, word = WARN, WORD_WARN
        else:
            look, word = REFUSE, WORD_REFUSE
            if not reasons and result.refusal is not None:
                reasons = (result.refusal.reason,)
        if look in (WARN, REFUSE) and reasons and reasons[0].code in MEETING_WORDS:
            word = MEETING_WORDS[reasons[0].code]
        notice = result.store_problem  # short, in the screen's language (kiosk.station.not_saved)
        card = result.participant
        details = " · ".join(part for part in (card.organisation, card.group) if part) if card else ""
        door = Reason("mode_out") if not entering and look in (WARN, REFUSE) else None
        self._shown = _Shown(look, word, reasons, result.display_name, result.scanned_at,
                             now + self.reset_seconds, notice, verdict.note, details, door)
        return look

    def show_problem(self, reason: Reason, now: float) -> Look:
        """A scan that never reached the policy (e.g. mangled by an input method)."""
        self._shown = _Shown(SCANNER_PROBLEM, WORD_SCANNER, (reason,), "", None, now + self.reset_seconds)
        return SCANNER_PROBLEM

    def tick(self, now: float) -> bool:
        """Let an expired verdict go; True when that changed the screen."""
        if self._shown is not None and now >= self._shown.until:
            self._shown = None
            return True
        return False

    @property
    def reset_deadline(self) -> float | None:
        return None if self._shown is None else self._shown.until

    @property
    def state(self) -> ScreenState:
        if self._shown is not None:
            return ScreenState.VERDICT
        if self.camera is CameraState.DISCONNECTED:
            return ScreenState.CAMERA_DISCONNECTED
        if self.sync.kind is SyncKind.OFFLINE:
            return ScreenState.OFFLINE
        return ScreenState.READY

    # --- what to show --------------------------------------------------------------------------

    def view(self) -> DoorView:
        lang = self.language
        state = self.state
        shown = self._shown
        banner = DEMO_BANNER.text(lang) if self.demo_mode else ""
        if shown is not None:
            time = shown.at.astimezone(self._zone).strftime("%H:%M:%S") if shown.at else ""
            if shown.door is not None:
                time = f"{shown.door.text(lang)} · {time}"
            reason = " · ".join(r.text(lang) for r in shown.reasons[:2])
            notice = shown.notice.text(lang) if shown.notice else ""
            return DoorView(state, shown.look, shown.word.text(lang), reason, shown.name, time, notice, banner,
                            shown.watch_note, details=shown.details)
        meeting = self._meeting_text()
        if state is ScreenState.CAMERA_DISCONNECTED:
            return DoorView(state, CAMERA_OFF, WORD_CAMERA_OFF.text(lang), HINT_CAMERA_OFF.text(lang),
                            notice=self._sync_text() if self.sync.kind is SyncKind.OFFLINE else "", banner=banner,
                            meeting=meeting)
        notice = self._sync_text() if state is ScreenState.OFFLINE else ""
        if self.direction is Direction.OUT:
            look, word, hint = READY_EXIT, WORD_READY_EXIT, HINT_READY_EXIT
        else:
            look, word, hint = READY, WORD_READY, HINT_READY
        return DoorView(state, look, word.text(lang), hint.text(lang), notice=notice, banner=banner, meeting=meeting)

    def status(self, direction: Direction) -> StatusView:
        """The status line for a door set to `direction` (kept by the station, not here)."""
        lang = self.language
        entry_mode = direction is Direction.IN
        mode = Reason("mode_in") if entry_mode else Reason("mode_out")
        counts = self.counts
        inside = str(counts.inside) if counts.capacity is None else f"{counts.inside}/{counts.capacity}"
        in_session = counts.session is not None
        return StatusView(
            mode=mode.text(lang),
            entry_mode=entry_mode,
            inside=Reason("meeting.inside" if in_session else "inside", count=inside).text(lang),
            today=Reason("meeting.arrived" if in_session else "today", count=counts.today).text(lang),
            full=counts.capacity is not None and counts.inside >= counts.capacity,
            camera=self._camera_text(),
            camera_ok=self.camera is CameraState.RUNNING,
            sync=self._sync_text(),
            sync_ok=self.sync.kind is not SyncKind.OFFLINE,
            station=self.station,
            authority=self.authority.text(lang) if self.authority else "",
            meeting=self._meeting_text(),
            start_notice=" ".join(notice.text(lang) for notice in self.start_notices),
        )

    def _camera_text(self) -> str:
        """"Camera: đọc 46/47 lượt · trung vị 180 ms" while it runs and has seen visits (the share of the
        latest visits, a code in view, that were read, and the median time from the code in view to the
        verdict), else "Camera: đang chạy" and the like. Short: the bar holds sync and buttons too."""
        visits = self.visits
        if self.camera is not CameraState.RUNNING or visits is None or not visits.visits:
            return _CAMERA_TEXT[self.camera].text(self.language)
        text = Reason("camera_visits", read=visits.read, visits=visits.visits).text(self.language)
        if visits.median_ms_to_verdict is None:
            return text
        return f"{text} · {Reason('camera_verdict_ms', ms=round(visits.median_ms_to_verdict)).text(self.language)}"

    def _meeting_text(self) -> str:
        """"Phiên toàn thể — Hội trường A · 08:30–11:30", "Chưa mở: Phiên chiều mở lúc 13:30", ... or ""."""
        moment, zone = self.meeting, self._zone
        session = moment.session
        if session is None:
            return ""
        if moment.kind is MomentKind.NOT_YET:
            return Reason("meeting.next", session=session.name, at=local_time(session.opens, zone)).text(self.language)
        if moment.kind is MomentKind.ENDED:
            return Reason("meeting.over", session=session.name, at=local_time(session.end, zone)).text(self.language)
        hours = f"{local_time(session.start, zone)}–{local_time(session.end, zone)}"
        place = f"{session.name} — {session.room}" if session.room else session.name
        return f"{place} · {hours}"

    def _sync_text(self) -> str:
        sync = self.sync
        state = next(state for state, kind in _SYNC_KINDS.items() if kind is sync.kind)
        status = SyncStatus(state, sync.waiting, sync.last_sync, last_error=None, held=sync.held)
        return describe(status, self.language, self._zone)


_CAMERA_TEXT = {
    CameraState.STARTING: Reason("camera_starting"),
    CameraState.RUNNING: Reason("camera_running"),
    CameraState.DISCONNECTED: Reason("camera_lost"),
}


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two #RRGGBB colours (7:1 is the AAA level we require)."""
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
