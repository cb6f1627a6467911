"""A door-realistic evaluation set for the decoder, generated on the fly from a seed (nothing committed).

    python bench/door_set.py --out /tmp/door-set [--seed 0] [--per-condition 6]   # write stills to look at

Every sample payload the kiosk knows (kiosk.credentials examples and signed examples: national QR, chip ID
card, health insurance, EU DCC, signed declaration, other codes; QR error correction M) is shown at the
door as a camera would see it: a grayscale 1280x720 frame of the demo camera's entrance, the code at door
distance (modules 2.2-6 px), turned (±25°) and tilted (each corner moved up to 8% of the side), out of
focus (Gaussian sigma 0-0.8), with motion blur (0-5 px, any direction), exposure (gain 0.85-1.15) and
sensor noise (sigma 3.5). On top of that, one condition per still:

phone-glare-band    phone screen under a ceiling tube: a flat-topped band across the code, clipped white
                    in its middle (120-260 grey levels added, 12-35% of the code's side wide)
phone-bright-spot   phone screen under a lamp or the sun: a round spot clipped white in its middle
                    (radius 10-22% of the side, 160-320 levels added)
phone-moire         the screen's pixel grid: stripes of period 2.6-4.4 render pixels (a module is 8),
                    25-50% deep, at any angle, beating with the camera's grid once warped to door distance
phone-dark-mode     a dark-mode app: light modules on a dark screen (half of them), or a dim code
                    (dark 10-25, light 90-150)
phone-brightness    the screen's brightness: dim (35-60 levels of contrast) or glowing (white clipped,
                    dark modules at 190-240)
paper-crease        a printed code folded once or twice: a shadow step (x0.65-0.9) and a dark line along
                    each fold, the two sides shifted by up to 0.6 module
paper-curve         a printout held bent: cylindrical curvature, sag 4-12% of the code's side
paper-ink-loss      a worn or low-toner print: 3-8 blotches (1/40-1/10 of the side) where dark modules fade
                    by 50-90%
paper-thumb         a thumb (an ellipse 18-28% of the side long, grey 120-175) over one edge of the code
card-laminate-glare a laminated card with a small code (modules 2.2-3.5 px): a broad band of sheen,
                    35-60% of the side wide, 90-200 levels added
card-small-modules  a card's small code at door distance: modules 1.8-2.6 px

`visits()` makes 30 fps clips: the code comes into view from below in 6-10 frames (motion blur along the
move, up to 25 px), is held for 2 s with a little hand shake (1 px, and blur changing from frame to
frame) while a glare band or spot (120-280 levels) drifts across it by 0.8-1.6 of its side (always for
conditions with their own light, two visits in three otherwise) and the exposure steps by ±12% every
0.3 s. Each visit uses one of the conditions above, in turn. `enters_at` is the first frame in which the
whole code is inside the frame: the bench measures the time to verdict from there.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.credentials.examples import SAMPLE_PAYLOADS  # noqa: E402
from kiosk.credentials.signed_examples import signed_samples  # noqa: E402
from kiosk.frames.demo import DemoSource, code_picture  # noqa: E402

SIZE = (1280, 720)
RENDER_MODULE = 8            # modules are drawn this big, then warped down to door distance
FPS = 30
COMING = (6, 10)             # frames a visit takes to come into view
HOLDING = 60                 # frames it is held (2 s)
SIGNED_AT = datetime(2021, 10, 1, 8, 0, tzinfo=timezone.utc)   # the signed samples' issue time: fixed, so
                                                                # each seed gives the same codes every run

Rng = np.random.Generator


def texts() -> tuple[str, ...]:
    """The payloads shown: one of every sample of every format."""
    return tuple(sample.text for sample in SAMPLE_PAYLOADS + signed_samples(SIGNED_AT))


@dataclass(frozen=True)
class Look:
    """How a code is seen in one still: the picture of its surface (grayscale, code drawn with
    RENDER_MODULE-pixel modules and a 4-module quiet zone), where it lands in the frame, and the light."""

    surface: np.ndarray
    corners: np.ndarray          # 4x2, frame pixels: where the surface's corners land
    light: Callable[[np.ndarray, np.ndarray], None] | None   # adds glare in frame space (image, corners)
    motion: tuple[float, float]  # motion blur length (px) and angle (degrees)
    focus: float                 # Gaussian sigma
    gain: float                  # camera exposure


@dataclass(frozen=True)
class Still:
    condition: str
    text: str
    image: np.ndarray            # grayscale, 1280x720


@dataclass(frozen=True)
class VisitClip:
    condition: str
    text: str
    frames: list[np.ndarray]     # grayscale, 30 fps
    enters_at: int               # first frame with the whole code inside the frame
    surface: np.ndarray          # the code as printed or shown, before the camera (RENDER_MODULE px modules)


# --- surfaces: the code as printed or shown, before the camera -------------------------------------

def plain(text: str, dark: int = 25, light: int = 240) -> np.ndarray:
    picture = code_picture(text, module_pixels=RENDER_MODULE).astype(np.float32)
    return (dark + (picture - 20) / (245 - 20) * (light - dark)).astype(np.float32)


def phone_surface(text: str, rng: Rng) -> np.ndarray:
    return plain(text, dark=int(rng.integers(15, 40)), light=int(rng.integers(225, 250)))


def moire_surface(text: str, rng: Rng) -> np.ndarray:
    """Screen pixels (period 2.6-4.4 render pixels, dark gaps between them) over the code; the warp to door
    distance then resamples them without smoothing, and they beat with the camera's grid."""
    code = phone_surface(text, rng)
    period = float(rng.uniform(2.6, 4.4))
    ys, xs = np.mgrid[0:code.shape[0], 0:code.shape[1]].astype(np.float32)
    turn = float(rng.uniform(0, np.pi))
    phase = (xs * np.cos(turn) + ys * np.sin(turn)) / period * 2 * np.pi
    depth = float(rng.uniform(0.25, 0.5))
    return code * (1 - depth * (0.5 + 0.5 * np.cos(phase)))


def dark_mode_surface(text: str, rng: Rng) -> np.ndarray:
    if rng.random() < 0.5:       # light modules on a dark screen
        return 255 - plain(text, dark=int(rng.integers(20, 60)), light=int(rng.integers(200, 235)))
    return plain(text, dark=int(rng.integers(10, 25)), light=int(rng.integers(90, 150)))


def brightness_surface(text: str, rng: Rng) -> np.ndarray:
    if rng.random() < 0.5:       # dim screen
        dark = int(rng.integers(20, 50))
        return plain(text, dark=dark, light=dark + int(rng.integers(35, 60)))
    return plain(text, dark=int(rng.integers(150, 190)), light=255) * 1.25   # glowing: white clips


def paper_surface(text: str, rng: Rng) -> np.ndarray:
    return plain(text, dark=int(rng.integers(35, 75)), light=int(rng.integers(200, 235)))


def creased_surface(text: str, rng: Rng) -> np.ndarray:
    picture = paper_surface(text, rng)
    height, width = picture.shape
    for _ in range(int(rng.integers(1, 3))):
        vertical = rng.random() < 0.5
        where = float(rng.uniform(0.3, 0.7)) * (width if vertical else height)
        ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
        across = (xs if vertical else ys) - where + float(rng.uniform(-0.15, 0.15)) * ((ys if vertical else xs) - height / 2)
        shift = float(rng.uniform(-0.6, 0.6)) * RENDER_MODULE
        map_x = (xs + (shift if vertical else 0) * (across > 0)).astype(np.float32)
        map_y = (ys + (0 if vertical else shift) * (across > 0)).astype(np.float32)
        picture = cv2.remap(picture, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        shadow = np.where(across > 0, float(rng.uniform(0.65, 0.9)), 1.0)
        line = 1 - float(rng.uniform(0.3, 0.6)) * np.exp(-(across / 2.5) ** 2)
        picture = picture * shadow * line
    return picture


def curved_surface(text: str, rng: Rng) -> np.ndarray:
    picture = paper_surface(text, rng)
    height, width = picture.shape
    sag = float(rng.uniform(0.04, 0.12)) * height
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    bend = sag * (1 - ((xs - width / 2) / (width / 2)) ** 2)
    squeeze = xs + (xs - width / 2) * 0.08 * ((xs - width / 2) / (width / 2)) ** 2
    return cv2.remap(picture, squeeze.astype(np.float32), (ys - bend + sag / 2).astype(np.float32), cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def ink_loss_surface(text: str, rng: Rng) -> np.ndarray:
    picture = paper_surface(text, rng)
    height, width = picture.shape
    worn = np.zeros((height, width), np.float32)
    for _ in range(int(rng.integers(3, 9))):
        centre = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        axes = (int(rng.integers(width // 30, width // 10)), int(rng.integers(width // 40, width // 12)))
        cv2.ellipse(worn, centre, axes, float(rng.uniform(0, 180)), 0, 360, float(rng.uniform(0.5, 0.9)), -1)
    worn = cv2.GaussianBlur(worn, (0, 0), RENDER_MODULE / 2)
    return picture + (picture.max() - picture) * worn


def thumb_surface(text: str, rng: Rng) -> np.ndarray:
    picture = paper_surface(text, rng)
    height, width = picture.shape
    side = int(rng.integers(0, 4))
    along = float(rng.uniform(0.3, 0.7))
    centre = [(along * width, -0.02 * height), (1.02 * width, along * height),
              (along * width, 1.02 * height), (-0.02 * width, along * height)][side]
    length = float(rng.uniform(0.18, 0.28)) * width
    thumb = np.zeros((height, width), np.float32)
    cv2.ellipse(thumb, (int(centre[0]), int(centre[1])), (int(length * 0.55), int(length)),
                float(90 * (side % 2) + rng.uniform(-25, 25)), 0, 360, 1.0, -1)
    thumb = cv2.GaussianBlur(thumb, (0, 0), 3)
    skin = float(rng.uniform(120, 175))
    return picture * (1 - thumb) + skin * thumb


def card_surface(text: str, rng: Rng) -> np.ndarray:
    return plain(text, dark=int(rng.integers(30, 60)), light=int(rng.integers(190, 225)))


# --- light in frame space ----------------------------------------------------------------------------

def glare_band(strength: float, width: float, position: float, turn: float) -> Callable:
    """A soft band across the code, `width` and `position` in fractions of its side."""
    def add(image: np.ndarray, corners: np.ndarray) -> None:
        side = float(np.linalg.norm(corners[1] - corners[0]))
        centre = corners.mean(axis=0)
        direction = np.array([np.cos(turn), np.sin(turn)])
        (x0, y0), (ys, xs) = _around(image, corners)
        across = (xs + x0 - centre[0]) * direction[0] + (ys + y0 - centre[1]) * direction[1] - (position - 0.5) * side
        band = strength * np.exp(-(across / (width * side / 2)) ** 4)
        image[y0:y0 + band.shape[0], x0:x0 + band.shape[1]] += band
    return add


def bright_spot(strength: float, radius: float, where: tuple[float, float]) -> Callable:
    def add(image: np.ndarray, corners: np.ndarray) -> None:
        side = float(np.linalg.norm(corners[1] - corners[0]))
        top_left, top_right, _, bottom_left = corners
        x, y = top_left + (top_right - top_left) * where[0] + (bottom_left - top_left) * where[1]
        (x0, y0), (ys, xs) = _around(image, corners)
        distance = np.hypot(xs + x0 - x, ys + y0 - y) / (radius * side)
        image[y0:y0 + ys.shape[0], x0:x0 + ys.shape[1]] += strength * np.exp(-distance ** 3)
    return add


def _around(image: np.ndarray, corners: np.ndarray) -> tuple[tuple[int, int], np.ndarray]:
    """The code's surroundings (where glare matters): their top-left and a pixel grid over them."""
    margin = float(np.linalg.norm(corners[1] - corners[0])) * 0.3
    x0, y0 = np.clip(corners.min(axis=0) - margin, 0, None).astype(int)
    x1, y1 = np.minimum(corners.max(axis=0) + margin, (image.shape[1], image.shape[0])).astype(int)
    return (int(x0), int(y0)), np.mgrid[0:max(y1 - y0, 0), 0:max(x1 - x0, 0)].astype(np.float32)


def random_band(rng: Rng, strength=(120, 260), width=(0.12, 0.35)) -> Callable:
    return glare_band(float(rng.uniform(*strength)), float(rng.uniform(*width)), float(rng.uniform(0.2, 0.8)),
                      float(rng.uniform(0, np.pi)))


def random_spot(rng: Rng, strength=(160, 320), radius=(0.10, 0.22)) -> Callable:
    return bright_spot(float(rng.uniform(*strength)), float(rng.uniform(*radius)),
                       (float(rng.uniform(0.15, 0.85)), float(rng.uniform(0.15, 0.85))))


# --- conditions --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Condition:
    surface: Callable[[str, Rng], np.ndarray]
    light: Callable[[Rng], Callable | None] = lambda rng: None
    module: tuple[float, float] = (2.2, 6.0)    # module size in frame pixels


CONDITIONS: dict[str, Condition] = {
    "phone-glare-band": Condition(phone_surface, random_band),
    "phone-bright-spot": Condition(phone_surface, random_spot),
    "phone-moire": Condition(moire_surface),
    "phone-dark-mode": Condition(dark_mode_surface),
    "phone-brightness": Condition(brightness_surface),
    "paper-crease": Condition(creased_surface),
    "paper-curve": Condition(curved_surface),
    "paper-ink-loss": Condition(ink_loss_surface),
    "paper-thumb": Condition(thumb_surface),
    "card-laminate-glare": Condition(card_surface, lambda rng: random_band(rng, (90, 200), (0.35, 0.6)),
                                     module=(2.2, 3.5)),
    "card-small-modules": Condition(card_surface, module=(1.8, 2.6)),
}


def look(condition: Condition, text: str, rng: Rng) -> Look:
    surface = condition.surface(text, rng)
    module = float(rng.uniform(*condition.module))
    side = surface.shape[1] / RENDER_MODULE * module
    centre = np.array([rng.uniform(0.3, 0.7) * SIZE[0], rng.uniform(0.35, 0.65) * SIZE[1]])
    return Look(surface, _quad(centre, side, float(rng.uniform(-25, 25)), rng.uniform(-0.08, 0.08, 8)),
                condition.light(rng), (float(rng.uniform(0, 5)), float(rng.uniform(0, 180))),
                float(rng.uniform(0, 0.8)), float(rng.uniform(0.85, 1.15)))


def _quad(centre: np.ndarray, side: float, angle: float, skew: np.ndarray) -> np.ndarray:
    offsets = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5]]) * side + skew.reshape(4, 2) * side
    turn = np.deg2rad(angle)
    rotation = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
    return (offsets @ rotation.T + centre).astype(np.float32)


def compose(scene: np.ndarray, seen: Look, noise: np.ndarray) -> np.ndarray:
    """The code's surface warped into the scene, lit, blurred and exposed like a webcam frame."""
    height, width = seen.surface.shape
    source = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    warp = cv2.getPerspectiveTransform(source, seen.corners)
    image = scene.astype(np.float32)
    cv2.warpPerspective(seen.surface.astype(np.float32), warp, SIZE, dst=image, flags=cv2.INTER_AREA, borderMode=cv2.BORDER_TRANSPARENT)
    if seen.light is not None:
        seen.light(image, seen.corners)
    image = np.minimum(image, 255)                     # the screen or the sensor clips the glare
    length, angle = seen.motion
    if length >= 1:
        image = cv2.filter2D(image, -1, _motion_kernel(length, angle))
    if seen.focus > 0.3:
        image = cv2.GaussianBlur(image, (0, 0), seen.focus)
    image = image * seen.gain + noise
    return np.clip(image, 0, 255).astype(np.uint8)


def _motion_kernel(length: float, angle: float) -> np.ndarray:
    size = int(np.ceil(length)) | 1
    kernel = np.zeros((size, size), np.float32)
    middle = size // 2
    dx, dy = np.cos(np.deg2rad(angle)) * length / 2, np.sin(np.deg2rad(angle)) * length / 2
    cv2.line(kernel, (int(round(middle - dx)), int(round(middle - dy))),
             (int(round(middle + dx)), int(round(middle + dy))), 1.0, 1, cv2.LINE_AA)
    return kernel / kernel.sum()


class Door:
    """The scene and sensor noise, made once per seed."""

    def __init__(self, seed: int) -> None:
        demo = DemoSource(seed=seed, texts=("-",), realtime=False)
        self.scene = cv2.cvtColor(demo.empty_view(), cv2.COLOR_BGR2GRAY)
        rng = np.random.default_rng((seed, 1))
        self._noise = rng.normal(0, 3.5, (SIZE[1] + 64, SIZE[0] + 64)).astype(np.float32)

    def noise(self, index: int) -> np.ndarray:
        dx, dy = (index * 7919) % 64, (index * 104729) % 64
        return self._noise[dy:dy + SIZE[1], dx:dx + SIZE[0]]


def stills(seed: int = 0, per_condition: int = 30) -> Iterator[Still]:
    """`per_condition` stills of each condition, the payloads in turn; the same for the same seed."""
    door = Door(seed)
    payloads = texts()
    for number, (name, condition) in enumerate(CONDITIONS.items()):
        for index in range(per_condition):
            rng = np.random.default_rng((seed, number, index))
            text = payloads[(index + number) % len(payloads)]
            yield Still(name, text, compose(door.scene, look(condition, text, rng), door.noise(index)))


def visits(seed: int = 0, count: int = 110) -> Iterator[VisitClip]:
    """`count` visits, the conditions in turn, each under a glare that moves and an exposure that steps."""
    door = Door(seed)
    payloads = texts()
    names = list(CONDITIONS)
    for index in range(count):
        rng = np.random.default_rng((seed, 1000, index))
        name = names[index % len(names)]
        text = payloads[index % len(payloads)]
        held = look(CONDITIONS[name], text, rng)
        yield VisitClip(name, text, *_visit_frames(door, held, rng, index), held.surface)


def _visit_frames(door: Door, held: Look, rng: Rng, index: int) -> tuple[list[np.ndarray], int]:
    coming = int(rng.integers(*COMING))
    start = held.corners + np.array([0, SIZE[1] - held.corners[:, 1].min() + 10], dtype=np.float32)
    sweep = _sweep(held, rng)
    frames, enters_at = [], None
    for step in range(coming + HOLDING):
        progress = min(step / coming, 1.0)
        eased = 1 - (1 - progress) ** 2
        shake = rng.normal(0, 1.0, 2).astype(np.float32)
        corners = start + (held.corners - start) * eased + shake
        if progress < 1:             # moving fast: blur along the move
            speed = float(np.linalg.norm((held.corners - start)[0])) * 2 * (1 - progress) / coming
            moving = (max(held.motion[0], min(speed * 0.5, 25.0)), 90.0)
        else:                        # held: the hand's shake blurs each frame differently
            moving = (float(rng.uniform(0, held.motion[0] + 1)), float(rng.uniform(0, 180)))
        gain = held.gain * (1 + 0.12 * np.sign(np.sin(step / 9)))           # auto-exposure steps
        seen = Look(held.surface, corners, sweep(step / (coming + HOLDING)), moving, held.focus, gain)
        frames.append(compose(door.scene, seen, door.noise(index * 100 + step)))
        if enters_at is None and _inside(corners):
            enters_at = step
    return frames, enters_at if enters_at is not None else coming


def _sweep(held: Look, rng: Rng) -> Callable[[float], Callable | None]:
    """The visit's glare at each moment: a band or a spot (always one where the condition has light,
    else in two visits of three) crossing the code as the hand turns: it starts on the code or beside
    it and drifts across by 0.8-1.6 of the code's side during the visit."""
    kinds = ("band", "spot") if held.light is not None else ("band", "spot", None)
    kind = kinds[int(rng.integers(0, len(kinds)))]
    strength = float(rng.uniform(120, 280))
    turn = float(rng.uniform(0, np.pi))
    start = float(rng.uniform(-0.3, 1.3))
    end = start + float(rng.uniform(0.8, 1.6)) * (1 if start < 0.5 else -1)
    other = float(rng.uniform(0.2, 0.8))

    def at(moment: float) -> Callable | None:
        where = start + (end - start) * moment
        if kind == "band":
            return glare_band(strength, 0.25, where, turn)
        if kind == "spot":
            return bright_spot(strength, 0.16, (where, other))
        return None
    return at


def _inside(corners: np.ndarray) -> bool:
    return bool((corners >= 0).all() and (corners[:, 0] < SIZE[0]).all() and (corners[:, 1] < SIZE[1]).all())


def main() -> None:
    parser = argparse.ArgumentParser(description="Write the door evaluation set's stills as PNG files.")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-condition", type=int, default=6)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for still in stills(args.seed, args.per_condition):
        counts[still.condition] = counts.get(still.condition, 0) + 1
        cv2.imwrite(str(args.out / f"{still.condition}-{counts[still.condition]:02d}.png"), still.image)
    print(f"{sum(counts.values())} stills in {args.out}")


if __name__ == "__main__":
    main()
