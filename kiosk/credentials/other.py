"""Texts that are not personal codes, each named for what it is.

Users of peer apps complained most about a bare "invalid code": the guard needs to tell the visitor
"that is a Wi-Fi code, please open your personal QR". Every refusal here says what the text is, that it is
not a personal code, and what to ask for instead. Nothing from the text is quoted except a web link's
host, which helps the guard explain ("that is a link to example.com").
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Mapping, Sequence
from urllib.parse import urlsplit

from kiosk.credentials.base import Credential, Refusal
from kiosk.contract import REPLACEMENT_CHARACTER, is_hidden
from kiosk.credentials.fields import Field, content_field
from kiosk.reasons import HIDDEN_CHARACTER, Reason

ASK_VI = "Hãy đề nghị khách mở mã QR cá nhân (VNeID, PC-Covid) hoặc đưa thẻ căn cước."
ASK_EN = "Ask for the personal QR code (VNeID, PC-Covid) or the chip ID card."

_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]{1,15}://\S*|www\.\S+", re.ASCII)
# Standard QR payloads that announce themselves by a prefix: (format, Vietnamese, English).
_KNOWN_PREFIXES = {
    "BEGIN:VCARD": ("vcard", "danh thiếp (vCard)", "a contact card (vCard)"),
    "MECARD:": ("vcard", "danh thiếp (vCard)", "a contact card (vCard)"),
    "BEGIN:VEVENT": ("event", "một sự kiện lịch", "a calendar event"),
    "MAILTO:": ("email", "một địa chỉ email", "an email address"),
    "MATMSG:": ("email", "một địa chỉ email", "an email address"),
    "TEL:": ("phone", "một số điện thoại", "a phone number"),
    "SMS:": ("sms", "một tin nhắn SMS", "a text message"),
    "SMSTO:": ("sms", "một tin nhắn SMS", "a text message"),
    "GEO:": ("location", "một vị trí trên bản đồ", "a map location"),
}
_PLACE_PREFIXES = ("NZCOVIDTRACER:", "UKC19TRACING:")
# Words in a check-in link's host or path that mark it as a place (venue) code rather than a web page.
_PLACE_WORDS = ("checkin", "check-in", "dia-diem", "diadiem", "safeentry", "venue", "location", "tokhaiyte")
_TOKEN = re.compile(r"[A-Za-z0-9_\-+/=]{12,}")
_HOST_CHARACTERS = re.compile(r"[^a-z0-9.\-\[\]:]")
_BOARDING_PASS = re.compile(r"M[1-9].{20}[ E][A-Z0-9 ]{7}[A-Z]{3}[A-Z]{3}", re.DOTALL)
_TEXT_WHITESPACE = frozenset("\t\n\r")
_UNNAMED = {"Cc": "control character", "Cs": "lone surrogate", "Cn": "noncharacter or unassigned",
            "Co": "private-use character"}


def classify(text: str) -> Refusal:
    """What this (already stripped) text is, as a refusal: it matched no personal format."""
    if not text:
        return _refuse("empty", "other.empty", text,
                       "Mã trống: máy quét không đọc được nội dung nào. Hãy quét lại.",
                       "The code is empty: the scanner read no content. Scan again.")
    if _looks_binary(text):
        return _refuse("binary", "other.binary", text,
                       "Đây là dữ liệu nhị phân hoặc chữ bị lỗi mã hóa, không phải mã cá nhân. " + ASK_VI,
                       "This is binary data or garbled text, not a personal code. " + ASK_EN)
    upper = text[:16].upper()
    if upper.startswith("WIFI:"):
        # Not even the network name is shown: phone hotspots are often named after their owner.
        return _refuse("wifi", "other.wifi", text,
                       "Đây là mã QR kết nối Wi-Fi, không phải mã cá nhân. " + ASK_VI,
                       "This is a Wi-Fi network code, not a personal code. " + ASK_EN)
    for prefix, (format, vi, en) in _KNOWN_PREFIXES.items():
        if upper.startswith(prefix):
            return _refuse(format, f"other.{format}", text,
                           f"Đây là {vi}, không phải mã cá nhân. " + ASK_VI,
                           f"This is {en}, not a personal code. " + ASK_EN)
    if upper.startswith(_PLACE_PREFIXES):
        return _place_code(text, "")
    if _URL.match(text):
        return _url(text)
    if text.startswith("000201"):
        return _refuse("payment", "other.payment", text,
                       "Đây là mã QR thanh toán / chuyển khoản (VietQR), không phải mã cá nhân. " + ASK_VI,
                       "This is a payment / bank-transfer code (VietQR), not a personal code. " + ASK_EN)
    if _BOARDING_PASS.match(text):
        return _refuse("ticket", "other.boarding-pass", text,
                       "Đây là thẻ lên máy bay, không phải mã cá nhân. " + ASK_VI,
                       "This is an airline boarding pass, not a personal code. " + ASK_EN)
    if "|" in text or ";" in text or "\t" in text:
        return _refuse("unknown", "other.unknown-fields", text,
                       "Mã này có nhiều trường nhưng không khớp với loại mã cá nhân nào mà máy đọc được "
                       "(mã QR cá nhân, CCCD, BHYT). " + ASK_VI,
                       "This code has several fields but matches no personal code this station reads "
                       "(personal QR, chip ID card, health-insurance card). " + ASK_EN)
    if text.isascii() and text.isdigit():
        return _refuse("number", "other.number", text,
                       f"Đây chỉ là một dãy {len(text)} chữ số (mã vạch hoặc số phiếu), không phải mã cá nhân. "
                       + ASK_VI,
                       f"This is only a {len(text)}-digit number (a barcode or ticket number), not a personal "
                       f"code. " + ASK_EN)
    if _TOKEN.fullmatch(text) and any(ch.isdigit() for ch in text) and any(ch.isalpha() for ch in text):
        return _refuse("ticket", "other.ticket", text,
                       "Đây là vé hoặc mã của một hệ thống khác, không phải mã cá nhân. " + ASK_VI,
                       "This is a ticket or code of another system, not a personal code. " + ASK_EN)
    return _refuse("text", "other.text", text,
                   "Đây là một đoạn chữ thông thường, không phải mã cá nhân. " + ASK_VI,
                   "This is plain text, not a personal code. " + ASK_EN)


def invisible_characters(text: str) -> list[str]:
    """The hidden characters of a raw scanned text. A tab is let through here: some scanners send it
    instead of `|`, and the formats refuse that with its own reason (wrong separator)."""
    return [ch for ch in text if ch != "\t" and is_hidden(ch)]


def hidden_characters(text: str, format: str, found: Sequence[str], field: Field | None = None) -> Refusal:
    """Refusal for a text (or a value decoded from it) of `format` that holds invisible characters: a forged
    code or a bad read. With `field`, the reason names the field (code "hidden-character.<field>")."""
    first = found[0]
    name_en = f"U+{ord(first):04X} {_character_name(first)}"
    if first in "\r\n":
        what_vi, what_en = "dấu xuống dòng (có thể hai mã bị đọc liền nhau)", "a line break (two codes read as one?)"
    elif first == REPLACEMENT_CHARACTER:
        what_vi, what_en = "ký tự bị lỗi mã hóa", f"a garbled character ({name_en})"
    else:
        what_vi, what_en = f"ký tự ẩn {name_en}", f"an invisible character ({name_en})"
    if field is None:
        return _refuse(format, "other.hidden-characters", text,
                       f"Mã này chứa {what_vi} mà mã cá nhân thật không có — có thể là mã giả hoặc máy quét đọc "
                       "sai. Hãy quét lại; nếu vẫn lỗi, hãy kiểm tra mã hoặc nhập tay.",
                       f"This code contains {what_en} that no genuine personal code has — a forged code or a bad "
                       "read. Scan again; if it repeats, check the code or use manual entry.")
    code = f"{HIDDEN_CHARACTER}.{field.slug}"
    if format == "manual":
        return _refuse(format, code, text,
                       f"Trong {field.vi} vừa nhập có {what_vi} — hãy xóa ô đó và gõ lại (đừng dán).",
                       f"The {field.en} typed in contains {what_en} — clear it and type it again (do not paste).")
    return _refuse(format, code, text,
                   f"Mã này có {what_vi} trong {field.vi}, điều mà mã thật không có — mã có thể là giả hoặc đã bị "
                   "sửa. Đề nghị khách xuất trình mã khác hoặc nhập tay.",
                   f"This code's {field.en} contains {what_en}, which no genuine code has — it may be forged or "
                   "altered. Ask for another code or use manual entry.")


def checked(result: Credential | Refusal) -> Credential | Refusal:
    """`result`, or the refusal naming the first value of the credential that holds a hidden character.

    Every format passes here (the registry's `parse`, manual entry): the person key, the display name and
    every field, nested values and map keys included, whatever the format decoded them from (hex UTF-8,
    CBOR). Such a value is refused, never cleaned: a signed value is exactly what the issuer signed, and a
    cleaned copy would be a name nobody issued — two codes differing only in an invisible character would
    become one person, or one person two (the watch list); EU DCC verifiers likewise refuse rather than
    repair. The visitor's remedy is plain: a new code, or manual entry.
    """
    if isinstance(result, Refusal):
        return result
    # The fields first: the person key and display name are made from them, and the guard should hear the
    # field the visitor can have corrected.
    values = [*result.fields.items(), *result.decoded.items(),
              ("person_key", result.person_key), ("display_name", result.display_name)]
    for key, value in values:
        first = _first_hidden(value)
        if first is not None:
            return hidden_characters(result.raw, result.format, [first], content_field(key))
    return result


def _first_hidden(value: Any) -> str | None:
    """The first hidden character in a string, or anywhere in a map (keys too) or sequence of them."""
    if isinstance(value, str):
        return next((ch for ch in value if is_hidden(ch)), None)
    if isinstance(value, Mapping):
        value = [item for pair in value.items() for item in pair]
    if isinstance(value, (list, tuple, set, frozenset)):
        return next((ch for ch in map(_first_hidden, value) if ch is not None), None)
    return None


def _character_name(ch: str) -> str:
    # Controls and surrogates have no Unicode name of their own.
    return unicodedata.name(ch, "") or _UNNAMED.get(unicodedata.category(ch), "unnamed character")


def _refuse(format: str, code: str, raw: str, vi: str, en: str) -> Refusal:
    return Refusal(format=format, reason=Reason(code, vi, en), raw=raw)


def _looks_binary(text: str) -> bool:
    if REPLACEMENT_CHARACTER in text:
        return True
    unreadable = sum(1 for ch in invisible_characters(text) if ch not in _TEXT_WHITESPACE)
    return unreadable * 10 >= len(text) or unreadable >= 8


def _url(text: str) -> Refusal:
    try:
        parts = urlsplit(text if "://" in text else "http://" + text)
        host = parts.hostname or ""
    except ValueError:
        parts, host = None, ""
    host = _HOST_CHARACTERS.sub("", host)[:80]
    if parts is not None and any(word in (host + parts.path).lower() for word in _PLACE_WORDS):
        return _place_code(text, host)
    shown = host or "?"
    return _refuse("url", "other.url", text,
                   f"Đây là một địa chỉ web ({shown}), không phải mã cá nhân. " + ASK_VI,
                   f"This is a web link ({shown}), not a personal code. " + ASK_EN)


def _place_code(text: str, host: str) -> Refusal:
    shown = f" ({host})" if host else ""
    return _refuse("place-code", "other.place-code", text,
                   f"Đây là mã QR địa điểm{shown} để khách tự quét khi đến, không phải mã cá nhân. " + ASK_VI,
                   f"This is a place check-in code{shown} for visitors to scan, not a personal code. " + ASK_EN)

