"""The parts of an .xlsx a participant list needs, read as a stream of XML events: the sheets in order, the
shared strings, and each row's cells as text, a number or "a formula". Nothing else of the workbook
(styles, dates, merged cells) matters to a list of names, so nothing else is read.

Excel's XML never declares a document type: one that does is refused, which rules out entity bombs."""

from __future__ import annotations

import posixpath
import unicodedata
from functools import lru_cache
from typing import IO, Callable, Iterator
from xml.etree.ElementTree import Element, fromstring
from xml.parsers import expat

from server.meetings.participant_file_cells import FORMULA, Cell

MAX_COLUMNS = 16_384  # Excel's last column, XFD: a cell said to lie further is not read
_CHUNK = 65_536
_RELATIONSHIP_IDS = ("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id",
                     "{http://purl.oclc.org/ooxml/officeDocument/relationships}id")  # transitional, strict


class DamagedPart(Exception):
    """A part of the workbook that does not say what a workbook says."""


def sheet_paths(read: Callable[[str], bytes]) -> tuple[list[str], str | None]:
    """The workbook's worksheets' parts in the order Excel shows them, and its shared strings' part.
    `read(path)` gives a part's bytes (KeyError when there is none)."""
    relations = {rel.get("Id"): (rel.get("Type", ""), _part(rel.get("Target", "")))
                 for rel in _whole(read("xl/_rels/workbook.xml.rels"))}
    sheets = []
    for element in _whole(read("xl/workbook.xml")).iter():
        if element.tag.rpartition("}")[2] == "sheet":
            kind, path = relations.get(next(filter(None, map(element.get, _RELATIONSHIP_IDS)), ""), ("", ""))
            if kind.endswith("/worksheet"):
                sheets.append(path)
    shared = [path for kind, path in relations.values() if kind.endswith("/sharedStrings")]
    return sheets, shared[0] if shared else None


def _whole(part: bytes) -> Element:
    if b"<!DOCTYPE" in part:
        raise DamagedPart("a document type in a workbook part")
    return fromstring(part)


def _part(target: str) -> str:
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))


def shared_strings(source: IO[bytes]) -> list[str]:
    """The workbook's shared strings, each the text of its runs (phonetic guides left out)."""
    strings: list[str] = []
    parts: list[str] = []
    capturing, phonetic = False, 0

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal capturing, phonetic
        name = _local(name) if ":" in name else name
        if name == "t" and not phonetic:
            capturing = True
        elif name == "rPh":
            phonetic += 1

    def end(name: str) -> None:
        nonlocal capturing, phonetic
        name = _local(name) if ":" in name else name
        if name == "t":
            capturing = False
        elif name == "si":
            strings.append(unicodedata.normalize("NFC", "".join(parts)))
            parts.clear()
        elif name == "rPh":
            phonetic -= 1

    def data(text: str) -> None:
        if capturing:
            parts.append(text)

    for _ in _parse(source, start, end, data):
        pass
    return strings


def sheet_rows(source: IO[bytes], shared: list[str]) -> Iterator[tuple[int, list[Cell]]]:
    """(line, cells) of each row that holds a cell; cells[0] is column A, "" where nothing is. Written as
    closures over plain variables: expat calls them for every element of the sheet."""
    done: list[tuple[int, list[Cell]]] = []
    cells: dict[int, Cell] = {}
    parts: list[str] = []
    line, column, kind, formula, capturing, phonetic = 0, -1, "n", False, False, 0

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal line, column, kind, formula, capturing, phonetic
        name = _local(name) if ":" in name else name
        if name == "v" or (name == "t" and not phonetic):
            capturing = True
        elif name == "c":
            reference = attributes.get("r")
            column = _column(reference) if reference else column + 1
            kind, formula = attributes.get("t", "n"), False
            parts.clear()
        elif name == "f":
            formula = True
        elif name == "row":
            line = int(attributes.get("r") or line + 1)
            column = -1
            cells.clear()
        elif name == "rPh":
            phonetic += 1

    def end(name: str) -> None:
        nonlocal capturing, phonetic
        name = _local(name) if ":" in name else name
        if name == "v" or name == "t":
            capturing = False
        elif name == "c":
            value = FORMULA if formula else _value(kind, "".join(parts), shared)
            if value != "" and column < MAX_COLUMNS:
                cells[column] = value
        elif name == "row" and cells:
            done.append((line, [cells.get(index, "") for index in range(max(cells) + 1)]))
        elif name == "rPh":
            phonetic -= 1

    def data(text: str) -> None:
        if capturing:
            parts.append(text)

    for _ in _parse(source, start, end, data):
        yield from done
        done.clear()


def _value(kind: str, text: str, shared: list[str]) -> Cell:
    if not text:
        return ""
    if kind == "n":
        return _number(text)
    if kind == "s":
        index = int(text)
        if index < 0:
            raise DamagedPart("a shared string before the first")
        return shared[index]
    if kind == "b":
        return "TRUE" if text == "1" else "FALSE"
    return unicodedata.normalize("NFC", text)  # inline, a formula's text result, an error (#N/A), a date


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        return float(text)  # ValueError: a damaged part


def _column(reference: str) -> int:
    """0 for "A1", 27 for "AB7"; MAX_COLUMNS for a reference beyond Excel's last column."""
    return _column_of(reference.rstrip("0123456789"))


@lru_cache(maxsize=4096)
def _column_of(letters: str) -> int:
    if not letters.isascii() or not letters.isalpha():
        raise DamagedPart(letters)
    if len(letters) > 3:
        return MAX_COLUMNS
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number - 1


def _local(name: str) -> str:
    return name.rpartition(":")[2]  # "x:row" in a workbook that names its namespace


def _parse(source: IO[bytes], start: Callable[[str, dict[str, str]], None], end: Callable[[str], None],
           data: Callable[[str], None]) -> Iterator[None]:
    """Feeds the part to expat a chunk at a time, yielding after each chunk."""
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, data
    parser.StartDoctypeDeclHandler = _refuse_doctype
    while chunk := source.read(_CHUNK):
        parser.Parse(chunk, False)
        yield
    parser.Parse(b"", True)
    yield


def _refuse_doctype(*_: object) -> None:
    raise DamagedPart("a document type in a workbook part")
