"""`kiosk status`: where this kiosk keeps what protects its visitors, and how it seals their data.

It says where the station secret is kept (kiosk.secret_store: a systemd credential, Windows DPAPI or an
owner-only file outside the data folder: being on the same disk, that one comes with what to do about it),
which health authority keys seal the entries (the fingerprint to compare with the authority's, and until
when they cover), how many entries wait for the server, and the meeting session the door checks in for
now or next (kiosk.meetings.plan).
"""

from __future__ import annotations

import argparse
import json

from kiosk import secret_store
from kiosk.cli.environment import open_store, settings_from
from kiosk.entry import utc_now
from kiosk.meetings.plan import MeetingPlan, MomentKind
from kiosk.settings import database_path
from kiosk.station_config import load_station_config


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("status", help="where the station secret is kept and which keys seal entries")
    parser.add_argument("--json", action="store_true", help="print the status as one JSON object")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    warning = secret_store.warning()
    with open_store(settings) as store:
        config = load_station_config(store)
        keys = config.authority_keys
        status = {
            "database": str(database_path(settings)),
            "secret_backend": secret_store.backend().value,
            "secret_location": secret_store.location(),
            "secret_warning": warning.text(settings.language) if warning else None,
            "authority_fingerprint": keys.fingerprint if keys else None,
            "authority_keys_until": keys.last_day.isoformat() if keys else None,
            "waiting": store.pending_count(),
            "meeting": meeting_status(config.meetings),
        }
    if args.json:
        print(json.dumps(status, ensure_ascii=False))
        return 0
    print(f"Database: {status['database']}")
    print(f"Station secret: {status['secret_backend']} ({status['secret_location']})")
    if warning:
        print(status["secret_warning"])
    if keys:
        print(f"Health authority keys: {status['authority_fingerprint']}, sealing until "
              f"{keys.last_day:%Y-%m-%d} (UTC)")
    else:
        print("Health authority keys: none yet; entries are kept in this kiosk's own box and sealed when the "
              "server sends the authority's keys")
    print(f"{status['waiting']} entries waiting for the server.")
    meeting = status["meeting"]
    if meeting is not None:
        session = meeting["session"]
        when = _MOMENT_WORDS[MomentKind(meeting["state"])]
        print(f"Meetings: {meeting['sessions']} sessions, {meeting['roster_tags']} roster tags; session {when}"
              + (f": {session['name']} ({session['room']}) {session['start']}–{session['end']}" if session else ""))
    return 0


_MOMENT_WORDS = {MomentKind.OPEN: "open now", MomentKind.NOT_YET: "next", MomentKind.ENDED: "over for today",
                 MomentKind.NONE: "none today"}


def meeting_status(plan: MeetingPlan) -> dict | None:
    """The meeting plan in brief: where the door stands now, the session it names, the plan's size (the
    roster holds tags, one per person key, not people)."""
    if not plan:
        return None
    moment = plan.moment(utc_now())
    session = moment.session
    shown = None if session is None else {
        "id": session.id, "name": session.name, "room": session.room,
        "start": f"{session.start.astimezone():%Y-%m-%d %H:%M}", "end": f"{session.end.astimezone():%H:%M}"}
    return {"state": moment.kind.value, "session": shown,
            "sessions": len(plan.sessions), "roster_tags": sum(len(event.roster) for event in plan.events.values())}
