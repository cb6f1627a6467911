"""Printed name badges as one PDF: A4 sheets of eight (2 × 4 badges of 90 × 60 mm, cut marks in the margins)
or one badge per 90 × 55 mm page for a label printer.

A badge shows the event's name small, the participant's full name large (shrunk and wrapped to fit, never
cut), their organisation and group or seat, and the QR of their signed badge code (kiosk.meetings
.badge_code), 30 mm wide with its quiet zone, error correction M. The QR goes in as a black-and-white image of
one pixel per module, scaled without interpolation: crisp at any printer resolution and a few hundred bytes
each. zxing-cpp draws the symbol: it chooses the mask in C++, twenty times faster than the `qrcode`
package, which is what keeps 5,000 badges in a few seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import zxingcpp
from fpdf import FPDF
from PIL import Image

from kiosk.atomic_file import replace_with_bytes
from server.meetings.pdf_text import BOLD, REGULAR, Fitted, draw, fit, new_document

A4 = (210.0, 297.0)
LAYOUTS = ("a4", "label")
BADGE_WIDTH = 90.0
A4_BADGE_HEIGHT = 60.0
LABEL = (90.0, 55.0)  # one badge per page
COLUMNS, ROWS = 2, 4
QR_SIZE = 30.0  # millimetres, quiet zone included
PADDING = 4.0
CUT_MARK = 5.0  # millimetres of each mark, in the page's margin
CUT_MARK_GAP = 2.0  # between a mark and the badges
CUT_MARK_GRAY = 170
FAINT_GRAY = 110


@dataclass(frozen=True)
class PrintedBadge:
    event: str
    name: str
    organisation: str
    group: str
    code: str  # the signed badge's QR text, "MB1:…"


def write_badges_pdf(badges: Sequence[PrintedBadge], path: Path | str, layout: str = "a4") -> None:
    """All the badges in one PDF at `path` (owner-only, replaced whole): `layout` "a4" or "label"."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}")
    page = A4 if layout == "a4" else LABEL
    pdf = new_document(page, badges[0].event if badges else "")
    height = A4_BADGE_HEIGHT if layout == "a4" else LABEL[1]
    left, top = ((A4[0] - COLUMNS * BADGE_WIDTH) / 2, (A4[1] - ROWS * height) / 2) if layout == "a4" else (0, 0)
    per_page = COLUMNS * ROWS if layout == "a4" else 1
    events: dict[str, Fitted] = {}  # the event's name fitted once, not once per badge
    for number, badge in enumerate(badges):
        place = number % per_page
        if place == 0:
            pdf.add_page()
            if layout == "a4":
                _cut_marks(pdf, left, top, height)
        x = left + (place % COLUMNS) * BADGE_WIDTH if layout == "a4" else 0
        y = top + (place // COLUMNS) * height if layout == "a4" else 0
        _badge(pdf, badge, x, y, height, events)
    if not badges:
        pdf.add_page()
    replace_with_bytes(Path(path), bytes(pdf.output()), mode=0o600)


def qr_image(code: str) -> Image.Image:
    """The QR symbol of `code` as an image of one pixel per module, quiet zone included, each pixel black or
    white. Kept in gray levels ("L") rather than converted to 1 bit: fpdf2 puts a gray image in with zlib,
    a 1-bit one through a TIFF fax encoder that costs it half as much again, for a larger file."""
    symbol = zxingcpp.create_barcode(code, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    pixels = symbol.to_image(scale=1, add_quiet_zones=True)
    rows, columns = pixels.shape[:2]
    return Image.frombytes("L", (columns, rows), bytes(memoryview(pixels)))


def _badge(pdf: FPDF, badge: PrintedBadge, x: float, y: float, height: float, events: dict[str, Fitted]) -> None:
    inner = BADGE_WIDTH - 2 * PADDING
    qr_top = y + height - PADDING - QR_SIZE
    qr_left = x + BADGE_WIDTH - PADDING - QR_SIZE + 2.0  # the quiet zone may reach into the padding
    if badge.event not in events:
        events[badge.event] = fit(pdf, badge.event, style=REGULAR, largest=7.5, smallest=6, width=inner, height=6.5)
    pdf.set_text_color(FAINT_GRAY)
    below_event = draw(pdf, events[badge.event], x + PADDING, y + PADDING, style=REGULAR)
    pdf.set_text_color(0)
    name_top = below_event + 1.2
    name = fit(pdf, badge.name, style=BOLD, largest=20, smallest=9, width=inner, height=qr_top - name_top)
    below_name = draw(pdf, name, x + PADDING, name_top, style=BOLD)
    side = qr_left - 1.0 - (x + PADDING)  # the text column left of the QR's quiet zone
    top = max(below_name, qr_top) + 1.5
    bottom = y + height - PADDING
    if badge.organisation.strip():
        organisation = fit(pdf, badge.organisation, style=REGULAR, largest=10, smallest=6.5, width=side,
                           height=(bottom - top) * 0.6)
        top = draw(pdf, organisation, x + PADDING, top, style=REGULAR) + 1.5
    if badge.group.strip():
        group = fit(pdf, badge.group, style=BOLD, largest=12, smallest=7, width=side, height=max(bottom - top, 4.0))
        draw(pdf, group, x + PADDING, top, style=BOLD)
    pdf.image(qr_image(badge.code), qr_left, qr_top, QR_SIZE, QR_SIZE)


def _cut_marks(pdf: FPDF, left: float, top: float, height: float) -> None:
    """Short light lines in the page's margins along every cut, none on the badges themselves."""
    pdf.set_draw_color(CUT_MARK_GRAY)
    pdf.set_line_width(0.2)
    right, bottom = left + COLUMNS * BADGE_WIDTH, top + ROWS * height
    for column in range(COLUMNS + 1):
        x = left + column * BADGE_WIDTH
        pdf.line(x, top - CUT_MARK_GAP - CUT_MARK, x, top - CUT_MARK_GAP)
        pdf.line(x, bottom + CUT_MARK_GAP, x, bottom + CUT_MARK_GAP + CUT_MARK)
    for row in range(ROWS + 1):
        y = top + row * height
        pdf.line(left - CUT_MARK_GAP - CUT_MARK, y, left - CUT_MARK_GAP, y)
        pdf.line(right + CUT_MARK_GAP, y, right + CUT_MARK_GAP + CUT_MARK, y)
