"""What an organiser types for an event (its name, a session's name and room, a participant's name):
checked once here, so the command line and the dashboard refuse the same things in the same words."""

from __future__ import annotations

import unicodedata

from kiosk.contract import hidden_in, without_diacritics
from server.meetings.errors import MeetingError, Words

LONGEST = 200


def typed_text(value: str, what: Words, *, longest: int = LONGEST, required: bool = True) -> str:
    """`value` NFC-normalised, spaces collapsed; MeetingError when it is empty (if required), longer than
    `longest` or holds a character no reader can see. `what` names the field in both languages."""
    text = " ".join(unicodedata.normalize("NFC", value or "").split())
    if required and not text:
        raise MeetingError(f"{_capital(what.vi)} không được để trống.", f"The {what.en} must not be empty.")
    if len(text) > longest:
        raise MeetingError(f"{_capital(what.vi)} dài quá {longest} ký tự.",
                           f"The {what.en} is longer than {longest} characters.")
    hidden = hidden_in(text)
    if hidden:
        code = f"U+{ord(hidden[0]):04X}"
        raise MeetingError(f"{_capital(what.vi)} chứa ký tự không nhìn thấy ({code}).",
                           f"The {what.en} holds a character no reader can see ({code}).")
    return text


def folded(text: str) -> str:
    """A text compared without case or accents ("Nguyễn Văn Ân" and "nguyen van an" fold alike)."""
    return without_diacritics(text).casefold()


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
