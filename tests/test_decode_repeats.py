"""One reading per visit: the repeat filter between the decoder and the station."""

from __future__ import annotations

from kiosk.decoding import Decoded, RepeatFilter

AN = Decoded("001099012345|NGUYEN VAN AN|1990-01-31|0|162900000000000001|<1<HS4010000000001<0912345678")
BINH = Decoded("079185001234||Trần Thị Bình|04071985|Nữ|Phường Bến Nghé, Quận 1, TP Hồ Chí Minh|09032022")


def frames(repeats: RepeatFilter, seen: list[list[Decoded]], start: float = 0.0, step: float = 1 / 15):
    """Feed one list of readings per frame; return the texts reported, frame by frame."""
    return [[d.text for d in repeats.new_readings(items, now=start + n * step)] for n, items in enumerate(seen)]


def test_a_code_held_in_view_is_reported_once():
    reported = frames(RepeatFilter(forget_after=1.5), [[AN]] * 60)       # four seconds in view
    assert reported[0] == [AN.text]
    assert all(texts == [] for texts in reported[1:])


def test_a_few_unread_frames_do_not_end_a_visit():
    seen = [[AN]] * 10 + [[]] * 15 + [[AN]] * 10          # one second of motion blur in between
    reported = frames(RepeatFilter(forget_after=1.5), seen)
    assert sum(len(texts) for texts in reported) == 1


def test_a_code_shown_again_after_being_away_is_reported_again():
    seen = [[AN]] * 10 + [[]] * 30 + [[AN]] * 10          # two seconds away
    reported = frames(RepeatFilter(forget_after=1.5), seen)
    assert [n for n, texts in enumerate(reported) if texts] == [0, 40]


def test_two_visitors_are_tracked_apart():
    seen = [[AN]] * 5 + [[AN, BINH]] * 5 + [[BINH]] * 5
    reported = frames(RepeatFilter(), seen)
    assert [texts for texts in reported if texts] == [[AN.text], [BINH.text]]


def test_the_clock_is_used_when_no_time_is_given():
    now = [100.0]
    repeats = RepeatFilter(forget_after=1.0, clock=lambda: now[0])
    assert repeats.new_readings([AN]) == [AN]
    now[0] += 0.9
    assert repeats.new_readings([AN]) == []
    now[0] += 1.1
    assert repeats.new_readings([AN]) == [AN]


def test_forgetting_makes_every_code_new_again():
    repeats = RepeatFilter()
    repeats.new_readings([AN], now=0.0)
    repeats.forget()
    assert repeats.new_readings([AN], now=0.1) == [AN]
