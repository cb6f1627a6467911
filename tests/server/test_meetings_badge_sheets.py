"""Printed badges (server.meetings.badge_sheets): the PDF is rasterised and its QR codes read back from the
pixels by the kiosk's own decoder; its text is extracted and compared letter for letter."""

from __future__ import annotations

import secrets
import stat
import unicodedata
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pypdfium2
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pypdf import PdfReader

from kiosk.decoding.decoder import Decoder
from kiosk.meetings.badge_code import Badge, check, encode
from server.meetings.badge_sheets import PrintedBadge, write_badges_pdf

EVENT = "Hội nghị tổng kết công tác y tế dự phòng năm 2026"
LONG_NAME = "Tôn Nữ Thị Phương Thảo Nguyễn Hoàng"
PEOPLE = [(LONG_NAME, "Trường Đại học Y Dược Thành phố Hồ Chí Minh", "Tổ 3 – Ghế B12"),
          ("Nguyễn Văn An", "Sở Y tế Hà Nội", "Bàn 1"),
          ("Đặng Thị Ngọc Ánh", "", "")]
KEY = Ed25519PrivateKey.generate()
NOW = datetime.now(timezone.utc)


def signed(name: str) -> str:
    return encode(Badge("12", secrets.token_hex(8), name), key=KEY, kid=b"\x01" * 8, issuer="https://kiosk.example.vn",
                  issued_at=NOW, expires_at=NOW + timedelta(days=3), cti=secrets.token_bytes(16))


@pytest.fixture(scope="module")
def badges() -> list[PrintedBadge]:
    return [PrintedBadge(EVENT, name, organisation, group, signed(name)) for name, organisation, group in PEOPLE]


def pixels(path: Path, page: int, dpi: int) -> np.ndarray:
    document = pypdfium2.PdfDocument(path)
    try:
        return np.asarray(document[page].render(scale=dpi / 72, grayscale=True).to_pil().convert("L"))
    finally:
        document.close()


def page_text(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


@pytest.mark.parametrize("dpi", [150, 300])
def test_every_qr_on_an_a4_sheet_reads_back_from_the_pixels_as_its_code(badges, tmp_path: Path, dpi: int) -> None:
    path = tmp_path / "badges.pdf"
    write_badges_pdf(badges, path)

    found = {decoded.text for decoded in Decoder(second_looks=False).decode(pixels(path, 0, dpi))}

    assert found == {badge.code for badge in badges}
    assert all(check(code, None, NOW).badge.name in {name for name, _, _ in PEOPLE} for code in found)


def test_a_label_printer_gets_one_badge_per_page_and_each_reads_back(badges, tmp_path: Path) -> None:
    path = tmp_path / "labels.pdf"
    write_badges_pdf(badges, path, layout="label")

    reader = PdfReader(path)
    assert len(reader.pages) == 3
    width, height = (float(value) * 25.4 / 72 for value in reader.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (90, 55)
    for number, badge in enumerate(badges):
        assert [decoded.text for decoded in Decoder(second_looks=False).decode(pixels(path, number, 300))] == [badge.code]


def test_vietnamese_names_come_out_whole_and_composed(badges, tmp_path: Path) -> None:
    # A file that gave the names decomposed (NFD, as some Mac exports do) prints them composed all the same.
    decomposed = [PrintedBadge(badge.event, unicodedata.normalize("NFD", badge.name), badge.organisation,
                               badge.group, badge.code) for badge in badges]
    path = tmp_path / "badges.pdf"
    write_badges_pdf(decomposed, path)

    [text] = page_text(path)
    flat = " ".join(text.split())
    assert unicodedata.is_normalized("NFC", text)
    for name, organisation, group in PEOPLE:
        assert name in flat, name  # the long name too: shrunk or wrapped, never cut
        assert organisation in flat and group in flat
    assert flat.count(EVENT) == 3


def test_the_font_is_embedded_as_a_subset(badges, tmp_path: Path) -> None:
    path = tmp_path / "badges.pdf"
    write_badges_pdf(badges, path)

    fonts = [font.get_object() for font in PdfReader(path).pages[0]["/Resources"]["/Font"].values()]
    descriptors = [font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object() for font in fonts]
    assert len(descriptors) == 2 and all("/FontFile2" in descriptor for descriptor in descriptors)
    assert all(str(descriptor["/FontName"]).split("+")[1].startswith("NotoSans") for descriptor in descriptors)
    assert path.stat().st_size < 200_000  # subsets, not the whole fonts (half a megabyte each)


def test_eight_badges_to_a_sheet_and_the_file_is_owner_only(tmp_path: Path) -> None:
    many = [PrintedBadge(EVENT, f"Nguyễn Văn An {n}", "Sở Y tế", f"Bàn {n}", signed(f"Nguyễn Văn An {n}"))
            for n in range(17)]
    path = tmp_path / "badges.pdf"
    write_badges_pdf(many, path)

    texts = page_text(path)
    assert [text.count("Nguyễn Văn An") for text in texts] == [8, 8, 1]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [len(Decoder(second_looks=False).decode(pixels(path, page, 150))) for page in range(3)] == [8, 8, 1]


def test_an_unknown_layout_is_refused(badges, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_badges_pdf(badges, tmp_path / "badges.pdf", layout="letter")
    assert not (tmp_path / "badges.pdf").exists()


def test_each_qr_is_embedded_as_black_and_white_pixels_one_per_module(badges, tmp_path: Path) -> None:
    path = tmp_path / "badges.pdf"
    write_badges_pdf(badges, path)

    images = PdfReader(path).pages[0].images
    assert len(images) == len(badges)
    for image in images:
        embedded = image.image.convert("L")
        assert set(np.unique(np.asarray(embedded)).tolist()) == {0, 255}  # no gray a printer would dither
        assert embedded.width == embedded.height <= 200  # modules, not a scaled-up picture
