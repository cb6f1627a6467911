"""Texts a person reads, kept as a code with parameters and rendered from one catalogue per language.

A `Message` is what the kiosk decides, stores and sends: a stable code ("policy.capacity") and the facts
that fill its sentence ({"inside": "12", "capacity": "12"}). The sentence itself lives only in the gettext
catalogue of each language, kiosk/locale/<lang>/LC_MESSAGES/kiosk.po (msgid = the code, msgstr = the
template with `{name}` placeholders), so a wording fix or a third language touches a .po file and no stored
row. A parameter may itself be a message (a field's name inside a "field is wrong" sentence): it is
rendered in the same language.

The .po files are compiled to .mo by scripts/build_translations.py (Babel); a checkout that has not run it
compiles them on first use. A code the catalogue lacks renders as its inline sentence (see `inline`) or as
the code and its parameters, never as an exception: a station must keep showing something readable when a newer server sends a code it predates.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache
from pathlib import Path
from string import Formatter
from typing import Any, Union

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
DOMAIN = "kiosk"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

Param = Union[str, "Message"]


@dataclass(frozen=True)
class Message:
    """A code and its parameters (sorted name/value pairs, so that equal messages are equal and hash)."""

    code: str
    params: tuple[tuple[str, Param], ...] = ()

    def __init__(self, code: str, params: Mapping[str, Any] | None = None, /, **named: Any) -> None:
        merged = {**(params or {}), **named}
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "params", tuple(sorted((str(k), _param(v)) for k, v in merged.items())))

    @property
    def values(self) -> dict[str, Param]:
        return dict(self.params)

    def text(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """The sentence in `lang` (Vietnamese for a language without a catalogue)."""
        values = {name: value.text(lang) if isinstance(value, Message) else value for name, value in self.params}
        template = template_for(self.code, lang)
        if template is not None:
            try:
                return template.format_map(values)
            except (KeyError, IndexError, ValueError):
                pass
        if set(values) == set(LANGUAGES):
            return values[lang if lang in LANGUAGES else DEFAULT_LANGUAGE]
        return fallback_text(self.code, values)

    @property
    def vi(self) -> str:
        return self.text("vi")

    @property
    def en(self) -> str:
        return self.text("en")

    def to_json(self) -> dict[str, Any]:
        """The stored and sent shape: {"code": ..., "params": {name: text or nested message}}."""
        return {"code": self.code,
                "params": {k: v.to_json() if isinstance(v, Message) else v for k, v in self.params}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Message":
        """Read the stored shape, or the older {"code", "vi", "en"} one (its sentences kept inline)."""
        code = str(data.get("code", ""))
        if "params" not in data:
            return inline(code, str(data.get("vi", "")), str(data.get("en", "")))
        params = data.get("params") or {}
        return cls(code, {str(k): cls.from_json(v) if isinstance(v, Mapping) else str(v)
                          for k, v in params.items()})


def inline(code: str, vi: str, en: str) -> Message:
    """A message that carries its own sentences as parameters named by language.

    For a row stored before the catalogues whose parameters cannot be recovered from its text, and for a
    sentence assembled from parts not yet in the catalogue. It shows the catalogue's template once the code
    has one whose placeholders it fills, and its own sentence in the viewer's language otherwise.
    """
    return Message(code, {"vi": vi, "en": en})


def upgrade_stored(data: Mapping[str, Any]) -> dict[str, Any]:
    """A reason stored in the old {"code", "vi", "en"} shape, in the {"code", "params"} shape.

    A code whose catalogue sentences have no placeholders becomes the bare code. A code with placeholders
    gets them back from its stored English sentence, matched against the English template; the result is
    kept only if it renders both stored sentences exactly. Anything else (a sentence worded before the
    catalogue, a placeholder filled by a nested reason) keeps its two stored sentences inline, and still
    reads as it did. Rows already in the new shape are returned as they are.
    """
    if "params" in data:
        return dict(data)
    old = inline(str(data.get("code", "")), str(data.get("vi", "")), str(data.get("en", "")))
    for candidate in _recovered(old.code, old.values["en"]):
        if candidate.text("vi") == old.values["vi"] and candidate.text("en") == old.values["en"]:
            return candidate.to_json()
    return old.to_json()


def _recovered(code: str, english: str) -> list[Message]:
    template = template_for(code, "en")
    if template is None:
        return []
    pattern, names = "", []
    for literal, field, _, _ in Formatter().parse(template):
        pattern += re.escape(literal)
        if field:
            pattern += f"(?P={field})" if field in names else f"(?P<{field}>.+?)"
            names.append(field)
    found = re.fullmatch(pattern, english, re.DOTALL)
    return [Message(code, found.groupdict())] if found else []


def _param(value: Any) -> Param:
    return value if isinstance(value, Message) else str(value)


def fallback_text(code: str, values: Mapping[str, str]) -> str:
    """What a code without a usable template shows: the code and its parameters."""
    if not values:
        return code
    return f"{code} (" + ", ".join(f"{k}={v}" for k, v in sorted(values.items())) + ")"


def placeholders(template: str) -> set[str]:
    """The `{name}` fields a template fills."""
    return {field for _, field, _, _ in Formatter().parse(template) if field}


def template_for(code: str, lang: str) -> str | None:
    """The catalogue's template for `code` in `lang`, or None when the catalogue has none.

    A msgid with "*" words a family of codes ("*.missing-*" for "cccd.missing-name", "bhyt.missing-phone",
    ...): a code without a sentence of its own takes the most specific family that matches it.
    """
    catalogue = _catalogue(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
    template = catalogue.gettext(code)
    if template != code:
        return template
    family = next((pattern for pattern in catalogue.families if fnmatchcase(code, pattern)), None)
    return catalogue.gettext(family) if family else None


def window_text(context: str, source: str, lang: str) -> str | None:
    """The window's own string `source` (English, as written in ui/ with `self.tr`) of the Qt class
    `context` in `lang` (msgctxt = the class), or None when the catalogue has none."""
    text = _catalogue(lang if lang in LANGUAGES else DEFAULT_LANGUAGE).pgettext(context, source)
    return None if text == source and lang != "en" else text


def catalogue_codes(lang: str) -> dict[str, str]:
    """Every code (or "<Qt class>|<English source>" window string) with a text in `lang`, read from the .po
    source (needs Babel)."""
    from babel.messages.pofile import read_po

    with po_path(lang).open("rb") as source:
        return {f"{m.context}|{m.id}" if m.context else m.id: m.string
                for m in read_po(source, locale=lang, domain=DOMAIN) if m.id and m.string}


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def compile_catalogues() -> list[Path]:
    """Compile every .po to its .mo with Babel (a build step; also done on first use when missing)."""
    return [_compile(lang) for lang in LANGUAGES]


def _compile(lang: str) -> Path:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    po = po_path(lang)
    mo = po.with_suffix(".mo")
    with po.open("rb") as source:
        catalog = read_po(source, locale=lang, domain=DOMAIN)
    with mo.open("wb") as target:
        write_mo(target, catalog)
    return mo


class _Catalogue(gettext.GNUTranslations):
    """A compiled catalogue that also knows its families of codes, most specific (longest) first."""

    families: tuple[str, ...] = ()

    def _parse(self, fp: Any) -> None:  # type: ignore[override]
        super()._parse(fp)  # type: ignore[misc]
        self.families = tuple(sorted((key for key in self._catalog if isinstance(key, str) and "*" in key),
                                     key=lambda key: (-len(key), key)))


@lru_cache(maxsize=None)
def _catalogue(lang: str) -> _Catalogue:
    po = po_path(lang)
    mo = po.with_suffix(".mo")
    # A packaged kiosk ships the .mo alone; a checkout compiles its .po when the .mo is missing or older.
    if po.exists() and (not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime):
        _compile(lang)
    with mo.open("rb") as source:
        return _Catalogue(source)
