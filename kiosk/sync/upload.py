"""One round's upload: every pending entry in batches, then the held entries whose time has come.

An entry leaves the queue only when the server confirmed it (accepted, or already there), refused it for
good (it then moves to the "rejected" table with the reason) or failed on it alone (it is then held). A
refusal of the whole request is read for what it says about the batch: 403 lists the entries of another
station, which are rejected; 413 and 422 make the batch smaller until the one entry at fault is found and
rejected; 5xx stops the round, and takes the batch apart once it has failed `STRIKES_TO_ISOLATE` rounds
running. Anything else stops the round with every entry kept (`RoundStopped`).

Entries go in the wire form (kiosk.person_seal.PersonSeal.uploaded): the clear keys out of the station's box,
the fields sealed to the health authority (sealed now, if they waited in the station's box for a key that
has since arrived), or, while no key covers their week, in clear for the server to seal.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import Any, Callable

import requests

from kiosk.entry import Entry
from kiosk.person_seal import StoredEntry
from kiosk.sealing.boxes import BoxError
from kiosk.store import Store
from kiosk.sync import protocol
from kiosk.sync.held import HELD_RETRIES_PER_ROUND, STRIKES_TO_ISOLATE, clear_strikes, hold, strike
from kiosk.sync.protocol import ENTRIES_PATH, SERVER_ERRORS, RoundStopped

log = logging.getLogger(__name__)

WINDOW_BATCHES = 4  # batches read from the queue at once, then sent one after another
UNOPENABLE = ("this kiosk cannot open the entry's keys any more (its station secret was replaced), so it "
              "cannot be sent")


class Upload:
    """Sends a round's entries and counts what became of them. The store is only touched between requests,
    so the door keeps writing while a batch is on the wire."""

    def __init__(self, store: Store, server: protocol.Connection, headers: Callable[[], dict[str, str]],
                 batch_size: int, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.server = server
        self.headers = headers
        self.batch_size = batch_size
        self.clock = clock
        self.accepted = self.duplicate = self.rejected = self.held = 0
        self._taken: Entry | None = None  # the last entry the server confirmed: a known-good probe

    def run(self) -> None:
        self._send_pending()
        self._retry_held()

    def _send_pending(self) -> None:
        size = self.batch_size
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-upload") as network:
            while True:
                queued = self.store.pending(size * WINDOW_BATCHES)
                if not queued:
                    return
                next_size = self._send_window(network, self._wire(queued), size)
                if next_size == size and len(queued) < size * WINDOW_BATCHES:
                    return  # drained; entries scanned meanwhile wait for the next round
                size = next_size

    def _wire(self, stored: list[Entry]) -> list[Entry]:
        """The entries as the server takes them; one whose boxes this kiosk cannot open is rejected here."""
        boxes = self.store.keys_boxes([entry.id for entry in stored])
        wire = []
        for entry in stored:
            if entry.id not in boxes:
                continue  # another sync of this store sent it since it was read, and dropped its box
            try:
                wire.append(self.store.seal.uploaded(StoredEntry(entry, boxes[entry.id])))
            except BoxError:
                self._reject(entry, UNOPENABLE)
        return wire

    def _send_window(self, network: ThreadPoolExecutor, window: list[Entry], size: int) -> int:
        """Send a window of the queue batch by batch, compressing the next batch while the last one is on
        the wire. Returns the batch size for what follows (smaller while looking for an entry the server
        cannot take, which cuts the window short)."""
        batches: list[list[Entry] | None] = [window[i:i + size] for i in range(0, len(window), size)]
        sending: tuple[list[Entry], Future[requests.Response]] | None = None
        for batch in batches + [None]:
            request = protocol.entries_request(batch, self.headers()) if batch else None
            if sending is not None:
                next_size = self._handle_answer(sending[0], sending[1].result(), size)
                if next_size != size:
                    return next_size
            if batch is None:
                return size
            sending = (batch, network.submit(self.server.request, "POST", ENTRIES_PATH, **request))
        return size

    def _post(self, batch: list[Entry]) -> requests.Response:
        return self.server.request("POST", ENTRIES_PATH, **protocol.entries_request(batch, self.headers()))

    def _handle_answer(self, batch: list[Entry], answer: requests.Response, size: int) -> int:
        """Settle a batch by the server's answer; returns the size for the next batch."""
        if answer.status_code == 200:
            self._settle(batch, protocol.results(answer))
            clear_strikes(self.store, batch)
            return self.batch_size
        if answer.status_code == 403 and protocol.error(answer).get("entries"):
            rest = self._reject_foreign(batch, protocol.error(answer))
            if rest:  # nothing of the batch was stored: send the station's own entries again, now
                return self._handle_answer(rest, self._post(rest), size)
            return size
        if answer.status_code in (413, 422) and len(batch) > 1:
            return max(1, len(batch) // 2)  # halve until the entry at fault is alone
        if answer.status_code in (413, 422):
            self._reject(batch[0], protocol.error(answer).get("message") or f"HTTP {answer.status_code}")
            return self.batch_size
        if answer.status_code in SERVER_ERRORS:
            strikes = strike(self.store, batch)
            if strikes >= STRIKES_TO_ISOLATE:
                self._isolate(batch, answer, strikes)
                return size
        raise protocol.stopped_by(answer)

    def _settle(self, batch: list[Entry], results: list[dict[str, Any]]) -> None:
        by_id = {result.get("id"): result for result in results}
        confirmed = []
        for entry in batch:
            result = by_id.get(entry.id, {})
            if result.get("status") in ("accepted", "duplicate"):
                confirmed.append(entry.id)
                self._taken = entry
                if result["status"] == "accepted":
                    self.accepted += 1
                else:
                    self.duplicate += 1
            elif result.get("status") == "rejected":
                self._reject(entry, result.get("reason") or "refused by the server")
        self.store.mark_synced(confirmed)
        if not confirmed and not any(by_id.get(e.id, {}).get("status") == "rejected" for e in batch):
            raise RoundStopped("The server's answer did not mention the entries sent; they stay queued.")

    def _reject_foreign(self, batch: list[Entry], error: dict[str, Any]) -> list[Entry]:
        """Reject the entries the server says are another station's; returns the rest of the batch."""
        named = set(error["entries"])
        foreign = [entry for entry in batch if entry.id in named]
        if not foreign:
            raise RoundStopped(f"The server refused the batch: {error.get('message', 'HTTP 403')}")
        for entry in foreign:
            self._reject(entry, f"belongs to another station: {error.get('message', '')}")
        return [entry for entry in batch if entry.id not in named]

    def _reject(self, entry: Entry, reason: str) -> None:
        log.warning("entry %s refused by the server: %s", entry.id, reason)
        self.store.mark_rejected(entry.id, reason)
        self.rejected += 1

    # --- entries the server fails on ---------------------------------------------------------------

    def _isolate(self, batch: list[Entry], answer: requests.Response, strikes: int) -> None:
        """Halve a batch that keeps failing until each entry the server fails on is alone; hold those,
        settle the rest. A server that fails everything fails both halves of a part too: then a probe
        decides (`_probe`), and when it fails as well the round stops with nothing more held."""
        if len(batch) == 1:
            self._probe([], answer, strikes)
        suspects = [(batch, protocol.failure(answer))]  # parts that answered 5xx, with the reason
        while suspects:
            part, reason = suspects.pop()
            if len(part) == 1:
                self._hold(part[0], reason, 0)
                continue
            middle = len(part) // 2
            failing = []
            for half in (part[:middle], part[middle:]):
                reply = self._post(half)
                if reply.status_code in SERVER_ERRORS:
                    failing.append((half, protocol.failure(reply)))
                else:
                    self._handle_answer(half, reply, len(half))
            if len(failing) == 2:
                settled = self._probe(part, answer, strikes)
                failing = [([entry for entry in half if entry.id != settled], why) for half, why in failing]
            suspects.extend((half, why) for half, why in failing if half)
        clear_strikes(self.store)

    def _probe(self, part: list[Entry], answer: requests.Response, strikes: int) -> str | None:
        """Does the server take entries at all? Sends one entry alone: the last one it took in this round
        (it answers "duplicate"), or else one of `part`, a different one each round. Returns the id of the
        entry of `part` it settled; raises RoundStopped when the server fails on the probe too."""
        probe = self._taken or (part[-1 - (strikes - STRIKES_TO_ISOLATE) % len(part)] if part else None)
        reply = self._post([probe]) if probe is not None else answer
        if reply.status_code in SERVER_ERRORS:
            raise RoundStopped(f"The server had a problem (HTTP {reply.status_code}) with every entry tried; "
                               "the entries stay queued and will be sent later.", protocol.retry_after(reply))
        if reply.status_code != 200:
            raise protocol.stopped_by(reply)
        if probe is self._taken:
            return None
        self._settle([probe], protocol.results(reply))
        return probe.id

    def _hold(self, entry: Entry, reason: str, attempts: int) -> None:
        hold(self.store, entry, reason, attempts, self.clock())
        if attempts == 0:
            self.held += 1

    def _retry_held(self) -> None:
        """Send the held entries whose time has come, each alone, once the queue has gone up."""
        for item in self.store.held(due_at=self.clock(), limit=HELD_RETRIES_PER_ROUND):
            wire = self._wire([item.entry])
            if not wire:
                continue
            reply = self._post(wire)
            if reply.status_code in SERVER_ERRORS:
                self._hold(wire[0], protocol.failure(reply), item.attempts)
            elif reply.status_code == 200:
                self._settle(wire, protocol.results(reply))
            else:
                raise protocol.stopped_by(reply)
