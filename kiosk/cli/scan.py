"""`kiosk scan PATH...`: decode image or video files and say what the kiosk would decide.

Nothing is logged: this is for checking photos and recordings, and for automation. The verdict is the
station's for a first visit, with its settings, watch list, trust list and health rules.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Iterator

from kiosk.cli.environment import open_store, settings_from
from kiosk.credentials.base import Credential
from kiosk.decoding import Decoder
from kiosk.errors import KioskError
from kiosk.frames import open_source
from kiosk.reasons import LANGUAGES
from kiosk.station import Station
from kiosk.station_config import load_station_config


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("scan", help="decode image or video files (nothing is logged)")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="image or video files")
    parser.add_argument("--json", action="store_true", help="one JSON object per line per code found")
    parser.add_argument("--lang", choices=LANGUAGES, default="vi", help="language of the reasons")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    with open_store(settings) as store:  # read only for the station's config and trust list
        return scan_files(args, Station(settings, store, config=load_station_config(store)))


def scan_files(args: argparse.Namespace, station: Station) -> int:
    decoder = Decoder()
    unreadable = 0
    for path in args.paths:
        try:
            texts = list(codes_in(Path(path), decoder))
        except KioskError as error:
            print(f"kiosk: {path}: {error}", file=sys.stderr)
            unreadable += 1
            continue
        for text in texts or [None]:
            report = describe(path, text, station, args.lang)
            print(json.dumps(report, ensure_ascii=False) if args.json else _line(report), flush=True)
    if unreadable:
        print(f"kiosk: {unreadable} of {len(args.paths)} files could not be read.", file=sys.stderr)
        return 2
    return 0


def codes_in(path: Path, decoder: Decoder) -> Iterator[str]:
    """Each distinct code found in the file, in the order it first appears."""
    if path.is_dir():
        raise KioskError("is a folder; name the image or video files in it")
    seen: set[str] = set()
    with open_source(str(path), repeat=1, realtime=False) as source:
        while (frame := source.read()) is not None:
            for decoded in decoder.decode(frame.image):
                if decoded.text not in seen:
                    seen.add(decoded.text)
                    yield decoded.text


def describe(path: str, text: str | None, station: Station, lang: str) -> dict:
    if text is None:
        return {"file": path, "text": None, "format": None, "person_key": None, "display_name": None,
                "verdict": None, "reasons": []}
    parsed, verdict = station.assess(text)
    is_credential = isinstance(parsed, Credential)
    return {"file": path, "text": text, "format": parsed.format,
            "person_key": parsed.person_key if is_credential else None,
            "display_name": parsed.display_name if is_credential else None,
            "verdict": verdict.outcome.value, "reasons": [reason.text(lang) for reason in verdict.reasons],
            "reason_codes": [reason.code for reason in verdict.reasons]}


def _line(report: dict) -> str:
    if report["text"] is None:
        return f"{report['file']}: no code found"
    return (f"{report['file']}: {report['verdict'].upper()} {report['format']} "
            f"{report['display_name'] or ''} {'; '.join(report['reasons'])}".rstrip())
