from datetime import datetime, timezone

import pytest

from kiosk.credentials.examples import AN, cccd_payload
from kiosk.entry import Source
from kiosk.manual_entry import ManualEntryError, manual_credential
from kiosk.settings import Settings
from kiosk.station import Station
from kiosk.store import Store
from kiosk.verdict import Outcome


@pytest.fixture
def station(tmp_path):
    store = Store.open(tmp_path / "entries.sqlite3")
    yield Station(Settings(station_name="Cổng A"), store,
                  clock=lambda: datetime(2026, 3, 2, 1, 15, tzinfo=timezone.utc))
    store.close()


def test_a_visitor_without_a_code_is_logged_as_manual_and_masked(station) -> None:
    result = station.check_credential(manual_credential("Nguyễn Văn An", "0912 345 678"), Source.MANUAL)
    assert result.verdict.outcome is Outcome.ADMIT
    assert result.entry.source is Source.MANUAL and result.entry.format == "manual"
    assert result.display_name == "Nguyễn V. A."
    assert result.entry.fields["phone"] == "0912345678"


def test_a_typed_id_card_number_is_the_same_person_as_the_scanned_card(station) -> None:
    station.check_text(cccd_payload(AN))
    again = station.check_credential(manual_credential("Nguyễn Văn An", "0912345678", AN.id_number),
                                     Source.MANUAL)
    assert again.verdict.repeat


@pytest.mark.parametrize(
    ("name", "phone", "id_number", "field"),
    [("  ", "0912345678", "", "name"), ("Nguyễn Văn An", "09123", "", "phone"),
     ("Nguyễn Văn An", "0912345678", "12345", "id_number")],
)
def test_bad_fields_are_named_in_both_languages(name, phone, id_number, field) -> None:
    with pytest.raises(ManualEntryError) as caught:
        manual_credential(name, phone, id_number)
    assert caught.value.field == field
    assert caught.value.reason.vi and caught.value.reason.en
