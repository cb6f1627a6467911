"""The settings the admin can change at the door, and the PIN fields shared with the first-start setup.

The form is built from `kiosk.setting_specs.DECLARED`: one widget per setting marked `in_form`, chosen by
its kind, bounded and labelled by its declaration, and read back through the same validator as the file.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from kiosk.admin_pin import new_pin_hash
from kiosk.setting_specs import BY_NAME, DECLARED, Kind, Setting, choice_text
from kiosk.settings import Settings, checked_value
from kiosk.watch_list import edited_items, shown_items
from ui.dialogs.form_rows import FormRows

_WHOLE_LIMIT = 2**31 - 1  # a QSpinBox holds a C int


def camera_box(current: str) -> QComboBox:
    """Editable: a device, a video file or a folder of images (or "demo", typed)."""
    return _widget(BY_NAME["camera"], current)


class PinFields:
    """A new PIN typed twice. `new_hash()` gives the hash to store, None if left empty (keep the old one),
    or raises PinError."""

    def __init__(self) -> None:
        self.pin = QLineEdit(echoMode=QLineEdit.EchoMode.Password, objectName="newPin")
        self.repeat = QLineEdit(echoMode=QLineEdit.EchoMode.Password, objectName="newPinRepeat")

    def new_hash(self, required: bool) -> str | None:
        return new_pin_hash(self.pin.text(), self.repeat.text(), required)


class SettingsForm(QWidget):
    def __init__(self, settings: Settings, parent: QWidget | None = None,
                 language: Callable[[], str] | None = None) -> None:
        """`language()` is the screen's language now (the admin screen's, whose window strings Qt translates):
        the form's own labels follow it too, so that one form never shows two languages. Without it, the
        language chosen in the form."""
        super().__init__(parent)
        self._settings = settings
        self._screen_language = language
        self._shown = tuple(setting for setting in DECLARED if setting.in_form)
        # The widget of each shown setting, by the setting's name.
        self.fields: dict[str, QWidget] = {setting.name: _widget(setting, getattr(settings, setting.name))
                                           for setting in self._shown}
        self.pins = PinFields()
        self.rows = FormRows(QFormLayout(self), (*self.fields.values(), self.pins.pin, self.pins.repeat))
        self.retranslate()

    # The two fields other code (the door window's tests) reaches by name.
    @property
    def station(self) -> QLineEdit:
        return self.fields["station_name"]

    @property
    def capacity(self) -> QSpinBox:
        return self.fields["capacity"]

    def retranslate(self) -> None:
        language = self._language()
        self.rows.name(*(setting.label.text(language) for setting in self._shown),
                       self.tr("New admin PIN (leave empty to keep)"), self.tr("New admin PIN again"))
        for setting in self._shown:
            self.fields[setting.name].setToolTip(setting.help.text(language))
            if setting.kind is Kind.OPTIONAL_WHOLE:
                self.fields[setting.name].setSpecialValueText(self.tr("no limit"))
            if setting.kind is Kind.CHOICE:  # each choice in words ("Tiếng Việt", "Cửa ra"), not its code
                box = self.fields[setting.name]
                for index, choice in enumerate(setting.choices):
                    box.setItemText(index, choice_text(setting, choice, language))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def settings(self) -> Settings:
        """The edited settings; raises PinError when a new PIN was typed wrongly, ValueError naming the
        setting when a typed value cannot be used (a closing time that is not "HH:MM")."""
        new_hash = self.pins.new_hash(required=False)
        edited = {setting.name: _checked(setting, self.fields[setting.name], self._language())
                  for setting in self._shown}
        if "watch_list" in edited:
            edited["watch_list"] = edited_items(edited["watch_list"], self._settings.watch_list)
        return self._settings.replace(**edited, admin_pin_hash=new_hash or self._settings.admin_pin_hash)

    def _language(self) -> str:
        if self._screen_language is not None:
            return self._screen_language()
        chosen = self.fields.get("language")
        return chosen.currentData() if isinstance(chosen, QComboBox) else self._settings.language


def _widget(setting: Setting, value: Any) -> QWidget:
    """The widget for one setting, showing `value`, bounded by the declaration."""
    if setting.kind is Kind.SWITCH:
        widget = QCheckBox()
        widget.setChecked(value)
    elif setting.kind in (Kind.WHOLE, Kind.OPTIONAL_WHOLE):
        # "No limit" is 0, which the validator reads back as None.
        widget = QSpinBox(minimum=0 if setting.kind is Kind.OPTIONAL_WHOLE else setting.minimum,
                          maximum=setting.maximum if setting.maximum is not None else _WHOLE_LIMIT)
        widget.setValue(value or 0)
    elif setting.kind is Kind.NUMBER:
        widget = QDoubleSpinBox(minimum=setting.minimum, decimals=1,
                                maximum=setting.maximum if setting.maximum is not None else 1e9)
        widget.setValue(value)
    elif setting.kind is Kind.CHOICE:
        widget = QComboBox()
        for choice in setting.choices:  # shown in words by SettingsForm.retranslate, read back as the code
            widget.addItem(choice, choice)
        widget.setCurrentIndex(widget.findData(value))
    elif setting.suggestions:
        widget = QComboBox(editable=True)
        widget.addItems(setting.suggestions)
        widget.setCurrentText(value)
    elif setting.kind is Kind.TEXTS:
        # The watch list holds tagged keys (or numbers typed this run): shown masked, never in clear.
        widget = QLineEdit(", ".join(shown_items(value) if setting.name == "watch_list" else value))
    else:
        widget = QLineEdit(value, echoMode=QLineEdit.EchoMode.Password if setting.secret
                           else QLineEdit.EchoMode.Normal)
    widget.setObjectName(setting.name)
    return widget


def _checked(setting: Setting, widget: Any, language: str) -> Any:
    try:
        return checked_value(setting.name, _value(setting, widget))
    except ValueError as problem:
        raise ValueError(f"{setting.label.text(language)}: {problem}") from None


def _value(setting: Setting, widget: Any) -> Any:
    """What the widget holds, as the validator takes it; a blank text means the setting's default."""
    if setting.kind is Kind.SWITCH:
        return widget.isChecked()
    if setting.kind in (Kind.WHOLE, Kind.OPTIONAL_WHOLE, Kind.NUMBER):
        return widget.value()
    if setting.kind is Kind.TEXTS:
        return widget.text().split(",")
    if setting.kind is Kind.CHOICE:
        return widget.currentData()
    text = widget.currentText() if isinstance(widget, QComboBox) else widget.text()
    return text.strip() or setting.default
