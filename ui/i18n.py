"""Run-time language switching: Qt Linguist catalogues for the widgets' own strings.

The source strings in the code are English; `resources/translations/kiosk_vi.ts` holds the Vietnamese.
The compiled `.qm` is a build product: `scripts/build_translations.py` (or PyInstaller's build) makes it,
and a checkout without it builds it on first use. Texts decided in `kiosk/` (verdict words, reasons) come
with both languages already and are picked by `DoorScreen.language`.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTranslator

from kiosk.reasons import LANGUAGES
from ui.resource_paths import translations_dir

log = logging.getLogger(__name__)

CATALOGUE = "kiosk"


def lrelease() -> str | None:
    """The pyside6-lrelease next to this interpreter (the venv), else on PATH."""
    local = Path(sys.executable).with_name("pyside6-lrelease")
    if local.exists():
        return str(local)
    return shutil.which("pyside6-lrelease")


def build_qm(ts: Path, qm: Path) -> bool:
    tool = lrelease()
    if tool is None:
        return False
    done = subprocess.run([tool, "-silent", str(ts), "-qm", str(qm)], capture_output=True, text=True)
    if done.returncode != 0:
        log.warning("could not build %s: %s", qm.name, done.stderr.strip())
    return done.returncode == 0 and qm.exists()


def build_all(directory: Path | None = None) -> list[Path]:
    directory = directory or translations_dir()
    built = []
    for ts in sorted(directory.glob(f"{CATALOGUE}_*.ts")):
        qm = ts.with_suffix(".qm")
        if build_qm(ts, qm):
            built.append(qm)
    return built


class Languages:
    """Installs the catalogue of the chosen language; Qt then sends LanguageChange to every widget."""

    def __init__(self, app: QCoreApplication) -> None:
        self.app = app
        self._translator: QTranslator | None = None
        self.current = "en"

    def switch(self, language: str) -> None:
        language = language if language in LANGUAGES else "vi"
        if self._translator is not None:
            self.app.removeTranslator(self._translator)
            self._translator = None
        if language != "en":
            translator = QTranslator(self.app)
            if translator.load(str(self._qm(language))):
                self.app.installTranslator(translator)
                self._translator = translator
            else:
                log.warning("no %s translation catalogue; showing English", language)
        # install/removeTranslator send LanguageChange to every widget, which then retranslates itself.
        self.current = language

    def _qm(self, language: str) -> Path:
        qm = translations_dir() / f"{CATALOGUE}_{language}.qm"
        ts = qm.with_suffix(".ts")
        if not qm.exists() and ts.exists():
            build_qm(ts, qm)
        return qm
