"""Run-time language switching for the widgets' own strings, from the kiosk's gettext catalogues.

The source strings in the code are English (`self.tr("...")`); their translations are in the same
catalogue as every other text, `kiosk/locale/<lang>/LC_MESSAGES/kiosk.po`, with the Qt class as msgctxt.
A QTranslator that reads that catalogue is installed for the chosen language; Qt then sends LanguageChange
to every widget, which retranslates itself. Texts decided in `kiosk/` (verdict words, reasons) are
messages rendered in `DoorScreen.language`.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QTranslator

from kiosk.messages import LANGUAGES, window_text


class CatalogueTranslator(QTranslator):
    """Answers Qt's lookups for one language from the gettext catalogue (an empty string: not translated,
    so Qt shows the English source)."""

    def __init__(self, language: str, parent: QCoreApplication) -> None:
        super().__init__(parent)
        self.shown_language = language

    def translate(self, context: str, source: str, disambiguation: str | None = None, n: int = -1) -> str:
        return window_text(context, source, self.shown_language) or ""

    def isEmpty(self) -> bool:  # noqa: N802 (Qt's name)
        return False


class Languages:
    """Installs the catalogue of the chosen language; Qt then sends LanguageChange to every widget."""

    def __init__(self, app: QCoreApplication) -> None:
        self.app = app
        self._translator: CatalogueTranslator | None = None
        self.current = "en"

    def switch(self, language: str) -> None:
        language = language if language in LANGUAGES else "vi"
        if self._translator is not None:
            self.app.removeTranslator(self._translator)
            self._translator.deleteLater()
        self._translator = CatalogueTranslator(language, self.app)
        # install/removeTranslator send LanguageChange to every widget, which then retranslates itself.
        self.app.installTranslator(self._translator)
        self.current = language
