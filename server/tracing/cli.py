"""`kiosk-server trace`, `location` and `visits`: contact tracing from the server's command line (for the
server's operator; the health authority traces on the dashboard or through the API). English, as the
rest of the server's command line.

`trace --key FILE` is the one place the contacts' details are shown in clear: the authority's private key
opens, in this process only, the sealed entries of the contacts the trace returned (server.tracing.reveal),
each opening recorded in the audit before anything is shown."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from kiosk.messages import Message
from kiosk.sealing.authority import AuthorityKeyError, AuthorityPrivateKey, read_private_key
from kiosk.tracing.report import Trace, json_lines, table
from kiosk.tracing.request import TraceProblem, typed_moment
from server.secret_keys import SecretError
from kiosk.tracing.masking import mask_person_key
from server.stations import AdminRequestError
from server.tracing.locations import close_visits, list_locations, parse_closing_time, set_location
from server.tracing.query import run_trace
from server.tracing.reveal import SAID, Outcome, Revealed, reveal_contacts
from server.tracing.rules import server_zone

CLI_ROLE = "operator"  # whoever runs the server's command line: recorded as such, by their OS user name


def register(commands: Any) -> None:
    trace = commands.add_parser("trace", help="who was at the same location at the same time as a person "
                                              "(recorded in the audit log against the case number)")
    trace.add_argument("person", help="an ID number, a QID or a person key as `kiosk log` prints it")
    trace.add_argument("--from", dest="since", metavar="ISO", help="start of the window (default: the oldest "
                       "kept entry); without a zone, the server's time zone")
    trace.add_argument("--to", dest="until", metavar="ISO", help="end of the window (default: now)")
    trace.add_argument("--min-minutes", type=float, default=0, metavar="N", help="list overlaps of N minutes "
                                                                                  "or more only")
    trace.add_argument("--padding", action="store_true", help="trace each visit until min(stay, 30 min) after "
                                                              "the person left (aerosols)")
    trace.add_argument("--case", required=True, metavar="CASE_NUMBER", help="the case this trace is for")
    trace.add_argument("--json", action="store_true", help="JSON lines: the case, then one line per contact")
    trace.add_argument("--key", type=Path, metavar="FILE",
                       help="the health authority's authority.key: show the contacts' names, numbers and "
                            "addresses (read in this process only; each opening is recorded in the audit)")
    trace.add_argument("--as", dest="as_name", metavar="NAME",
                       help="who opens the entries, as the audit records it (default: the OS user)")
    trace.set_defaults(run=_trace)

    location = commands.add_parser("location", help="a location's rules for ending visits").add_subparsers(
        title="location")
    location_set = location.add_parser("set", help="set a location's default stay and closing time; its visits "
                                                   "of the retention period are rebuilt (slow on a busy one)")
    location_set.add_argument("name")
    location_set.add_argument("--default-stay", type=int, metavar="MINUTES",
                              help="a visit nobody scanned out of ends this long after it began (15-minute "
                                   "steps, 15 min to 24 h)")
    location_set.add_argument("--closing-time", metavar="HH:MM|none", help="every visit ends at this local time")
    location_set.set_defaults(run=_location_set)
    location.add_parser("list", help="list the locations' rules").set_defaults(run=_location_list)

    visits = commands.add_parser("visits", help="visits built from the entries").add_subparsers(title="visits")
    close = visits.add_parser("close", help="end every visit open now at a location (everyone has left)")
    close.add_argument("--location", required=True)
    close.set_defaults(run=_visits_close)


def _trace(engine: Engine, _url: str, args: argparse.Namespace) -> int:
    zone = server_zone()
    who = (args.as_name or "").strip() or getpass.getuser()
    try:
        authority = _authority_key(args.key) if args.key else None  # a key that cannot be read: no trace
        since, until = typed_moment(args.since, "--from"), typed_moment(args.until, "--to")
        result = run_trace(engine, args.person, since=since, until=until, min_minutes=args.min_minutes,
                           padding=args.padding, asked_by=who, role=CLI_ROLE, via="cli",
                           case_number=args.case, zone=zone)
    except TraceProblem as problem:
        print(f"kiosk-server: {problem.message.text('en')}", file=sys.stderr)
        return 2
    except SecretError as problem:
        print(f"kiosk-server: the trace cannot be recorded: {problem}", file=sys.stderr)
        return 1
    revealed = None
    if authority is not None:
        revealed = reveal_contacts(engine, result, authority, unsealed_by=who, case_number=args.case)
    if args.json:
        for line, contact in zip(json_lines(result), (None, *result.contacts.contacts)):
            if revealed is not None and contact is not None:
                line["contact"]["revealed"] = _revealed_json(revealed, contact.entry_id)
            print(json.dumps(line, ensure_ascii=False))
    else:
        print(_readable(result, revealed))
    if revealed is not None and revealed.attempted and not revealed.opened:
        print(f"kiosk-server: the key {args.key} ({authority.fingerprint}) opens none of the "
              f"{revealed.attempted} contacts' entries: they are sealed to another authority key.", file=sys.stderr)
        return 1
    return 0


def _authority_key(path: Path) -> AuthorityPrivateKey:
    try:
        return read_private_key(path)
    except AuthorityKeyError as problem:
        raise AdminRequestError(f"{problem}.") from None


REVEALED_HEADER = ["full name", "ID number", "phone", "address", "birth date"]
REVEALED_FIELDS = ["name", "id_number", "phone", "address", "birth_date"]


def _revealed_json(revealed: Revealed, entry_id: str) -> dict[str, Any]:
    reading = revealed.readings[entry_id]
    if reading.outcome is not Outcome.OPENED:
        return {"status": reading.outcome.value, "why": SAID[reading.outcome]}
    content = reading.content
    return {"status": reading.outcome.value, "person_key": content.get("person_key", ""),
            "linked_key": content.get("linked_key", ""), "format": content.get("format", ""),
            "fields": content.get("fields", {})}


def _revealed_cells(revealed: Revealed, entry_id: str) -> list[str]:
    reading = revealed.readings[entry_id]
    if reading.outcome is not Outcome.OPENED:
        return [f"({SAID[reading.outcome]})"] + [""] * (len(REVEALED_FIELDS) - 1)
    fields = reading.content.get("fields", {})
    return [str(fields.get(name, "")) for name in REVEALED_FIELDS]


def _readable(result: Trace, revealed: Revealed | None = None) -> str:
    identity, window = result.identity, result.window
    keys = ", ".join(mask_person_key(key) for key in identity.keys)
    lines = [f"Trace of {identity.searched} (keys searched: {keys}) from {_shown(window.since)} to "
             f"{_shown(window.until)}"
             + (f", overlaps of {result.min_minutes:g} minutes or more" if result.min_minutes else "") + "."]
    lines += [note.text("en") for note in identity.notes]
    if window.cut_to_retention:
        lines.append(Message("trace.window-cut", since=_shown(window.since)).text("en"))
    if result.padding:
        lines.append(Message("trace.padding-on").text("en"))
    if not result.case_visits:
        lines.append(Message("trace.no-visits", searched=identity.searched, since=_shown(window.since),
                             until=_shown(window.until)).text("en"))
        return "\n".join(lines)
    header, rows = table(result)
    if revealed is not None:
        header = header + REVEALED_HEADER
        cases = len(result.case_visits)
        rows = [row + ([""] * len(REVEALED_HEADER) if n < cases else
                       _revealed_cells(revealed, result.contacts.contacts[n - cases].entry_id))
                for n, row in enumerate(rows)]
    lines.append(f"{len(result.case_visits)} visits, {result.contacts.total} contacts."
                 + (f" The authority's key opened {revealed.opened} of their {len(revealed.readings)} entries "
                    "(recorded in the audit)." if revealed is not None else ""))
    if result.contacts.capped:
        lines.append(Message("trace.capped", listed=len(result.contacts.contacts)).text("en"))
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows)]
    for row in (header, *rows):
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    return "\n".join(lines)


def _shown(moment: datetime) -> str:
    return moment.isoformat(timespec="minutes")


def _location_set(engine: Engine, _url: str, args: argparse.Namespace) -> int:
    if args.default_stay is None and args.closing_time is None:
        raise AdminRequestError("Give --default-stay MINUTES, --closing-time HH:MM|none, or both.")
    changes: dict[str, Any] = {"default_stay_minutes": args.default_stay}
    if args.closing_time is not None:
        changes["closing_time"] = parse_closing_time(args.closing_time)
    change = set_location(engine, args.name, zone=server_zone(), **changes)
    setting = change.setting
    if change.asked_stay_minutes is not None and change.asked_stay_minutes != setting.default_stay_minutes:
        print(f"A default stay of {change.asked_stay_minutes} min is rounded to {setting.default_stay_minutes} "
              "min (15-minute steps, 15 min to 24 h).")
    closing = setting.closing_time.strftime("%H:%M") if setting.closing_time else "none"
    print(f"{setting.name}: default stay {setting.default_stay_minutes} min, closing time {closing}; "
          f"{change.rebuilt} visits of the retention period rebuilt.")
    return 0


def _location_list(engine: Engine, _url: str, _args: argparse.Namespace) -> int:
    with engine.connect() as conn:
        for setting in list_locations(conn):
            closing = setting.closing_time.strftime("%H:%M") if setting.closing_time else "none"
            print(f"{setting.name}\tdefault stay {setting.default_stay_minutes} min\tclosing time {closing}")
    return 0


def _visits_close(engine: Engine, _url: str, args: argparse.Namespace) -> int:
    closed = close_visits(engine, args.location, zone=server_zone())
    print(f"{closed} visits open at {args.location!r} now end now (closed by the operator).")
    return 0
