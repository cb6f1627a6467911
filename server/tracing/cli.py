"""`kiosk-server trace`, `location` and `visits`: contact tracing from the server's command line (for the
server's operator; the health authority traces on the dashboard or through the API). English, as the
rest of the server's command line.

`trace --key FILE` is the one place the contacts' details are shown in clear, on the authority's machine:
with `--server URL --token TOKEN`, the server releases the sealed boxes of the contacts the trace returned
(recording the release in the audit first) and the authority's key opens them in this process
(server.tracing.reveal); without --server, the same steps run against a copy of the database the authority
holds itself. `--out FILE.csv|.xlsx` writes what is shown to an owner-only file."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, Sequence

from sqlalchemy.engine import Engine

from kiosk.atomic_file import replace_with_bytes
from kiosk.messages import Message
from kiosk.sealing.authority import AuthorityKeyError, AuthorityPrivateKey, read_private_key
from kiosk.tracing.report import TABLE_HEADER
from kiosk.tracing.request import TraceProblem, typed_moment
from server.secret_keys import SecretError
from server.stations import AdminRequestError
from server.tracing.exports import about_rows, rows_csv, rows_xlsx
from server.tracing.locations import close_visits, list_locations, parse_closing_time, set_location
from server.tracing.query import run_trace
from server.tracing.remote import TOKEN_ENV, RemoteTraceError, checked_server_url, sealed_trace
from server.tracing.reveal import (SAID, AnswerError, Outcome, Released, Revealed, authority_lines, open_released,
                                   release_boxes, released_in)
from server.tracing.rules import server_zone

CLI_ROLE = "operator"  # whoever runs the server's command line: recorded as such, by their OS user name
OUT_KINDS = (".csv", ".xlsx")


class _Remote(argparse.Action):
    """--server URL: the trace is asked of that server, so this command opens no database of its own."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        setattr(namespace, self.dest, values)
        namespace.database = False


def register(commands: Any) -> None:
    trace = commands.add_parser(
        "trace", help="who was at the same location at the same time as a person (recorded in the audit log "
                      "against the case number)",
        description="Trace a person's contacts. The health authority reads who the contacts are on its own "
                    "machine: trace PERSON --case C --key authority.key --server https://SERVER (token in "
                    f"${TOKEN_ENV}). Without --server, --key opens the entries of the database given with --db: "
                    "only for a copy the authority holds itself, never on the server, where the key must not be.")
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
                            "addresses (read in this process only; each release is recorded in the audit). "
                            "Use it with --server, on the authority's machine")
    trace.add_argument("--server", action=_Remote, metavar="URL",
                       help="the server to trace on (https): it releases the contacts' sealed entries to a "
                            "tracer's token and the key opens them here; no database is used")
    trace.add_argument("--token", metavar="TOKEN",
                       help=f"with --server: a tracer's API token (kiosk-server admin token NAME); default "
                            f"${TOKEN_ENV}, which keeps it out of the shell's history")
    trace.add_argument("--as", dest="as_name", metavar="NAME",
                       help="without --server: who opens the entries, as the audit records it (default: the OS "
                            "user); with --server the audit records the token's user")
    trace.add_argument("--out", type=Path, metavar="FILE",
                       help="also write the table to FILE.csv or FILE.xlsx, owner-only (with --key: the "
                            "contacts' details in clear; without: masked, as the dashboard's export)")
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


def _trace(engine: Engine | None, _url: str, args: argparse.Namespace) -> int:
    _check_options(args)
    try:
        authority = _authority_key(args.key) if args.key else None  # a key that cannot be read: no trace
        if args.server:
            lines = _remote_lines(args)
            released: Released | None = released_in(lines)
        else:
            lines, released = _local_lines(engine, args, authority is not None)
    except TraceProblem as problem:
        print(f"kiosk-server: {problem.message.text('en')}", file=sys.stderr)
        return 2
    except SecretError as problem:
        print(f"kiosk-server: the trace cannot be recorded: {problem}", file=sys.stderr)
        return 1
    except RemoteTraceError as problem:
        print(f"kiosk-server: {problem}", file=sys.stderr)
        return 2 if problem.status == 422 else 1
    except AnswerError as problem:
        print(f"kiosk-server: the server's answer cannot be used: {problem}.", file=sys.stderr)
        return 1
    revealed = open_released(released, authority) if authority is not None and released is not None else None
    header, rows = _table(lines, released, revealed)
    if args.out:
        _write_out(args.out, header, rows, lines, args.case)
    if args.json:
        for line in _printed_lines(lines, released, revealed):
            print(json.dumps(line, ensure_ascii=False))
    else:
        print(_readable(lines[0]["case"], header, rows, len(lines) - 1, revealed))
    if revealed is not None and revealed.attempted and not revealed.opened:
        why = " or ".join(sorted({SAID[reading.outcome] for reading in revealed.readings.values()
                                  if reading.outcome in (Outcome.OTHER_KEY, Outcome.FORGOTTEN)}))
        print(f"kiosk-server: the key {args.key} ({authority.fingerprint}) opens none of the "
              f"{revealed.attempted} contacts' entries: they are {why}.", file=sys.stderr)
        return 1
    return 0


def _check_options(args: argparse.Namespace) -> None:
    if args.out and args.out.suffix.lower() not in OUT_KINDS:
        raise AdminRequestError(f"--out must name a .csv or .xlsx file (got {args.out}).")
    if args.server is None:
        if args.token:
            raise AdminRequestError("--token is for --server: a trace on this machine's database needs none.")
        return
    if args.key is None:
        raise AdminRequestError("--server needs --key: the server releases sealed entries only for the "
                                "authority's key to open (a masked trace is on the dashboard or the API).")
    if args.as_name:
        raise AdminRequestError("--as is for a trace on this machine's database: with --server the audit "
                                "records the token's user.")
    args.token = (args.token or os.environ.get(TOKEN_ENV, "")).strip()
    if not args.token:
        raise AdminRequestError(f"--server needs a tracer's API token: set {TOKEN_ENV} (or give --token).")
    try:
        checked_server_url(args.server)
    except RemoteTraceError as problem:
        raise AdminRequestError(f"{problem}.") from None


def _remote_lines(args: argparse.Namespace) -> list[dict[str, Any]]:
    request: dict[str, Any] = {"person": args.person, "case_number": args.case, "min_minutes": args.min_minutes,
                               "padding": args.padding}
    request.update({name: value for name, value in (("from", args.since), ("to", args.until)) if value})
    return sealed_trace(args.server, args.token, request)


def _local_lines(engine: Engine, args: argparse.Namespace, reveal: bool
                 ) -> tuple[list[dict[str, Any]], Released | None]:
    who = (args.as_name or "").strip() or getpass.getuser()
    since, until = typed_moment(args.since, "--from"), typed_moment(args.until, "--to")
    result = run_trace(engine, args.person, since=since, until=until, min_minutes=args.min_minutes,
                       padding=args.padding, asked_by=who, role=CLI_ROLE, via="cli", case_number=args.case,
                       zone=server_zone())
    released = release_boxes(engine, result, released_to=who, case_number=args.case) if reveal else None
    return list(authority_lines(result, released)), released


def _authority_key(path: Path) -> AuthorityPrivateKey:
    try:
        return read_private_key(path)
    except AuthorityKeyError as problem:
        raise AdminRequestError(f"{problem}.") from None


REVEALED_HEADER = ["full name", "ID number", "phone", "address", "birth date"]
REVEALED_FIELDS = ["name", "id_number", "phone", "address", "birth_date"]


def _printed_lines(lines: Sequence[dict[str, Any]], released: Released | None,
                   revealed: Revealed | None) -> list[dict[str, Any]]:
    """The JSON lines of kiosk.tracing.report.json_lines, each contact with what the key revealed."""
    printed = [{"case": lines[0]["case"]}]
    for n, line in enumerate(lines[1:]):
        contact = dict(line["contact"])
        if revealed is not None:
            contact["revealed"] = _revealed_json(revealed, released[n][0])
        printed.append({"contact": contact})
    return printed


def _revealed_json(revealed: Revealed, entry_id: str) -> dict[str, Any]:
    reading = revealed.readings[entry_id]
    if reading.outcome is not Outcome.OPENED:
        return {"status": reading.outcome.value, "why": SAID[reading.outcome]}
    content = reading.content
    return {"status": reading.outcome.value, "person_key": content.get("person_key", ""),
            "linked_key": content.get("linked_key", ""), "format": content.get("format", ""),
            "fields": content.get("fields", {})}


def _table(lines: Sequence[dict[str, Any]], released: Released | None,
           revealed: Revealed | None) -> tuple[list[str], list[list[str]]]:
    """The trace's table (kiosk.tracing.report.table), with the revealed details when the key opened them."""
    case_rows, contact_rows = lines[0]["rows"], [line["row"] for line in lines[1:]]
    if revealed is None:
        return list(TABLE_HEADER), case_rows + contact_rows
    return (TABLE_HEADER + REVEALED_HEADER,
            [row + [""] * len(REVEALED_HEADER) for row in case_rows]
            + [row + _revealed_cells(revealed, entry_id) for row, (entry_id, _) in zip(contact_rows, released)])


def _revealed_cells(revealed: Revealed, entry_id: str) -> list[str]:
    reading = revealed.readings[entry_id]
    if reading.outcome is not Outcome.OPENED:
        return [f"({SAID[reading.outcome]})"] + [""] * (len(REVEALED_FIELDS) - 1)
    fields = reading.content.get("fields", {})
    return [str(fields.get(name, "")) for name in REVEALED_FIELDS]


def _write_out(path: Path, header: list[str], rows: list[list[str]], lines: Sequence[dict[str, Any]],
               case_number: str) -> None:
    table = [header, *rows]
    data = (rows_csv(table) if path.suffix.lower() == ".csv"
            else rows_xlsx(table, about_rows(lines[0]["case"], len(lines) - 1, case_number)))
    try:
        replace_with_bytes(path, data, mode=0o600)
    except OSError as problem:
        raise AdminRequestError(f"cannot write {path}: {problem.strerror or problem}.") from None


def _readable(case: dict[str, Any], header: list[str], rows: list[list[str]], listed: int,
              revealed: Revealed | None) -> str:
    since, until = _shown(case["from"]), _shown(case["to"])
    lines = [f"Trace of {case['searched']} (keys searched: {', '.join(case['keys'])}) from {since} to {until}"
             + (f", overlaps of {case['min_minutes']:g} minutes or more" if case["min_minutes"] else "") + "."]
    lines += case["notes"]
    if case["window_cut_to_retention"]:
        lines.append(Message("trace.window-cut", since=since).text("en"))
    if case["padding"]:
        lines.append(Message("trace.padding-on").text("en"))
    if not case["visits"]:
        lines.append(Message("trace.no-visits", searched=case["searched"], since=since, until=until).text("en"))
        return "\n".join(lines)
    lines.append(f"{len(case['visits'])} visits, {case['contacts']} contacts."
                 + (f" The authority's key opened {revealed.opened} of their {len(revealed.readings)} entries "
                    "(recorded in the audit)." if revealed is not None else ""))
    if case["capped"]:
        lines.append(Message("trace.capped", listed=listed).text("en"))
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows)]
    for row in (header, *rows):
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    return "\n".join(lines)


def _shown(moment: str) -> str:
    return datetime.fromisoformat(moment).isoformat(timespec="minutes")


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
