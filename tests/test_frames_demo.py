"""The demo camera: every sample format is shown, and readable from its pixels."""

from __future__ import annotations

import numpy as np
import pytest

from kiosk import credentials
from kiosk.credentials.examples import SAMPLE_PAYLOADS
from kiosk.decoding import Decoder, RepeatFilter
from kiosk.frames import DemoSource
from kiosk.frames.demo import VISIT

pytestmark = pytest.mark.slow  # renders and decodes whole rounds of demo camera frames


@pytest.fixture(scope="module")
def demo():
    return DemoSource(seed=7, realtime=False)


@pytest.fixture(scope="module")
def round_of_visits(demo):
    """Every third frame of one round of visitors, decoded: (index, text shown, texts read)."""
    decoder = Decoder()
    seen = []
    for index in range(0, demo.frames_per_round, 3):
        seen.append((index, demo.showing(index), [d.text for d in decoder.decode(demo.render(index))]))
    return seen


def test_every_sample_format_is_shown_and_read_from_the_pixels(round_of_visits, demo):
    read = {text for _, shown, texts in round_of_visits for text in texts if text == shown}
    formats_read = {credentials.parse(text).format for text in read}
    assert formats_read == {sample.format for sample in SAMPLE_PAYLOADS} | {"dcc", "hd1", "badge"}
    assert read == set(demo.texts)


def test_most_frames_that_show_a_code_are_readable_and_empty_frames_read_nothing(round_of_visits):
    showing = [(shown, texts) for _, shown, texts in round_of_visits if shown is not None]
    readable = sum(shown in texts for shown, texts in showing)
    assert readable / len(showing) > 0.6          # the rest: the phone coming up or going down
    assert all(texts == [] for _, shown, texts in round_of_visits if shown is None)
    assert all(set(texts) <= {shown} for shown, texts in showing)


def test_each_visit_gives_one_reading_through_the_repeat_filter(demo):
    decoder, repeats = Decoder(), RepeatFilter(forget_after=0.5)
    readings = []
    for index in range(4 * VISIT):
        fresh = repeats.new_readings(decoder.decode(demo.render(index)), now=index / 15)
        readings += [d.text for d in fresh]
    assert readings == [demo.showing(visit * VISIT + 10) for visit in range(4)]


def test_the_same_seed_shows_the_same_pictures(demo):
    same, other = DemoSource(seed=7, realtime=False), DemoSource(seed=2, realtime=False)
    for index in (0, 12, 200):
        assert np.array_equal(demo.render(index), same.render(index))
    assert not np.array_equal(demo.render(12), other.render(12))
    assert demo.render(12).shape == (720, 1280, 3)


def test_frames_come_in_order_with_their_own_pixels():
    demo = DemoSource(realtime=False)
    first, second = demo.read(), demo.read()
    assert (first.index, second.index) == (0, 1)
    first.image[:] = 0                       # a consumer scribbling on a frame does not touch the next
    assert demo.read().image.any()


def test_a_code_as_large_as_a_signed_certificate_is_readable_in_the_demo():
    """EU certificates run to 500-650 characters (QR version 13-15): held up like the others, read."""
    rng = np.random.default_rng(0)
    alphabet = list("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")     # Base45's
    certificate = "HC1:" + "".join(rng.choice(alphabet, 650))
    demo = DemoSource(texts=(certificate,), realtime=False)
    decoder = Decoder()
    read = [index for index in range(0, VISIT, 2)
            if [d.text for d in decoder.decode(demo.render(index))] == [certificate]]
    assert len(read) >= 8
