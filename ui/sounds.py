"""One distinct sound per verdict, played with QSoundEffect. No audio device means silence, not an error."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QUrl

from ui.resource_paths import sound_path

log = logging.getLogger(__name__)

SOUNDS = ("admit", "warn", "refuse", "repeat")


class Sounds(QObject):
    def __init__(self, enabled: bool = True, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.enabled = enabled
        self._effects: dict = {}
        try:
            from PySide6.QtMultimedia import QSoundEffect
        except ImportError:  # QtMultimedia or its system libraries (libpulse0) missing: stay silent
            log.info("QtMultimedia unavailable; the kiosk stays silent")
            return
        for name in SOUNDS:
            effect = QSoundEffect(self)
            effect.setSource(QUrl.fromLocalFile(str(sound_path(name))))
            self._effects[name] = effect

    def play(self, name: str | None) -> None:
        if not self.enabled or name is None:
            return
        effect = self._effects.get(name)
        if effect is not None:
            # With no audio device the effect only reports an error status; playing is then a no-op.
            effect.play()
