"""What sealing visitors' personal data to the health authority costs, and what a leaked key is worth.

    python bench/sealing.py [--repeats 2000] [--contacts 500] [--traces 20] [--tag-seconds 3]

- Sealing one entry of each format (the made-up samples of kiosk/credentials/examples.py and
  signed_examples.py, and a guard's manual entry, reduced by kiosk.sealing.kept as at the door): hybrid
  HPKE (kiosk.sealing.seal.seal_entry: ML-KEM-768 + X25519), HPKE with X25519 alone, and a box under the
  party's own key (kiosk.sealing.boxes: AES-256-GCM). Time and bytes.
- Opening: one entry (kiosk.sealing.seal.open_entry), and the entries of `--contacts` contacts spread over
  the five weeks of a 28-day trace, as `kiosk-server trace --key` opens them.
- The authority's key set for half a year with daily (182), weekly (26) and monthly (6) keys: the station
  config's part, the time `authority keygen` takes to make it and a kiosk to verify it.
- Tags: HMAC tags per second on one core, by kiosk.sealing.tags.person_tag and by the same HMAC with its key
  schedule computed once (as someone trying numbers would), and so the time to try ID numbers with a leaked
  tag key. A slow tag (scrypt) is timed for comparison.

Times are medians and p99 (nearest rank) of repeated runs. The machine is shared and noisy: compare the
ratios printed next to a baseline rather than one absolute figure with another run's.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import secrets
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent)]

from cryptography.hazmat.primitives import hpke  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import x25519  # noqa: E402

from kiosk.credentials import ParseContext, parse  # noqa: E402
from kiosk.credentials.examples import SAMPLE_PAYLOADS  # noqa: E402
from kiosk.credentials.manual import manual_credential  # noqa: E402
from kiosk.credentials.signed_examples import demo_trust, signed_samples  # noqa: E402
from kiosk.entry import json_fields, new_entry_id  # noqa: E402
from kiosk.sealing.authority import AuthorityKeySet, generate_private_key  # noqa: E402
from kiosk.sealing.boxes import close_box, open_box  # noqa: E402
from kiosk.sealing.kept import sealed_content  # noqa: E402
from kiosk.sealing.seal import open_entry, seal_entry  # noqa: E402
from kiosk.sealing.tags import person_tag  # noqa: E402
from kiosk.sealing.weeks import week_of  # noqa: E402
from kiosk.tracing.identity import link_of  # noqa: E402
from percentiles import percentile  # noqa: E402

X25519_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305)
TRACE_DAYS = 28  # the default retention: the longest window a trace covers
# Key sets over half a year: (name, keys, days one key covers)
KEY_PERIODS = (("daily", 182, 1.0), ("weekly", 26, 7.0), ("monthly", 6, 365.25 / 12))
# A 12-digit ID number: province (3 digits) + century and sex (1) + birth year (2) + serial (6).
ONE_YEAR_AND_PROVINCE = 2 * 10**6  # 10^6 serials x 2 sexes
EVERY_ID_NUMBER = 63 * 100 * 2 * 10**6  # 63 province codes x 100 birth years x 2 sexes x 10^6 serials
EVERY_MOBILE_NUMBER = 10**9  # "0" + 9 digits: the key of a manual entry without an ID number
SCRYPT = {"n": 2**14, "r": 8, "p": 1}  # a slow tag, for comparison only


def timed(run: Callable[[], Any], repeats: int) -> list[float]:
    """Seconds per run, after a few untimed runs (the first call of a key pays for setting it up)."""
    for _ in range(min(10, repeats)):
        run()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return times


def ms(times: list[float]) -> str:
    return f"{statistics.median(times) * 1000:6.3f} / {percentile(times, 0.99) * 1000:6.3f}"


def encoded(content: dict[str, Any]) -> bytes:
    """The sealed plaintext, encoded as kiosk.sealing.seal encodes it."""
    return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def samples(now: datetime) -> list[tuple[str, dict[str, Any]]]:
    """(format, sealed content): the first made-up sample of each format, kept as the door keeps it."""
    context = ParseContext(now=now, trust=demo_trust())
    credentials = [parse(sample.text, context) for sample in SAMPLE_PAYLOADS + signed_samples(now) if sample.personal]
    credentials.append(manual_credential("Trần Thị Mơ", "0912 345 678", "001099012345", "khách của phòng 204"))
    chosen: dict[str, dict[str, Any]] = {}
    for credential in credentials:
        fields = json_fields(credential.fields)
        link = link_of(credential.format, credential.person_key, fields)
        chosen.setdefault(credential.format, sealed_content(
            credential.format, credential.person_key, link[1] if link else "", fields))
    return list(chosen.items())


def bench_sealing(args: argparse.Namespace, now: datetime) -> None:
    # The chain starts where the opening bench's 28-day trace does (a key opens no week before its first).
    authority = generate_private_key(week_of(now - timedelta(days=TRACE_DAYS)))
    key_set = authority.key_set(now)
    x_private = x25519.X25519PrivateKey.generate()
    x_public = x_private.public_key()
    box_key = secrets.token_bytes(32)
    print(f"Sealing one entry: median / p99 in ms over {args.repeats} runs per format; bytes stored")
    print(f"{'format':<7} {'content':>7} | {'hybrid HPKE':>15} {'bytes':>5} | {'X25519 HPKE':>15} {'bytes':>5} | "
          f"{'own-key box':>15} {'bytes':>5} | hybrid/X25519")
    hybrid_all, x_all, box_all = [], [], []
    for format, content in samples(now):
        entry_id = new_entry_id()
        info = b"kiosk-entry|" + entry_id.encode("ascii")
        hybrid = timed(lambda: seal_entry(content, key_set, now, entry_id), args.repeats)
        x_only = timed(lambda: X25519_SUITE.encrypt(encoded(content), x_public, info=info), args.repeats)
        boxed = timed(lambda: close_box(box_key, encoded(content), entry_id), args.repeats)
        sealed = seal_entry(content, key_set, now, entry_id)
        assert sealed is not None and open_entry(sealed, authority, entry_id) == content
        x_box = X25519_SUITE.encrypt(encoded(content), x_public, info=info)
        own_box = close_box(box_key, encoded(content), entry_id)
        assert json.loads(open_box(box_key, own_box, entry_id)) == content
        hybrid_all += hybrid
        x_all += x_only
        box_all += boxed
        print(f"{format:<7} {len(encoded(content)):>7} | {ms(hybrid):>15} {len(sealed.box):>5} | {ms(x_only):>15} "
              f"{len(x_box):>5} | {ms(boxed):>15} {len(own_box):>5} | "
              f"{statistics.median(hybrid) / statistics.median(x_only):5.2f}x")
    print(f"{'all':<7} {'':>7} | {ms(hybrid_all):>15} {'':>5} | {ms(x_all):>15} {'':>5} | {ms(box_all):>15} {'':>5} | "
          f"{statistics.median(hybrid_all) / statistics.median(x_all):5.2f}x")
    print("  bytes added to the content: hybrid 1,088 (ML-KEM-768 ciphertext) + 32 (X25519) + 16 (tag); "
          "X25519 32 + 16; box 12 (nonce) + 16 (tag)")
    print()
    bench_opening(args, now, authority, x_private)


def bench_opening(args: argparse.Namespace, now: datetime, authority, x_private) -> None:  # type: ignore[no-untyped-def]
    format, content = samples(now)[0]
    start = now - timedelta(days=TRACE_DAYS)
    key_set = authority.key_set(start, count=6)
    entry_id = new_entry_id()
    info = b"kiosk-entry|" + entry_id.encode("ascii")
    sealed = seal_entry(content, key_set, now, entry_id)
    assert sealed is not None
    x_box = X25519_SUITE.encrypt(encoded(content), x_private.public_key(), info=info)
    one = timed(lambda: open_entry(sealed, authority, entry_id), args.repeats)
    one_x = timed(lambda: json.loads(X25519_SUITE.decrypt(x_box, x_private, info=info)), args.repeats)
    derive = timed(lambda: authority.week_private(week_of(now)), args.repeats)
    print(f"Opening with the authority's key: median / p99 in ms ({args.repeats} runs)")
    print(f"  one entry, hybrid (open_entry)           {ms(one)}   ({statistics.median(one) / statistics.median(one_x):.2f}x "
          f"X25519 alone: {ms(one_x)})")
    print(f"  of which deriving the week's private key {ms(derive)}")
    step = timedelta(days=TRACE_DAYS) / args.contacts
    contacts = []
    for n in range(args.contacts):
        contact_id = new_entry_id()
        box = seal_entry(content, key_set, start + step * n, contact_id)
        assert box is not None
        contacts.append((contact_id, box))
    weeks = sorted({box.kid for _, box in contacts})
    traces = timed(lambda: [open_entry(box, authority, contact_id) for contact_id, box in contacts], args.traces)
    print(f"  {args.contacts} contacts' entries over {len(weeks)} weeks      {ms(traces)}   "
          f"({args.traces} traces; goal of the whole trace: 1000 ms)")
    print()


def bench_key_sets(args: argparse.Namespace, now: datetime) -> None:
    authority = generate_private_key()
    print("The authority's keys for half a year: the station config's part and its cost")
    print(f"{'keys':<8} {'count':>5} {'config part':>12} {'keygen ms':>10} {'kiosk verify ms':>16} "
          f"{'one key opens':>14} {'keys per 28-day trace':>22}")
    for name, count, days in KEY_PERIODS:
        made = timed(lambda: authority.key_set(now, count), args.key_set_repeats)
        document = authority.key_set(now, count).to_json()
        body = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
        verified = timed(lambda: AuthorityKeySet.from_json(document), args.key_set_repeats)
        per_trace = int(-(-TRACE_DAYS // days)) + 1  # a window that starts inside one key's period
        print(f"{name:<8} {count:>5} {len(body) / 1024:>9.0f} KiB {statistics.median(made) * 1000:>10.1f} "
              f"{statistics.median(verified) * 1000:>16.1f} {days:>9.1f} days {per_trace:>22}")
    print("  (each key is the same size whatever its period; a daily or monthly set is timed as that many keys)")
    print()


def bench_tags(args: argparse.Namespace) -> None:
    key = secrets.token_bytes(32)
    prefix = hmac.new(key, b"person|cccd:", hashlib.sha256)

    def fast(number: int) -> str:
        tag = prefix.copy()
        tag.update(b"%012d" % number)
        return tag.hexdigest()[:32]

    assert fast(1099012345) == person_tag(key, "cccd:001099012345")
    rates = {}
    for name, make in (("person_tag", lambda n: person_tag(key, f"cccd:{n:012d}")), ("precomputed HMAC", fast)):
        runs = []
        for _ in range(3):  # three runs, the median kept: a shared machine's other work shows as a slow run
            count, started = 0, time.perf_counter()
            deadline = started + args.tag_seconds / 3
            while time.perf_counter() < deadline:
                for n in range(count, count + 10_000):
                    make(n)
                count += 10_000
            runs.append(count / (time.perf_counter() - started))
        rates[name] = statistics.median(runs)
    slow = statistics.median(timed(lambda: hashlib.scrypt(b"cccd:001099012345", salt=key, dklen=16, **SCRYPT), 20))
    print("Tags on one core, and trying ID numbers against tags with the tag key in hand")
    print(f"{'how':<34} {'tags/s':>12} {'one year+province':>18} {'every ID number':>16} {'every mobile':>13}")
    for name, rate in rates.items():
        print(f"{name:<34} {rate:>12,.0f} {ONE_YEAR_AND_PROVINCE / rate:>16.1f} s "
              f"{EVERY_ID_NUMBER / rate / 3600:>14.1f} h {EVERY_MOBILE_NUMBER / rate / 3600:>11.1f} h")
    print(f"{'scrypt n=2^14 r=8 (comparison)':<34} {1 / slow:>12,.1f} {ONE_YEAR_AND_PROVINCE * slow / 3600:>16.1f} h "
          f"{EVERY_ID_NUMBER * slow / 3600 / 24 / 365:>14.0f} y {EVERY_MOBILE_NUMBER * slow / 3600 / 24 / 365:>11.1f} y")
    print(f"  one year+province: {ONE_YEAR_AND_PROVINCE:,} numbers; every ID number: {EVERY_ID_NUMBER:,.0f}; "
          f"every mobile: {EVERY_MOBILE_NUMBER:,}. All tags of a copy are tried at once (one HMAC per number).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2000, help="runs per timed operation")
    parser.add_argument("--contacts", type=int, default=500, help="entries one trace opens")
    parser.add_argument("--traces", type=int, default=20, help="times the contacts are opened")
    parser.add_argument("--key-set-repeats", type=int, default=5)
    parser.add_argument("--tag-seconds", type=float, default=3.0, help="seconds spent on each way of tagging")
    args = parser.parse_args()
    now = datetime.now(timezone.utc)
    bench_sealing(args, now)
    bench_key_sets(args, now)
    bench_tags(args)


if __name__ == "__main__":
    main()
