"""Drawing a QR code as PNG and SVG.

Kept apart and light (qrcode and Pillow only) because the declaration page draws in worker processes,
which import this module when they start.
"""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg


def render_qr(text: str) -> tuple[bytes, str]:
    """The QR of `text` as PNG and as SVG, from one computed symbol (choosing its mask is the slow part)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=4)
    code.add_data(text)
    code.make(fit=True)
    stream = io.BytesIO()
    code.make_image().save(stream)
    return stream.getvalue(), code.make_image(image_factory=qrcode.image.svg.SvgPathImage).to_string(
        encoding="unicode")
