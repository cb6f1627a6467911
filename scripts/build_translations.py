"""Compile the translation catalogues: kiosk/locale/*/LC_MESSAGES/kiosk.po into .mo (Babel), and
resources/translations/*.ts into .qm for the window with the venv's pyside6-lrelease.

Run: python scripts/build_translations.py   (.mo and .qm files are build products, ignored by git).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.messages import compile_catalogues  # noqa: E402
from ui.i18n import build_all  # noqa: E402


def main() -> int:
    built = [*compile_catalogues(), *build_all()]
    for path in built:
        print(path)
    return 0 if built else 1


if __name__ == "__main__":
    sys.exit(main())
