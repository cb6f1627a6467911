"""A scripted day of made-up visitors at a hospital's entrance and exit, shared by the privacy tests."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import cv2
import numpy as np
import qrcode

from disk_search import MO
from kiosk.credentials.examples import AN, BINH, CUONG, SAMPLE_PAYLOADS, cccd_payload, vnqr_payload
from kiosk.credentials.signed_examples import signed_samples
from kiosk.entry import Entry, Source
from kiosk.frames import open_source
from kiosk.pipeline import ScanLoop, Scanned
from kiosk.station import Station


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=6)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


def qr_image(text: str) -> np.ndarray:
    picture = np.array(qrcode.make(text, box_size=8, border=4).convert("L"))
    canvas = np.full((720, 1280), 200, np.uint8)
    canvas[60:60 + picture.shape[0], 300:300 + picture.shape[1]] = picture
    return cv2.cvtColor(canvas, cv2.COLOR_GRAY2BGR)


def scripted_day(entrance: Station, exit_door: Station, clock: Clock, frames: Path) -> list[Entry]:
    """The door entries (clear, as decided) of a day at the hospital's entrance and exit: every format from
    the handheld scanner and the camera, two codes shown as camera images, a guard's manual entry, two
    visitors leaving by the exit door. Stations built on `clock`, the entrance without de-duplication."""
    results = []
    samples = SAMPLE_PAYLOADS + signed_samples(clock.now)
    for n, sample in enumerate(samples):  # every format, from the handheld scanner and typed into it
        results.append(entrance.check_text(sample.text, Source.SCANNER if n % 2 else Source.CAMERA))
        clock.advance(3)
    for n, text in enumerate((vnqr_payload(CUONG), cccd_payload(BINH, extra_fields=2))):  # the camera
        cv2.imwrite(str(frames / f"{n:02d}.png"), qr_image(text))
    loop = ScanLoop(open_source(str(frames), realtime=False, repeat=1), entrance)
    seen = [event.result for event in loop.run(threading.Event(), max_frames=2) if isinstance(event, Scanned)]
    assert [result.entry.format for result in seen] == ["vn-qr", "cccd"]
    results += seen
    clock.advance(5)
    results.append(entrance.check_manual(MO.full_name, "0912 000 111", MO.numbers[0], "giao hàng"))
    clock.advance(40)
    for text in (vnqr_payload(AN), vnqr_payload(CUONG)):
        results.append(exit_door.check_text(text))
        clock.advance(1)
    entries = [result.entry for result in results if result.entry is not None]
    assert {entry.format for entry in entries} >= {"vn-qr", "cccd", "bhyt", "hd1", "dcc", "manual", "url"}
    assert {entry.source for entry in entries} == set(Source)
    return entries
