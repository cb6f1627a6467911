"""The admin form is built from the settings' declarations: their labels, their bounds, their validator."""

from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QLineEdit

from kiosk.admin_pin import verify_pin
from kiosk.messages import LANGUAGES, template_for
from kiosk.setting_specs import BY_NAME, DECLARED, Kind
from kiosk.settings import Settings
from kiosk.watch_list import tagged_items
from tests.ui.kiosk_fixtures import PIN_HASH
from tests.watch_config import TEST_TAG_KEY
from ui.dialogs.settings_form import SettingsForm


def choose(box, code: str) -> None:
    """Pick the choice whose code is `code` (the box shows it in words)."""
    box.setCurrentIndex(box.findData(code))


def label(form: SettingsForm, name: str) -> str:
    return form.layout().labelForField(form.fields[name]).text()


def open_form(qtbot, settings: Settings) -> SettingsForm:
    form = SettingsForm(settings)
    qtbot.addWidget(form)
    return form


def test_the_form_shows_the_declared_settings_with_their_vietnamese_labels(qtbot):
    form = open_form(qtbot, Settings(station_name="Cổng A", admin_pin_hash=PIN_HASH, server_token="s3cret"))
    shown = [setting.name for setting in DECLARED if setting.in_form]
    assert list(form.fields) == shown
    assert "admin_pin_hash" not in form.fields and "demo_mode" not in form.fields and "database" not in form.fields
    assert [label(form, name) for name in shown] == [BY_NAME[name].label.vi for name in shown]
    assert label(form, "dedup_minutes") == "Bỏ qua người đã quét trong vòng (phút)"
    assert form.fields["server_token"].echoMode() is QLineEdit.EchoMode.Password


def test_the_limits_of_the_form_are_the_declared_ones(qtbot):
    form = open_form(qtbot, Settings())
    dedup, reset = form.fields["dedup_minutes"], form.fields["reset_seconds"]
    assert (dedup.minimum(), dedup.maximum()) == (0, 1440)
    assert (reset.minimum(), reset.maximum()) == (1.0, 60.0)
    dedup.setValue(5000)
    reset.setValue(0.2)
    edited = form.settings()
    assert (edited.dedup_minutes, edited.reset_seconds) == (1440, 1.0)


def test_edited_values_come_back_through_the_validator(qtbot):
    form = open_form(qtbot, Settings(station_name="Cổng A", admin_pin_hash=PIN_HASH, capacity=40))
    form.station.setText("  Cổng B  ")
    form.fields["camera"].setCurrentText("   ")
    form.capacity.setValue(0)
    form.fields["sound"].setChecked(False)
    choose(form.fields["language"], "en")
    edited = form.settings()
    assert edited.station_name == "Cổng B"
    assert edited.camera == "camera:0"  # a blank camera is the first camera, never the demo
    assert edited.capacity is None  # 0 is "no limit"
    assert edited.sound is False and edited.language == "en"
    assert edited.admin_pin_hash == PIN_HASH  # no new PIN typed: the old one stays


def test_a_new_pin_typed_twice_replaces_the_hash(qtbot):
    form = open_form(qtbot, Settings(admin_pin_hash=PIN_HASH))
    form.pins.pin.setText("97531")
    form.pins.repeat.setText("97531")
    assert verify_pin("97531", form.settings().admin_pin_hash)


def test_the_labels_follow_the_language_saved_from_the_form(qtbot):
    form = open_form(qtbot, Settings(language="vi"))
    assert form.fields["language"].currentText() == "Tiếng Việt"  # a language by its name, never "vi"
    choose(form.fields["language"], "en")
    # Saving the form switches the door's language: Qt then sends LanguageChange to every widget.
    QCoreApplication.sendEvent(form, QEvent(QEvent.Type.LanguageChange))
    assert label(form, "station_name") == "Station name"
    assert form.fields["dedup_minutes"].toolTip() == BY_NAME["dedup_minutes"].help.en
    assert form.fields["language"].currentText() == "English"


def test_a_closing_time_that_is_not_a_time_is_named_with_what_would_be_right(qtbot):
    form = open_form(qtbot, Settings(language="en"))
    assert form.fields["direction"].currentText() == "Entrance" and form.fields["default_stay_minutes"].minimum() == 15
    form.fields["closing_time"].setText("10pm")
    try:
        form.settings()
    except ValueError as problem:
        assert str(problem).startswith("Closing time (HH:MM): expected a time of day as \"HH:MM\"")
    else:
        raise AssertionError("a closing time of 10pm was taken")
    form.fields["closing_time"].setText(" 21:30 ")
    choose(form.fields["direction"], "out")
    assert (form.settings().closing_time, form.settings().direction) == ("21:30", "out")


def test_the_watch_list_is_shown_masked_and_kept_as_it_was(qtbot):
    stored = tagged_items(("001099012345",), lambda: TEST_TAG_KEY)
    form = open_form(qtbot, Settings(watch_list=stored, language="en"))
    shown = form.fields["watch_list"].text()
    assert shown.startswith("cccd:#") and "001099012345" not in shown
    assert form.settings().watch_list == stored  # left as shown: the same tagged key, not its masked form
    form.fields["watch_list"].setText(shown + ", 079185001234")
    assert form.settings().watch_list == (*stored, "079185001234")  # tagged when the settings are saved


def test_the_authority_fingerprint_is_checked_and_written_as_printed(qtbot):
    form = open_form(qtbot, Settings(language="en"))
    assert label(form, "authority_fingerprint") == "Health authority key fingerprint"
    form.fields["authority_fingerprint"].setText("3f2a9c0177b40e125d8ba9c36e10f4b7")
    assert form.settings().authority_fingerprint == "3F2A 9C01 77B4 0E12 5D8B A9C3 6E10 F4B7"
    # 16 digits (what an older keygen printed) are a 64-bit check, within a forger's reach: refused too.
    for short in ("3F2A 9C01", "3F2A 9C01 77B4 0E12"):
        form.fields["authority_fingerprint"].setText(short)
        try:
            form.settings()
        except ValueError as problem:
            assert str(problem).startswith("Health authority key fingerprint: expected 32 hex digits")
        else:
            raise AssertionError(f"a fingerprint of {len(short.replace(' ', ''))} digits was taken")


def test_every_choice_of_the_form_has_words_in_every_language():
    for setting in DECLARED:
        if setting.in_form and setting.kind is Kind.CHOICE:
            for choice in setting.choices:
                for language in LANGUAGES:
                    assert template_for(f"setting.{setting.name}.choice.{choice}", language), (setting.name, choice)
