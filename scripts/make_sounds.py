"""Write the door's verdict sounds (resources/sounds/*.wav): one distinct, short pattern per verdict.

Run: python scripts/make_sounds.py [FOLDER]  (default resources/sounds; the WAV files are small and kept
in the repository).
Admit: two rising notes. Warn: two equal middle notes. Refuse: a long low buzz. Already checked in:
three short high blips. Distinct in rhythm as well as pitch, so they are told apart in a noisy hall.
"""

from __future__ import annotations

import math
import struct
import sys
import wave
from pathlib import Path

RATE = 22050
OUT = Path(__file__).resolve().parent.parent / "resources" / "sounds"

# (frequency Hz or 0 for silence, seconds, waveform)
PATTERNS: dict[str, list[tuple[float, float, str]]] = {
    "admit": [(880, 0.12, "sine"), (0, 0.03, "sine"), (1318.5, 0.18, "sine")],
    "warn": [(660, 0.16, "sine"), (0, 0.08, "sine"), (660, 0.16, "sine")],
    "refuse": [(196, 0.55, "square")],
    "repeat": [(1046.5, 0.07, "sine"), (0, 0.05, "sine")] * 2 + [(1046.5, 0.07, "sine")],
}


def samples(freq: float, seconds: float, shape: str) -> list[int]:
    count = int(RATE * seconds)
    fade = int(RATE * 0.01)  # 10 ms ramps: no clicks at the edges
    out = []
    for i in range(count):
        if freq == 0:
            out.append(0)
            continue
        phase = math.sin(2 * math.pi * freq * i / RATE)
        value = phase if shape == "sine" else (1.0 if phase >= 0 else -1.0) * 0.6
        envelope = min(1.0, i / fade, (count - i) / fade) if fade else 1.0
        out.append(int(value * envelope * 0.7 * 32767))
    return out


def write(name: str, pattern: list[tuple[float, float, str]], out: Path = OUT) -> Path:
    data: list[int] = []
    for freq, seconds, shape in pattern:
        data.extend(samples(freq, seconds, shape))
    path = out / f"{name}.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(struct.pack(f"<{len(data)}h", *data))
    return path


def main(out: Path = OUT) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, pattern in PATTERNS.items():
        print(write(name, pattern, out))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
