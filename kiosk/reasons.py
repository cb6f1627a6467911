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


# --- Trust: demo keys and how far an identity can be believed ---------------------------------------------

PUBLISHED_KEY = Reason(
    "trust.published_key",
    "Mã mẫu ký bằng khoá thử công khai — không có giá trị tại cửa thật",
    "A sample code signed with the public demo key — not valid at a real door")
DEMO_MODE_ENTRY = Reason(
    "trust.demo_mode",
    "Ghi trong chế độ thử — khoá mẫu công khai được tin",
    "Logged in demo mode — the public demo keys were trusted")
SELF_DECLARED = Reason(
    "identity.self_declared",
    "Danh tính tự khai — chưa đối chiếu giấy tờ",
    "Self-declared identity — not checked against an ID document")


def identity_check_needed(vi_identity: str, en_identity: str) -> Reason:
    """A door with a watch list cannot clear an identity no document backs: the guard checks one."""
    return Reason(
        "identity.check_document",
        f"Danh tính {vi_identity} — đối chiếu giấy tờ: quét mã QR trên thẻ CCCD",
        f"{en_identity.capitalize()} identity — check an ID document: scan the QR on their ID card")


def on_watch_list(vi_identity: str, en_identity: str) -> Reason:
    """A watch-list match, naming how far the identity it matched can be trusted."""
    return Reason(
        "policy.watch-list",
        f"Có trong danh sách theo dõi (danh tính {vi_identity}) — mời người phụ trách",
        f"On the watch list ({en_identity} identity) — call the person in charge")
