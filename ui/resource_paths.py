"""Where the bundled resources (icons, sounds, translations, themes) are, in a checkout or a frozen build."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def icon_path(name: str) -> Path:
    return resources_dir() / "icons" / f"{name}.svg"


def sound_path(name: str) -> Path:
    return resources_dir() / "sounds" / f"{name}.wav"


def theme_path(name: str = "kiosk") -> Path:
    return resources_dir() / "themes" / f"{name}.qss"
