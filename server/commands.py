"""`kiosk-server`: run the server and administer stations, administrators and what kiosks download."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from datetime import datetime, timezone
from typing import Sequence

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from server import authority_cli, declarations
from server.access_log import configure_logging
from server.admins import (add_admin, disable_admin, issue_api_token, remove_admin, revoke_api_tokens,
                           set_password)
from server.database import DATABASE_ENV, default_database_url, make_engine, migrate, normalise_url
from server.retention import RetentionProblem, purge
from server.roles import Role
from server.security import BODY_TIMEOUT_ENV, DEFAULT_BODY_TIMEOUT
from kiosk.contract import WATCH_ACTIONS
from server.station_config import set_setting
from server.stations import (AdminRequestError, add_station, list_stations, rename_station, revoke_station,
                             rotate_token)
from server.meetings import cli as meetings_cli
from server.tracing import cli as tracing_cli
from server.watch_list import unwatch, until_date, watch, watched

TRUSTED_PROXIES_ENV = "KIOSK_SERVER_TRUSTED_PROXIES"
GRACEFUL_SHUTDOWN_SECONDS = 3  # then open requests are cancelled: a stalled client must not hold the server
KEEP_ALIVE_SECONDS = 5


def run_command(argv: Sequence[str] | None = None) -> int:
    # Everything the server creates (SQLite files, keys, exports) is readable by its owner only.
    os.umask(0o077)
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    url = normalise_url(args.db) if args.db else default_database_url()
    try:
        if not getattr(args, "database", True):  # e.g. the authority's keygen, on a machine with no server
            return args.run(None, url, args)
        engine = make_engine(url)
        migrate(engine)
        return args.run(engine, url, args)
    except AdminRequestError as problem:
        print(f"kiosk-server: {problem}", file=sys.stderr)
        return 1
    except OperationalError as problem:
        print(f"kiosk-server: cannot use the database: {problem.orig}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk-server", description=__doc__)
    parser.add_argument("--db", help=f"database URL or SQLite file (default: ${DATABASE_ENV} or a local file)")
    commands = parser.add_subparsers(title="commands")

    serve = commands.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="server processes (PostgreSQL: one per core)")
    serve.add_argument("--log-level", default="info")
    serve.add_argument("--tls-cert", help="serve HTTPS with this certificate (PEM), e.g. without a proxy in front")
    serve.add_argument("--tls-key", help="the certificate's private key (PEM)")
    serve.add_argument("--trusted-proxy", action="append", metavar="ADDR",
                       help="a reverse proxy whose X-Forwarded-For/-Proto are believed (repeatable; an address "
                            f"or network, '*' for any; default ${TRUSTED_PROXIES_ENV}, comma-separated, else "
                            "none: the headers are ignored)")
    serve.add_argument("--body-timeout", type=float, metavar="SECONDS",
                       help=f"answer 408 when a request body stalls this long (default ${BODY_TIMEOUT_ENV}, "
                            f"else {DEFAULT_BODY_TIMEOUT:g})")
    serve.set_defaults(run=_serve)

    station = commands.add_parser("station", help="add, list or revoke stations").add_subparsers(title="station")
    add = station.add_parser("add", help="add a station and print its token (shown only this once)")
    add.add_argument("name")
    add.add_argument("--location", default="")
    add.set_defaults(run=_station_add)
    station.add_parser("list", help="list stations").set_defaults(run=_station_list)
    revoke = station.add_parser("revoke", help="lock a station out (its token stops working)")
    revoke.add_argument("name")
    revoke.set_defaults(run=_station_revoke)
    rotate = station.add_parser("rotate-token", help="give a station a new token (printed once); the old one "
                                                     "stops working, name and entries stay")
    rotate.add_argument("name")
    rotate.set_defaults(run=_station_rotate)
    rename = station.add_parser("rename", help="rename a station; entries its kiosk queued under the old name "
                                               "are still accepted as its own")
    rename.add_argument("old")
    rename.add_argument("new")
    rename.set_defaults(run=_station_rename)

    admin = commands.add_parser("admin", help="dashboard administrators").add_subparsers(title="admin")
    admin_add = admin.add_parser("add", help="add a user of the dashboard, or change their password, role and "
                                             "sites")
    admin_add.add_argument("username")
    admin_add.add_argument("--role", choices=[role.value for role in Role], default=Role.ADMIN.value,
                           help="admin: stations, users, audit log; tracer: the health authority, traces "
                                "contacts; site: sees only its own sites (default: admin)")
    admin_add.add_argument("--site", action="append", default=[], metavar="LOCATION",
                           help="a location a site administrator sees (repeatable)")
    admin_add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    admin_add.set_defaults(run=_admin_add)
    admin_password = admin.add_parser("password", help="set a new password (ends the administrator's sessions, "
                                                       "enables a disabled administrator)")
    admin_password.add_argument("username")
    admin_password.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    admin_password.set_defaults(run=_admin_password)
    admin_disable = admin.add_parser("disable", help="stop an administrator logging in and end their sessions")
    admin_disable.add_argument("username")
    admin_disable.set_defaults(run=_admin_disable)
    admin_remove = admin.add_parser("remove", help="delete an administrator and end their sessions")
    admin_remove.add_argument("username")
    admin_remove.set_defaults(run=_admin_remove)
    admin_token = admin.add_parser("token", help="print a new API token for the user (shown only this once; "
                                                 "only a tracer's opens the trace API)")
    admin_token.add_argument("username")
    admin_token.add_argument("--revoke", action="store_true", help="instead: every API token of the user stops "
                                                                   "working")
    admin_token.set_defaults(run=_admin_token)

    setting = commands.add_parser("setting", help="push a setting to the kiosks")
    setting.add_argument("key")
    setting.add_argument("value", help='a JSON value, e.g. 30, true, "vi"; null removes the setting')
    setting.add_argument("--station", help="only this station (default: every station)")
    setting.set_defaults(run=_setting)

    watch_cmd = commands.add_parser("watch", help="the watch list kiosks recognise (by weekly tags: no station "
                                                  "can read who is on it)").add_subparsers(title="watch")
    watch_add = watch_cmd.add_parser("add", help="add a person (or change their entry)")
    watch_add.add_argument("person_key", help="an ID number, a QID or a person key (cccd:..., qid:...)")
    watch_add.add_argument("--action", choices=WATCH_ACTIONS, default="warn")
    watch_add.add_argument("--note", default="", help="shown at the door when this person's code is read; "
                                                      "stored sealed to the health authority")
    watch_add.add_argument("--until", metavar="YYYY-MM-DD",
                           help="last day of the entry (default: 52 weeks from now)")
    watch_add.set_defaults(run=_watch_add)
    watch_remove = watch_cmd.add_parser("remove", help="remove a person: type their key again")
    watch_remove.add_argument("person_key")
    watch_remove.set_defaults(run=_watch_remove)
    watch_cmd.add_parser("list", help="the entries, keys masked").set_defaults(run=_watch_list)

    purge_cmd = commands.add_parser("purge", help="remove the entries older than the retention (retention_days "
                                                  "pushed to every station, else 28 days) and say what went")
    purge_cmd.add_argument("--dry-run", action="store_true", help="only say what would be removed")
    purge_cmd.set_defaults(run=_purge)

    authority_cli.register(commands)  # authority keygen, publish, status
    declarations.register(commands)  # issue, declaration-key-rotate, declaration-revoke, dcc-trust-import
    tracing_cli.register(commands)  # trace, location, visits
    meetings_cli.register(commands)  # event, session, participant
    return parser


def _serve(_engine: Engine, url: str, args: argparse.Namespace) -> int:
    import uvicorn

    configure_logging(args.log_level)
    os.environ[DATABASE_ENV] = url  # the worker processes build their app from it
    if args.body_timeout is not None:
        os.environ[BODY_TIMEOUT_ENV] = str(args.body_timeout)
    proxies = args.trusted_proxy or [a.strip() for a in os.environ.get(TRUSTED_PROXIES_ENV, "").split(",")
                                     if a.strip()]
    uvicorn.run("server.app:app_from_environment", factory=True, host=args.host, port=args.port,
                workers=args.workers, log_config=None, access_log=False, log_level=args.log_level,
                ssl_certfile=args.tls_cert, ssl_keyfile=args.tls_key,
                # Forwarded headers only from the proxies named: anyone else could claim any address or https.
                proxy_headers=bool(proxies), forwarded_allow_ips=proxies or None,
                timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS, timeout_keep_alive=KEEP_ALIVE_SECONDS)
    return 0


def _station_add(engine: Engine, _url: str, args: argparse.Namespace) -> int:
    station, token = add_station(engine, args.name, args.location)
    print(f"Station {station.name!r} added. Its token (shown only now, store it in the kiosk's settings):")
    print(token)
    return 0


def _station_list(engine: Engine, _url: str, _args: argparse.Namespace) -> int:
    with engine.connect() as conn:
        for s in list_stations(conn):
            state = "revoked" if s.revoked else "active"
            contact = s.last_contact_at.isoformat(timespec="seconds") if s.last_contact_at else "never"
            print(f"{s.name}\t{s.location}\t{state}\tlast contact {contact}")
    return 0


def _station_revoke(engine: Engine, _url: str, args: argparse.Namespace) -> int:
    revoke_station(engine, args.name)
    print(f"Station {args.name!r} revoked.")
    return 0


def _station_rotate(engine: Engine, _url: str, args: argparse.Namespace) -> int:
    token = rotate_token(engine, args.name)
    print(f"Station {args.name!r} has a new token (shown only now; the old one no longer works):")
    print(token)
    return 0


def _station_rename(engine: Engine, _url: str, args: argparse.Namespace) -> int:
    rename_station(engine, args.old, args.new)
    print(f"Station {args.old!r} is now {args.new!r}; entries queued under the old name are still its own.")
    return 0


def _read_password(args: argparse.Namespace) -> str:
    return sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("Password: ")


def _admin_add(engine: Engine, _url: str, args: argparse.Namespace) -> int:
    add_admin(engine, args.username, _read_password(args), Role(args.role), args.site)
    print(f"{args.username!r} ({args.role}) can log in to the dashboard.")
    return 0


def _admin_password(engine: Engine, _url: str, args: argparse.Namespace) -> int:
    set_password(engine, args.username, _read_password(args))
    print(f"Administrator {args.username!r} has a new password; their sessions have ended.")
    return 0


def _admin_disable(engine: Engine, _url: str, args: argparse.Namespace) -> int:
    disable_admin(engine, args.username)
    print(f"Administrator {args.username!r} is disabled and logged out everywhere; their API tokens no longer "
          "work.")
    return 0


def _admin_remove(engine: Engine, _url: str, args: argparse.Namespace) -> int:
    remove_admin(engine, args.username)
    print(f"Administrator {args.username!r} is removed and logged out everywhere.")
    return 0


def _admin_token(engine: Engine, _url: str, args: argparse.Namespace) -> int:
    if args.revoke:
        count = revoke_api_tokens(engine, args.username)
        print(f"{count} API token(s) of {args.username!r} revoked; they no longer work.")
        return 0
    role, token = issue_api_token(engine, args.username)
    note = ("" if role is Role.TRACER
            else f" Note: {args.username!r} has the role {role.value}; only a tracer's token opens the trace API.")
    print(f"API token for {args.username!r} (shown only now; send it as 'Authorization: Bearer <token>').{note}")
    print(token)
    return 0


def _setting(engine: Engine, _url: str, args: argparse.Namespace) -> int:
    try:
        value = json.loads(args.value)
    except json.JSONDecodeError:
        raise AdminRequestError(f"{args.value!r} is not a JSON value (texts need quotes: '\"vi\"').") from None
    set_setting(engine, args.key, value, args.station)
    print(f"{args.key} = {json.dumps(value)} for {args.station or 'every station'}.")
    return 0


def _purge(engine: Engine, _url: str, args: argparse.Namespace) -> int:
    configure_logging("warning")  # a failed step's log line: JSON, database messages withheld
    try:
        report = purge(engine, datetime.now(timezone.utc), dry_run=args.dry_run)
    except RetentionProblem as problem:
        raise AdminRequestError(f"Nothing was purged: {problem}.") from None
    if report.busy:
        print("Another server process is purging right now; nothing was done here.", file=sys.stderr)
        return 1
    verb = "would be removed" if report.dry_run else "removed"
    print(f"Retention {report.retention_days} days: entries scanned before "
          f"{report.cutoff.isoformat(timespec='seconds')} {verb}.")
    for table, rows in report.removed.items():
        print(f"{table}: {rows} {verb}")
    if report.dropped:
        print(f"partitions {'to drop' if report.dry_run else 'dropped'}: {', '.join(report.dropped)}")
    if report.created:
        print(f"partitions created ahead: {', '.join(report.created)}")
    for table in report.failed:
        print(f"{table}: its purge failed (logged above); its rows stay until the next purge", file=sys.stderr)
    return 1 if report.failed else 0


def _watch_add(engine: Engine, _url: str, args: argparse.Namespace) -> int:
    until = until_date(args.until) if args.until else None
    entry = watch(engine, args.person_key, args.action, args.note, until)
    print(f"{entry.masked} is on the watch list ({entry.action}) until {entry.until:%Y-%m-%d %H:%M} UTC; stations "
          "get it at their next sync.")
    return 0


def _watch_remove(engine: Engine, _url: str, args: argparse.Namespace) -> int:
    unwatch(engine, args.person_key)
    print("Removed from the watch list.")
    return 0


def _watch_list(engine: Engine, _url: str, _args: argparse.Namespace) -> int:
    entries = watched(engine)
    for entry in entries:
        note = "sealed note" if entry.has_note else "no note"
        print(f"{entry.masked}\t{entry.action}\tadded {entry.added_at:%Y-%m-%d}\t"
              f"until {entry.until:%Y-%m-%d %H:%M} UTC\t{note}")
    print(f"{len(entries)} entries on the watch list", file=sys.stderr)
    return 0
