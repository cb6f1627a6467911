"""Handheld USB scanners type like a keyboard: turn their keystrokes into scan texts, and notice when a
Vietnamese input method, a foreign keyboard layout or a scanner that cannot type Vietnamese has damaged
what they typed.

A scanner types a whole code in a burst (a few milliseconds per key) and usually ends it with Enter; some
send no Enter at all. A person types far slower. So a burst of at least `min_length` characters, each key
within `max_gap` of the previous one, ended by Enter/Tab or by a pause, is a scan; anything else is typing.

No key of a scan may reach a widget (a space presses the focused button, an Escape cancels a dialog), yet
nobody knows at its first key whether a burst will be a scan. So `ScanBuffer` holds every key back until
that is known: the keys of a scan are swallowed and the text handed on; the keys of a person typing are
handed back, in order, to be delivered late. Gaps between keys are measured on the keys' own timestamps
(from the window system), so a busy GUI thread that handles a burst late and in lumps never cuts it in two;
only the pause that ends a burst without Enter is measured on the clock of the thread that handles them.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from typing import Generic, TypeVar

from kiosk.contract import without_diacritics
from kiosk.reasons import Reason

T = TypeVar("T")


@dataclass(frozen=True)
class ScannerTiming:
    max_gap: float = 0.05  # seconds between two keystrokes of one scan (by the keys' own timestamps)
    end_pause: float = 0.15  # held keys are settled after this pause (on the clock of the thread handling them)
    min_length: int = 6  # shorter bursts are a person typing fast, not a code
    tail: float = 0.2  # an Enter or Tab this soon after a scan is the scanner's too (CR LF, Enter + keypad Enter)


class KeyKind(Enum):
    CHAR = "char"  # a printable character
    BACKSPACE = "backspace"  # input methods that rewrite letters send these
    END = "end"  # Enter, keypad Enter, Tab: the end of a burst
    OTHER = "other"  # Escape, function keys, arrows, Ctrl/Alt combinations: part of a burst, no text
    TYPING = "typing"  # never a scanner's (a key held down that repeats): ends a burst


@dataclass(frozen=True)
class Stroke:
    """One key press: `key` identifies the key (to match its release), `at` is its own timestamp (seconds)."""

    key: int
    kind: KeyKind
    at: float
    char: str = ""


@dataclass
class Step(Generic[T]):
    """What to do now: hand `replay` to the widgets in order, take `scans` as scans; `passes` says whether the
    key just given goes on untouched (otherwise it is held or swallowed)."""

    replay: list[T] = field(default_factory=list)
    scans: list[str] = field(default_factory=list)
    passes: bool = False


class ScanBuffer(Generic[T]):
    """Holds key events (opaque `T`s, in order) until their burst is known to be a scan or typing.

    `press` for every key press, `release` for every key release, `poll(now)` from a timer while `holding`.
    `now` is the handling thread's monotonic clock; a `Stroke`'s `at` is the key's own time.
    """

    def __init__(self, timing: ScannerTiming = ScannerTiming()) -> None:
        self.timing = timing
        self._held: list[T] = []
        self._chars: list[str] = []
        self._unreleased: Counter[int] = Counter()  # keys pressed in this burst whose release is not held yet
        self._last_at: float | None = None  # the burst's last key, by its own timestamp
        self._last_seen: float | None = None  # ... and when it was handled
        self._polled: float | None = None  # when the thread last looked (a late look means it was busy)
        self._was_late = False
        self._scan_end: float | None = None  # the last swallowed key's timestamp (for the tail)
        self._owed: Counter[int] = Counter()  # releases still to come of swallowed presses

    @property
    def holding(self) -> bool:
        return bool(self._held)

    @property
    def burst(self) -> str:
        """The characters typed so far in the current burst."""
        return "".join(self._chars)

    def press(self, stroke: Stroke, item: T, now: float) -> Step[T]:
        step: Step[T] = Step()
        if self._held and stroke.at - self._last_at > self.timing.max_gap:
            self._settle(step)
        if stroke.kind is KeyKind.TYPING:
            self._settle(step)
            step.replay.append(item)
            return step
        if not self._held and self._in_tail(stroke):
            self._owed[stroke.key] += 1
            self._scan_end = stroke.at
            return step
        if not self._held and self._scan_end is not None and stroke.at - self._scan_end > self.timing.end_pause:
            self._owed.clear()  # a release that never came is not waited for across bursts
        self._held.append(item)
        self._unreleased[stroke.key] += 1
        self._last_at, self._last_seen, self._polled = stroke.at, now, now
        if stroke.kind is KeyKind.CHAR:
            self._chars.append(stroke.char)
        elif stroke.kind is KeyKind.BACKSPACE:
            self.backspace()
        elif stroke.kind is KeyKind.END:
            self._settle(step)
        return step

    def backspace(self) -> None:
        """An input method rewriting a letter takes the last character back out of the burst."""
        if self._chars:
            self._chars.pop()

    def release(self, key: int, item: T) -> Step[T]:
        """A key release follows its press: swallowed with a scan, held behind held keys, else it passes."""
        if self._held and self._unreleased[key] > 0:
            self._unreleased[key] -= 1
            self._held.append(item)
        elif self._owed[key] > 0:
            self._owed[key] -= 1
        elif self._held:
            self._held.append(item)
        else:
            return Step(passes=True)
        return Step()

    def poll(self, now: float) -> Step[T]:
        """Settle the held burst once no key has come for `end_pause`. A look that comes late (the thread
        was busy) settles nothing, unless the look before was late too: keys typed while the thread was busy
        may still be queued behind it, and they get one turn of the thread to arrive."""
        step: Step[T] = Step()
        late = self._polled is not None and now - self._polled > self.timing.max_gap
        skip = late and not self._was_late
        self._polled, self._was_late = now, late
        if self._held and not skip and now - self._last_seen >= self.timing.end_pause:
            self._settle(step)
        return step

    def _in_tail(self, stroke: Stroke) -> bool:
        return (stroke.kind is KeyKind.END and self._scan_end is not None
                and 0 <= stroke.at - self._scan_end <= self.timing.tail)

    def _settle(self, step: Step[T]) -> None:
        if not self._held:
            return
        text = self.burst
        if len(text) >= self.timing.min_length:
            step.scans.append(text)
            self._owed.update(self._unreleased)
            self._scan_end = self._last_at
        else:
            step.replay.extend(self._held)
        self._held, self._chars, self._unreleased = [], [], Counter()
        self._last_at = self._last_seen = None


SCANNER_INPUT_METHOD = Reason("scanner_input_method")
SCANNER_LAYOUT = Reason("scanner_keyboard_layout")
SCANNER_NO_VIETNAMESE = Reason("scanner_no_vietnamese")

# Formats whose whole text is ASCII (Base45 after the prefix): any other character was typed by an IME.
_ASCII_ONLY_PREFIXES = ("HC1:", "HD1:", "MB1:")
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
    if _lost_vietnamese_letters(text):
        return SCANNER_NO_VIETNAMESE
    return None


# --- a scanner that cannot type Vietnamese --------------------------------------------------------------------
# Of the codes a scanner types, only the chip ID card carries Vietnamese letters as they are (the national QR
# writes names without accents; BHYT text is hexadecimal; signed codes are Base45). A scanner that cannot
# type them replaces each with "?" (or U+FFFD), or leaves it out: "Nguy?n V?n An" or "Nguyn Vn An", "N?" or
# "N" for "Nữ". Only what no honest card holds counts: ASCII-only names and the names of ethnic minorities
# ("H'Hen Niê", "Ksor H'Bia", "Y Kdăm") pass, abbreviations in addresses ("TP", "KP") too.

_CCCD_START = re.compile(r"\d{12}\|[^|]*\|[^|]*\|\d{8}\|", re.ASCII)
_LOST = "?\ufffd"
_LOST_IN_WORD = re.compile(rf"[^\W\d_][{_LOST}]|[{_LOST}][^\W\d_]")
_DAMAGED_GENDER = re.compile(rf"N[{_LOST}]*", re.IGNORECASE)


def _lost_vietnamese_letters(text: str) -> bool:
    if not _CCCD_START.match(text):
        return False
    parts = text.split("|")
    if len(parts) < 6:
        return False
    name, gender, address = parts[2], parts[4].strip(), parts[5]
    return (
        any(char in _LOST for char in name)
        or bool(_DAMAGED_GENDER.fullmatch(gender))
        or bool(_LOST_IN_WORD.search(address))
        or any(_vowelless(word, 2) for word in name.split())
        or any(_vowelless(word, 3) and not word.isupper() for word in re.split(r"[\s,.;/-]+", address))
    )


def _vowelless(word: str, shortest: int) -> bool:
    """A word of at least `shortest` letters without a vowel: no Vietnamese syllable and no minority name has
    one ("Vn" for "Văn", "Phng" for "Phường"); a lone letter may be honest ("Y", "H")."""
    letters = without_diacritics("".join(char for char in word if char.isalpha())).lower()
    return len(letters) >= shortest and not any(char in "aeiouy" for char in letters)


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


