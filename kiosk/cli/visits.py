"""`kiosk visits close`: the operator closes every visit still open at this kiosk now (at the end of the
day, after an evacuation); those visits end now, and stay so when rebuilt."""

from __future__ import annotations

import argparse

from kiosk.cli.environment import open_store, settings_from
from kiosk.entry import utc_now
from kiosk.messages import Message
from kiosk.policy import local_time
from kiosk.reasons import LANGUAGES
from kiosk.settings import Settings
from kiosk.station_config import load_station_config
from kiosk.store import Store
from kiosk.visit_log import VisitRules


def register(subparsers: argparse._SubParsersAction) -> None:
    from kiosk.cli import add_common_options

    parser = subparsers.add_parser("visits", help="the visits at this kiosk (contact tracing)")
    commands = parser.add_subparsers(dest="visits_command", required=True, metavar="SUBCOMMAND")
    close = commands.add_parser("close", help="close every open visit now; prints how many")
    close.add_argument("--lang", choices=LANGUAGES, help="language of the answer (default: the setting)")
    close.set_defaults(handler=run_close)
    add_common_options(close, default=argparse.SUPPRESS)


def in_force(store: Store, settings: Settings) -> Settings:
    """The settings the door runs with (its own, the server's pushed ones on top); the store builds visits
    with their rules from now on."""
    settings = load_station_config(store).settings_for(settings)
    store.use_visit_rules(VisitRules.from_settings(settings))
    return settings


def run_close(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    now = utc_now()
    with open_store(settings) as store:
        settings = in_force(store, settings)
        closed = store.close_open_visits(now)
    print(Message("visits.closed", count=str(closed), at=local_time(now)).text(args.lang or settings.language))
    return 0
