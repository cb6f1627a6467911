"""A trace at this kiosk: the case's visits here and everyone whose visit overlapped one of them.

The command line (`kiosk trace`) and the admin's trace screen both call `trace_here`. It checks the
request (kiosk.tracing.request), follows the links the store recorded to the case's other keys
(kiosk.tracing.identity), reads the case's visits and computes the answer with kiosk.tracing.report, which
reads the visits overlapping each case visit from the store in time order (kiosk.visit_log.VisitLog.overlapping)
only as far as the first contacts it lists; it records who asked and why in the store's trace audit before
returning it. The store keeps tagged person keys (kiosk.person_seal): the typed person is tagged with the
station's key before anything is looked up.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from kiosk.entry import utc_now
from kiosk.store import Store
from kiosk.tracing.identity import Identity, keys_for_query, resolve
from kiosk.tracing.report import Trace, trace
from kiosk.tracing.request import checked_case_number, checked_min_minutes, checked_window
from kiosk.visit_log import TraceRecord

def trace_here(store: Store, settings: Any, person: str, *, since: datetime | None = None,
               until: datetime | None = None, min_minutes: float = 0, padding: bool = False, who: str,
               reason: str, now: datetime | None = None) -> Trace:
    """Trace `person` (an ID number, a QID or a person key as `kiosk log` prints it) at this kiosk.
    `settings` are the ones in force (their retention_days bounds the window); `since`/`until` carry their
    zone. Raises TraceProblem for a request that cannot be answered as asked; an unknown person is an
    answer with no visits."""
    now = now or utc_now()
    reason = checked_case_number(reason)
    window = checked_window(since, until, now, settings.retention_days)
    min_minutes = checked_min_minutes(min_minutes)
    identity = _tagged_identity(store, person)
    case_visits = store.visits_of(identity.keys, window.since, window.until)
    with store.overlapping_visits() as candidates:
        result = trace(identity, window, case_visits, candidates_for=candidates, min_minutes=min_minutes,
                       padding=padding)
    store.record_trace(TraceRecord(now, who, reason, identity.searched, window.since, window.until,
                                   result.contacts.total))
    return result


def _tagged_identity(store: Store, person: str) -> Identity:
    """The typed person's keys and the keys the stored links tie to them, all tagged. `resolve` starts from
    the typed keys in clear: it is given the stored links with those keys in clear, and its keys come back
    tagged."""
    tagged = {key: store.seal.tag(key) for key in keys_for_query(person)}
    typed = {tag: key for key, tag in tagged.items()}
    links = store.person_links(list(tagged.values()))
    identity = resolve(person, [(typed.get(a, a), typed.get(b, b)) for a, b in links])
    return replace(identity, keys=tuple(tagged.get(key, key) for key in identity.keys))

