"""`kiosk trace PERSON --reason CASE`: who was at this kiosk's location at the same time as a person.

With `--json`, the JSON lines every trace prints (kiosk.tracing.report.json_lines: the case first, then one
line per contact); without, a table in the chosen language. A request that cannot be answered (a window
from after to, in the future, before anything kept; a reason missing) gets its sentence on stderr and exit
code 2; a person never seen here is an answer: "no visits", with what was searched, and exit code 0.
Every trace is recorded in the kiosk's trace audit.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import datetime

from kiosk.cli import EXIT_USER_ERROR
from kiosk.cli.environment import open_store, settings_from
from kiosk.cli.visits import in_force
from kiosk.tracing.masking import mask_person_key
from kiosk.messages import Message
from kiosk.reasons import LANGUAGES
from kiosk.trace_here import trace_here
from kiosk.tracing.report import END_REASON_WORDS, TIER_WORDS, Trace, contacts_heading, json_lines, summary
from kiosk.tracing.request import TraceProblem, typed_moment

VISIT_COLUMNS = (Message("trace.column.location"), Message("trace.column.from"), Message("trace.column.to"),
                 Message("trace.column.minutes"), Message("trace.column.ended"))
CONTACT_COLUMNS = (Message("trace.column.person"), Message("trace.column.name"), Message("trace.column.location"),
                   Message("trace.column.from"), Message("trace.column.to"), Message("trace.column.minutes"),
                   Message("trace.column.tier"))


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("trace", help="who was here at the same time as a person (contact tracing)")
    parser.add_argument("person", help="an ID number, a QID, or a person key as `kiosk log` prints it")
    parser.add_argument("--from", dest="since", metavar="ISO",
                        help="start of the window, e.g. 2026-03-02T08:00 (the station's local time unless a zone "
                             "is given; default: the oldest entry kept)")
    parser.add_argument("--to", dest="until", metavar="ISO", help="end of the window (default: now)")
    parser.add_argument("--min-minutes", type=float, default=0, metavar="N",
                        help="count only overlaps of at least N minutes (default 0: any overlap)")
    parser.add_argument("--padding", action="store_true",
                        help="trace each case visit until min(stay, 30 min) after they left (aerosols)")
    parser.add_argument("--json", action="store_true", help="JSON lines: the case, then one line per contact")
    parser.add_argument("--reason", required=True, metavar="CASE", help="why: the case number (recorded)")
    parser.add_argument("--lang", choices=LANGUAGES, default="vi", help="language of the answer (default vi)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    try:
        since, until = local_moment(args.since, "--from"), local_moment(args.until, "--to")
        with open_store(settings) as store:
            result = trace_here(store, in_force(store, settings), args.person, since=since, until=until,
                                min_minutes=args.min_minutes, padding=args.padding, reason=args.reason,
                                who=f"command line ({getpass.getuser()})")
    except TraceProblem as problem:
        print(f"kiosk: {problem.message.text(args.lang)}", file=sys.stderr)
        return EXIT_USER_ERROR
    lines = [json.dumps(line, ensure_ascii=False) for line in json_lines(result, args.lang)] if args.json \
        else readable(result, args.lang)
    print("\n".join(lines))
    return 0


def local_moment(text: str | None, option: str) -> datetime | None:
    """An ISO 8601 time; without a zone it is the station's local time."""
    moment = typed_moment(text, option)
    return moment.astimezone() if moment is not None and moment.tzinfo is None else moment


def readable(result: Trace, lang: str) -> list[str]:
    """The answer as a person reads it: what was searched, the notes, the case's visits, the contacts."""
    def say(code: str, **params: object) -> str:
        return Message(code, **params).text(lang)

    lines = summary(result, lang, _shown)
    if not result.case_visits:
        return lines
    lines += ["", say("trace.heading.visits", count=str(len(result.case_visits)))]
    lines += _table([column.text(lang) for column in VISIT_COLUMNS],
                    [[visit.location, _shown(visit.start), _shown(visit.end), str(int(visit.minutes)),
                      END_REASON_WORDS[visit.end_reason].text(lang)] for visit in result.case_visits])
    contacts = result.contacts
    lines += ["", contacts_heading(contacts).text(lang)]
    if contacts.contacts:
        lines += _table([column.text(lang) for column in CONTACT_COLUMNS],
                        [[mask_person_key(c.person_key), c.display_name or "-", c.location, _shown(c.start),
                          _shown(c.end), str(int(c.minutes)), TIER_WORDS[c.tier].text(lang)] for c in contacts.contacts])
    if contacts.capped:
        lines.append(say("trace.capped", listed=str(len(contacts.contacts))))
    return lines


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[column]) for row in (header, *rows)) for column in range(len(header))]
    return ["  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
            for row in (header, *rows)]


def _shown(moment: datetime) -> str:
    """A time in the station's local time, as the door shows it."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")
