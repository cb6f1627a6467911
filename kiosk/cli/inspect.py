"""`kiosk inspect TEXT`: what the kiosk makes of a payload typed or pasted by hand."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from kiosk import credentials
from kiosk.credentials import dcc, hd1
from kiosk.meetings import badge_code
from kiosk.credentials.base import Credential, ParseContext
from kiosk.entry import json_fields, utc_now
from kiosk.reasons import LANGUAGES
from kiosk.station_config import PUBLISHED_KEYS
from kiosk.trust import TrustList, load_trust_file

# The keys a plain (unsigned) format gets, so automation reads the same object for every code.
UNSIGNED = {"signature": "unsigned", "expired": False, "not_yet_valid": False, "type_allowed": True,
            "stage": None}
SIGNED_CHECKS = ((dcc.PREFIX, dcc.check), (hd1.PREFIX, hd1.check), (badge_code.PREFIX, badge_code.check))


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("inspect", help="parse one payload (TEXT, or - for stdin)")
    parser.add_argument("text", metavar="TEXT", help="the QR text; - reads it from standard input")
    parser.add_argument("--json", action="store_true", help="one JSON object")
    parser.add_argument("--lang", choices=LANGUAGES, default="vi", help="language of the reasons")
    parser.add_argument("--trust", type=Path, metavar="FILE",
                        help="signing certificates / key set to verify signed codes against (JSON)")
    parser.add_argument("--at", type=_moment, metavar="TIME",
                        help="judge expiry at this UTC time, e.g. 2021-06-01T12:00:00Z (default: now)")
    parser.set_defaults(handler=run)


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a time like 2021-06-01T12:00:00Z") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def run(args: argparse.Namespace) -> int:
    text = sys.stdin.read() if args.text == "-" else args.text
    trust = load_trust_file(args.trust).without(PUBLISHED_KEYS, str(args.trust)) if args.trust else TrustList()
    context = ParseContext(now=args.at or utc_now(), trust=trust)
    result = describe(text, args.lang, context)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(f"{result['format']}: {'valid' if result['valid'] else 'refused'}")
        if result["valid"]:
            print(f"  person: {result['person_key']}  ({result['display_name']})")
        for reason in result["reasons"]:
            print(f"  - {reason}")
    return 0


def describe(text: str, lang: str, context: ParseContext | None = None) -> dict:
    context = context or ParseContext()
    parsed = credentials.parse(text, context)
    if isinstance(parsed, Credential):
        reasons = parsed.notes
        return {"format": parsed.format, "valid": True, "person_key": parsed.person_key,
                "display_name": parsed.display_name, "fields": json_fields(parsed.fields),
                "reasons": [r.text(lang) for r in reasons], "reason_codes": [r.code for r in reasons],
                **signature_status(text, context)}
    return {"format": parsed.format, "valid": False, "person_key": None, "display_name": None, "fields": {},
            "reasons": [parsed.reason.text(lang)], "reason_codes": [parsed.reason.code],
            **signature_status(text, context)}


def signature_status(text: str, context: ParseContext) -> dict[str, Any]:
    """signature / expired / not_yet_valid / type_allowed / stage, for signed and plain codes alike."""
    cleaned = credentials.clean(text)
    for prefix, check in SIGNED_CHECKS:
        if cleaned.startswith(prefix):
            return check(cleaned, context.trust, context.now).inspect_json()
    return dict(UNSIGNED)
