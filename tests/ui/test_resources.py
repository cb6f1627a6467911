"""The files the window needs: one distinct sound per verdict, an icon for every look, reproducible sounds."""

import hashlib
import subprocess
import sys
import wave
from pathlib import Path

from kiosk.door_screen import LOOKS
from ui.resource_paths import icon_path, sound_path

ROOT = Path(__file__).resolve().parents[2]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_verdict_has_its_own_sound_and_every_look_an_icon():
    sounds = {look.sound for look in LOOKS if look.sound}
    assert sounds == {"admit", "warn", "refuse", "repeat"}
    assert len({digest(sound_path(name)) for name in sounds}) == len(sounds)
    for name in sounds:
        with wave.open(str(sound_path(name))) as wav:
            assert 0.1 < wav.getnframes() / wav.getframerate() < 1.0  # short enough for a queue
    assert all(icon_path(look.icon).is_file() for look in LOOKS)


def test_the_committed_sounds_are_what_the_script_makes(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_sounds.py"), str(tmp_path)], check=True,
                   capture_output=True)
    for made in tmp_path.glob("*.wav"):
        assert digest(made) == digest(sound_path(made.stem)), made.name
