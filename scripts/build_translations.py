"""Compile the translation catalogues kiosk/locale/*/LC_MESSAGES/kiosk.po into .mo files with Babel.

Run: python scripts/build_translations.py   (.mo files are build products, ignored by git; a checkout that
has not run it compiles them on first use).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.messages import compile_catalogues  # noqa: E402


def main() -> int:
    for path in compile_catalogues():
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
