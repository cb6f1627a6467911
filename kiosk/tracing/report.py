"""A trace's answer, written once for every place that gives it: JSON lines (the kiosk's and the server's
command lines, the API) and a table (CSV and XLSX exports, the screens)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Iterable, Iterator

from kiosk.messages import Message
from kiosk.tracing.identity import Identity
from kiosk.tracing.masking import mask_person_key
from kiosk.tracing.overlap import (DEFAULT_CAP, Candidates, Contact, ContactList, Tier, find_contacts,
                                   first_contacts, padded_end)
from kiosk.tracing.request import TraceWindow
from kiosk.tracing.visits import EndReason, Visit

# A spreadsheet reads a cell starting with one of these as a formula (luca's exports were an injection path).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


@dataclass(frozen=True)
class Trace:
    identity: Identity
    window: TraceWindow
    min_minutes: float
    padding: bool
    case_visits: tuple[Visit, ...]
    contacts: ContactList


def trace(identity: Identity, window: TraceWindow, case_visits: Iterable[Visit],
          candidate_visits: Iterable[Visit] = (), *, candidates_for: Candidates | None = None,
          min_minutes: float = 0, padding: bool = False, cap: int = DEFAULT_CAP) -> Trace:
    """The case's visits inside the window, and everyone who overlapped them at the same location: from
    `candidate_visits` held in memory (the server: every contact counted), or read visit by visit from
    `candidates_for` (a kiosk's store streaming them, see kiosk.tracing.overlap.Candidates) as far as the
    first `cap` + 1 contacts, where one busy hall can hold hundreds of thousands."""
    own = tuple(sorted((v for v in case_visits if v.start < window.until and v.end > window.since),
                       key=lambda v: (v.start, v.entry_id)))
    if candidates_for is None:
        contacts = find_contacts(own, candidate_visits, case_keys=set(identity.keys), min_minutes=min_minutes,
                                 padding=padding, cap=cap)
    else:
        contacts = first_contacts(own, candidates_for, case_keys=set(identity.keys), min_minutes=min_minutes,
                                  padding=padding, cap=cap)
    return Trace(identity, window, min_minutes, padding, own, contacts)


def json_lines(result: Trace, lang: str = "en") -> Iterator[dict[str, Any]]:
    """First the case with its visits, then one object per contact. "contacts" is the number found: exact
    unless "capped", when it is a lower bound (more than the contacts listed exist)."""
    yield {"case": {
        "searched": result.identity.searched,
        "keys": [mask_person_key(key) for key in result.identity.keys],
        "notes": [note.text(lang) for note in result.identity.notes],
        "from": _iso(result.window.since),
        "to": _iso(result.window.until),
        "window_cut_to_retention": result.window.cut_to_retention,
        "min_minutes": result.min_minutes,
        "padding": result.padding,
        "visits": [_visit(visit, result.padding) for visit in result.case_visits],
        "contacts": result.contacts.total,
        "capped": result.contacts.capped,
    }}
    case_starts = {visit.entry_id: visit.start for visit in result.case_visits}
    for contact in result.contacts.contacts:
        yield {"contact": {
            "person": mask_person_key(contact.person_key),
            "name": contact.display_name,
            "location": contact.location,
            "from": _iso(contact.start),
            "to": _iso(contact.end),
            "minutes": int(contact.minutes),
            "tier": contact.tier.value,
            "case_visit_start": _iso(case_starts[contact.case_entry_id]),
        }}


# How each end and tier is said where a person reads the answer (the command line, the kiosk's screen).
END_REASON_WORDS = {reason: Message(f"trace.end.{reason.value}") for reason in EndReason}
TIER_WORDS = {tier: Message(f"trace.tier.{tier.value}") for tier in Tier}


def summary(result: Trace, lang: str, shown: Callable[[datetime], str]) -> list[str]:
    """What a person reads before the tables: what was searched and linked, the notes, how the window and
    the options were taken; for a case with no visits, that and "no visits". `shown` writes a time."""
    def say(code: str, **params: object) -> str:
        return Message(code, **params).text(lang)

    identity, window = result.identity, result.window
    since, until = shown(window.since), shown(window.until)
    lines = [say("trace.heading.case", searched=identity.searched, since=since, until=until,
                 keys=", ".join(mask_person_key(key) for key in identity.keys))]
    lines += [note.text(lang) for note in identity.notes]
    if window.cut_to_retention:
        lines.append(say("trace.window-cut", since=since))
    if result.min_minutes:
        lines.append(say("trace.min-minutes-shown", minutes=f"{result.min_minutes:g}"))
    if result.padding:
        lines.append(say("trace.padding-on"))
    if not result.case_visits:
        lines.append(say("trace.no-visits", searched=identity.searched, since=since, until=until))
    return lines


def screen_summary(result: Trace, lang: str, shown: Callable[[datetime], str]) -> list[str]:
    """The `summary` with, when the case has visits, one line of counts (visits, contacts, the locations),
    and whether the contacts were capped: what a screen shows above its single table."""
    lines = summary(result, lang, shown)
    if not result.case_visits:
        return lines
    contacts = result.contacts
    locations = sorted({visit.location for visit in result.case_visits})
    lines.append(" · ".join([Message("trace.heading.visits", count=str(len(result.case_visits))).text(lang),
                             contacts_heading(contacts).text(lang),
                             f"{Message('trace.column.location').text(lang)}: {', '.join(locations)}"]))
    if contacts.capped:
        lines.append(Message("trace.capped", listed=str(len(contacts.contacts))).text(lang))
    return lines


def contacts_heading(contacts: ContactList) -> Message:
    """How many contacts a heading says: the number, or "more than" the number listed when capped (then the
    total is only a lower bound)."""
    if contacts.capped:
        return Message("trace.heading.contacts-more", listed=str(len(contacts.contacts)))
    return Message("trace.heading.contacts", total=str(contacts.total))


def by_case_visit(result: Trace) -> list[tuple[Visit, Contact | None]]:
    """The screen's order of a trace: each case visit (with None), then the contacts that overlapped it, in
    the contact list's own order."""
    under: dict[str, list[Contact]] = {visit.entry_id: [] for visit in result.case_visits}
    for contact in result.contacts.contacts:
        under.setdefault(contact.case_entry_id, []).append(contact)
    rows: list[tuple[Visit, Contact | None]] = []
    for visit in result.case_visits:
        rows.append((visit, None))
        rows += [(visit, contact) for contact in under[visit.entry_id]]
    return rows


TABLE_HEADER = ["kind", "person", "name", "location", "from", "to", "minutes", "tier", "how it ended"]


def table(result: Trace) -> tuple[list[str], list[list[str]]]:
    """The case's visits, then the contacts, as text cells safe to open in a spreadsheet."""
    rows = []
    for visit in result.case_visits:
        rows.append(["case", mask_person_key(visit.person_key), visit.display_name, visit.location,
                     _iso(visit.start), _iso(padded_end(visit, result.padding)), str(int(visit.minutes)), "",
                     visit.end_reason.value])
    for contact in result.contacts.contacts:
        rows.append(["contact", mask_person_key(contact.person_key), contact.display_name, contact.location,
                     _iso(contact.start), _iso(contact.end), str(int(contact.minutes)), contact.tier.value, ""])
    return list(TABLE_HEADER), [[spreadsheet_safe(cell) for cell in row] for row in rows]


def spreadsheet_safe(text: str) -> str:
    """A text cell no spreadsheet runs as a formula: a leading apostrophe where one could start (OWASP)."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _visit(visit: Visit, padding: bool) -> dict[str, Any]:
    shown = {"location": visit.location, "start": _iso(visit.start), "end": _iso(visit.end),
             "end_reason": visit.end_reason.value, "minutes": int(visit.minutes)}
    if padding:
        shown["traced_until"] = _iso(padded_end(visit, True))
    return shown


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
