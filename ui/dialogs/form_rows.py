"""Labelled rows of a form whose labels are named (and named again on a language change) by the owner."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QWidget


class FormRows:
    def __init__(self, form: QFormLayout, fields: tuple[QWidget, ...]) -> None:
        self._labels = [QLabel() for _ in fields]
        for label, field in zip(self._labels, fields):
            form.addRow(label, field)

    def name(self, *texts: str) -> None:
        """One text per field, in the order the fields were given."""
        for label, text in zip(self._labels, texts, strict=True):
            label.setText(text)
