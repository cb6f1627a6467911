"""Compile resources/translations/*.ts into .qm catalogues with the venv's pyside6-lrelease.

Run: python scripts/build_translations.py   (the .qm files are build products, ignored by git).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ui.i18n import build_all  # noqa: E402


def main() -> int:
    built = build_all()
    for qm in built:
        print(qm)
    return 0 if built else 1


if __name__ == "__main__":
    sys.exit(main())
