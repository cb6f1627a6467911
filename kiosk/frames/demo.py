"""A synthetic camera: made-up visitors hold up phones showing sample codes of every format.

The signed samples verify only against `signed_examples.demo_trust()`, which only demo mode trusts
(`kiosk run --demo`); at a real door they are refused as signed with a public key.

For rehearsing without a webcam and for the pipeline benchmark. 1280x720 at 15 frames per second,
the same pictures for the same seed. Each visit: the phone comes up (motion blur), is held for about
1.5 s (tilted, slightly out of focus, sometimes with glare), goes down; then the scene is empty for a
moment. All codes are rendered once at start; a frame only composes (one perspective warp of the
phone, blur on its region, sensor noise over the frame), a few milliseconds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import cv2
import numpy as np
import qrcode

from kiosk.credentials.examples import SAMPLE_PAYLOADS
from kiosk.credentials.signed_examples import signed_samples
from kiosk.frames.base import DEFAULT_FPS, Clock, Frame, FrameSource, Pacer, Sleep, SourceStatus

SIZE = (1280, 720)
MODULE_PIXELS = 5          # a phone screen's code, before the visitor's distance scales it
COMING, HOLDING, GOING, EMPTY = 5, 24, 5, 12      # frames of each phase of a visit
VISIT = COMING + HOLDING + GOING + EMPTY
NOISE_MARGIN = 64         # the sensor-noise pattern is shifted by up to this much from frame to frame


@dataclass(frozen=True)
class Visit:
    """How one visitor holds their phone: where, how big, how tilted, with how much glare and blur."""

    text: str
    centre: tuple[float, float]
    side: float               # the phone's width on screen, pixels
    angle: float              # degrees
    skew: tuple[float, ...]   # eight corner offsets, fractions of the side (perspective)
    focus_blur: float         # Gaussian sigma while held
    glare: tuple[float, float, float] | None   # x, y (fractions of the phone) and strength


class DemoSource(FrameSource):
    """Never ends. `realtime=True` (the default) delivers 15 frames per second like a webcam; the
    benchmark turns it off to get frames as fast as they are made."""

    def __init__(self, seed: int = 0, texts: tuple[str, ...] | None = None, realtime: bool = True,
                 clock: Clock = time.monotonic, sleep: Sleep = time.sleep) -> None:
        super().__init__(clock, sleep)
        self.seed = seed
        self.texts = texts or tuple(sample.text for sample in SAMPLE_PAYLOADS + signed_samples())
        self._pacer = Pacer(DEFAULT_FPS, realtime, clock, sleep)
        rng = np.random.default_rng(seed)
        self._scene = _scene(rng)
        noise = rng.normal(0, 4, (SIZE[1] + NOISE_MARGIN, SIZE[0] + NOISE_MARGIN, 3))
        self._brighter = np.clip(noise, 0, 255).astype(np.uint8)      # cv2.add saturates: two tiles for
        self._darker = np.clip(-noise, 0, 255).astype(np.uint8)       # noise around zero
        self._phones = {text: _phone(text) for text in self.texts}

    @property
    def frames_per_round(self) -> int:
        """Frames until every text has been shown once (then the visitors come again)."""
        return VISIT * len(self.texts)

    def showing(self, index: int) -> str | None:
        """The text held up in frame `index`, or None when the scene is empty."""
        number, step = divmod(index, VISIT)
        return self._visit(number).text if step < COMING + HOLDING + GOING else None

    def empty_view(self) -> np.ndarray:
        """The entrance with nobody in it, as a frame of this source shows it (BGR)."""
        return self.render(next(i for i in range(self.frames_per_round) if self.showing(i) is None))

    def read(self) -> Frame | None:
        if self.status is SourceStatus.ENDED:
            return None
        self._pacer.wait()
        return self._frame(self.render(self._index))

    def render(self, index: int) -> np.ndarray:
        number, step = divmod(index, VISIT)
        image = self._scene.copy()
        if step < COMING + HOLDING + GOING:
            visit = self._visit(number)
            if step < COMING:
                lift, blur = (COMING - step) / COMING, 2.5        # coming up from below, moving fast
            elif step < COMING + HOLDING:
                lift, blur = 0.0, visit.focus_blur
            else:
                lift, blur = (step - COMING - HOLDING + 1) / GOING, 2.5
            self._draw_phone(image, visit, lift, blur)
        dx, dy = (index * 7919) % NOISE_MARGIN, (index * 104729) % NOISE_MARGIN
        cv2.add(image, self._brighter[dy:dy + SIZE[1], dx:dx + SIZE[0]], dst=image)
        cv2.subtract(image, self._darker[dy:dy + SIZE[1], dx:dx + SIZE[0]], dst=image)
        return image

    def _visit(self, number: int) -> Visit:
        """The visitor of slot `number`; each round shows every text once, in an order of its own."""
        round_number, position = divmod(number, len(self.texts))
        order = np.random.default_rng((self.seed, round_number)).permutation(len(self.texts))
        rng = np.random.default_rng((self.seed, round_number, position))
        glare = None
        if rng.random() < 0.4:
            glare = (float(rng.uniform(0.2, 0.8)), float(rng.uniform(0.2, 0.8)), float(rng.uniform(60, 140)))
        return Visit(
            text=self.texts[order[position]],
            centre=(float(rng.uniform(0.35, 0.65) * SIZE[0]), float(rng.uniform(0.4, 0.6) * SIZE[1])),
            side=float(rng.uniform(260, 360)),
            angle=float(rng.uniform(-20, 20)),
            skew=tuple(float(v) for v in rng.uniform(-0.06, 0.06, 8)),
            focus_blur=float(rng.uniform(0.0, 1.0)),
            glare=glare,
        )

    def _draw_phone(self, image: np.ndarray, visit: Visit, lift: float, blur: float) -> None:
        phone = self._phones[visit.text]
        height, width = phone.shape[:2]
        scale = visit.side / width
        centre = np.array(visit.centre) + (0.0, lift * SIZE[1] * 0.6)
        source = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
        offsets = (source - (width / 2, height / 2)) * scale
        offsets += np.array(visit.skew).reshape(4, 2) * visit.side
        turn = np.deg2rad(visit.angle)
        rotation = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
        corners = offsets @ rotation.T + centre
        x0, y0 = np.clip(np.floor(corners.min(axis=0)) - 8, 0, SIZE).astype(int)
        x1, y1 = np.clip(np.ceil(corners.max(axis=0)) + 8, 0, SIZE).astype(int)
        if x1 - x0 < 2 or y1 - y0 < 2:
            return
        warp = cv2.getPerspectiveTransform(source, (corners - (x0, y0)).astype(np.float32))
        region = image[y0:y1, x0:x1]
        cv2.warpPerspective(phone, warp, (x1 - x0, y1 - y0), dst=region, flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_TRANSPARENT)
        if visit.glare is not None and lift == 0.0:
            _add_glare(region, corners - (x0, y0), visit.glare)
        if blur > 0.3:
            cv2.GaussianBlur(region, (0, 0), blur, dst=region)


def code_picture(data: str | bytes, module_pixels: int = MODULE_PIXELS, border: int = 4) -> np.ndarray:
    """`data` as a QR code (error correction M), grayscale, dark modules on white, with a quiet zone
    of `border` modules. Text is encoded as UTF-8."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=border)
    code.add_data(data.encode("utf-8") if isinstance(data, str) else data)
    code.make(fit=True)
    modules = np.array(code.get_matrix(), dtype=bool)
    picture = np.where(modules, 20, 245).astype(np.uint8)
    return cv2.resize(picture, None, fx=module_pixels, fy=module_pixels, interpolation=cv2.INTER_NEAREST)


def _phone(text: str) -> np.ndarray:
    """A phone showing `text` as a QR code: dark body, white screen, the code with its quiet zone."""
    screen = code_picture(text)
    side = screen.shape[0]
    bezel = side // 12
    phone = np.full((side + 6 * bezel, side + 2 * bezel, 3), (40, 35, 30), dtype=np.uint8)
    phone[2 * bezel: -4 * bezel, bezel:-bezel] = (245, 242, 240)            # the app's screen
    phone[3 * bezel: 3 * bezel + side, bezel: bezel + side] = cv2.cvtColor(screen, cv2.COLOR_GRAY2BGR)
    return phone


def _scene(rng: np.random.Generator) -> np.ndarray:
    """An entrance seen from the desk: a wall with soft light, a door frame, notices, a desk edge."""
    width, height = SIZE
    light = np.linspace(150, 205, width, dtype=np.float32)[None, :] * np.ones((height, 1), np.float32)
    blotches = cv2.resize(rng.uniform(-18, 18, (9, 16)).astype(np.float32), SIZE,
                          interpolation=cv2.INTER_CUBIC)
    wall = np.clip(light + blotches, 0, 255).astype(np.uint8)
    scene = cv2.merge([wall, (wall * 0.97).astype(np.uint8), (wall * 0.92).astype(np.uint8)])
    cv2.rectangle(scene, (80, 40), (330, 680), (95, 80, 70), 18)                  # door frame
    for _ in range(4):                                                            # notices on the wall
        x, y = int(rng.integers(420, 1100)), int(rng.integers(40, 300))
        cv2.rectangle(scene, (x, y), (x + 150, y + 200), (235, 235, 232), -1)
        for line in range(y + 20, y + 185, 14):
            length = int(rng.integers(60, 130))
            cv2.line(scene, (x + 10, line), (x + 10 + length, line), (70, 70, 70), 2)
    desk = np.linspace(90, 60, height - 560, dtype=np.float32)[:, None] * np.ones((1, width), np.float32)
    grain = cv2.resize(rng.uniform(-12, 12, (40, 6)).astype(np.float32), (width, height - 560),
                       interpolation=cv2.INTER_LINEAR)
    wood = np.clip(desk + grain, 0, 255).astype(np.uint8)
    scene[560:] = cv2.merge([(wood * 0.6).astype(np.uint8), (wood * 0.8).astype(np.uint8), wood])
    return scene


def _add_glare(region: np.ndarray, corners: np.ndarray, glare: tuple[float, float, float]) -> None:
    """A bright soft spot on the phone's screen (a ceiling light reflected)."""
    fx, fy, strength = glare
    top_left, top_right, _, bottom_left = corners
    x, y = top_left + (top_right - top_left) * fx + (bottom_left - top_left) * fy
    radius = int(np.linalg.norm(top_right - top_left) * 0.18)
    spot = np.zeros(region.shape[:2], dtype=np.uint8)
    cv2.circle(spot, (int(x), int(y)), radius, int(strength), -1)
    spot = cv2.GaussianBlur(spot, (0, 0), radius / 2 + 1)
    cv2.add(region, cv2.merge([spot, spot, spot]), dst=region)
