"""`kiosk inspect TEXT`: what the kiosk makes of a payload typed or pasted by hand."""

from __future__ import annotations

import argparse
import json
import sys

from kiosk import credentials
from kiosk.credentials.base import Credential
from kiosk.entry import json_fields


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("inspect", help="parse one payload (TEXT, or - for stdin)")
    parser.add_argument("text", metavar="TEXT", help="the QR text; - reads it from standard input")
    parser.add_argument("--json", action="store_true", help="one JSON object")
    parser.add_argument("--lang", choices=("vi", "en"), default="vi", help="language of the reasons")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    text = sys.stdin.read() if args.text == "-" else args.text
    result = describe(text, args.lang)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(f"{result['format']}: {'valid' if result['valid'] else 'refused'}")
        if result["valid"]:
            print(f"  person: {result['person_key']}  ({result['display_name']})")
        for reason in result["reasons"]:
            print(f"  - {reason}")
    return 0


def describe(text: str, lang: str) -> dict:
    parsed = credentials.parse(text)
    if isinstance(parsed, Credential):
        reasons = parsed.notes
        return {"format": parsed.format, "valid": True, "person_key": parsed.person_key,
                "display_name": parsed.display_name, "fields": json_fields(parsed.fields),
                "reasons": [r.text(lang) for r in reasons], "reason_codes": [r.code for r in reasons]}
    return {"format": parsed.format, "valid": False, "person_key": None, "display_name": None, "fields": {},
            "reasons": [parsed.reason.text(lang)], "reason_codes": [parsed.reason.code]}
