"""Handheld USB scanners type like a keyboard: turn their keystrokes into scan texts, and notice when a
Vietnamese input method or a foreign keyboard layout has mangled what they typed.

A scanner types a whole code in a burst (a few milliseconds per character) and usually ends it with Enter;
some send no Enter at all. A person types far slower. So a burst of at least `min_length` characters, each
within `max_gap` of the previous one, ended by Enter/Tab or by a pause, is a scan; anything else is typing
and is left alone.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from kiosk.contract import without_diacritics
from kiosk.reasons import Reason


@dataclass(frozen=True)
class ScannerTiming:
    max_gap: float = 0.05  # seconds between two keystrokes of one scan
    end_pause: float = 0.15  # a scan that ends without Enter is complete after this pause
    min_length: int = 6  # shorter bursts are a person typing fast, not a code


class ScanBuffer:
    """Collects keystrokes with their times (monotonic seconds); returns a scan text once one is complete.

    `key` for a printable character, `backspace` for Backspace (input methods that rewrite letters send
    them), `end` for Enter or Tab, `poll` from a timer to finish scans that end without Enter.
    """

    def __init__(self, timing: ScannerTiming = ScannerTiming()) -> None:
        self.timing = timing
        self._chars: list[str] = []
        self._last: float | None = None

    @property
    def burst(self) -> str:
        """The characters typed so far in the current burst."""
        return "".join(self._chars)

    def key(self, char: str, at: float) -> str | None:
        """Add one typed character; returns the previous scan if a pause just ended it."""
        finished = None
        if self._last is not None and at - self._last > self.timing.max_gap:
            finished = self._take_if_scan()
        self._chars.append(char)
        self._last = at
        return finished

    def backspace(self, at: float) -> None:
        if self._chars:
            self._chars.pop()
        self._last = at

    def end(self, at: float) -> str | None:
        """Enter or Tab: the burst is a scan if it was fast and long enough; either way it is over."""
        if self._last is not None and at - self._last > self.timing.max_gap:
            self._clear()
            return None
        return self._take_if_scan()

    def poll(self, at: float) -> str | None:
        """Finish a scan whose scanner sends no Enter, once it has paused for `end_pause`."""
        if self._last is not None and at - self._last >= self.timing.end_pause:
            return self._take_if_scan()
        return None

    def _take_if_scan(self) -> str | None:
        text = self.burst
        self._clear()
        return text if len(text) >= self.timing.min_length else None

    def _clear(self) -> None:
        self._chars = []
        self._last = None


SCANNER_INPUT_METHOD = Reason("scanner_input_method")
SCANNER_LAYOUT = Reason("scanner_keyboard_layout")

# Formats whose whole text is ASCII (Base45 after the prefix): any other character was typed by an IME.
_ASCII_ONLY_PREFIXES = ("HC1:", "HD1:")
# The unshifted digit row of a French AZERTY keyboard, which a scanner set to US types instead of 1234567890.
_AZERTY_DIGIT_ROW = set("&é\"'(-è_çà§)")
_WORD_SPLIT = re.compile(r"[\s|<,;$/]+")


def mangled_reason(text: str) -> Reason | None:
    """Why `text` cannot be what the scanner read, or None when it looks like an honest scan.

    Only impossible text is flagged: Vietnamese letters are welcome in a CCCD name or address, but never
    inside a word that also holds digits (an ID number, a date, hex-encoded BHYT text, Base45), and never in
    an HC1:/HD1: payload, whose alphabet is ASCII.
    """
    text = unicodedata.normalize("NFC", text)
    upper = without_diacritics(text).upper()
    if upper.startswith(_ASCII_ONLY_PREFIXES) and not text.isascii():
        return SCANNER_INPUT_METHOD
    words = [w for w in _WORD_SPLIT.split(text) if w]
    if any(_is_azerty_digits(w) for w in words):
        return SCANNER_LAYOUT
    if any(_mixes_digits_and_marks(w) for w in words):
        return SCANNER_INPUT_METHOD
    return None


def _is_azerty_digits(word: str) -> bool:
    # A run of digit-row symbols as long as an ID or date field; at least one accented letter or "&",
    # which no honest payload puts in a run like that.
    return len(word) >= 4 and set(word) <= _AZERTY_DIGIT_ROW and bool(set(word) & set("éèçà&"))


def _mixes_digits_and_marks(word: str) -> bool:
    has_digit = any(c.isascii() and c.isdigit() for c in word)
    return has_digit and any(_is_vietnamese_letter(c) for c in word)


def _is_vietnamese_letter(char: str) -> bool:
    if char in "đĐ":
        return True
    decomposed = unicodedata.normalize("NFD", char)
    return len(decomposed) > 1 and decomposed[0].isascii() and decomposed[0].isalpha()


