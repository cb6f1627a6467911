"""Why a code was refused or a visitor warned, in both of the kiosk's languages.

A reason carries a stable machine code (for logs, tests and automation) and the sentence a guard reads,
in Vietnamese and English, written where the decision is made so that no catalogue can drift from it.
"""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("vi", "en")


@dataclass(frozen=True)
class Reason:
    code: str
    vi: str
    en: str

    def text(self, lang: str = "vi") -> str:
        return self.en if lang == "en" else self.vi

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "vi": self.vi, "en": self.en}

    @classmethod
    def from_json(cls, data: dict[str, str]) -> "Reason":
        return cls(code=str(data["code"]), vi=str(data.get("vi", "")), en=str(data.get("en", "")))


# --- reading a code (kiosk/credentials): codes other parts may need to recognise ----------------------------

# A parser raised: a bug in this station, never the visitor's fault. The door still answers (a refusal that
# says so), the fault is logged without the payload, and no test may ever see this code.
PARSER_FAULT = "other.parser-error"
# "hidden-character.<field>": a value read or decoded from a code (a signed declaration's name, a card's
# hex address, ...) holds a control, format or direction character, a lone surrogate or a noncharacter.
HIDDEN_CHARACTER = "hidden-character"
