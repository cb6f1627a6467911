"""Made-up sample payloads for every format the kiosk reads, built from made-up people.

Used by the tests, by the demo camera and by the window's self-test. Every person and number here is
invented; real payloads carry real people's data and never belong in the repository.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from kiosk.contract import without_diacritics


@dataclass(frozen=True)
class Person:
    """A made-up visitor with everything any format may carry about them."""

    family_name: str            # with diacritics, e.g. "Nguyễn"
    middle_name: str            # may be empty
    given_name: str
    birth_date: date
    gender: str                 # "male" | "female"
    id_number: str              # 12-digit chip ID card number
    old_id_number: str          # 9-digit old ID card number, "" if the person never had one
    qid: str                    # ID issued by the national QR platform
    phone: str
    insurance_code: str         # 15-character health-insurance card code, e.g. "HS4010123456789"
    address: str
    issue_date: date            # issue date of the chip ID card

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.family_name, self.middle_name, self.given_name) if part)

    @property
    def ascii_name(self) -> str:
        """The name as the national QR code writes it: capitals without diacritics."""
        return without_diacritics(self.full_name).upper()

    @property
    def social_insurance_number(self) -> str:
        """The 10-digit social-insurance number: the last ten characters of the card code."""
        return self.insurance_code[-10:]


AN = Person(
    family_name="Nguyễn", middle_name="Văn", given_name="An",
    birth_date=date(1990, 1, 31), gender="male",
    id_number="001090012345", old_id_number="012345678", qid="162900000000000001",
    phone="0912345678", insurance_code="HS4010123456789",
    address="Phường Láng Hạ, Quận Đống Đa, Hà Nội", issue_date=date(2021, 4, 15),
)

BINH = Person(
    family_name="Trần", middle_name="Thị", given_name="Bình",
    birth_date=date(1985, 7, 4), gender="female",
    id_number="079185001234", old_id_number="", qid="162900000000000002",
    phone="0987654321", insurance_code="DN4790123456780",
    address="Phường Bến Nghé, Quận 1, TP Hồ Chí Minh", issue_date=date(2022, 3, 9),
)

CUONG = Person(
    family_name="Lê", middle_name="Đức", given_name="Cường",
    birth_date=date(2003, 11, 2), gender="male",
    id_number="048203009876", old_id_number="", qid="162900000000000003",
    phone="0905123456", insurance_code="SV4480987654321",
    address="Phường Hải Châu I, Quận Hải Châu, Đà Nẵng", issue_date=date(2024, 8, 20),
)

PEOPLE = (AN, BINH, CUONG)

_GENDER_CODE = {"male": "1", "female": "2"}  # the national QR and the health-insurance card alike
_GENDER_CCCD = {"male": "Nam", "female": "Nữ"}


def vnqr_payload(person: Person, masked: bool = False, declarer: Person | None = None) -> str:
    """National personal QR v1.1: `SoGiayTo|HoTen|NgaySinh|LoaiDinhDanh|QID|EXT`.

    `masked` mimics the apps' default view (first six ID characters and day/month of birth hidden);
    `declarer` makes it a code declared by someone else on the person's behalf.
    """
    id_number = "*" * 6 + person.id_number[6:] if masked else person.id_number
    birth = f"{person.birth_date.year:04d}-**-**" if masked else person.birth_date.isoformat()
    declared_by_other = "1" if declarer is not None else "0"
    declarer_qid = declarer.qid if declarer is not None else ""
    ext = "<".join((declarer_qid, _GENDER_CODE[person.gender], person.insurance_code, person.phone))
    return "|".join((id_number, person.ascii_name, birth, declared_by_other, person.qid, ext))


def cccd_payload(person: Person, extra_fields: int = 0, nfd: bool = False) -> str:
    """Chip ID card QR: 7 `|`-separated fields, plus `extra_fields` more as on cards issued from 7/2024."""
    fields = [
        person.id_number,
        person.old_id_number,
        person.full_name,
        person.birth_date.strftime("%d%m%Y"),
        _GENDER_CCCD[person.gender],
        person.address,
        person.issue_date.strftime("%d%m%Y"),
    ]
    fields += [f"EXTRA{n + 1}" for n in range(extra_fields)]
    text = "|".join(fields)
    return unicodedata.normalize("NFD" if nfd else "NFC", text)


def bhyt_payload(person: Person, layout: str = "old") -> str:
    """Health-insurance card QR, ending with `$`; name and address are UTF-8 written as hexadecimal.

    `layout="old"` carries the 15-character card code, `layout="new"` the 10-digit social-insurance number.
    """
    if layout not in ("old", "new"):
        raise ValueError(f"unknown BHYT layout {layout!r}: use 'old' or 'new'")
    code = person.insurance_code if layout == "old" else person.social_insurance_number
    fields = [
        code,
        person.full_name.encode("utf-8").hex(),
        person.birth_date.strftime("%d/%m/%Y"),
        _GENDER_CODE[person.gender],
        person.address.encode("utf-8").hex(),
        "01 - 001",                 # registered first-contact facility
        "01/01/2021",               # valid from
        "31/12/2030",               # valid until
        "01/01/2021",               # issue date
    ]
    return "|".join(fields) + "|$"


def with_field(payload: str, index: int, value: str) -> str:
    """`payload` with its `index`-th `|`-separated field replaced: for malformed-code tests and demos."""
    parts = payload.split("|")
    parts[index] = value
    return "|".join(parts)


@dataclass(frozen=True)
class SamplePayload:
    """One sample text a camera or scanner could deliver, with what the kiosk should make of it."""

    label: str          # short English description, e.g. "vn-qr masked"
    text: str
    format: str         # the Credential or Refusal format the parser reports
    personal: bool      # True if it should parse to a Credential


SAMPLE_PAYLOADS: tuple[SamplePayload, ...] = (
    SamplePayload("vn-qr", vnqr_payload(AN), "vn-qr", True),
    SamplePayload("vn-qr masked", vnqr_payload(BINH, masked=True), "vn-qr", True),
    SamplePayload("vn-qr declared by someone else", vnqr_payload(CUONG, declarer=BINH), "vn-qr", True),
    SamplePayload("cccd", cccd_payload(AN), "cccd", True),
    SamplePayload("cccd without old ID, NFD name", cccd_payload(BINH, nfd=True), "cccd", True),
    SamplePayload("cccd with extra fields (2024 card)", cccd_payload(CUONG, extra_fields=2), "cccd", True),
    SamplePayload("bhyt old layout", bhyt_payload(AN, layout="old"), "bhyt", True),
    SamplePayload("bhyt new layout", bhyt_payload(BINH, layout="new"), "bhyt", True),
    SamplePayload("web address", "https://example.com/khuyen-mai?id=42", "url", False),
    SamplePayload("place check-in code", "https://checkin.example.vn/dia-diem/HN-0001", "place-code", False),
    SamplePayload("wi-fi", "WIFI:S:Sanh-Cho;T:WPA;P:matkhau123;;", "wifi", False),
    SamplePayload("contact card", "BEGIN:VCARD\nVERSION:3.0\nFN:Pham Minh Duc\nTEL:0900000000\nEND:VCARD",
                  "vcard", False),
    SamplePayload("plain text", "Chào mừng quý khách", "text", False),
)
