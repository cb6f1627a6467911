"""Images and folders of images as a camera, and how `open_source` reads the camera setting."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from kiosk.decoding import Decoder
from kiosk.frames import DemoSource, FrameSourceError, ImageSource, SourceStatus, open_source
from kiosk.frames.demo import code_picture

VISITORS = [
    "001090012345|012345678|Nguyễn Văn An|31011990|Nam|Phường Láng Hạ, Quận Đống Đa, Hà Nội|15042021",
    "079185001234||Trần Thị Bình|04071985|Nữ|Phường Bến Nghé, Quận 1, TP Hồ Chí Minh|09032022",
    "https://example.com/khuyen-mai?id=42",
]


def save(path, text: str) -> None:
    ok, data = cv2.imencode(path.suffix, code_picture(text, module_pixels=4))
    assert ok
    path.write_bytes(data.tobytes())


@pytest.fixture
def folder(tmp_path):
    """Three visitors' codes, named so that name order is not creation order, in a Vietnamese folder."""
    folder = tmp_path / "ảnh mã QR"
    folder.mkdir()
    for name, text in zip(["c.png", "a.jpg", "b.png"], VISITORS):
        save(folder / name, text)
    (folder / "readme.txt").write_text("not an image")
    return folder


def read_all(source) -> list:
    frames = []
    while (frame := source.read()) is not None:
        frames.append(frame)
    return frames


def test_a_folder_shows_each_image_in_name_order_for_the_chosen_number_of_frames(folder):
    source = open_source(str(folder), repeat=4)
    frames = read_all(source)
    decoder = Decoder()
    texts = [[d.text for d in decoder.decode(frame.image)] for frame in frames]
    # a.jpg holds the second visitor, b.png the third, c.png the first
    assert texts == [[VISITORS[1]]] * 4 + [[VISITORS[2]]] * 4 + [[VISITORS[0]]] * 4
    assert [f.index for f in frames] == list(range(12))
    assert source.status is SourceStatus.ENDED


def test_a_single_image_stays_in_view_then_ends(tmp_path):
    path = tmp_path / "visitor.png"
    save(path, VISITORS[0])
    frames = read_all(open_source(str(path), repeat=3))
    assert len(frames) == 3
    assert Decoder().decode(frames[2].image)[0].text == VISITORS[0]


def test_images_can_be_paced_to_real_time(folder):
    now = [0.0]
    source = ImageSource.from_folder(folder, repeat=2, realtime=True, fps=10,
                                     clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    times = [frame.captured_at for frame in read_all(source)]
    assert np.diff(times) == pytest.approx([0.1] * 5)


def test_a_bad_image_is_named(tmp_path):
    folder = tmp_path / "codes"
    folder.mkdir()
    (folder / "a.png").write_bytes(b"\x89PNG but not really")
    with pytest.raises(FrameSourceError, match="Cannot read .*a.png as an image"):
        open_source(str(folder))


def test_a_bad_image_later_in_the_folder_stops_the_reading_with_its_name(folder):
    (folder / "d.png").write_bytes(b"garbage")
    source = open_source(str(folder), repeat=1)
    with pytest.raises(FrameSourceError, match="d.png"):
        read_all(source)


def test_a_folder_without_images_is_explained(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(FrameSourceError, match="holds no images"):
        open_source(str(tmp_path))


@pytest.mark.parametrize("spec, message", [
    ("", "No camera chosen"),
    ("webcam", "No camera, file or folder named 'webcam': use camera:0"),
    ("camera:", "No camera named"),
])
def test_settings_that_name_no_source_are_explained(spec, message):
    with pytest.raises(FrameSourceError, match=message):
        open_source(spec)


def test_demo_is_a_source_that_never_ends():
    source = open_source("demo", realtime=False)
    assert isinstance(source, DemoSource)
    assert all(source.read() is not None for _ in range(3))
    assert source.status is SourceStatus.LIVE
    source.close()
    assert source.status is SourceStatus.ENDED and source.read() is None
