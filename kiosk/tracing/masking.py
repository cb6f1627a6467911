"""Person keys as traces and the dashboard show them: the kind readable, enough of the number to tell two
apart, not enough to identify anyone."""

from __future__ import annotations

from kiosk.sealing.tags import TAGGED_MARK

KEY_MASK = "•"
TAG_SHOWN = 8  # hex digits of a tagged key shown


def mask_text(text: str, keep_end: int = 3) -> str:
    """'001099012345' → '•••••••••345'; short texts are hidden entirely."""
    if len(text) <= keep_end * 2:
        return KEY_MASK * len(text)
    return KEY_MASK * (len(text) - keep_end) + text[-keep_end:]


def mask_person_key(key: str) -> str:
    """Keep the key's kind ('qid:', 'cccd:') readable, mask the number. A tagged key (kiosk.sealing.tags)
    holds no number: it shows as its kind and the start of its tag, enough to tell two people apart."""
    kind, separator, value = key.partition(":")
    if value.startswith(TAGGED_MARK):
        return f"{kind}:{value[:TAG_SHOWN + 1]}"
    return f"{kind}:{mask_text(value, 4)}" if separator else mask_text(key, 4)
