"""Counting people, not codes: the rules of the door's counts (kiosk.head_count), without a database."""

from datetime import datetime, timedelta, timezone

from kiosk.entry import Direction
from kiosk.head_count import HeadCount, Passage, came_in, head_count, person_of

T0 = datetime(2026, 3, 2, 1, 15, tzinfo=timezone.utc)
IN, OUT = Direction.IN, Direction.OUT


def passage(key: str, direction: Direction, minutes: int) -> Passage:
    return Passage(key, direction, T0 + timedelta(minutes=minutes))


def test_a_card_then_a_linked_national_qr_is_one_person_inside():
    day = [passage("cccd:1", IN, 0), passage("qid:1", IN, 30)]
    assert head_count(day, []) == HeadCount(inside=2, today=2)  # without the link: two people
    assert head_count(day, [("qid:1", "cccd:1")]) == HeadCount(inside=1, today=1)
    leaving = [*day, passage("qid:1", OUT, 60)]
    assert head_count(leaving, [("qid:1", "cccd:1")]).inside == 0  # out by the QR, in by the card: gone


def test_a_contested_link_joins_nobody():
    links = [("qid:1", "cccd:1"), ("qid:1", "cccd:2")]  # one QID seen with two ID numbers
    person = person_of(links)
    assert len({person("qid:1"), person("cccd:1"), person("cccd:2")}) == 3
    day = [passage("cccd:1", IN, 0), passage("cccd:2", IN, 1), passage("qid:1", IN, 2)]
    assert head_count(day, links).inside == 3


def test_an_exit_knows_whether_the_person_came_in_under_any_linked_key():
    links = [("qid:1", "cccd:1")]
    assert not came_in(["qid:1"], [], links)
    assert came_in(["qid:1"], [passage("cccd:1", IN, 0)], links)
    assert not came_in(["qid:1"], [passage("cccd:1", IN, 0), passage("qid:1", OUT, 5)], links)
    assert not came_in(["qid:2"], [passage("cccd:1", IN, 0)], links)
