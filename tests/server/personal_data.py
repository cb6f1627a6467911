"""Looking for visitors' personal data in the bytes a thief would take: files, folders, a pg_dump."""

from __future__ import annotations

import glob
import shutil
import subprocess
import unicodedata
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from kiosk.contract import without_diacritics


def name_forms(name: str) -> set[bytes]:
    """A name as it may be written: NFC and NFD, with and without diacritics, in any case (UTF-8)."""
    forms = set()
    for written in (name, without_diacritics(name)):
        for cased in (written, written.upper(), written.lower(), written.title()):
            for form in ("NFC", "NFD"):
                forms.add(unicodedata.normalize(form, cased).encode("utf-8"))
    return forms


def date_forms(iso_date: str) -> set[bytes]:
    year, month, day = iso_date.split("-")
    return {text.encode() for text in (iso_date, f"{day}/{month}/{year}", f"{day}{month}{year}")}


def found_in(data: bytes, needles: set[bytes]) -> set[bytes]:
    """The needles the bytes hold; letters compared in any case (ASCII case folded on both sides)."""
    folded = data.lower()
    return {needle for needle in needles if needle in data or needle.lower() in folded}


def folder_bytes(folder: Path) -> bytes:
    return b"\0".join(path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file())


def sqlite_bytes(database_file: Path) -> bytes:
    """The database file and whatever SQLite keeps beside it (-wal, -shm, -journal)."""
    return b"\0".join(path.read_bytes() for path in sorted(database_file.parent.glob(database_file.name + "*")))


def pg_dump_bytes(database_url: str) -> bytes:
    """`pg_dump` of the test's schema (named by the URL's search_path option)."""
    parts = urlsplit(database_url)
    options = parse_qs(parts.query)["options"][0]
    schema = options.split("search_path=", 1)[1]
    dump = shutil.which("pg_dump") or sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_dump"))[-1]
    plain = parts._replace(query="").geturl()
    return subprocess.run([dump, "--schema", schema, "--no-owner", plain], check=True,
                          capture_output=True).stdout
