"""`kiosk trust import FILE`: signing certificates for EU COVID certificates, kept for the station."""

from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.cli.environment import open_store, settings_from
from kiosk.station_config import import_trust_file


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("trust", help="trust material for signed codes: "
                                                 "'kiosk trust import FILE' imports signing certificates")
    parser.add_argument("action", choices=("import",))
    parser.add_argument("file", metavar="FILE", help="a JSON array of {\"certificate\": base64 of the DER, "
                                                     "\"country\": optional}")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    with open_store(settings_from(args)) as store:
        trust = import_trust_file(store, Path(args.file))
    countries = sorted({signer.country for signer in trust.signers if signer.country})
    print(f"Imported {len(trust.signers)} signing certificates"
          + (f" ({', '.join(countries)})." if countries else "."))
    return 0
