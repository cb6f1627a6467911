"""One sync round (`SyncClient.run_once`): the upload (`kiosk.sync.upload`), then the station's configuration
downloaded with If-None-Match.

A stopped upload does not skip the download (the watch list, revocations and keys must keep coming) unless
the failure would stop the download as well (`RoundStopped.whole_server`: no connection, TLS, a refused
token, a wrong address, "busy" or a page that is not the server's).

Every round that reaches the configuration also settles which health authority key set the station seals
to (kiosk.authority_pin): a changed `authority_fingerprint` setting takes effect at the next round even when
the server's document did not change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

import requests

from kiosk import authority_pin
from kiosk.entry import format_utc, utc_now
from kiosk.settings import Settings
from kiosk.station_config import META_SERVER_CONFIG, META_SERVER_CONFIG_ETAG
from kiosk.store import Store, StoreError
from kiosk.sync import protocol
from kiosk.sync.protocol import CONFIG_PATH, TIMEOUT, RoundStopped
from kiosk.sync.upload import Upload

BATCH_SIZE = 500
META_LAST_SYNC = "sync.last_success"


@dataclass(frozen=True)
class SyncReport:
    """What one round did. `error` is None when the round finished; otherwise it says why, in plain words."""

    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0
    held: int = 0  # put aside in this round
    waiting: int = 0
    on_hold: int = 0  # held on this kiosk after the round, this round's included
    config_changed: bool = False
    error: str | None = None
    retry_after: float | None = None  # what the server asked for (429/503), in seconds

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def sent(self) -> int:
        return self.accepted + self.duplicate + self.rejected


class SyncClient:
    """Runs sync rounds for one station. Safe to use from one thread at a time; several processes may sync
    the same store at once (the server keeps one copy of each entry).

    It owns its HTTP session unless handed one: `close()` it, or use it as a context manager, when done."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        batch_size: int = BATCH_SIZE,
        timeout: tuple[float, float] = TIMEOUT,
        session: requests.Session | None = None,
        clock: Callable[[], datetime] = utc_now,
        on_config: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.batch_size = batch_size
        self.clock = clock
        self.on_config = on_config
        self._server = protocol.Connection(settings.server_url, timeout, session)

    def __enter__(self) -> "SyncClient":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections kept alive to the server (a later round opens new ones)."""
        self._server.close()

    @property
    def configured(self) -> bool:
        """A server and a token are set, and this is not a rehearsal: demo mode's made-up entries are never
        sent (`kiosk sync` on a rehearsal's settings included)."""
        return bool(self.settings.server_url and self.settings.server_token) and not self.settings.demo_mode

    def run_once(self) -> SyncReport:
        """Upload everything pending and the held entries that are due, then download the configuration.
        Never raises for network trouble."""
        if not self.configured:
            return SyncReport(waiting=self._waiting(), on_hold=self._on_hold(),
                              error="Demo mode (a rehearsal): nothing is sent to a server." if self.settings.demo_mode
                              else "No server address or station token is set.")
        upload = Upload(self.store, self._server, self._headers, self.batch_size, self.clock)
        config_changed = False
        try:
            stopped = _until_stopped(upload.run)
            if stopped is None or not stopped.whole_server:
                try:
                    config_changed = self._download_config()
                except RoundStopped as download_stopped:
                    stopped = stopped or download_stopped  # the upload's trouble is the one to report
            if stopped is None:
                self.store.set_meta(META_LAST_SYNC, format_utc(self.clock()))
        except StoreError as problem:
            # E.g. the disk filled up while marking a confirmed batch: it stays queued and is sent again
            # later, when the server answers "duplicate". Nothing is lost or doubled.
            return self._report(upload, config_changed, str(problem))
        if stopped is not None:
            return self._report(upload, config_changed, str(stopped), stopped.retry_after)
        return self._report(upload, config_changed)

    def last_sync(self) -> datetime | None:
        text = self.store.get_meta(META_LAST_SYNC)
        return datetime.fromisoformat(text) if text else None

    def _report(self, upload: Upload, config_changed: bool, error: str | None = None,
                retry_after: float | None = None) -> SyncReport:
        return SyncReport(accepted=upload.accepted, duplicate=upload.duplicate, rejected=upload.rejected,
                          held=upload.held, waiting=self._waiting(), on_hold=self._on_hold(),
                          config_changed=config_changed, error=error, retry_after=retry_after)

    def _waiting(self) -> int:
        try:
            return self.store.pending_count()
        except StoreError:
            return 0

    def _on_hold(self) -> int:
        try:
            return self.store.held_count()
        except StoreError:
            return 0

    def _download_config(self) -> bool:
        """Fetch the station's configuration unless the server says it is unchanged; True when it changed."""
        etag = self.store.get_meta(META_SERVER_CONFIG_ETAG)
        headers = self._headers() | ({"If-None-Match": etag} if etag else {})
        answer = self._server.request("GET", CONFIG_PATH, headers=headers)
        if answer.status_code == 304:
            stored = self.store.get_meta(META_SERVER_CONFIG)
            document = json.loads(stored) if stored else {}
        elif answer.status_code == 200:
            document = protocol.json_object(answer)  # checked; the server's own text is what is kept
            self.store.set_meta(META_SERVER_CONFIG, answer.content.decode("utf-8"))
            self.store.set_meta(META_SERVER_CONFIG_ETAG, answer.headers.get("ETag", ""))
        else:
            raise protocol.stopped_by(answer)
        changed = self._settle_authority(document) or answer.status_code == 200
        if changed and self.on_config:
            self.on_config(document)
        return changed

    def _settle_authority(self, document: dict[str, Any]) -> bool:
        """Accept or refuse the authority key set the config offers; True when what is in force changed."""
        before = _in_force(authority_pin.current(self.store))
        settled = authority_pin.settle(self.store, authority_pin.offered_key_set(document),
                                       self.settings.authority_fingerprint)
        return _in_force(settled) != before

    def _headers(self) -> dict[str, str]:
        try:
            oldest = self.store.oldest_pending()
        except StoreError:
            oldest = None
        return protocol.station_headers(self.settings.server_token, self._waiting(), oldest, self.clock())


def _in_force(state: authority_pin.AuthorityState) -> tuple[bytes | None, str, str]:
    return (state.key_set.signature if state.key_set else None), state.pinned, state.refused


def _until_stopped(work: Callable[[], None]) -> RoundStopped | None:
    """Run one part of a round; returns why it stopped, if it did."""
    try:
        work()
    except RoundStopped as stopped:
        return stopped
    return None
