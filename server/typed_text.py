"""What an administrator types for the server to keep (a station's name and location, a watch-list entry
and its note, a user name) follows the rule the door and the declaration page follow: no character a reader
cannot see (controls, format and direction marks, surrogates, noncharacters). Such text ends up on kiosks'
screens, in the dashboard and in exports, where a hidden U+202E reverses what the reader sees."""

from __future__ import annotations

from kiosk.contract import hidden_in


def hidden_character_problem(label: str, value: str) -> str | None:
    """A sentence naming `label` and the first hidden character of `value`, or None when there is none."""
    found = hidden_in(value)
    if not found:
        return None
    return f"The {label} holds an invisible or control character (U+{ord(found[0]):04X}); type it again without it."
