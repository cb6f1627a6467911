"""The door's per-visit figure: visits read and the time from a code in view to its verdict."""

from kiosk.decoding import VisitTiming


def feed(timing: VisitTiming, frames: list[tuple[float, bool, float | None]]) -> None:
    for captured_at, seen, decided_at in frames:
        timing.frame(captured_at, seen, decided_at)


def test_a_visit_read_counts_with_the_time_from_the_first_sight_to_the_verdict():
    timing = VisitTiming(forget_after=1.0)
    feed(timing, [(10.0, False, None), (10.1, True, None), (10.2, True, None), (10.3, True, 10.32)])
    figures = timing.figures()
    assert (figures.visits, figures.read, figures.share_read) == (1, 1, 1.0)
    assert abs(figures.median_ms_to_verdict - 220) < 1e-6


def test_a_code_seen_but_never_read_counts_once_it_has_gone():
    timing = VisitTiming(forget_after=1.0)
    feed(timing, [(0.0, True, None), (0.5, True, None), (1.0, False, None)])
    assert timing.figures().visits == 0                  # still perhaps in view
    feed(timing, [(1.6, False, None)])
    figures = timing.figures()
    assert (figures.visits, figures.read, figures.share_read, figures.median_ms_to_verdict) == (1, 0, 0.0, None)


def test_frames_without_a_symbol_inside_a_visit_do_not_split_it():
    timing = VisitTiming(forget_after=1.0)
    feed(timing, [(0.0, True, None), (0.4, False, None), (0.8, False, None), (1.2, True, 1.25), (3.0, False, None),
                  (5.0, True, None), (5.1, True, 5.2)])
    figures = timing.figures()
    assert (figures.visits, figures.read) == (2, 2)
    assert abs(figures.median_ms_to_verdict - (1250 + 200) / 2) < 1e-6


def test_only_the_latest_visits_are_kept():
    timing = VisitTiming(forget_after=0.5, keep=3)
    for start in range(5):
        feed(timing, [(start * 2.0, True, None if start < 2 else start * 2.0 + 0.1), (start * 2.0 + 1.0, False, None)])
    figures = timing.figures()
    assert (figures.visits, figures.read) == (3, 3)


def test_it_says_when_the_figures_change_a_visit_read_or_one_gone_unread():
    timing = VisitTiming(forget_after=1.0)
    changes = [timing.frame(*frame) for frame in [
        (0.0, True, None), (0.1, True, 0.15), (0.2, True, None), (2.0, False, None),   # read, then gone
        (3.0, True, None), (3.5, False, None), (5.0, False, None), (6.0, False, None)]]  # seen, never read
    assert changes == [False, True, False, False, False, False, True, False]
    assert (timing.figures().visits, timing.figures().read) == (2, 1)


def test_the_next_visitor_in_a_queue_is_a_visit_of_its_own_even_before_the_last_code_has_gone():
    timing = VisitTiming(forget_after=1.5)
    feed(timing, [(0.0, True, None), (0.2, True, 0.25), (0.6, True, None), (0.9, True, 0.95), (3.0, False, None)])
    figures = timing.figures()
    assert (figures.visits, figures.read) == (2, 2)
    assert abs(figures.median_ms_to_verdict - 250) < 1e-6     # the second code's first sight is not known
