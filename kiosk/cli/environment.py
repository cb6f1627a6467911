"""What most commands open first: the settings and the entries database."""

from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.settings import Settings, database_path, load_settings
from kiosk.store import Store
from kiosk.visit_log import VisitRules


def settings_from(args: argparse.Namespace) -> Settings:
    settings = load_settings(Path(args.config) if args.config else None)
    if args.db:
        settings = settings.replace(database=args.db)
    return settings


def open_store(settings: Settings) -> Store:
    """The entries database; a migration that builds visits uses these settings' rules."""
    return Store.open(database_path(settings), visit_rules=VisitRules.from_settings(settings))
