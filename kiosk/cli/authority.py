"""`kiosk authority`: which health authority key this station seals to, and accepting a new one on purpose.

`kiosk authority` (or `kiosk authority status`) prints the pinned signing key's fingerprint, the weeks the
accepted key set covers, and a key set the station refused. `kiosk authority trust FINGERPRINT` accepts
the authority key an administrator was given (by the health authority, not by the server): the key set the
server offers is taken at once if that key signed it, else at the next sync that brings one.
Like `kiosk trust import`, it is protected by the OS account that runs the kiosk, which owns its database.
"""

from __future__ import annotations

import argparse
import json

from kiosk import authority_pin
from kiosk.cli.environment import open_store, settings_from
from kiosk.entry import utc_now
from kiosk.errors import KioskError
from kiosk.sealing.authority import AuthorityKeySet
from kiosk.setting_specs import FINGERPRINT_EXAMPLE
from kiosk.station_config import META_SERVER_CONFIG
from kiosk.store import Store


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("authority", help="the health authority key this station seals to: "
                                                     "'status', or 'trust FINGERPRINT' to accept a new one")
    parser.add_argument("action", nargs="?", choices=("status", "trust"), default="status")
    parser.add_argument("fingerprint", nargs="?", metavar="FINGERPRINT",
                        help=f"for 'trust': the fingerprint the health authority gave, e.g. \"{FINGERPRINT_EXAMPLE}\"")
    parser.add_argument("--json", action="store_true", help="print the state as one JSON object")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    with open_store(settings) as store:
        if args.action == "trust":
            if not args.fingerprint:
                raise KioskError(f"give the fingerprint to trust: kiosk authority trust \"{FINGERPRINT_EXAMPLE}\"")
            try:
                state = authority_pin.trust(store, args.fingerprint, _offered(store), settings.authority_fingerprint)
            except authority_pin.AuthorityPinError as problem:
                raise KioskError(str(problem)) from None
        else:
            state = authority_pin.current(store)
    notice = state.notice(utc_now())
    if args.json:
        print(json.dumps({"pinned": state.pinned, "coverage": state.coverage(), "refused": state.refused,
                          "notice": notice.code if notice else None}))
        return 0
    print(f"Authority key pinned: {state.pinned or 'none yet (the first key set the server sends is kept)'}")
    print(f"Key set in use: {state.coverage()}")
    if state.refused:
        print(f"Refused: a key set signed by {state.refused}; accept it on purpose with "
              f"`kiosk authority trust \"{state.refused}\"` only if the health authority says so.")
    if notice:
        print(notice.text(settings.language))
    return 0


def _offered(store: Store) -> AuthorityKeySet | None:
    stored = store.get_meta(META_SERVER_CONFIG)
    return authority_pin.offered_key_set(json.loads(stored)) if stored else None
