"""Frames that look like studio material, and the leak attacks a marked copy must survive.

Used by the tests, the benchmark and the demo: nothing here touches the network.
Frames are RGB uint8: flat-colour cels with black line art over a gradient sky, grey pencil
sketches on paper grain, and gradient skies with a silhouetted horizon; plus natural photos
(``photo_frame``), the one thing read from disk: public-domain/CC0 images from the
scikit-image wheel.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

Attack = Callable[[np.ndarray], np.ndarray]


def _sky(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    top = rng.uniform([40, 90, 170], [90, 150, 230])
    bottom = rng.uniform([200, 170, 150], [250, 220, 200])
    t = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    return np.broadcast_to(top * (1 - t) + bottom * t, (h, w, 3)).astype(np.float32)


def cel_frame(h: int = 288, w: int = 512, seed: int = 0) -> np.ndarray:
    """Flat fills, anti-aliased black outlines, a gradient sky: a painted animation cel."""
    rng = np.random.default_rng(seed)
    img = _sky(h, w, rng)
    img = np.rint(img).astype(np.uint8).copy()
    lw = max(2, round(h / 150))
    ground = int(h * rng.uniform(0.6, 0.75))
    pts = [(0, ground)] + [
        (int(x), int(ground + rng.uniform(-0.08, 0.08) * h)) for x in np.linspace(0, w, 7)
    ]
    pts += [(w, h), (0, h)]
    poly = np.array(pts, np.int32)
    cv2.fillPoly(img, [poly], tuple(int(c) for c in rng.integers(40, 160, 3)))
    cv2.polylines(img, [poly[:-2]], False, (0, 0, 0), lw, cv2.LINE_AA)
    for _ in range(int(rng.integers(7, 11))):
        colour = tuple(int(c) for c in rng.integers(30, 250, 3))
        cx, cy = int(rng.uniform(0.05, 0.95) * w), int(rng.uniform(0.15, 0.95) * h)
        if rng.random() < 0.5:
            axes = (int(rng.uniform(0.03, 0.12) * w), int(rng.uniform(0.04, 0.18) * h))
            ang = float(rng.uniform(0, 180))
            cv2.ellipse(img, (cx, cy), axes, ang, 0, 360, colour, -1, cv2.LINE_AA)
            cv2.ellipse(img, (cx, cy), axes, ang, 0, 360, (0, 0, 0), lw, cv2.LINE_AA)
        else:
            n = int(rng.integers(3, 7))
            r = rng.uniform(0.04, 0.12) * w
            a = np.sort(rng.uniform(0, 2 * np.pi, n))
            rad = r * rng.uniform(0.5, 1.0, n)
            p = np.stack([cx + rad * np.cos(a), cy + rad * np.sin(a)], 1).astype(np.int32)
            cv2.fillPoly(img, [p], colour, cv2.LINE_AA)
            cv2.polylines(img, [p], True, (0, 0, 0), lw, cv2.LINE_AA)
        # an eye / detail: small features give registration something to hold on to
        cv2.circle(img, (cx, cy), max(2, lw), (0, 0, 0), -1, cv2.LINE_AA)
    return img


def sketch_frame(h: int = 288, w: int = 512, seed: int = 0) -> np.ndarray:
    """Grey pencil strokes on off-white paper grain (RGB with R=G=B)."""
    rng = np.random.default_rng(seed)
    grain = rng.normal(0, 4.0, (h, w)).astype(np.float32)
    grain = cv2.GaussianBlur(grain, (0, 0), 0.8) * 1.6
    paper = 236 + grain
    ink = np.zeros((h, w), np.float32)
    for _ in range(int(rng.integers(25, 40))):
        n = int(rng.integers(3, 7))
        start = rng.uniform([0, 0], [w, h])
        steps = rng.normal(0, 0.08, (n, 2)) * [w, h]
        p = (start + np.cumsum(steps, 0)).astype(np.int32)
        strength = float(rng.uniform(60, 140))
        width = int(rng.integers(1, 3)) * max(1, round(h / 400))
        cv2.polylines(ink, [p], False, strength, width, cv2.LINE_AA)
    for _ in range(int(rng.integers(3, 6))):  # hatched shading
        x0, y0 = rng.uniform([0, 0], [w * 0.8, h * 0.8])
        step = max(1, round(h / 300))
        for k in range(int(rng.integers(6, 14))):
            x = int(x0 + 5 * k * step)
            cv2.line(
                ink, (x, int(y0)), (x + 25 * step, int(y0 + 30 * step)), 40.0, step, cv2.LINE_AA
            )
    img = np.clip(paper - ink, 0, 255)
    img = np.rint(img).astype(np.uint8)
    return np.repeat(img[:, :, None], 3, axis=2)


def sky_frame(h: int = 288, w: int = 512, seed: int = 0) -> np.ndarray:
    """A gradient sky with soft clouds over a dark silhouetted horizon."""
    rng = np.random.default_rng(seed)
    img = _sky(h, w, rng).copy()
    clouds = np.zeros((h, w), np.float32)
    for _ in range(int(rng.integers(4, 8))):
        c = (int(rng.uniform(0, w)), int(rng.uniform(0, h * 0.5)))
        ax = (int(rng.uniform(0.05, 0.15) * w), int(rng.uniform(0.02, 0.06) * h))
        cv2.ellipse(clouds, c, ax, 0, 0, 360, 1.0, -1)
    clouds = cv2.GaussianBlur(clouds, (0, 0), h / 60)
    img += clouds[:, :, None] * 60
    xs = np.arange(w)
    horizon = h * 0.72 + np.cumsum(rng.normal(0, 1.5, w))
    for x in xs[:: max(1, w // 40)]:  # trees and roofs on the skyline
        horizon[x : x + int(rng.integers(3, 12))] -= rng.uniform(5, 30)
    rows = np.arange(h)[:, None]
    img[rows >= horizon[None, :]] = (25, 20, 35)
    img = np.rint(np.clip(img, 0, 255)).astype(np.uint8)
    return np.ascontiguousarray(img)


FRAMES = {"cel": cel_frame, "sketch": sketch_frame, "sky": sky_frame}


# --- natural photographs ---------------------------------------------------------------

# Photographs shipped inside the scikit-image wheel (skimage/data/, no download: pooch is
# never asked). Only those whose licence scikit-image documents as public domain or CC0 are
# used; the value is the attribution (from skimage.data's docstrings).
PHOTOS: dict[str, str] = {
    "astronaut": "astronaut.png: Eileen Collins, NASA Great Images database; public domain",
    "coffee": "coffee.png: Rachel Michetti, courtesy of Pikolo Espresso Bar; CC0",
    "chelsea": "chelsea.png: Chelsea the cat, Stefan van der Walt; CC0",
    "rocket": "rocket.jpg: DSCOVR launch on Falcon 9, SpaceX; public domain",
    "camera": "camera.png: Lav Varshney; CC0 (greyscale)",
    "retina": "retina.jpg: fundus photograph, Mikael Häggström (Wikimedia Commons); CC0",
    "grass": "grass.png: Grass 01, linolafett (DeviantArt); CC0 (greyscale texture)",
    "hubble": "hubble_deep_field.jpg: Hubble eXtreme Deep Field, NASA; public domain",
    "clock": "clock_motion.png: motion-blurred clock, Stefan van der Walt; public domain",
    "gravel": "gravel.png: Gravel04, CC0Textures; CC0 (greyscale texture)",
    "brick": "brick.png: Bricks25, CC0Textures; CC0 (greyscale, perspective-corrected)",
}
_PHOTO_FILES = {
    "hubble": "hubble_deep_field.jpg",
    "rocket": "rocket.jpg",
    "retina": "retina.jpg",
    "clock": "clock_motion.png",
}


def natural_photo(name: str) -> np.ndarray:
    """One of ``PHOTOS`` at its own size, RGB uint8 (greyscale ones with R=G=B).

    Read straight from scikit-image's installed data folder (the ``test`` and ``bench``
    extras install it), so no network is ever touched; ImportError names the extra."""
    if name not in PHOTOS:
        raise KeyError(f"unknown photo {name!r}: one of {', '.join(PHOTOS)}")
    from importlib import resources

    try:
        folder = resources.files("skimage.data")
    except ModuleNotFoundError:
        raise ImportError(
            "natural photos come from scikit-image: pip install 'chainwatch[test]'"
        ) from None
    path = folder / _PHOTO_FILES.get(name, f"{name}.png")
    data = np.frombuffer(path.read_bytes(), np.uint8)
    img = cv2.imdecode(data, cv2.IMREAD_COLOR)  # greyscale files come back as 3 equal channels
    if img is None:
        raise OSError(f"cannot decode {path}")
    return np.ascontiguousarray(img[:, :, ::-1])


def photo_frame(h: int = 288, w: int = 512, seed: int = 0, name: str | None = None) -> np.ndarray:
    """A natural photo brought to ``h`` x ``w``: scaled (Lanczos) so it covers the frame, then
    centre-cropped. ``seed`` picks the photo in ``PHOTOS`` order when ``name`` is not given.

    The photos are 300-1411 px, so a 1080p frame is mostly an upscale (x1.4 to x4.2): its
    finest detail is softer than a native 1080p photo's, its texture and colour are real."""
    names = list(PHOTOS)
    img = natural_photo(name or names[seed % len(names)])
    ih, iw = img.shape[:2]
    s = max(h / ih, w / iw)
    size = (max(w, round(iw * s)), max(h, round(ih * s)))
    method = cv2.INTER_AREA if s < 1 else cv2.INTER_LANCZOS4
    big = cv2.resize(img, size, interpolation=method)
    y, x = (big.shape[0] - h) // 2, (big.shape[1] - w) // 2
    return np.ascontiguousarray(big[y : y + h, x : x + w])


# --- attacks ---------------------------------------------------------------------------


def jpeg(q: int) -> Attack:
    def f(img):
        bgr = cv2.cvtColor(img, cv2.COLOR_RGB2BGR)
        _, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, q])
        return cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)

    return f


def webp(q: int) -> Attack:
    def f(img):
        bgr = cv2.cvtColor(img, cv2.COLOR_RGB2BGR)
        _, buf = cv2.imencode(".webp", bgr, [cv2.IMWRITE_WEBP_QUALITY, q])
        return cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)

    return f


def resize(s: float) -> Attack:
    def f(img):
        size = (max(1, round(img.shape[1] * s)), max(1, round(img.shape[0] * s)))
        return cv2.resize(img, size, interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC)

    return f


def crop(area: float, offset: bool = False) -> Attack:
    """Keep ``area`` of the frame (same aspect), centred or towards the top-left corner."""

    def f(img):
        h, w = img.shape[:2]
        k = area**0.5
        ch, cw = round(h * k), round(w * k)
        y, x = ((h - ch) // 2, (w - cw) // 2) if not offset else (h // 10, w // 10)
        return img[y : y + ch, x : x + cw].copy()

    return f


def rotate(deg: float) -> Attack:
    def f(img):
        h, w = img.shape[:2]
        m = cv2.getRotationMatrix2D((w / 2, h / 2), deg, 1.0)
        return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR)

    return f


def _lut(img, fn):
    table = np.clip(np.rint(fn(np.arange(256, dtype=np.float64))), 0, 255).astype(np.uint8)
    return cv2.LUT(img, table)


def brightness(factor: float) -> Attack:
    return lambda img: _lut(img, lambda x: x * factor)


def contrast(factor: float) -> Attack:
    return lambda img: _lut(img, lambda x: (x - 128) * factor + 128)


def gamma(g: float) -> Attack:
    return lambda img: _lut(img, lambda x: 255 * (x / 255) ** g)


def hue(shift_deg: float) -> Attack:
    def f(img):
        hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV)
        hsv[:, :, 0] = ((hsv[:, :, 0].astype(int) + round(shift_deg / 2)) % 180).astype(np.uint8)
        return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)

    return f


def saturation(factor: float) -> Attack:
    def f(img):
        hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV).astype(np.float32)
        hsv[:, :, 1] = np.clip(hsv[:, :, 1] * factor, 0, 255)
        return cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB)

    return f


def grayscale(img: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)


def blur(sigma: float) -> Attack:
    return lambda img: cv2.GaussianBlur(img, (0, 0), sigma)


def noise(sigma: float, seed: int = 7) -> Attack:
    def f(img):
        n = np.random.default_rng(seed).normal(0, sigma, img.shape)
        return np.clip(img + n, 0, 255).astype(np.uint8)

    return f


def sharpen(img: np.ndarray) -> np.ndarray:
    soft = cv2.GaussianBlur(img, (0, 0), 1.0)
    return cv2.addWeighted(img, 1.5, soft, -0.5, 0)


def chain(*steps: Attack) -> Attack:
    def f(img):
        for s in steps:
            img = s(img)
        return img

    return f


def flip(img: np.ndarray) -> np.ndarray:
    """Mirror left-right: the commonest edit in re-posts."""
    return np.ascontiguousarray(img[:, ::-1])


def border(px: int) -> Attack:
    return lambda img: cv2.copyMakeBorder(img, px, px, px, px, cv2.BORDER_CONSTANT, value=0)


def screenshot(img: np.ndarray) -> np.ndarray:
    """Non-integer zoom, a display gamma, a window border, then JPEG 85."""
    return chain(resize(0.711), gamma(1.1), border(12), jpeg(85))(img)


def social(img: np.ndarray) -> np.ndarray:
    """Downscale, JPEG 75, sharpen, JPEG 80: what re-sharing platforms do."""
    return chain(resize(0.6), jpeg(75), sharpen, jpeg(80))(img)


ATTACKS: dict[str, Attack] = {
    "none": lambda img: img,
    "jpeg90": jpeg(90),
    "jpeg70": jpeg(70),
    "jpeg50": jpeg(50),
    "jpeg30": jpeg(30),
    "webp80": webp(80),
    "resize0.5": resize(0.5),
    "resize0.25": resize(0.25),
    "crop_center50": crop(0.5),
    "crop_offset50": crop(0.5, offset=True),
    "crop_center25": crop(0.25),
    "crop_offset25": crop(0.25, offset=True),
    "rotate5": rotate(5),
    "rotate15": rotate(15),
    "brightness1.3": brightness(1.3),
    "contrast0.6": contrast(0.6),
    "gamma0.7": gamma(0.7),
    "hue+20": hue(20),
    "saturation0.3": saturation(0.3),
    "grayscale": grayscale,
    "blur2": blur(2.0),
    "noise8": noise(8.0),
    "screenshot": screenshot,
    "social": social,
    "crop50_bright0.7_jpeg50": chain(crop(0.5, offset=True), brightness(0.7), jpeg(50)),
    "flip_jpeg70": chain(flip, jpeg(70)),
}


def average(*copies: np.ndarray) -> np.ndarray:
    """Collusion: the pixel mean of several recipients' copies."""
    acc = np.mean([c.astype(np.float64) for c in copies], axis=0)
    return np.rint(acc).astype(np.uint8)
