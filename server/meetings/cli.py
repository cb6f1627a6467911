"""`kiosk-server event`, `session` and `participant`: meetings from the server's command line
(docs/meetings.md). Automation relies on these exactly: `event add` and `session add` print only the new
id, `participant add` only the participant's id. A request refused (an unknown station, a file that is not a
table, a session that ends before it starts) changes nothing, says why in one sentence on stderr and exits
with status 2.

`register(commands)` adds the three commands to kiosk-server's subparsers."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from sqlalchemy.engine import Engine

from server.declarations.issuing import DATA_DIR_ENV, ConfigurationError, DeclarationService
from server.declarations.keyring import KeyringError
from server.meetings.errors import MeetingError
from server.meetings.service import (ImportPreview, add_event, add_participant, add_session, apply_import,
                                     find_event, issue_badges, list_events, local_moment, participants_of,
                                     preview_import, remove_participant, sessions_of, set_event)
from server.tracing.rules import server_zone

REFUSED = 2
ACTIONS = ("warn", "refuse")
LIST_PAGE = 1000
REPORT_FORMATS = {"csv": "write_report_csv", "xlsx": "write_report_xlsx", "pdf": "write_report_pdf"}


def register(commands: Any) -> None:
    event = commands.add_parser("event", help="meetings, conferences, trainings: events, their participants, "
                                              "badges and reports").add_subparsers(title="event")
    add = event.add_parser("add", help="add an event and print its id")
    add.add_argument("name")
    _event_settings(add)
    add.set_defaults(run=_refusable(_event_add))
    settings = event.add_parser("set", help="change an event's settings (stations get them at their next sync)")
    settings.add_argument("event", help="the event's id or name")
    _event_settings(settings)
    settings.add_argument("--opens-before", type=int, metavar="MIN",
                          help="the doors open for a session this many minutes before it starts (default 30)")
    settings.add_argument("--late-after", type=int, metavar="MIN",
                          help="an arrival this many minutes after the start is late (default 10)")
    settings.add_argument("--early-leave", type=int, metavar="MIN",
                          help="a last exit this many minutes before the end is leaving early (default 10)")
    settings.set_defaults(run=_refusable(_event_set))
    event.add_parser("list", help="every event: sessions, participants, dates").set_defaults(
        run=_refusable(_event_list))
    import_ = event.add_parser("import", help="import participants from a CSV or XLSX file: the preview, then "
                                              "the import (re-importing updates, never duplicates)")
    import_.add_argument("event", help="the event's id or name")
    import_.add_argument("file", type=Path)
    import_.add_argument("--dry-run", action="store_true", help="only the preview: import nothing")
    import_.set_defaults(run=_refusable(_event_import))
    report = event.add_parser("report", help="who attended which session: a table, or --json/--csv/--xlsx/--pdf")
    report.add_argument("event", help="the event's id or name")
    report.add_argument("--session", metavar="NAME", help="this session only")
    kinds = report.add_mutually_exclusive_group()
    kinds.add_argument("--json", action="store_true", help="one JSON object per participant and session")
    for kind in REPORT_FORMATS:
        kinds.add_argument(f"--{kind}", type=Path, metavar="FILE", help=f"write the report as {kind.upper()}")
    report.set_defaults(run=_refusable(_event_report))
    badges = event.add_parser("badges", help="print-ready badges (PDF) with a signed QR each")
    badges.add_argument("event", help="the event's id or name")
    badges.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")
    badges.add_argument("--layout", choices=("a4", "label"), default="a4",
                        help="a4: sheets of badges; label: one badge per page (label printers)")
    badges.add_argument("--participant", nargs="+", action="extend", metavar="PID",
                        help="only these participants (default: everyone on the list)")
    badges.add_argument("--replace", action="store_true", help="revoke the participants' earlier badges")
    _data_dir_option(badges)
    badges.set_defaults(run=_refusable(_event_badges))

    session = commands.add_parser("session", help="an event's sessions and the stations that check in for "
                                                  "them").add_subparsers(title="session")
    session_add = session.add_parser("add", help="add a session and print its id")
    session_add.add_argument("event", help="the event's id or name")
    session_add.add_argument("name")
    session_add.add_argument("--start", required=True, metavar="ISO",
                             help="e.g. 2026-12-03T08:00 (without a zone: the server's)")
    session_add.add_argument("--end", required=True, metavar="ISO")
    session_add.add_argument("--station", required=True, nargs="+", action="extend", metavar="STATION",
                             help="the stations that check in for it")
    session_add.add_argument("--room", default="")
    session_add.set_defaults(run=_refusable(_session_add))
    session_list = session.add_parser("list", help="an event's sessions")
    session_list.add_argument("event", help="the event's id or name")
    session_list.set_defaults(run=_refusable(_session_list))

    participant = commands.add_parser("participant", help="an event's participants, one by one").add_subparsers(
        title="participant")
    participant_add = participant.add_parser("add", help="add a participant and print their id")
    participant_add.add_argument("event", help="the event's id or name")
    participant_add.add_argument("--name", required=True)
    participant_add.add_argument("--organisation", default="")
    participant_add.add_argument("--group", default="", help="group, seat or table")
    participant_add.add_argument("--id-number", default="", help="12-digit CCCD or 9-digit ID number")
    participant_add.add_argument("--phone", default="")
    participant_add.set_defaults(run=_refusable(_participant_add))
    participant_list = participant.add_parser("list", help="an event's participants, numbers masked")
    participant_list.add_argument("event", help="the event's id or name")
    participant_list.add_argument("--search", default="", help="a part of the name or organisation")
    participant_list.set_defaults(run=_refusable(_participant_list))
    participant_remove = participant.add_parser("remove", help="take a participant off the list and revoke "
                                                               "their badges")
    participant_remove.add_argument("participant", metavar="PID")
    _data_dir_option(participant_remove)
    participant_remove.set_defaults(run=_refusable(_participant_remove))


def _event_settings(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--not-listed", choices=ACTIONS,
                        help="what the door says to someone not on the list (default warn)")
    parser.add_argument("--outside-hours", choices=ACTIONS,
                        help="what the door says outside a session's hours (default warn)")


def _data_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, help=f"server data directory, where the signing keys are "
                                                      f"(default: ${DATA_DIR_ENV} or the platform's data folder)")


def _refusable(command: Callable[[Engine, argparse.Namespace], int]) -> Callable[..., int]:
    """A refusal the organiser can fix: one sentence on stderr, status 2."""
    def run(engine: Engine, _url: str, args: argparse.Namespace) -> int:
        try:
            return command(engine, args)
        except MeetingError as problem:
            print(f"kiosk-server: {problem.words.en}", file=sys.stderr)
            return REFUSED
        except (ConfigurationError, KeyringError) as problem:
            print(f"kiosk-server: {problem}", file=sys.stderr)
            return REFUSED
        except OSError as problem:
            print(f"kiosk-server: cannot read {problem.filename or 'the file'}: {problem.strerror or problem}.",
                  file=sys.stderr)
            return REFUSED
    return run


def _event_add(engine: Engine, args: argparse.Namespace) -> int:
    print(add_event(engine, args.name, not_listed=args.not_listed or "warn",
                    outside_hours=args.outside_hours or "warn"))
    return 0


def _event_set(engine: Engine, args: argparse.Namespace) -> int:
    event = set_event(engine, find_event(engine, args.event).id, not_listed=args.not_listed,
                      outside_hours=args.outside_hours, opens_before=args.opens_before, late_after=args.late_after,
                      early_leave=args.early_leave)
    print(f"Event {event.id} {event.name!r}: not listed {event.not_listed}, outside hours {event.outside_hours}, "
          f"opens {event.opens_before_minutes} min before, late after {event.late_after_minutes} min, "
          f"leaving early {event.early_leave_minutes} min before the end.")
    return 0


def _event_list(engine: Engine, _args: argparse.Namespace) -> int:
    zone = server_zone()
    summaries = list_events(engine)
    for event in summaries:
        print(f"{event.id}\t{event.name}\t{event.sessions} sessions\t{event.participants} participants\t"
              f"{_local(event.first_start, zone)} – {_local(event.last_end, zone)}")
    print(f"{len(summaries)} events", file=sys.stderr)
    return 0


def _event_import(engine: Engine, args: argparse.Namespace) -> int:
    event = find_event(engine, args.event)
    data = args.file.read_bytes()
    preview = (preview_import if args.dry_run else apply_import)(engine, event.id, data, args.file.name)
    print(_preview_text(args.file.name, preview))
    print(f"Dry run: nothing was imported into {event.name!r}." if args.dry_run
          else f"Imported into event {event.id} {event.name!r}.")
    return 0


def _preview_text(filename: str, preview: ImportPreview) -> str:
    """What an import does: recognised columns, counts, each skipped row with why."""
    file = preview.file
    lines = [f"{filename} ({file.encoding}): {len(file.rows) + len(file.skipped)} rows.",
             "Columns: " + ", ".join(f"{field} = {header!r}" for field, header in file.columns.items())]
    if file.ignored:
        lines.append("Not used: " + ", ".join(repr(header) for header in file.ignored))
    lines.append(f"{preview.new} new, {preview.updated} updated, {preview.unchanged} unchanged, "
                 f"{len(file.skipped)} skipped; {preview.not_in_file} listed before and not in the file (kept).")
    lines += [f"  line {row.line}: {row.words.en}" for row in file.skipped]
    return "\n".join(lines)


def _event_report(engine: Engine, args: argparse.Namespace) -> int:
    from server.meetings import report_files
    from server.meetings.report_data import load_report

    event = find_event(engine, args.event)
    zone = server_zone()
    report = load_report(engine, event.id, args.session, zone)
    if args.json:
        lines = report_files.report_json_lines(report)
        sys.stdout.write(lines if not lines or lines.endswith("\n") else lines + "\n")
        return 0
    for kind, writer in REPORT_FORMATS.items():
        path = getattr(args, kind)
        if path:
            getattr(report_files, writer)(report, path)
            print(f"Report of {event.name!r} written to {path}.", file=sys.stderr)
            return 0
    print("session\troom\ttime\tlisted\tattended\tpresent\tlate\tleft early\tabsent\twalk-ins")
    for summary in report.sessions:
        print(f"{summary.session}\t{summary.room}\t{_local(summary.start, zone)} – {_local(summary.end, zone)}\t"
              f"{summary.listed}\t{summary.attended}\t{summary.present}\t{summary.late}\t{summary.left_early}\t"
              f"{summary.absent}\t{summary.walk_ins}")
    return 0


def _event_badges(engine: Engine, args: argparse.Namespace) -> int:
    from server.meetings.badge_sheets import write_badges_pdf

    event = find_event(engine, args.event)
    printed = issue_badges(engine, event.id, DeclarationService(args.data_dir, engine=engine), args.participant,
                           replace=args.replace)
    write_badges_pdf(printed, args.out, layout=args.layout)
    print(f"{len(printed)} badges of {event.name!r} written to {args.out}"
          f"{'; the earlier ones are revoked' if args.replace else ''}.", file=sys.stderr)
    return 0


def _session_add(engine: Engine, args: argparse.Namespace) -> int:
    event = find_event(engine, args.event)
    zone = server_zone()
    print(add_session(engine, event.id, args.name, local_moment(args.start, "--start", zone),
                      local_moment(args.end, "--end", zone), args.station, room=args.room))
    return 0


def _session_list(engine: Engine, args: argparse.Namespace) -> int:
    zone = server_zone()
    for session in sessions_of(engine, find_event(engine, args.event).id):
        print(f"{session.id}\t{session.name}\t{session.room}\t{_local(session.starts_at, zone)} – "
              f"{_local(session.ends_at, zone)}\t{', '.join(session.stations)}")
    return 0


def _participant_add(engine: Engine, args: argparse.Namespace) -> int:
    event = find_event(engine, args.event)
    print(add_participant(engine, event.id, args.name, args.organisation, args.group, args.id_number, args.phone))
    return 0


def _participant_list(engine: Engine, args: argparse.Namespace) -> int:
    event = find_event(engine, args.event)
    shown = offset = 0
    while True:
        page = participants_of(engine, event.id, args.search, offset, LIST_PAGE)
        for p in page:
            print(f"{p.id}\t{p.name}\t{p.organisation}\t{p.group}\t{p.id_number_hint}\t{p.phone_hint}\t"
                  f"{p.source}\t{p.badges} badges")
        shown, offset = shown + len(page), offset + LIST_PAGE
        if len(page) < LIST_PAGE:
            break
    print(f"{shown} participants", file=sys.stderr)
    return 0


def _participant_remove(engine: Engine, args: argparse.Namespace) -> int:
    remove_participant(engine, args.participant, DeclarationService(args.data_dir, engine=engine))
    print("Removed from the list; their badges are revoked (stations refuse them after their next sync).")
    return 0


def _local(moment: datetime | None, zone: Any) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else "-"
