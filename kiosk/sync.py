"""Sending the station's entries to the central server, and fetching its configuration.

One round (`SyncClient.run_once`) uploads every pending entry in batches, sends again the held entries
whose time has come, then downloads the station's configuration with If-None-Match. An entry leaves the
queue only when the server confirmed it (accepted, or already there), refused it for good (it then moves
to the "rejected" table with the reason) or failed on it alone (it is then held, below). Network errors,
timeouts, 408, 429 and 5xx keep everything queued; `SyncWorker` retries later with exponential back-off
and jitter. The store is only touched between requests, so the door keeps writing while a batch is on the
wire. A stopped upload does not skip the download (the watch list, revocations and keys must keep coming)
unless the failure would stop the download as well: no connection, TLS, a refused token, a wrong address,
"busy" (429) or a page that is not the server's.

One entry the server cannot store must not stop the door's sync for good, and a server that is down must
not make entries leave the queue. So a batch that answers 5xx stops the round the first time; when the
batch starting with the same entry answers 5xx again in the next round (`STRIKES_TO_ISOLATE`), it is
halved, and halved again, down to the entries the server fails on alone. Those are held: kept aside with
the reason, shown by `kiosk sync --held`, sent again alone after `held_retry_delay` (1 h, doubling up to a
day), never dropped. A server that fails everything fails both halves of a part too; whenever that
happens a probe decides: an entry the server took earlier in the round, sent again (the answer is
"duplicate" when the server works), or before any, one entry of the part, a different one each round.
When the probe fails as well the round stops with nothing more held.

Whole-request refusals are read for what they say about the batch, not taken as a verdict on its entries:
401 (token), 404/405 (wrong server URL) and the like keep every entry queued and tell the admin what to fix;
403 lists the entries of another station, which are rejected; 413 and 422 make the batch smaller until the
one entry at fault is found and rejected.
"""

from __future__ import annotations

import gzip
import json
import logging
import random
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import Enum
from typing import Any, Callable

import requests

from kiosk.entry import Entry, format_utc, utc_now
from kiosk.settings import Settings
from kiosk.station_config import META_SERVER_CONFIG, META_SERVER_CONFIG_ETAG
from kiosk.store import Store, StoreError

log = logging.getLogger(__name__)

BATCH_SIZE = 500
WINDOW_BATCHES = 4  # batches read from the queue at once, then sent one after another
TIMEOUT = (5.0, 30.0)  # seconds to connect, seconds to wait for the answer
META_LAST_SYNC = "sync.last_success"
META_FAILING_BATCH = "sync.failing_batch"  # "<strikes> <id of the batch's first entry>"
SERVER_ERRORS = frozenset(range(500, 600))
RETRYABLE_STATUS = frozenset({408, 429}) | SERVER_ERRORS
# Stopped uploads that say nothing about the download; any other status stops the download too.
WHOLE_SERVER_STATUS = frozenset({401, 404, 405, 429})
STRIKES_TO_ISOLATE = 2  # rounds running in which the batch starting with the same entry answered 5xx
HELD_RETRY_FIRST = timedelta(hours=1)
HELD_RETRY_CAP = timedelta(days=1)
HELD_RETRIES_PER_ROUND = 20
QUEUE_LENGTH_HEADER = "X-Queue-Length"
QUEUE_OLDEST_HEADER = "X-Queue-Oldest"
STATION_TIME_HEADER = "X-Station-Time"


def held_retry_delay(attempts: int) -> timedelta:
    """How long a held entry waits after its `attempts`-th failed send: 1 h, 2 h, 4 h ... at most a day."""
    return min(HELD_RETRY_CAP, HELD_RETRY_FIRST * 2 ** min(attempts - 1, 16))


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


class SyncState(str, Enum):
    NEVER = "never"  # no round has succeeded since the kiosk started
    ONLINE = "online"
    OFFLINE = "offline"
    UNCONFIGURED = "unconfigured"  # no server address or token in the settings


@dataclass(frozen=True)
class SyncStatus:
    """What the window's status line shows."""

    state: SyncState
    waiting: int
    last_sync: datetime | None
    last_error: str | None
    held: int = 0

    def text(self, lang: str = "vi", zone: tzinfo | None = None) -> str:
        """'online — 2 held', 'offline — 37 waiting — last sync 08:12' (or the same in Vietnamese)."""
        vi = lang != "en"
        vi_head, en_head = _HEADS[self.state]
        parts = [vi_head if vi else en_head]
        if self.waiting:
            parts.append(f"{self.waiting} lượt đang chờ" if vi else f"{self.waiting} waiting")
        if self.held:
            parts.append(f"{self.held} lượt tạm giữ" if vi else f"{self.held} held")
        if self.last_sync and self.state is SyncState.OFFLINE:
            at = self.last_sync.astimezone(zone).strftime("%H:%M")
            parts.append(f"đồng bộ lần cuối {at}" if vi else f"last sync {at}")
        return " — ".join(parts)


_HEADS = {
    SyncState.ONLINE: ("trực tuyến", "online"),
    SyncState.OFFLINE: ("ngoại tuyến", "offline"),
    SyncState.NEVER: ("chưa đồng bộ", "not synced yet"),
    SyncState.UNCONFIGURED: ("chưa kết nối máy chủ", "no server set"),
}


class _RoundStopped(Exception):
    """The round cannot go on now; the entries stay queued. `whole_server`: the download would meet the
    same failure (no connection, TLS, token ...), so it is not tried either."""

    def __init__(self, message: str, retry_after: float | None = None, whole_server: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.whole_server = whole_server


@dataclass
class _Round:
    """What one round did so far."""

    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0
    held: int = 0
    config_changed: bool = False
    taken: Entry | None = None  # the last entry the server confirmed in this round: a known-good probe


class SyncClient:
    """Runs sync rounds for one station. Safe to use from one thread at a time; several processes may sync
    the same store at once (the server keeps one copy of each entry)."""

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
        self.timeout = timeout
        self.session = session or requests.Session()
        self.clock = clock
        self.on_config = on_config

    @property
    def configured(self) -> bool:
        return bool(self.settings.server_url and self.settings.server_token)

    def run_once(self) -> SyncReport:
        """Upload everything pending and the held entries that are due, then download the configuration.
        Never raises for network trouble."""
        if not self.configured:
            return SyncReport(waiting=self._waiting(), on_hold=self._on_hold(),
                              error="No server address or station token is set.")
        done = _Round()
        try:
            stopped = _until_stopped(lambda: self._upload(done))
            if stopped is None or not stopped.whole_server:
                download_stopped = _until_stopped(lambda: self._download_config(done))
                stopped = stopped or download_stopped  # the upload's trouble is the one to report
            if stopped is None:
                self.store.set_meta(META_LAST_SYNC, format_utc(self.clock()))
        except StoreError as problem:
            # E.g. the disk filled up while marking a confirmed batch: it stays queued and is sent again
            # later, when the server answers "duplicate". Nothing is lost or doubled.
            return self._report(done, str(problem))
        if stopped is not None:
            return self._report(done, str(stopped), stopped.retry_after)
        return self._report(done)

    def last_sync(self) -> datetime | None:
        text = self.store.get_meta(META_LAST_SYNC)
        return datetime.fromisoformat(text) if text else None

    def _report(self, done: _Round, error: str | None = None, retry_after: float | None = None) -> SyncReport:
        return SyncReport(accepted=done.accepted, duplicate=done.duplicate, rejected=done.rejected,
                          held=done.held, waiting=self._waiting(), on_hold=self._on_hold(),
                          config_changed=done.config_changed, error=error, retry_after=retry_after)

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

    # --- upload ------------------------------------------------------------------------------------

    def _upload(self, done: _Round) -> None:
        self._upload_pending(done)
        self._retry_held(done)

    def _upload_pending(self, done: _Round) -> None:
        size = self.batch_size
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-upload") as network:
            while True:
                window = self.store.pending(size * WINDOW_BATCHES)
                if not window:
                    return
                next_size = self._send_window(network, window, size, done)
                if next_size == size and len(window) < size * WINDOW_BATCHES:
                    return  # drained; entries scanned meanwhile wait for the next round
                size = next_size

    def _send_window(self, network: ThreadPoolExecutor, window: list[Entry], size: int, done: _Round) -> int:
        """Send a window of the queue batch by batch, compressing the next batch while the last one is on
        the wire. Returns the batch size for what follows (smaller while looking for an entry the server
        cannot take, which cuts the window short)."""
        batches: list[list[Entry] | None] = [window[i:i + size] for i in range(0, len(window), size)]
        sending: tuple[list[Entry], Future[requests.Response]] | None = None
        for batch in batches + [None]:
            upload = self._upload_request(batch) if batch else None
            if sending is not None:
                next_size = self._handle_answer(sending[0], sending[1].result(), done, size)
                if next_size != size:
                    return next_size
            if batch is None:
                return size
            sending = (batch, network.submit(self._request, "POST", "/api/v1/entries", **upload))
        return size

    def _upload_request(self, batch: list[Entry]) -> dict[str, Any]:
        body = gzip.compress(
            json.dumps({"entries": [entry.to_json() for entry in batch]}, ensure_ascii=False).encode("utf-8"),
            compresslevel=5,
        )
        headers = self._headers() | {"Content-Type": "application/json", "Content-Encoding": "gzip"}
        return {"data": body, "headers": headers}

    def _post(self, batch: list[Entry]) -> requests.Response:
        return self._request("POST", "/api/v1/entries", **self._upload_request(batch))

    def _handle_answer(self, batch: list[Entry], answer: requests.Response, done: _Round, size: int) -> int:
        """Settle a batch by the server's answer; returns the size for the next batch."""
        if answer.status_code == 200:
            self._settle(batch, _results(answer), done)
            self._clear_strikes(batch)
            return self.batch_size
        if answer.status_code == 403 and _error(answer).get("entries"):
            rest = self._reject_foreign(batch, _error(answer), done)
            if rest:  # nothing of the batch was stored: send the station's own entries again, now
                return self._handle_answer(rest, self._post(rest), done, size)
            return size
        if answer.status_code in (413, 422) and len(batch) > 1:
            return max(1, len(batch) // 2)  # halve until the entry at fault is alone
        if answer.status_code in (413, 422):
            self._reject(batch[0], _error(answer).get("message") or f"HTTP {answer.status_code}", done)
            return self.batch_size
        if answer.status_code in SERVER_ERRORS:
            strikes = self._strike(batch)
            if strikes >= STRIKES_TO_ISOLATE:
                self._isolate(batch, answer, strikes, done)
                return size
        raise _stopped_by(answer)

    def _settle(self, batch: list[Entry], results: list[dict[str, Any]], done: _Round) -> None:
        by_id = {result.get("id"): result for result in results}
        confirmed = []
        for entry in batch:
            result = by_id.get(entry.id, {})
            if result.get("status") in ("accepted", "duplicate"):
                confirmed.append(entry.id)
                done.taken = entry
                if result["status"] == "accepted":
                    done.accepted += 1
                else:
                    done.duplicate += 1
            elif result.get("status") == "rejected":
                self._reject(entry, result.get("reason") or "refused by the server", done)
        self.store.mark_synced(confirmed)
        if not confirmed and not any(by_id.get(e.id, {}).get("status") == "rejected" for e in batch):
            raise _RoundStopped("The server's answer did not mention the entries sent; they stay queued.")

    def _reject_foreign(self, batch: list[Entry], error: dict[str, Any], done: _Round) -> list[Entry]:
        """Reject the entries the server says are another station's; returns the rest of the batch."""
        named = set(error["entries"])
        foreign = [entry for entry in batch if entry.id in named]
        if not foreign:
            raise _RoundStopped(f"The server refused the batch: {error.get('message', 'HTTP 403')}")
        for entry in foreign:
            self._reject(entry, f"belongs to another station: {error.get('message', '')}", done)
        return [entry for entry in batch if entry.id not in named]

    def _reject(self, entry: Entry, reason: str, done: _Round) -> None:
        log.warning("entry %s refused by the server: %s", entry.id, reason)
        self.store.mark_rejected(entry.id, reason)
        done.rejected += 1

    # --- entries the server fails on ---------------------------------------------------------------

    def _strike(self, batch: list[Entry]) -> int:
        """Count one more 5xx for the batch starting with this entry; returns the rounds running it failed."""
        strikes, _, first = (self.store.get_meta(META_FAILING_BATCH) or "0 ").partition(" ")
        count = int(strikes) + 1 if first == batch[0].id else 1
        self.store.set_meta(META_FAILING_BATCH, f"{count} {batch[0].id}")
        return count

    def _clear_strikes(self, batch: list[Entry]) -> None:
        if (self.store.get_meta(META_FAILING_BATCH) or "").endswith(f" {batch[0].id}"):
            self.store.set_meta(META_FAILING_BATCH, "")

    def _isolate(self, batch: list[Entry], answer: requests.Response, strikes: int, done: _Round) -> None:
        """Halve a batch that keeps failing until each entry the server fails on is alone; hold those,
        settle the rest. Raises _RoundStopped when a probe says the server fails everything."""
        if len(batch) == 1:
            self._probe([], answer, strikes, done)
        suspects = [(batch, _failure(answer))]  # parts that answered 5xx, with the reason
        while suspects:
            part, reason = suspects.pop()
            if len(part) == 1:
                self._hold(part[0], reason, 0, done)
                continue
            middle = len(part) // 2
            failing = []
            for half in (part[:middle], part[middle:]):
                reply = self._post(half)
                if reply.status_code in SERVER_ERRORS:
                    failing.append((half, _failure(reply)))
                else:
                    self._handle_answer(half, reply, done, len(half))
            if len(failing) == 2:
                settled = self._probe(part, answer, strikes, done)
                failing = [([entry for entry in half if entry.id != settled], why) for half, why in failing]
            suspects.extend((half, why) for half, why in failing if half)
        self.store.set_meta(META_FAILING_BATCH, "")

    def _probe(self, part: list[Entry], answer: requests.Response, strikes: int, done: _Round) -> str | None:
        """Does the server take entries at all? Sends one entry alone: the last one it took in this round
        (it answers "duplicate"), or else one of `part`, a different one each round. Returns the id of the
        entry of `part` it settled; raises _RoundStopped when the server fails on the probe too."""
        probe = done.taken or (part[-1 - (strikes - STRIKES_TO_ISOLATE) % len(part)] if part else None)
        reply = self._post([probe]) if probe is not None else answer
        if reply.status_code in SERVER_ERRORS:
            raise _RoundStopped(f"The server had a problem (HTTP {reply.status_code}) with every entry tried; "
                                "the entries stay queued and will be sent later.", _retry_after(reply))
        if reply.status_code != 200:
            raise _stopped_by(reply)
        if probe is done.taken:
            return None
        self._settle([probe], _results(reply), done)
        return probe.id

    def _hold(self, entry: Entry, reason: str, attempts: int, done: _Round) -> None:
        """Put an entry the server failed on alone aside (`attempts`: its failed sends before this one)."""
        now = self.clock()
        self.store.mark_held(entry.id, reason, at=now, retry_at=now + held_retry_delay(attempts + 1))
        log.warning("entry %s held: the server failed on it alone (%s)", entry.id, reason)
        if attempts == 0:
            done.held += 1

    def _retry_held(self, done: _Round) -> None:
        """Send the held entries whose time has come, each alone, once the queue has gone up."""
        for item in self.store.held(due_at=self.clock(), limit=HELD_RETRIES_PER_ROUND):
            reply = self._post([item.entry])
            if reply.status_code in SERVER_ERRORS:
                self._hold(item.entry, _failure(reply), item.attempts, done)
            elif reply.status_code == 200:
                self._settle([item.entry], _results(reply), done)
            else:
                raise _stopped_by(reply)

    # --- download ----------------------------------------------------------------------------------

    def _download_config(self, done: _Round) -> None:
        etag = self.store.get_meta(META_SERVER_CONFIG_ETAG)
        headers = self._headers() | ({"If-None-Match": etag} if etag else {})
        answer = self._request("GET", "/api/v1/station/config", headers=headers)
        if answer.status_code == 304:
            return
        if answer.status_code != 200:
            raise _stopped_by(answer)
        document = _json_object(answer)  # checked; the server's own text is what is kept
        self.store.set_meta(META_SERVER_CONFIG, answer.content.decode("utf-8"))
        self.store.set_meta(META_SERVER_CONFIG_ETAG, answer.headers.get("ETag", ""))
        done.config_changed = True
        if self.on_config:
            self.on_config(document)

    # --- HTTP ----------------------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        """With every request: the token, and what the server's dashboard shows of this station's queue."""
        try:
            oldest = self.store.oldest_pending()
        except StoreError:
            oldest = None
        return {
            "Authorization": f"Bearer {self.settings.server_token}",
            QUEUE_LENGTH_HEADER: str(self._waiting()),
            QUEUE_OLDEST_HEADER: format_utc(oldest) if oldest else "",
            STATION_TIME_HEADER: format_utc(self.clock()),
        }

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        url = self.settings.server_url.rstrip("/") + path
        try:
            # verify=True: TLS certificates are always checked (a CA bundle may be added with
            # REQUESTS_CA_BUNDLE, never switched off).
            return self.session.request(method, url, timeout=self.timeout, verify=True, **kwargs)
        except requests.exceptions.SSLError:
            raise _RoundStopped(f"The server's TLS certificate could not be verified ({url}).",
                                whole_server=True) from None
        except requests.exceptions.ConnectTimeout:
            raise _RoundStopped(f"The server did not answer in time ({self.timeout[0]:.0f} s).",
                                whole_server=True) from None
        except requests.exceptions.Timeout:
            raise _RoundStopped(f"The server did not answer in time ({self.timeout[1]:.0f} s).") from None
        except requests.exceptions.ConnectionError:
            raise _RoundStopped(f"Cannot reach the server at {self.settings.server_url}.",
                                whole_server=True) from None
        except requests.exceptions.RequestException as problem:
            raise _RoundStopped(f"Cannot talk to the server: {problem}") from None


def _until_stopped(work: Callable[[], None]) -> _RoundStopped | None:
    """Run one part of a round; returns why it stopped, if it did."""
    try:
        work()
    except _RoundStopped as stopped:
        return stopped
    return None


def _json_object(answer: requests.Response) -> dict[str, Any]:
    """The answer's JSON object; anything else (a captive portal's login page, a proxy's error page) stops
    the round with the entries kept."""
    try:
        document = answer.json()
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise _RoundStopped(f"The answer from {answer.url} is not from a check-in server (a network login "
                            "page or a proxy in the way?); the entries stay queued.", whole_server=True)
    return document


def _results(answer: requests.Response) -> list[dict[str, Any]]:
    results = _json_object(answer).get("results")
    if not isinstance(results, list) or not all(isinstance(result, dict) for result in results):
        raise _RoundStopped("The server's answer has no per-entry results; the entries stay queued.")
    return results


def _error(answer: requests.Response) -> dict[str, Any]:
    try:
        error = answer.json().get("error")
    except (ValueError, AttributeError):
        return {}
    return error if isinstance(error, dict) else {}


def _failure(answer: requests.Response) -> str:
    """Why a held entry is held: the status and the server's message, if it gave one."""
    message = _error(answer).get("message")
    return f"the server failed on it (HTTP {answer.status_code}{': ' + message if message else ''})"


def _stopped_by(answer: requests.Response) -> _RoundStopped:
    return _RoundStopped(_refusal_in_words(answer), _retry_after(answer),
                         whole_server=answer.status_code in WHOLE_SERVER_STATUS)


def _retry_after(answer: requests.Response) -> float | None:
    value = answer.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


def _refusal_in_words(answer: requests.Response) -> str:
    status = answer.status_code
    if status == 401:
        return "The server does not accept this station's token (revoked or mistyped): ask the administrator."
    if status == 429:
        return "The server is busy (HTTP 429); the entries will be sent later."
    if status in RETRYABLE_STATUS:
        return f"The server had a problem (HTTP {status}); the entries will be sent later."
    if status in (404, 405):
        return f"The server address {answer.url} does not lead to a check-in server (HTTP {status})."
    message = _error(answer).get("message")
    return f"The server refused the request (HTTP {status}){': ' + message if message else ''}."


@dataclass(frozen=True)
class Backoff:
    """Exponential back-off with full jitter: a random wait up to base·2^failures, at most `cap`."""

    base: float = 2.0
    cap: float = 300.0

    def delay(self, failures: int, floor: float | None = None) -> float:
        ceiling = min(self.cap, self.base * 2 ** max(0, failures - 1))
        return max(random.uniform(0, ceiling), floor or 0.0)


class SyncWorker:
    """Runs sync rounds on a background thread: after `wake()` (call it when an entry is stored), or every
    `interval` seconds.

    After a round it lets `min_gap` seconds pass before the next one even if woken, so a morning rush of
    scans goes up as a few batches rather than a request per scan. After a failed round it waits out the
    back-off even if woken, so a kiosk whose server is down does not hammer it with every scan. `status()`
    is cheap and safe to call from the window's thread.
    """

    def __init__(self, client: SyncClient, interval: float = 60.0, min_gap: float = 10.0,
                 backoff: Backoff = Backoff()) -> None:
        self.client = client
        self.interval = interval
        self.min_gap = min_gap
        self.backoff = backoff
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._failures = 0
        self._state = SyncState.NEVER if client.configured else SyncState.UNCONFIGURED
        self._last_error: str | None = None
        self.rounds = 0  # finished rounds, for whoever wants to wait for one
        self.round_done = threading.Condition()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="sync", daemon=True)
            self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Ask the thread to finish; a request on the wire ends by its own timeout."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        self._wake.set()

    def status(self) -> SyncStatus:
        with self._lock:
            state, error = self._state, self._last_error
        store = self.client.store
        try:
            waiting, held, last = store.pending_count(), store.held_count(), self.client.last_sync()
        except StoreError as problem:
            waiting, held, last, error = 0, 0, None, str(problem)
        return SyncStatus(state=state, waiting=waiting, last_sync=last, last_error=error, held=held)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()  # a wake-up during the round asks for another round right after it
            try:
                report = self.client.run_once()
            except Exception as bug:  # noqa: BLE001 - a bug must not end syncing for good; it is logged in full
                log.exception("sync round failed")
                report = SyncReport(error=f"Sync failed unexpectedly ({type(bug).__name__}); it will be retried.")
            self._record(report)
            if report.ok:
                self._stop.wait(self.min_gap)
                self._wake.wait(max(0.0, self.interval - self.min_gap))
            else:
                self._stop.wait(self.backoff.delay(self._failures, report.retry_after))

    def _record(self, report: SyncReport) -> None:
        with self._lock:
            if not self.client.configured:
                self._state = SyncState.UNCONFIGURED
            elif report.ok:
                self._state, self._failures = SyncState.ONLINE, 0
            else:
                self._state, self._failures = SyncState.OFFLINE, self._failures + 1
            self._last_error = report.error
        if report.error:
            log.info("sync round stopped: %s", report.error)
        with self.round_done:
            self.rounds += 1
            self.round_done.notify_all()
