"""Base45 (RFC 9285): the QR-alphanumeric text encoding of signed health credentials."""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_VALUES = {char: index for index, char in enumerate(ALPHABET)}


class Base45Error(ValueError):
    """The text is not valid Base45."""


def encode(data: bytes) -> str:
    chars: list[str] = []
    for start in range(0, len(data) - 1, 2):
        value = data[start] * 256 + data[start + 1]
        value, c = divmod(value, 45)
        e, d = divmod(value, 45)
        chars += (ALPHABET[c], ALPHABET[d], ALPHABET[e])
    if len(data) % 2:
        d, c = divmod(data[-1], 45)
        chars += (ALPHABET[c], ALPHABET[d])
    return "".join(chars)


def decode(text: str) -> bytes:
    """Decode strictly: unknown characters, a dangling single character and overflowing groups fail."""
    try:
        values = [_VALUES[char] for char in text]
    except KeyError as error:
        raise Base45Error(f"character {error.args[0]!r} is not Base45") from None
    if len(values) % 3 == 1:
        raise Base45Error("length leaves a single character: the text is truncated")
    out = bytearray()
    for start in range(0, len(values), 3):
        group = values[start:start + 3]
        value = sum(v * 45**i for i, v in enumerate(group))
        if len(group) == 3:
            if value > 0xFFFF:
                raise Base45Error("a three-character group is larger than two bytes")
            out += value.to_bytes(2, "big")
        else:
            if value > 0xFF:
                raise Base45Error("a final two-character group is larger than one byte")
            out.append(value)
    return bytes(out)
