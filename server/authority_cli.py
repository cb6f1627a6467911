"""`kiosk-server authority keygen|forget|publish|status`: the health authority's keys from the command line.

keygen and forget run on the authority's own machine (they need no database): keygen writes
`authority.key`, which never leaves the authority, and `authority.pub`, which the server's operator
publishes; forget rewrites `authority.key` without its oldest weeks, so what was sealed to them can be
opened by no one any more. publish checks the
signature and that the set is signed by the key already published (a substituted set is refused unless
--replace), stores it for every server process and station, and seals to it what waited for a key.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from kiosk.atomic_file import replace_with_bytes
from kiosk.sealing.authority import (DEFAULT_WEEKS, AuthorityKeyError, AuthorityKeySet, AuthorityPrivateKey,
                                     generate_private_key, read_key_set, read_private_key, write_key_set,
                                     write_private_key)
from kiosk.sealing.weeks import WEEK, week_of, week_start
from server.authority_keys import published_key_set, store_key_set
from server.stations import AdminRequestError
from server.watch_list import reseal_watch_notes

PRIVATE_FILE = "authority.key"
PUBLIC_FILE = "authority.pub"
MOST_WEEKS = 520
RENEW_DAYS = 28  # status says to publish a new set when fewer days than this are left


def register(commands: Any) -> None:
    authority = commands.add_parser("authority", help="the health authority's sealing keys").add_subparsers(
        title="authority")
    keygen = authority.add_parser("keygen", help="(on the authority's machine) write authority.key, kept by the "
                                                 "authority alone, and authority.pub for the server")
    keygen.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="where to write them; an authority.key already there is kept and used")
    keygen.add_argument("--weeks", type=int, default=DEFAULT_WEEKS, metavar="N",
                        help=f"weekly keys from this week on (default {DEFAULT_WEEKS})")
    keygen.set_defaults(run=_keygen, database=False)
    forget = authority.add_parser("forget", help="(on the authority's machine) make the weeks before one "
                                                 "unopenable: rewrites authority.key without them")
    forget.add_argument("--key", type=Path, required=True, metavar="FILE", help="the authority.key to rewrite")
    oldest = forget.add_mutually_exclusive_group(required=True)
    oldest.add_argument("--before", metavar="WEEK", help="the first week still opened, e.g. 2026-W40")
    oldest.add_argument("--keep-weeks", type=int, metavar="N", help="keep this week and the N-1 weeks before it")
    forget.set_defaults(run=_forget, database=False)
    publish = authority.add_parser("publish", help="hand an authority.pub to every station at its next sync")
    publish.add_argument("file", type=Path)
    publish.add_argument("--replace", action="store_true",
                         help="accept a key set signed by another key than the one published (the authority "
                              "changed its key: kiosks that pinned the old one must be told the new fingerprint)")
    publish.set_defaults(run=_publish)
    authority.add_parser("status", help="the published key set: fingerprint, weeks covered, days left"
                         ).set_defaults(run=_status)


def _keygen(_engine: Engine | None, _url: str, args: argparse.Namespace) -> int:
    if not 1 <= args.weeks <= MOST_WEEKS:
        raise AdminRequestError(f"--weeks must be between 1 and {MOST_WEEKS}.")
    private_path, public_path = args.out / PRIVATE_FILE, args.out / PUBLIC_FILE
    try:
        args.out.mkdir(parents=True, exist_ok=True, mode=0o700)
        kept = private_path.exists()
        if kept:
            private = read_private_key(private_path)
        else:
            private = generate_private_key()
            write_private_key(private, private_path)
        key_set = private.key_set(datetime.now(timezone.utc), args.weeks)
        write_key_set(key_set, public_path)
    except AuthorityKeyError as problem:
        raise AdminRequestError(f"{problem}.") from None
    except OSError as problem:
        raise AdminRequestError(f"cannot write to {args.out}: {problem.strerror or problem}.") from None
    print(f"{'Kept' if kept else 'Wrote'} {private_path}: the authority's private key. Keep it offline, with "
          "the authority only; never copy it to a kiosk or the server.")
    print(f"Wrote {public_path}: {_covered(key_set)}. The server's operator publishes it "
          "(kiosk-server authority publish).")
    print(f"Fingerprint: {key_set.fingerprint}")
    print("Give this fingerprint to the stations' administrators (setting authority_fingerprint): a kiosk "
          "refuses keys signed by any other.")
    return 0


def _forget(_engine: Engine | None, _url: str, args: argparse.Namespace) -> int:
    this_week = week_of(datetime.now(timezone.utc))
    if args.keep_weeks is not None:
        if not 1 <= args.keep_weeks <= MOST_WEEKS:
            raise AdminRequestError(f"--keep-weeks must be between 1 and {MOST_WEEKS}.")
        first = week_of(week_start(this_week) - WEEK * (args.keep_weeks - 1))
    else:
        first = args.before.strip().upper()
        try:
            week_start(first)
        except ValueError:
            raise AdminRequestError(f"--before must be an ISO week such as {this_week} "
                                    f"(got {args.before!r}).") from None
    if week_start(first) > week_start(this_week):
        raise AdminRequestError(f"--before {first} would forget this week ({this_week}), whose entries are still "
                                "being sealed; give this week or an earlier one.")
    private = _authority_private(args.key)
    kept = private.forgetting(first)
    if kept is private:
        print(f"{args.key} already opens only the weeks from {private.first_week} on: nothing to forget.")
        return 0
    try:
        replace_with_bytes(args.key, (json.dumps(kept.to_json(), indent=2) + "\n").encode("utf-8"), mode=0o600)
    except OSError as problem:
        raise AdminRequestError(f"cannot rewrite {args.key}: {problem.strerror or problem}.") from None
    print(f"{args.key} now opens the weeks from {kept.first_week} on (fingerprint {kept.fingerprint}, unchanged). "
          f"Entries sealed to the weeks before {kept.first_week} can no longer be opened by anyone.")
    print("Destroy every other copy of the old file (backups, the copy in the safe): each still opens those weeks.")
    return 0


def _authority_private(path: Path) -> AuthorityPrivateKey:
    try:
        return read_private_key(path)
    except AuthorityKeyError as problem:
        raise AdminRequestError(f"{problem}.") from None


def _publish(engine: Engine, _url: str, args: argparse.Namespace) -> int:
    key_set = _readable_key_set(args.file)
    now = datetime.now(timezone.utc)
    if key_set.last_day <= now:
        raise AdminRequestError(f"{args.file} covers no week from now on ({_covered(key_set)}): ask the "
                                "authority for a new one.")
    try:
        current = published_key_set()
    except AuthorityKeyError:
        current = None
        if not args.replace:
            raise AdminRequestError("the key set published on this server was changed on disk; publish with "
                                    "--replace to put this one in its place.") from None
    if current is not None and not args.replace:
        if current.signing_key != key_set.signing_key:
            raise AdminRequestError(
                f"{args.file} is signed by another key ({key_set.fingerprint}) than the one published "
                f"({current.fingerprint}); kiosks refuse it. If the authority changed its key, publish it with "
                "--replace and tell the stations' administrators the new fingerprint.")
        if key_set.issued_at < current.issued_at:
            raise AdminRequestError(f"{args.file} is older than the key set published (issued "
                                    f"{key_set.issued_at:%Y-%m-%d} < {current.issued_at:%Y-%m-%d}); publish "
                                    "with --replace to go back to it.")
    store_key_set(key_set)
    from server.sealing_store import reseal_pending  # written on its own branch; imported when needed

    sealed = reseal_pending(engine) + reseal_watch_notes(engine, key_set, now)
    print(f"Published the key set {key_set.fingerprint}: {_covered(key_set)}. Stations get it at their next "
          f"sync; {sealed} waiting entries and notes are now sealed to it.")
    return 0


def _status(_engine: Engine, _url: str, _args: argparse.Namespace) -> int:
    try:
        key_set = published_key_set()
    except AuthorityKeyError as problem:
        raise AdminRequestError(f"the published key set cannot be used: {problem}; publish it again.") from None
    if key_set is None:
        print("No authority key set is published: what the kiosks read is boxed under their own keys until one "
              "is (kiosk-server authority publish authority.pub).")
        return 0
    days = (key_set.last_day - datetime.now(timezone.utc)).days
    print(f"Fingerprint: {key_set.fingerprint}")
    print(f"Covers {_covered(key_set)}")
    print(f"Days left: {max(days, 0)}"
          + (" - ask the authority for a new authority.pub and publish it" if days < RENEW_DAYS else ""))
    return 0


def _readable_key_set(path: Path) -> AuthorityKeySet:
    try:
        return read_key_set(path)
    except AuthorityKeyError as problem:
        try:
            read_private_key(path)
        except AuthorityKeyError:
            raise AdminRequestError(f"{path} cannot be published: {problem}.") from None
        raise AdminRequestError(f"{path} is the authority's PRIVATE key: it must never be on the server. Delete "
                                "this copy and publish authority.pub.") from None


def _covered(key_set: AuthorityKeySet) -> str:
    weeks = [key.week for key in key_set.weeks]
    return (f"{len(weeks)} weeks, {weeks[0]} to {weeks[-1]} (the last key seals until "
            f"{key_set.last_day:%Y-%m-%d})")
