"""Who is inside and who came today, counted by person, not by code.

A person may show a chip ID card in the morning and their national QR code at noon: two person keys. An
unmasked national QR code names both its QID and its ID number, and the store keeps that link
(kiosk.visit_log, `person_links`); the door counts such keys as one person. As for a trace
(kiosk.tracing.identity), a QID seen with two ID numbers (or a number with two QIDs) joins nobody: two people
are never merged on a guess.

The rules are the store's counts (kiosk.store.Store.counts), applied alike to the entries on disk and to
those a full disk left in the station's memory: only entries that were not refused count; a person is inside
when their latest such entry since the start of the day (or of the session) is an entry; checked in today
when they have at least one entry since then. Keys are the store's tagged keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Iterable, NamedTuple, Sequence

from kiosk.entry import Direction
from kiosk.tracing.identity import link_partners

Link = tuple[str, str]


class Passage(NamedTuple):
    """One admitted (not refused) entry: whose key, which way, when. (A tuple: a busy day has thousands.)"""

    person_key: str
    direction: Direction
    at: datetime


@dataclass(frozen=True)
class HeadCount:
    inside: int
    today: int


def person_of(links: Iterable[Link]) -> Callable[[str], str]:
    """The key that stands for all of a person's keys: a key linked to exactly one other key, itself linked
    to no other, stands with it for one person (named by the smaller of the two); any other key for itself."""
    partners = link_partners(links)

    def person(key: str) -> str:
        linked = partners.get(key)
        if linked is not None and len(linked) == 1:
            (other,) = linked
            if len(partners[other]) == 1:
                return min(key, other)
        return key
    return person


def head_count(passages: Iterable[Passage], links: Iterable[Link]) -> HeadCount:
    """People inside now and people checked in, from the period's passages."""
    person = person_of(links)
    latest: dict[str, Passage] = {}
    arrived: set[str] = set()
    for passage in passages:
        who = person(passage.person_key)
        if who not in latest or passage.at >= latest[who].at:
            latest[who] = passage
        if passage.direction is Direction.IN:
            arrived.add(who)
    inside = sum(1 for passage in latest.values() if passage.direction is Direction.IN)
    return HeadCount(inside=inside, today=len(arrived))


def came_in(keys: Sequence[str], passages: Iterable[Passage], links: Iterable[Link]) -> bool:
    """Whether the person of these keys is inside: their latest passage (under any of their keys) is an entry."""
    person = person_of(links)
    wanted = {person(key) for key in keys if key}
    latest: Passage | None = None
    for passage in passages:
        if person(passage.person_key) in wanted and (latest is None or passage.at >= latest.at):
            latest = passage
    return latest is not None and latest.direction is Direction.IN
