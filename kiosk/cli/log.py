"""`kiosk log`: the latest entries, with names masked as on the door's screen and person keys as the start
of their tag."""

from __future__ import annotations

import argparse
import json

from kiosk.cli.environment import open_store, settings_from
from kiosk.policy import local_time
from kiosk.reasons import LANGUAGES
from kiosk.tracing.masking import mask_person_key


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("log", help="show the latest entries (masked)")
    parser.add_argument("--search", help="only entries whose masked name, person key or format contains this")
    parser.add_argument("--limit", type=int, default=50, help="how many entries (default 50)")
    parser.add_argument("--json", action="store_true", help="one JSON object per entry")
    parser.add_argument("--lang", choices=LANGUAGES, default="vi", help="language of the reasons")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    with open_store(settings_from(args)) as store:
        entries = store.entries(search=args.search, limit=args.limit)
    for entry in entries:
        if args.json:
            shown = entry.to_json()
            for personal in ("fields", "sealed"):  # empty, or sealed for the health authority alone
                del shown[personal]
            for key in ("person_key", "linked_key"):
                shown[key] = mask_person_key(shown[key]) if shown[key] else ""
            print(json.dumps(shown, ensure_ascii=False))
        else:
            reasons = "; ".join(reason.text(args.lang) for reason in entry.reasons)
            print(f"{entry.scanned_at.astimezone():%Y-%m-%d} {local_time(entry.scanned_at)}  "
                  f"{entry.direction.value:<3} {entry.verdict.value:<6} {entry.format:<10} "
                  f"{entry.display_name or '-':<24} {reasons}")
    return 0
