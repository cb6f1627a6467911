"""Text in the meetings' PDFs (badges, the report's summary): the bundled Noto Sans, embedded as a subset so
Vietnamese diacritics print the same everywhere, and fitting a text into a box by shrinking and wrapping
it, never cutting it.

Noto Sans Regular and Bold are in fonts/ next to this module, with their licence (SIL OFL 1.1, OFL.txt).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

FONTS = Path(__file__).resolve().parent / "fonts"
FAMILY = "NotoSans"
REGULAR, BOLD = "", "B"
PT = 25.4 / 72  # millimetres in a point
LEADING = 1.18  # line height, in font sizes
ASCENT = 0.80  # from a line's top to its baseline, in font sizes (Noto Sans draws its accents inside)
SIZE_STEP = 0.5


@dataclass(frozen=True)
class Fitted:
    """A text as it will be drawn: its size in points and its lines."""

    size: float
    lines: tuple[str, ...]

    @property
    def height(self) -> float:
        """Millimetres the lines take."""
        return len(self.lines) * self.size * PT * LEADING


def new_document(page: tuple[float, float] | str, title: str) -> FPDF:
    """An empty document in millimetres with the bundled fonts, no automatic page breaks or margins."""
    pdf = FPDF(unit="mm", format=page)
    pdf.add_font(FAMILY, REGULAR, FONTS / "NotoSans-Regular.ttf")
    pdf.add_font(FAMILY, BOLD, FONTS / "NotoSans-Bold.ttf")
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.set_title(shown(title))
    pdf.set_creator("qr-checkin-kiosk")
    return pdf


def shown(text: str) -> str:
    """Text as it is drawn: composed (NFC), so that what a file or a keyboard decomposed prints and extracts
    as one letter, and single-line."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def fit(pdf: FPDF, text: str, *, style: str, largest: float, smallest: float, width: float,
        height: float) -> Fitted:
    """The largest size from `largest` down to `smallest` at which the text, wrapped at spaces to `width`,
    fits in `height` (millimetres). At `smallest` it is wrapped as needed, a too-long word broken between
    letters, and may take more than `height`: a name is never cut."""
    text = shown(text)
    pdf.set_font(FAMILY, style, largest)
    widths = {word: pdf.get_string_width(word) / largest for word in set(text.split(" "))}
    space = pdf.get_string_width(" ") / largest
    size = largest
    while size >= smallest:
        lines = _wrapped(text.split(" "), widths, space, width / size)
        if lines is not None and len(lines) * size * PT * LEADING <= height:
            return Fitted(size, tuple(lines))
        size -= SIZE_STEP
    return Fitted(smallest, tuple(_broken(pdf, text, style, smallest, width)))


def draw(pdf: FPDF, fitted: Fitted, x: float, top: float, *, style: str, width: float | None = None,
         align: str = "left") -> float:
    """Draw the lines from `top` down; returns the bottom. `align` "center" or "right" needs `width`."""
    pdf.set_font(FAMILY, style, fitted.size)
    line_height = fitted.size * PT * LEADING
    for number, line in enumerate(fitted.lines):
        left = x
        if align != "left" and width is not None:
            spare = width - pdf.get_string_width(line)
            left = x + (spare / 2 if align == "center" else spare)
        pdf.text(left, top + number * line_height + fitted.size * PT * ASCENT, line)
    return top + fitted.height


def _wrapped(words: list[str], widths: dict[str, float], space: float, width: float) -> list[str] | None:
    """Words greedily on lines no wider than `width` (in font sizes); None when one word alone is wider."""
    lines: list[list[str]] = []
    used = 0.0
    for word in words:
        if widths[word] > width:
            return None
        if lines and used + space + widths[word] <= width:
            lines[-1].append(word)
            used += space + widths[word]
        else:
            lines.append([word])
            used = widths[word]
    return [" ".join(line) for line in lines]


def _broken(pdf: FPDF, text: str, style: str, size: float, width: float) -> list[str]:
    pdf.set_font(FAMILY, style, size)
    lines = [""]
    for word in text.split(" "):
        candidate = f"{lines[-1]} {word}" if lines[-1] else word
        if pdf.get_string_width(candidate) <= width:
            lines[-1] = candidate
            continue
        lines.append("")
        for letter in word:
            if lines[-1] and pdf.get_string_width(lines[-1] + letter) > width:
                lines.append("")
            lines[-1] += letter
    return [line for line in lines if line]
