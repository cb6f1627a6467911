"""`kiosk-server issue` (a reception desk declares on a visitor's behalf) and the key and trust chores.

`register(subparsers)` adds: issue, declarations, declaration-key-rotate, declaration-revoke,
dcc-trust-import. Keys, rules and the revocation list live in the data directory; the database records
what was issued (no personal data: see server/declarations/ledger.py).
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from kiosk.trust import TrustError
from server.declarations.issuing import (
    DATA_DIR_ENV,
    ConfigurationError,
    DeclarationInputError,
    DeclarationService,
)
from server.declarations.keyring import KeyringError
from server.qr_image import render_qr


def register(subparsers: Any) -> None:
    issue = subparsers.add_parser("issue", help="issue a signed health declaration (HD1 QR) for a visitor")
    issue.add_argument("--name", required=True)
    issue.add_argument("--phone", required=True)
    issue.add_argument("--id-number", required=True)
    issue.add_argument("--answer", action="append", default=[], metavar="QUESTION=yes|no",
                       help="answer to a configured health question, e.g. --answer sym=no (one per question)")
    issue.add_argument("--png", type=Path, help="write the QR code as PNG here")
    issue.add_argument("--svg", type=Path, help="write the QR code as SVG here")
    _data_dir_option(issue)
    issue.set_defaults(run=_issue)

    rotate = subparsers.add_parser("declaration-key-rotate",
                                   help="sign declarations with a new key; the old one stays trusted for a while")
    _data_dir_option(rotate)
    rotate.set_defaults(run=_rotate)

    listing = subparsers.add_parser("declarations", help="list the declarations issued under an ID number")
    listing.add_argument("--person", required=True, metavar="ID_NUMBER")
    _data_dir_option(listing)
    listing.set_defaults(run=_list)

    revoke = subparsers.add_parser("declaration-revoke",
                                   help="revoke a declaration by its id (cti, hex), or every unexpired one of a "
                                        "person with --person ID_NUMBER")
    revoke.add_argument("cti", nargs="?")
    revoke.add_argument("--person", metavar="ID_NUMBER")
    _data_dir_option(revoke)
    revoke.set_defaults(run=_revoke)

    trust = subparsers.add_parser("dcc-trust-import",
                                  help='import EU signing certificates: a JSON array of {"certificate", "country"}')
    trust.add_argument("file", type=Path)
    _data_dir_option(trust)
    trust.set_defaults(run=_trust_import)


def _data_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, help=f"server data directory (default: ${DATA_DIR_ENV} or the "
                                                      "platform's data folder)")


def _guarded(command):  # type: ignore[no-untyped-def]
    """Turn the problems a user can fix into one plain line and exit status 1."""
    def run(engine: Engine, _url: str, args: argparse.Namespace) -> int:
        try:
            return command(DeclarationService(args.data_dir, engine=engine), args)
        except (DeclarationInputError, ConfigurationError, KeyringError, TrustError, OSError) as problem:
            print(f"kiosk-server: {problem}", file=sys.stderr)
            return 1
    return run


@_guarded
def _issue(service: DeclarationService, args: argparse.Namespace) -> int:
    answers = {}
    for item in args.answer:
        question, _, answer = item.partition("=")
        answers[question.strip()] = answer
    issued = service.issue(args.name, args.phone, args.id_number, answers)
    if args.png or args.svg:
        png, svg = render_qr(issued.text)
        if args.png:
            args.png.write_bytes(png)
        if args.svg:
            args.svg.write_text(svg, encoding="utf-8")
    print(issued.text)
    print(f"declaration id {issued.cti.hex()}, valid until {issued.expires_at.isoformat()}", file=sys.stderr)
    return 0


@_guarded
def _rotate(service: DeclarationService, _args: argparse.Namespace) -> int:
    kid = service.rotate()
    print(f"declarations are now signed with key {base64.b64encode(kid).decode()}; "
          f"the previous key stays trusted for {service.settings.overlap}")
    return 0


@_guarded
def _list(service: DeclarationService, args: argparse.Namespace) -> int:
    issued = service.issued_for(args.person)
    now = service.clock()
    for record in issued:
        state = (f"revoked {record.revoked_at.isoformat(timespec='seconds')}" if record.revoked_at
                 else "expired" if record.expires_at <= now else "valid")
        print(f"{record.cti.hex()}\tissued {record.issued_at.isoformat(timespec='seconds')}\t"
              f"until {record.expires_at.isoformat(timespec='seconds')}\t{state}")
    print(f"{len(issued)} declarations issued under this ID number", file=sys.stderr)
    return 0


@_guarded
def _revoke(service: DeclarationService, args: argparse.Namespace) -> int:
    if (args.cti is None) == (args.person is None):
        print("kiosk-server: name either a declaration id or --person ID_NUMBER", file=sys.stderr)
        return 1
    if args.person is not None:
        revoked = service.revoke_person(args.person)
        print(f"{len(revoked)} unexpired declarations revoked "
              f"({', '.join(r.cti.hex() for r in revoked) or 'none left to revoke'}); "
              "kiosks refuse them after their next sync")
        return 0
    try:
        cti = bytes.fromhex(args.cti)
    except ValueError:
        print("kiosk-server: the declaration id is the hex number printed when it was issued", file=sys.stderr)
        return 1
    service.revoke(cti)
    print(f"declaration {cti.hex()} revoked; kiosks refuse it after their next sync")
    return 0


@_guarded
def _trust_import(service: DeclarationService, args: argparse.Namespace) -> int:
    try:
        entries = json.loads(args.file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        print(f"kiosk-server: {args.file} is not JSON: {error}", file=sys.stderr)
        return 1
    print(f"{service.import_dcc_trust(entries)} signing certificates imported")
    return 0
