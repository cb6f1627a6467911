"""Every byte of a folder searched for the made-up visitors of the privacy tests (kiosk.credentials.examples
and a guard's manual entry): names in every spelling, ID numbers, QIDs, phones, insurance codes, birth dates."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from kiosk.credentials.examples import AN, BINH, CUONG, Person
from kiosk.contract import without_diacritics


@dataclass(frozen=True)
class Visitor:
    full_name: str
    numbers: tuple[str, ...]  # ID numbers, QID, phone, insurance code
    birth_dates: tuple[str, ...]  # as the codes write them, and ISO


def visitor(person: Person) -> Visitor:
    born = person.birth_date
    numbers = (person.id_number, person.qid, person.phone, person.insurance_code) + \
        ((person.old_id_number,) if person.old_id_number else ())
    return Visitor(person.full_name, numbers,
                   (born.isoformat(), born.strftime("%d%m%Y"), born.strftime("%d/%m/%Y")))


# A visitor without a code, typed in by the guard.
MO = Visitor("Trần Thị Mơ", ("001099012345", "0912000111"), ())
VISITORS = (*map(visitor, (AN, BINH, CUONG)), MO)


def spellings(name: str) -> set[str]:
    """A name as any file could hold it: NFC or NFD, with or without diacritics, in any case."""
    forms = {unicodedata.normalize("NFC", name), unicodedata.normalize("NFD", name), without_diacritics(name)}
    return {cased for form in forms for cased in (form, form.upper(), form.lower(), form.title())}


def needles(person: Visitor) -> Iterator[tuple[str, bytes]]:
    for spelling in spellings(person.full_name):
        yield f"name {spelling!r}", spelling.encode("utf-8")
        yield f"name {spelling!r} as UTF-16", spelling.encode("utf-16-le")
    for value in person.numbers + person.birth_dates:
        yield value, value.encode("ascii")


def found_in(folder: Path) -> list[str]:
    """Every visitor detail found in any file of the folder: '<file>: <what>'."""
    files = [path for path in folder.rglob("*") if path.is_file()]
    assert files, f"nothing in {folder}"
    return [hit for path in files for hit in found_in_bytes(path.read_bytes(), path.name)]


def found_in_bytes(data: bytes, where: str) -> list[str]:
    """Every visitor detail the bytes hold (a file, a database dump): '<where>: <what>'."""
    lowered = data.lower()  # ASCII case; the spellings cover the rest
    return [f"{where}: {what}" for person in VISITORS for what, needle in needles(person)
            if needle in data or needle.lower() in lowered]
