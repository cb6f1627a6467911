"""Codes as they come in the wild, scanned into the real window: every variant that carries what the door
needs (the person key and the name) is let in with the person's masked name, keyed as the full code is."""

import pytest

from kiosk.credentials.examples import AN, BINH, CUONG, bhyt_payload, cccd_payload, vnqr_payload, with_field
from kiosk.entry import Source
from kiosk.verdict import Outcome

CHIP_CARD = cccd_payload(AN)
# Public readers of the chip ID card's QR take six fields (no issue date) as well as seven.
SIX_FIELDS = "|".join(CHIP_CARD.split("|")[:6])
# The national QR code's masked view also hides part of the insurance and phone numbers.
MASKED_VIEW = with_field(vnqr_payload(CUONG, masked=True), 5, "<1<SV4480*********<0905******")
# An insurance card that writes a day or month below 10 with one digit.
ONE_DIGIT_DAYS = with_field(with_field(bhyt_payload(BINH, layout="new"), 2, "4/7/1985"), 6, "1/1/2021")


@pytest.mark.parametrize(
    ("text", "name", "key"),
    [
        (SIX_FIELDS, "Nguyễn V. A.", f"cccd:{AN.id_number}"),
        (SIX_FIELDS + "|", "Nguyễn V. A.", f"cccd:{AN.id_number}"),
        (with_field(cccd_payload(CUONG), 3, "2003"), "Lê Đ. C.", f"cccd:{CUONG.id_number}"),
        (MASKED_VIEW, "LE D. C.", f"qid:{CUONG.qid}"),
        (ONE_DIGIT_DAYS, "Trần T. B.", f"bhyt:{BINH.social_insurance_number}"),
    ],
    ids=["chip card without issue date", "chip card with empty issue date", "chip card with birth year only",
         "national QR masked view", "insurance card with one-digit days"],
)
def test_a_code_that_carries_what_the_door_needs_is_let_in(qtbot, open_kiosk, text, name, key):
    window = open_kiosk()
    with qtbot.waitSignal(window.verdict_shown, timeout=5000) as shown:
        window.handle_scanner_text(text)
    result = shown.args[0]
    assert result.verdict.outcome is Outcome.ADMIT, result.verdict.reasons
    assert window.panel.word.text() == "MỜI VÀO"
    assert window.panel.name.text() == name
    assert result.entry.person_key == key and result.entry.source is Source.SCANNER


def test_the_six_field_card_is_the_same_person_as_the_full_card(qtbot, open_kiosk):
    window = open_kiosk()
    with qtbot.waitSignal(window.verdict_shown, timeout=5000):
        window.handle_scanner_text(CHIP_CARD)
    with qtbot.waitSignal(window.verdict_shown, timeout=5000) as shown:
        window.handle_scanner_text(SIX_FIELDS)
    assert shown.args[0].verdict.repeat  # "already in", not a second person inside
    assert window.panel.name.text() == "Nguyễn V. A."


def test_a_card_cut_before_the_address_is_still_refused_with_its_reason(qtbot, open_kiosk):
    window = open_kiosk()
    with qtbot.waitSignal(window.verdict_shown, timeout=5000) as shown:
        window.handle_scanner_text("|".join(CHIP_CARD.split("|")[:5]))
    assert shown.args[0].verdict.outcome is Outcome.REFUSE
    assert "thẻ căn cước" in window.panel.reason.text()
    assert window.app.store.entries(limit=5)[0].person_key == ""
