"""A camera's decoder spends its dearer looks on frames in which something has come into view."""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

from kiosk.decoding import Decoder
from kiosk.decoding.decoder import CAMERA_TURNS
from kiosk.decoding.view_change import ViewChange
from kiosk.frames.demo import DemoSource
from tests.test_decode import CCCD, frame_with, small_light_on_dark_code


@lru_cache(maxsize=1)
def empty_entrance() -> np.ndarray:
    frame = DemoSource(seed=1, realtime=False).empty_view()
    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY).astype(np.float32)


def entrance(noise_seed: int, gain: float = 1.0) -> np.ndarray:
    """The demo camera's empty entrance as a webcam sees it: fresh sensor noise in every frame, and
    the exposure of the moment."""
    scene = empty_entrance()
    noise = np.random.default_rng(noise_seed).normal(0, 3.5, scene.shape)
    return np.clip(scene * gain + noise, 0, 255).astype(np.uint8)


def test_an_empty_door_with_sensor_noise_and_exposure_steps_is_not_a_change():
    view = ViewChange()
    frames = [entrance(n, gain=1 + 0.12 * np.sign(np.sin(n / 9))) for n in range(60)]
    assert not any(view.changed(frame) for frame in frames)


def test_a_visitor_coming_into_view_is_a_change_until_they_have_stood_still_for_a_second():
    view = ViewChange()
    for n in range(5):
        view.changed(entrance(n))
    visitor = [entrance(100 + n) for n in range(60)]
    for frame in visitor:
        cv2.rectangle(frame, (500, 200), (700, 560), 40, -1)      # a dark coat, standing still
    changes = [view.changed(frame) for frame in visitor]
    assert changes[0]
    assert not any(changes[30:])                                  # settled within a second at 30 fps


def test_a_camera_that_changes_resolution_starts_a_new_settled_view():
    view = ViewChange()
    view.changed(entrance(0))
    assert not view.changed(cv2.resize(entrance(1), (1920, 1080)))


def test_a_small_dark_mode_code_held_up_is_read_in_the_first_frame_it_is_in():
    """Without the change, the frame would get the half-size look its turn gives it, which is too
    coarse for this code: it would wait for the inverted look's turn."""
    decoder = Decoder(one_look_per_frame=True)
    empty = frame_with()                                 # the same scene, without the code
    for _ in range(3):                                   # the turns so far: half-size, half-size, inverted
        assert decoder.decode(empty) == []
    assert CAMERA_TURNS[3].__name__ == "_half_size_look"
    assert [d.text for d in decoder.decode(small_light_on_dark_code())] == [CCCD]
