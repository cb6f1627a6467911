"""Run the EU DCC test cases (eu-dcc-testdata layout) through kiosk/credentials/dcc.py.

Usage: python bench/dcc_conformance.py ../shared/datasets/dcc-testdata [--failures]

Prints, per expected flag, how many cases the kiosk got right. Expectations that cannot hold (they
contradict the specification or the case itself) are listed with the reason and counted apart.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import io
import json
import sys
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import zxingcpp  # noqa: E402
from PIL import Image  # noqa: E402

from kiosk.credentials import dcc  # noqa: E402
from kiosk.credentials.signed import SIGNATURE_VALID  # noqa: E402
from kiosk.trust import TrustError, TrustList, signer_from_der  # noqa: E402

FLAGS = (
    "EXPECTEDVERIFY", "EXPECTEDDECODE", "EXPECTEDEXPIRATIONCHECK", "EXPECTEDKEYUSAGE",
    "EXPECTEDUNPREFIX", "EXPECTEDB45DECODE", "EXPECTEDCOMPRESSION", "EXPECTEDPICTUREDECODE",
)

def untestable(case: dict, flag: str) -> str:
    if flag == "EXPECTEDPICTUREDECODE" and case["EXPECTEDRESULTS"][flag] and "2DCODE" not in case:
        return "expects the picture to decode, but the case carries no 2DCODE image"
    return ""


def observed(case: dict, check: dcc.DccCheck) -> dict[str, bool]:
    stage = check.stage
    return {
        "EXPECTEDVERIFY": check.signature == SIGNATURE_VALID,
        "EXPECTEDDECODE": stage in (None, "schema"),
        "EXPECTEDEXPIRATIONCHECK": stage is None and not check.expired and not check.not_yet_valid,
        "EXPECTEDKEYUSAGE": stage is None and check.type_allowed,
        "EXPECTEDUNPREFIX": stage != "prefix",
        "EXPECTEDB45DECODE": stage not in ("prefix", "base45"),
        "EXPECTEDCOMPRESSION": check.compressed,
        "EXPECTEDPICTUREDECODE": picture_decodes(case),
    }


def picture_decodes(case: dict) -> bool:
    try:
        image = Image.open(io.BytesIO(base64.b64decode(case.get("2DCODE", ""))))
        results = zxingcpp.read_barcodes(image)
    except (OSError, ValueError, binascii.Error):
        return False
    return any(result.text == case["PREFIX"] for result in results)


def validation_clock(context: dict) -> datetime:
    text = context.get("VALIDATIONCLOCK") or context.get("validationClockInstant")
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def trust_for(context: dict) -> TrustList:
    try:
        return TrustList(signers=(signer_from_der(base64.b64decode(context["CERTIFICATE"])),))
    except (KeyError, ValueError, TrustError):
        return TrustList()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--failures", action="store_true", help="list every case the kiosk got wrong")
    args = parser.parse_args()

    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    failures, contradicted = [], []
    cases = sorted(args.dataset.glob("*/2DCode/*/*.json"))
    for path in cases:
        name = str(path.relative_to(args.dataset))
        case = json.loads(path.read_text(encoding="utf-8"))
        context = case.get("TESTCTX", {})
        check = dcc.check(case.get("PREFIX", ""), trust_for(context), validation_clock(context))
        got = observed(case, check)
        for flag, expected in case.get("EXPECTEDRESULTS", {}).items():
            if flag not in FLAGS:
                continue
            reason = untestable(case, flag)
            if reason:
                contradicted.append((name, flag, reason))
                continue
            totals[flag][1] += 1
            if got[flag] == expected:
                totals[flag][0] += 1
            else:
                failures.append((name, flag, expected, check, context.get("DESCRIPTION", "")))

    print(f"{len(cases)} cases in {args.dataset}")
    for flag in FLAGS:
        right, total = totals[flag]
        print(f"  {flag:26} {right:4}/{total:<4} {100 * right / total if total else 100:6.1f}%")
    if contradicted:
        print(f"{len(contradicted)} expectations left out (they contradict the specification or the case itself):")
        for name, flag, reason in contradicted:
            print(f"  {name} {flag}: {reason}")
    if failures:
        print(f"{len(failures)} expectations not met" + ("" if args.failures else " (--failures lists them)"))
    if args.failures:
        for name, flag, expected, check, description in failures:
            print(f"  {name} {flag} expected {expected}: stage={check.stage} {check.error!r} "
                  f"signature={check.signature} — {description}")
    return 0 if not failures else 1


if __name__ == "__main__":
    raise SystemExit(main())
