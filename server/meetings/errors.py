"""What goes wrong in a request an organiser can fix, said in both languages: the dashboard shows the
visitor's language, the command line English."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Words:
    """One sentence in Vietnamese and English."""

    vi: str
    en: str

    def text(self, language: str) -> str:
        return self.vi if language == "vi" else self.en


class MeetingError(Exception):
    """A request the organiser can fix (an unknown station, a session that ends before it starts, a file
    that is not a table): nothing was changed, and `words` says what to fix."""

    def __init__(self, vi: str, en: str) -> None:
        super().__init__(en)
        self.words = Words(vi, en)

    def text(self, language: str) -> str:
        return self.words.text(language)
