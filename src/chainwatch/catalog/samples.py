"""Studio-like test material and the leak attacks, generated so tests and the bench need no files.

Animation art is the hard case for perceptual hashes: large flat fills, black line art,
smooth gradient skies, grey pencil strokes on paper grain. ``cel_frame`` and ``pencil_sketch``
draw that from a seed (each seed a distinct asset); ``photo`` adds natural photographs (public
domain/CC0, from the scikit-image wheel); ``attacks`` is the issue-6 suite of what happens to
a frame between a vendor's disk and a dump. Nothing here is used by a match.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from chainwatch.marking.synth import PHOTOS as PHOTOS  # re-exported: names and credits
from chainwatch.marking.synth import natural_photo

SIZE = (512, 288)  # width, height


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([6, seed]))


def _colour(rng: np.random.Generator) -> tuple[int, int, int]:
    return tuple(int(c) for c in rng.integers(40, 250, 3))


def cel_frame(seed: int, size: tuple[int, int] = SIZE) -> np.ndarray:
    """A flat-colour cel over a gradient sky: filled shapes, black anti-aliased outlines (RGB)."""
    rng = _rng(seed)
    w, h = size
    top, bottom = rng.integers(60, 255, 3), rng.integers(60, 255, 3)
    ramp = np.linspace(0.0, 1.0, h)[:, None, None]
    img = (top * (1 - ramp) + bottom * ramp).repeat(w, axis=1).astype(np.uint8)
    horizon = int(h * rng.uniform(0.55, 0.8))
    img[horizon:] = _colour(rng)
    cv2.line(img, (0, horizon), (w, horizon), (0, 0, 0), 2, cv2.LINE_AA)
    for _ in range(int(rng.integers(5, 9))):
        kind = int(rng.integers(0, 3))
        cx, cy = int(rng.integers(0, w)), int(rng.integers(0, h))
        fill, line = _colour(rng), int(rng.integers(1, 4))
        if kind == 0:
            axes = (int(rng.integers(15, w // 5)), int(rng.integers(15, h // 4)))
            angle = float(rng.uniform(0, 180))
            cv2.ellipse(img, (cx, cy), axes, angle, 0, 360, fill, -1, cv2.LINE_AA)
            cv2.ellipse(img, (cx, cy), axes, angle, 0, 360, (0, 0, 0), line, cv2.LINE_AA)
        else:
            n = int(rng.integers(3, 7))
            r = rng.uniform(20, h / 3, n)
            t = np.sort(rng.uniform(0, 2 * np.pi, n))
            pts = np.stack([cx + r * np.cos(t), cy + r * np.sin(t)], 1).astype(np.int32)
            cv2.fillPoly(img, [pts], fill, cv2.LINE_AA)
            cv2.polylines(img, [pts], True, (0, 0, 0), line, cv2.LINE_AA)
    for _ in range(int(rng.integers(3, 7))):  # loose line-art strokes (hair, folds)
        pts = np.cumsum(rng.normal(0, 12, (6, 2)), 0) + rng.uniform((0, 0), (w, h))
        cv2.polylines(img, [pts.astype(np.int32)], False, (0, 0, 0), 2, cv2.LINE_AA)
    return img


def pencil_sketch(seed: int, size: tuple[int, int] = SIZE) -> np.ndarray:
    """Grey pencil strokes on grainy off-white paper (grey, returned as RGB)."""
    rng = _rng(seed + 100_000)
    w, h = size
    grain = cv2.GaussianBlur(rng.normal(0, 6, (h, w)).astype(np.float32), (0, 0), 0.8)
    paper = np.clip(236 + grain, 0, 255)
    ink = np.zeros((h, w), np.float32)
    for _ in range(int(rng.integers(25, 45))):
        start = rng.uniform((0, 0), (w, h))
        pts = start + np.cumsum(rng.normal(0, 9, (int(rng.integers(4, 12)), 2)), 0)
        cv2.polylines(
            ink, [pts.astype(np.int32)], False, float(rng.uniform(0.3, 0.9)), 1, cv2.LINE_AA
        )
    for _ in range(int(rng.integers(3, 6))):  # construction circles
        c = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        cv2.circle(ink, c, int(rng.integers(10, h // 3)), 0.5, 1, cv2.LINE_AA)
    grey = np.clip(paper * (1 - 0.7 * ink), 0, 255).astype(np.uint8)
    return np.repeat(grey[:, :, None], 3, 2)


def studio_image(seed: int, size: tuple[int, int] = SIZE) -> np.ndarray:
    """Alternate cels and sketches so a catalog holds both kinds."""
    return cel_frame(seed, size) if seed % 2 == 0 else pencil_sketch(seed, size)


def photo(name: str) -> np.ndarray:
    """A natural photograph at its own size (RGB): the public-domain/CC0 images shipped in
    the scikit-image wheel, ``PHOTOS`` names them with their attribution. Needs scikit-image
    (the ``test`` and ``bench`` extras); nothing is downloaded."""
    return natural_photo(name)


def write_png(path: Path, rgb: np.ndarray) -> Path:
    """Save an RGB array as PNG (folders created): masters and dumps on disk for the CLI."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), np.ascontiguousarray(rgb[:, :, ::-1])):
        raise OSError(f"cannot write {path}")
    return path


# --- attacks ------------------------------------------------------------------------------


def _codec(img: np.ndarray, ext: str, quality: int) -> np.ndarray:
    flag = cv2.IMWRITE_JPEG_QUALITY if ext == ".jpg" else cv2.IMWRITE_WEBP_QUALITY
    ok, buf = cv2.imencode(ext, img[:, :, ::-1], [flag, quality])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)[:, :, ::-1].copy()


def jpeg(q: int) -> Callable[[np.ndarray], np.ndarray]:
    return lambda img: _codec(img, ".jpg", q)


def resize(f: float) -> Callable[[np.ndarray], np.ndarray]:
    def run(img: np.ndarray) -> np.ndarray:
        h, w = img.shape[:2]
        size = (max(8, round(w * f)), max(8, round(h * f)))
        return cv2.resize(img, size, interpolation=cv2.INTER_AREA)

    return run


def crop(area: float, offset: bool = False) -> Callable[[np.ndarray], np.ndarray]:
    """Keep ``area`` of the frame: centred, or towards the top-left corner."""

    def run(img: np.ndarray) -> np.ndarray:
        h, w = img.shape[:2]
        s = area**0.5
        ch, cw = round(h * s), round(w * s)
        y, x = ((h - ch) // 2, (w - cw) // 2) if not offset else (h // 10, w // 10)
        return img[y : y + ch, x : x + cw].copy()

    return run


def rotate(deg: float) -> Callable[[np.ndarray], np.ndarray]:
    def run(img: np.ndarray) -> np.ndarray:
        h, w = img.shape[:2]
        m = cv2.getRotationMatrix2D((w / 2, h / 2), deg, 1.0)
        return cv2.warpAffine(img, m, (w, h), borderMode=cv2.BORDER_REFLECT)

    return run


def tone(brightness: float = 1.0, contrast: float = 1.0, gamma: float = 1.0):
    def run(img: np.ndarray) -> np.ndarray:
        x = img.astype(np.float32) / 255.0
        x = (x - 0.5) * contrast + 0.5
        x = np.clip(x * brightness, 0, 1) ** gamma
        return (x * 255 + 0.5).astype(np.uint8)

    return run


def hsv(hue: int = 0, saturation: float = 1.0) -> Callable[[np.ndarray], np.ndarray]:
    def run(img: np.ndarray) -> np.ndarray:
        x = cv2.cvtColor(img, cv2.COLOR_RGB2HSV).astype(np.int32)
        x[..., 0] = (x[..., 0] + hue) % 180
        x[..., 1] = np.clip(x[..., 1] * saturation, 0, 255)
        return cv2.cvtColor(x.astype(np.uint8), cv2.COLOR_HSV2RGB)

    return run


def grayscale(img: np.ndarray) -> np.ndarray:
    return np.repeat(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)[:, :, None], 3, 2)


def blur(sigma: float) -> Callable[[np.ndarray], np.ndarray]:
    return lambda img: cv2.GaussianBlur(img, (0, 0), sigma)


def noise(sigma: float, seed: int = 0) -> Callable[[np.ndarray], np.ndarray]:
    def run(img: np.ndarray) -> np.ndarray:
        n = np.random.default_rng(seed).normal(0, sigma, img.shape)
        return np.clip(img + n, 0, 255).astype(np.uint8)

    return run


def mirror(img: np.ndarray) -> np.ndarray:
    return img[:, ::-1].copy()


def _sharpen(img: np.ndarray) -> np.ndarray:
    soft = cv2.GaussianBlur(img, (0, 0), 1.0)
    return cv2.addWeighted(img, 1.6, soft, -0.6, 0)


def screenshot(img: np.ndarray) -> np.ndarray:
    """Viewed at a non-integer zoom, display gamma, window border, saved as JPEG."""
    x = tone(gamma=1.1)(resize(0.711)(img))
    x = cv2.copyMakeBorder(x, 14, 6, 6, 6, cv2.BORDER_CONSTANT, value=(40, 40, 48))
    return jpeg(85)(x)


def social(img: np.ndarray) -> np.ndarray:
    """Re-shared: downscaled, JPEG, sharpened by the platform, JPEG again."""
    return jpeg(80)(_sharpen(jpeg(75)(resize(0.6)(img))))


def combo(img: np.ndarray) -> np.ndarray:
    return jpeg(50)(tone(brightness=0.7)(crop(0.5)(img)))


def overlay(img: np.ndarray) -> np.ndarray:
    """A forum watermark banner and caption drawn across a third of the frame."""
    x = img.copy()
    h, w = x.shape[:2]
    cv2.rectangle(x, (0, int(h * 0.62)), (w, h), (20, 20, 20), -1)
    cv2.putText(x, "LEAKED 2026", (10, h - 20), cv2.FONT_HERSHEY_SIMPLEX, 1.4, (255, 255, 0), 3)
    return jpeg(80)(x)


def collage(other: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """The frame at 60 % beside another picture on a board, as in a forum post."""

    def run(img: np.ndarray) -> np.ndarray:
        h, w = img.shape[:2]
        board = np.full((h, int(w * 1.3), 3), 250, np.uint8)
        small = resize(0.6)(img)
        board[10 : 10 + small.shape[0], 10 : 10 + small.shape[1]] = small
        side = cv2.resize(other, (board.shape[1] - small.shape[1] - 30, h - 20))
        board[10 : h - 10, small.shape[1] + 20 : board.shape[1] - 10] = side
        return jpeg(85)(board)

    return run


def h264(crf: int) -> Callable[[np.ndarray], np.ndarray]:
    """A still held for half a second in an H.264 clip (PyAV + libx264), one frame back."""

    def run(img: np.ndarray) -> np.ndarray:
        import io

        import av

        h, w = (img.shape[0] // 2) * 2, (img.shape[1] // 2) * 2
        frame = np.ascontiguousarray(img[:h, :w])
        buf = io.BytesIO()
        with av.open(buf, "w", format="mp4") as out:
            opts = {"crf": str(crf), "preset": "veryfast"}
            stream = out.add_stream("libx264", rate=12, options=opts)
            stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
            for _ in range(6):
                for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                    out.mux(packet)
            for packet in stream.encode():
                out.mux(packet)
        buf.seek(0)
        with av.open(buf) as clip:
            frames = [f.to_ndarray(format="rgb24") for f in clip.decode(video=0)]
        return frames[len(frames) // 2]

    return run


def _has_x264() -> bool:
    try:
        import av
    except ImportError:
        return False
    return "libx264" in av.codecs_available


def attacks(other: np.ndarray | None = None) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    """The issue-6 attack suite (``other`` fills the collage; default a sketch); the H.264
    ones only where PyAV with libx264 is installed (the ``video`` extra)."""
    other = pencil_sketch(999_999) if other is None else other
    video = {"h264_crf23": h264(23), "h264_crf35": h264(35)} if _has_x264() else {}
    return {
        "none": lambda img: img,
        "jpeg90": jpeg(90),
        "jpeg70": jpeg(70),
        "jpeg50": jpeg(50),
        "jpeg30": jpeg(30),
        "webp": lambda img: _codec(img, ".webp", 75),
        "resize0.5": resize(0.5),
        "resize0.25": resize(0.25),
        "crop_center50": crop(0.5),
        "crop_offset50": crop(0.5, offset=True),
        "crop_center25": crop(0.25),
        "crop_offset25": crop(0.25, offset=True),
        "rotate5": rotate(5),
        "rotate15": rotate(15),
        "brightness1.3": tone(brightness=1.3),
        "contrast0.6": tone(contrast=0.6),
        "gamma0.7": tone(gamma=0.7),
        "hue20": hsv(hue=20),
        "saturation0.3": hsv(saturation=0.3),
        "grayscale": grayscale,
        "blur2": blur(2),
        "noise8": noise(8),
        "mirror": mirror,
        "screenshot": screenshot,
        "social": social,
        "crop50_bright0.7_jpeg50": combo,
        "overlay": overlay,
        "collage": collage(other),
        **video,
    }
