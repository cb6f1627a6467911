"""Qt ships no Vietnamese catalogue for its own standard buttons, so the kiosk names them itself."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QDialogButtonBox

Standard = QDialogButtonBox.StandardButton


def name_buttons(box: QDialogButtonBox) -> None:
    """Set the texts of the box's OK and Cancel buttons in the current language."""
    names = {
        Standard.Ok: QCoreApplication.translate("Buttons", "OK"),
        Standard.Cancel: QCoreApplication.translate("Buttons", "Cancel"),
    }
    for which, text in names.items():
        button = box.button(which)
        if button is not None:
            button.setText(text)
