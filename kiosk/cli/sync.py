"""`kiosk sync`: send waiting entries to the server and fetch its settings, from the command line.

`--once` runs one round and says what it did; without it the command keeps syncing in the foreground
(for a kiosk run headless), one status line per round, until interrupted. `--rejected` lists the entries
the server refused for good, `--held` those it failed on and that are sent again later.
"""

from __future__ import annotations

import argparse
import json
import threading

from kiosk.cli.environment import open_store, settings_from
from kiosk.station_config import load_station_config
from kiosk.sync import TIMEOUT, SyncClient, SyncReport, SyncWorker, describe

EXIT_SYNC_FAILED = 1


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("sync", help="send waiting entries to the server and fetch its settings")
    parser.add_argument("--once", action="store_true", help="run one round now and say what it did")
    parser.add_argument("--interval", type=float, default=60.0, help="seconds between rounds (default 60)")
    parser.add_argument("--rejected", action="store_true", help="list the entries the server refused, and why")
    parser.add_argument("--held", action="store_true",
                        help="list the entries held aside because the server failed on them, and when they are "
                             "sent again")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    with open_store(settings) as store:
        if args.rejected:
            for item in store.rejected():
                print(f"{item.entry.scanned_at:%Y-%m-%d %H:%M} {item.entry.display_name or '-':<24} {item.reason}")
            return 0
        if args.held:
            for held in store.held():
                print(f"{held.entry.scanned_at:%Y-%m-%d %H:%M} {held.entry.display_name or '-':<24} {held.reason}; "
                      f"held since {held.held_at:%Y-%m-%d %H:%M}, {held.attempts} failed, "
                      f"next try {held.retry_at:%Y-%m-%d %H:%M} UTC")
            return 0
        def config_arrived(_document: object = None) -> None:  # new authority keys seal from the next round
            store.use_authority_keys(load_station_config(store).authority_keys)

        config_arrived()
        if not args.once:
            return _keep_syncing(SyncClient(store, settings, on_config=config_arrived), args.interval,
                                 settings.language)
        with SyncClient(store, settings, on_config=config_arrived) as client:
            report = client.run_once()
    print(json.dumps(_as_json(report), ensure_ascii=False) if args.json else _in_words(report))
    return 0 if report.ok else EXIT_SYNC_FAILED


def _keep_syncing(client: SyncClient, interval: float, lang: str) -> int:
    """One status line per round, printed as the round ends, until interrupted."""

    def say(_report: SyncReport) -> None:
        status = worker.status()
        print(describe(status, lang) + (f" ({status.last_error})" if status.last_error else ""), flush=True)

    worker = SyncWorker(client, interval=interval, min_gap=0, on_round=say)
    worker.start()
    try:
        threading.Event().wait()  # the rounds run on the worker's thread
    except KeyboardInterrupt:
        pass  # Ctrl+C, or SIGINT from the service manager: the way to stop
    finally:
        worker.stop(timeout=TIMEOUT[1])
    return 0


def _as_json(report: SyncReport) -> dict[str, object]:
    return {"ok": report.ok, "accepted": report.accepted, "duplicate": report.duplicate,
            "rejected": report.rejected, "held": report.held, "waiting": report.waiting,
            "on_hold": report.on_hold, "config_changed": report.config_changed, "error": report.error}


def _in_words(report: SyncReport) -> str:
    lines = []
    if report.sent:
        lines.append(f"Sent {report.sent} entries: {report.accepted} new on the server, "
                     f"{report.duplicate} already there, {report.rejected} refused.")
    elif report.ok:
        lines.append("Nothing to send.")
    if report.rejected:
        lines.append("Refused entries are kept on this kiosk: see `kiosk sync --rejected`.")
    if report.held:
        lines.append(f"The server failed on {report.held} entries alone; they are held and sent again later.")
    if report.ok or report.config_changed:
        lines.append("Settings from the server: " + ("updated." if report.config_changed else "unchanged."))
    if not report.ok:
        lines.append(f"Sync stopped: {report.error}")
    lines.append(f"{report.waiting} entries waiting; nothing was lost.")
    if report.on_hold:
        lines.append(f"{report.on_hold} entries held: see `kiosk sync --held`.")
    return "\n".join(lines)
