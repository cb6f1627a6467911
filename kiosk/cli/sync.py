"""`kiosk sync --once`: one sync round from the command line, and what it did, in words."""

from __future__ import annotations

import argparse
import json

from kiosk.cli.environment import open_store, settings_from
from kiosk.sync import SyncClient, SyncReport

EXIT_SYNC_FAILED = 1


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("sync", help="send waiting entries to the server and fetch its settings")
    parser.add_argument("--once", action="store_true", help="run one round now (the only mode here; the "
                        "window syncs in the background by itself)")
    parser.add_argument("--rejected", action="store_true", help="list the entries the server refused, and why")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    with open_store(settings) as store:
        if args.rejected:
            for item in store.rejected():
                print(f"{item.entry.scanned_at:%Y-%m-%d %H:%M} {item.entry.display_name or '-':<24} {item.reason}")
            return 0
        report = SyncClient(store, settings).run_once()
    print(json.dumps(_as_json(report), ensure_ascii=False) if args.json else _in_words(report))
    return 0 if report.ok else EXIT_SYNC_FAILED


def _as_json(report: SyncReport) -> dict[str, object]:
    return {"ok": report.ok, "accepted": report.accepted, "duplicate": report.duplicate,
            "rejected": report.rejected, "waiting": report.waiting, "config_changed": report.config_changed,
            "error": report.error}


def _in_words(report: SyncReport) -> str:
    lines = []
    if report.sent:
        lines.append(f"Sent {report.sent} entries: {report.accepted} new on the server, "
                     f"{report.duplicate} already there, {report.rejected} refused.")
    elif report.ok:
        lines.append("Nothing to send.")
    if report.rejected:
        lines.append("Refused entries are kept on this kiosk: see `kiosk sync --rejected`.")
    if report.ok:
        lines.append("Settings from the server: " + ("updated." if report.config_changed else "unchanged."))
    else:
        lines.append(f"Sync stopped: {report.error}")
    lines.append(f"{report.waiting} entries waiting; nothing was lost.")
    return "\n".join(lines)
