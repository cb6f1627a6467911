"""The scanning loop feeds the door's per-visit figure: a code that comes into view and is read counts
as one visit read, with the time from first sight to the verdict."""

import threading
import time

import cv2
import numpy as np

from kiosk.frames import open_source
from kiosk.frames.demo import code_picture
from kiosk.pipeline import ScanLoop, Scanned, VisitsChanged
from kiosk.settings import Settings
from kiosk.station import Station
from kiosk.store import Store

VISITOR = "001099012345|NGUYEN VAN AN|1990-01-31|0|162900000000000001|<1<HS4010000000001<0912345678"


def test_a_visitor_read_by_the_camera_counts_as_one_visit_read(tmp_path):
    frames = tmp_path / "frames"
    frames.mkdir()
    empty = np.full((720, 1280), 180, np.uint8)
    with_code = empty.copy()
    picture = code_picture(VISITOR, module_pixels=5)
    with_code[100:100 + picture.shape[0], 300:300 + picture.shape[1]] = picture
    for n, image in enumerate((empty, with_code, with_code, empty)):
        cv2.imwrite(str(frames / f"{n:02d}.png"), image)
    with Store.open(tmp_path / "entries.sqlite3") as store:
        loop = ScanLoop(open_source(str(frames), realtime=False, repeat=1),
                        Station(Settings(station_name="Cổng A"), store))
        assert loop.visit_timing.figures().visits == 0
        started = time.monotonic()
        events = list(loop.run(threading.Event(), max_frames=4))
        spent_ms = (time.monotonic() - started) * 1000
    assert sum(isinstance(event, Scanned) for event in events) == 1
    figures = loop.visit_timing.figures()
    assert (figures.visits, figures.read, figures.share_read) == (1, 1, 1.0)
    assert 0 <= figures.median_ms_to_verdict <= spent_ms
    # The loop says so as the verdict comes, for the door's status bar.
    assert [event.figures for event in events if isinstance(event, VisitsChanged)] == [figures]
