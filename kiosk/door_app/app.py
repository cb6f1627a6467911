"""`DoorApp`: the running door, without Qt. The window and the headless door both drive one.

It owns the settings (the station's own, with the server's pushed settings on top: `Station` merges them,
nowhere else does), the station (and with it the door's direction), the door screen's state, the PIN
lock, sync, config reload, the retention schedule, the verdict signal and saving settings. It reports what
happened to its listeners as events (`kiosk.door_app.events`) and decides what a settings change restarts.

Threading: build it on any thread, then call every method from one thread only, the door thread (the
window's "door" QThread, the headless door's main thread); listeners are called on that thread. Database
work happens there, never on a GUI thread. `post(work)` must run `work` later on the door thread: the sync
thread uses it to hand over finished rounds and new configs. The station itself may also be used by a
camera thread (`ScanLoop` calls `station.check_text`); its results come back through `show_result`.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Callable

from kiosk import secret_store
from kiosk.admin_pin import PinLock
from kiosk.decoding.visit_timing import VisitFigures
from kiosk.door_app.events import (
    AdminFailed,
    CameraStateChanged,
    CountsChanged,
    DoorEvent,
    EntriesLoaded,
    Exported,
    Listener,
    Purged,
    SettingsChanged,
    SyncChanged,
    Traced,
    TraceRefused,
    VerdictShown,
    ViewChanged,
    WalkInAnswered,
)
from kiosk.door_app.signal import VerdictSignal
from kiosk.door_screen import CameraState, DoorScreen, Look, SyncState, station_label
from kiosk.entry import Direction, Source, utc_now
from kiosk.errors import INTERNAL_ERROR, KioskError
from kiosk.export import export_csv
from kiosk.messages import Message
from kiosk.reasons import Reason
from kiosk.retention import RetentionSchedule, purge_expired
from kiosk.scanner_input import mangled_reason
from kiosk.settings import Settings, is_demo_camera, save_changes
from kiosk.station import Counts, ScanResult, Station
from kiosk.station_config import StationConfig, load_station_config
from kiosk.store import Store, StoreError
from kiosk.sync import SyncClient, SyncWorker
from kiosk.trace_here import trace_here
from kiosk.tracing.request import TraceProblem

log = logging.getLogger(__name__)

Post = Callable[[Callable[[], None]], None]
# A verdict is never cut short: a timer that fires this much early still lets it go.
TICK_GRACE = 0.005
REHEARSAL = Message("start.rehearsal")
DEMO_NEXT_START = Message("start.demo-next-start")


class DoorApp:
    """The running door (see the module's docstring for who calls what on which thread)."""

    def __init__(self, settings: Settings, store: Store, post: Post, settings_file: Path | None = None,
                 clock: Callable[[], datetime] = utc_now, monotonic: Callable[[], float] = time.monotonic,
                 pin_clock: Callable[[], float] = time.monotonic, zone: tzinfo | None = None) -> None:
        """`settings` are the station's own for this run (`--source`, `--db` included: only what changes
        later is written to `settings_file`). `clock` is the scan time, `monotonic` the verdicts' and the
        purge schedule's, `pin_clock` the PIN lock's. `zone` is the door's time zone, the one place the
        station's day, the reasons' times and the screen's times come from (None: the machine's zone)."""
        self.store = store
        self.zone = zone
        self._post = post
        self._settings_file = settings_file
        self._monotonic = monotonic
        self._clock = clock
        # A rehearsal (demo mode) runs on its own database (kiosk.settings.database_path) and never syncs;
        # a run is one or the other from start to end, whatever the admin form sets.
        self._rehearsal = settings.demo_mode
        self._local = settings
        self.station = Station(settings, store, clock=clock, zone=zone)
        self.pin_lock = PinLock(settings.admin_pin_hash, clock=pin_clock)
        self.door = DoorScreen(settings.reset_seconds, settings.language, station_label(settings), zone=zone,
                               demo_mode=settings.demo_mode, direction=self.station.direction)
        self.door.start_notices = (REHEARSAL,) if self._rehearsal else ()
        self.signal = VerdictSignal(settings)
        self._retention = RetentionSchedule(store, monotonic=monotonic, clock=clock)
        self._listeners: list[Listener] = []
        self._sync: _SyncRun | None = None
        self._counts: Counts | None = None
        self._sync_state: SyncState | None = None

    # --- what the driver asks -----------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    @property
    def settings(self) -> Settings:
        """What the door runs with: the station's own settings with the server's pushed ones on top."""
        return self.station.settings

    @property
    def local_settings(self) -> Settings:
        """The station's own settings (what the admin form shows and edits)."""
        return self._local

    @property
    def direction(self) -> Direction:
        return self.station.direction

    def start(self) -> None:
        """Read what the server pushed last, start syncing, purge what is due, report the first state; the
        log says once if the station secret lies unprotected on this disk."""
        secret_store.log_warning()
        if not self._rehearsal:
            self._sync = _SyncRun(self._local, self.store, self._sync_round_done, self._sync_config_arrived)
        self.reload_config()
        self._emit(CameraStateChanged(self.door.camera))

    def close(self) -> None:
        """Stop syncing (a request on the wire ends by its own timeout; what was not sent stays queued)."""
        if self._sync is not None:
            self._sync.close()
            self._sync = None

    def reload_config(self) -> None:
        """The station config the server sent (stored by sync) or the imported trust list changed."""
        try:
            config = load_station_config(self.store)
        except KioskError as error:
            log.error("station config not read: %s", error)
            config = self.station.config
        self._apply(config, self._local)
        self.refresh()

    def apply_settings(self, settings: Settings) -> None:
        """New settings from the admin: saved (what changed), applied at once, sync restarted if its server
        or token changed; the camera is restarted by the driver when `SettingsChanged` says so."""
        before = self._local
        self._save(settings)
        settings = self._this_run(settings)
        if self._sync is not None and _sync_key(before) != _sync_key(settings):
            self._sync.close()
            self._sync = _SyncRun(settings, self.store, self._sync_round_done, self._sync_config_arrived)
        self._apply(self.station.config, settings)
        self.refresh()

    def set_language(self, language: str) -> None:
        """The guard's choice, kept in the settings file; a pushed language wins again at its next change."""
        self.door.language = language
        chosen = self._local.replace(language=language)
        self._save(chosen)
        self._apply(self.station.config, chosen, force=True)

    def show_start_notice(self, notice: Message) -> None:
        """What the admin should fix since the start (a settings file that needed help): it stays on the
        status line for the whole run."""
        self._notice(notice)

    def toggle_language(self) -> None:
        self.set_language("en" if self.door.language == "vi" else "vi")

    def toggle_direction(self) -> None:
        self.station.toggle_direction()
        self._render()

    def scanner_text(self, text: str) -> None:
        """A complete scan from a handheld scanner."""
        reason = mangled_reason(text)
        if reason is not None:
            self.show_problem(reason)
        else:
            self.show_result(self.station.check_text(text, Source.SCANNER))

    def check_text(self, text: str, source: Source) -> None:
        self.show_result(self.station.check_text(text, source))

    def check_manual(self, name: str, phone: str, id_number: str = "", note: str = "") -> None:
        self.show_result(self.station.check_manual(name, phone, id_number, note))

    def show_result(self, result: ScanResult) -> None:
        """A decision (from any source, the camera's included) goes on screen and out as a signal."""
        look = self.door.show_result(result, self._monotonic())
        self._shown(result, look)
        if result.entry is not None and self._sync is not None:
            self._sync.wake()
        self.refresh()

    def show_problem(self, reason: Reason) -> None:
        """A scan that never reached the policy (mangled by an input method)."""
        self._shown(None, self.door.show_problem(reason, self._monotonic()))

    def camera_changed(self, state: CameraState) -> None:
        if state is self.door.camera:
            return
        self.door.camera = state
        self._emit(CameraStateChanged(state))
        self._render()

    def visits_changed(self, figures: VisitFigures) -> None:
        """The camera's per-visit figure (kiosk.pipeline.VisitsChanged), for the status line."""
        self.door.visits = figures
        self._render()

    def tick(self) -> None:
        """Let an expired verdict go (call it at `VerdictShown.reset_at`, or often); purge if due; follow
        the meeting plan when a session opened or ended since."""
        if self.door.tick(self._monotonic() + TICK_GRACE):
            self._render()
        self._retention.run_if_due(self.settings.retention_days)
        if self.station.moment() != self.door.meeting:
            self.refresh()

    def refresh(self) -> None:
        """Counts, sync state and the authority key's notice (call every few seconds); purge if due."""
        self._retention.run_if_due(self.settings.retention_days)
        try:
            counts = self.station.counts()
            sync = self._sync.state() if self._sync is not None else SyncState()
        except KioskError as error:  # the status line keeps its last numbers; scanning goes on
            log.error("counts not refreshed: %s", error)
            return
        changed = False
        moment = self.station.moment()  # a session opens or ends with the time alone
        if moment != self.door.meeting:
            self.door.meeting = moment
            changed = True
        authority = self.station.config.authority.notice(self._clock())  # it may change with the date alone
        if authority != self.door.authority:
            self.door.authority = authority
            changed = True
        if counts != self._counts:
            self._counts = self.door.counts = counts
            self._emit(CountsChanged(counts))
            changed = True
        if sync != self._sync_state:
            self._sync_state = self.door.sync = sync
            self._emit(SyncChanged(sync))
            changed = True
        if changed:
            self._render()

    # --- the admin's requests -----------------------------------------------------------------------

    def add_walk_in(self) -> None:
        """Behind the PIN: add the last person found not on the list to the session as a walk-in (within
        two minutes of their scan, and before the next one); the entry's verdict goes on the screen."""
        result = self.station.add_walk_in()
        if result is None:
            self._emit(WalkInAnswered(False, Reason("meeting.walk-in-none").text(self.door.language)))
            return
        self._emit(WalkInAnswered(True, Reason("meeting.walk-in-done").text(self.door.language)))
        self.show_result(result)

    def load_entries(self, search: str = "", limit: int = 200) -> None:
        try:
            self._emit(EntriesLoaded(self.store.entries(search=search or None, limit=limit)))
        except KioskError as error:
            self._admin_failed(error)

    def export(self, path: str, who: str) -> None:
        try:
            count = export_csv(self.store, Path(path), who)
        except KioskError as error:
            self._admin_failed(error)
            return
        self._emit(Exported(count, path))

    def purge(self) -> None:
        """Purge now with the retention in force (the server's, when it pushed one)."""
        try:
            removed = purge_expired(self.store, self.settings.retention_days)
        except KioskError as error:
            self._admin_failed(error)
            return
        self._emit(Purged(removed))
        self.refresh()

    def trace(self, person: str, since: datetime | None, until: datetime | None, min_minutes: float,
              padding: bool, reason: str) -> None:
        """Trace `person` at this kiosk for case `reason` (kiosk.trace_here, recorded in the trace audit as
        asked from the screen). It runs on a thread of its own: a guard's hundreds of visits take a while,
        and the store lets the door's scans in between the trace's queries. The answer comes back on the
        door thread as `Traced`, or `TraceRefused` with the sentence to show."""
        settings, now = self.settings, self._clock()

        def work() -> None:
            try:
                answer: DoorEvent = Traced(trace_here(
                    self.store, settings, person, since=since, until=until, min_minutes=min_minutes,
                    padding=padding, who="screen", reason=reason, now=now))
            except TraceProblem as problem:
                answer = TraceRefused(problem.message)
            except StoreError as error:
                answer = TraceRefused(error.reason)
            except Exception as error:  # a bug must not leave the admin waiting; its text may name the person
                log.error("trace failed: %s\n%s", type(error).__name__,
                          "".join(traceback.format_tb(error.__traceback__)))
                answer = TraceRefused(INTERNAL_ERROR)
            self._post(lambda: self._emit(answer))

        threading.Thread(target=work, name="trace", daemon=True).start()

    # --- inside -------------------------------------------------------------------------------------

    def _admin_failed(self, error: KioskError) -> None:
        """Tell the admin in the screen's language, when the error says it in both (a full disk, an export
        file that cannot be written)."""
        reason = getattr(error, "reason", None)
        self._emit(AdminFailed(reason.text(self.door.language) if isinstance(reason, Reason) else str(error)))

    def _apply(self, config: StationConfig, local: Settings, force: bool = False) -> None:
        before_local, before = self._local, self.station.settings
        self._local = local
        self.station.reconfigure(config, local)
        after = self.station.settings
        if after == before and local == before_local and not force:
            return
        self.pin_lock.set_hash(local.admin_pin_hash)
        self.signal.configure(local)
        self.door.reset_seconds = after.reset_seconds
        self.door.station = station_label(after)
        self.door.demo_mode = after.demo_mode
        if after.language != before.language:
            self.door.language = after.language
        restart = (after.camera, after.camera_backend) != (before.camera, before.camera_backend)
        self._emit(SettingsChanged(local, after, self.door.language, restart))
        self._render()

    def _this_run(self, settings: Settings) -> Settings:
        """What the door can run with now: a rehearsal stays a rehearsal, and a camera named "demo" chosen
        at a real door waits for the next start (which will be a rehearsal, on its own database)."""
        if not self._rehearsal and is_demo_camera(settings.camera):
            self._notice(DEMO_NEXT_START)
            settings = settings.replace(camera=self._local.camera)
        return settings.replace(demo_mode=self._rehearsal)

    def _notice(self, notice: Message) -> None:
        if notice not in self.door.start_notices:
            self.door.start_notices = (*self.door.start_notices, notice)
            self._render()

    def _save(self, settings: Settings) -> None:
        """Write what changed since the settings in use into the settings file (`_apply` then puts them in
        use); the door keeps working with them in memory if the disk refuses."""
        try:
            save_changes(self._local, settings, self._settings_file)
        except (KioskError, OSError) as error:
            log.error("settings not saved: %s", error)

    def _shown(self, result: ScanResult | None, look: Look) -> None:
        self.signal.send(look.signal, result.direction if result is not None else self.direction)
        self._emit(VerdictShown(result, look, self.door.reset_deadline or self._monotonic()))
        self._render()

    def _render(self) -> None:
        self.door.direction = self.direction
        self._emit(ViewChanged(self.door.view(), self.door.status(self.direction)))

    def _emit(self, event: DoorEvent) -> None:
        for listener in self._listeners:
            listener(event)

    # Called on the sync thread: only hand over to the door thread.
    def _sync_round_done(self) -> None:
        self._post(self.refresh)

    def _sync_config_arrived(self) -> None:
        self._post(self.reload_config)


def _sync_key(settings: Settings) -> tuple[str, str, str]:
    return settings.server_url, settings.server_token, settings.station_name


class _SyncRun:
    """The sync worker for one server address and token, on its own daemon thread; `on_round` and
    `on_config` are called on that thread when a round ends and when a new station config arrived."""

    def __init__(self, settings: Settings, store: Store, on_round: Callable[[], None],
                 on_config: Callable[[], None]) -> None:
        client = SyncClient(store, settings, on_config=lambda _document: on_config())
        self._worker = SyncWorker(client, on_round=lambda _report: on_round())
        if client.configured:
            self._worker.start()

    def state(self) -> SyncState:
        return SyncState.from_status(self._worker.status())

    def wake(self) -> None:
        self._worker.wake()

    def close(self) -> None:
        self._worker.stop(timeout=0)
