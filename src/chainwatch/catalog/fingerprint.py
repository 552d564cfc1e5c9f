"""Reading masters and leaks, and their PDQ hashes (image, dihedral variants, video frames).

PDQ (Meta's 256-bit perceptual hash, ``pdqhash``) is the near-duplicate tier: it survives
re-compression, resizing, colour grading and re-share chains, and one DCT gives all eight
rotations/mirrors. Frames are hashed at most 512 px wide: PDQ works on a 64x64 luminance
image anyway, and the reference notes measured 4 bits of difference against full resolution
at 4x the speed. Smaller pictures are scaled up to 512 px, so a master and its shrunk copy
go through the same filters. Hashes are stored as the 64-hex-digit text of ThreatExchange's tools.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pdqhash

from chainwatch.errors import InputError

HASH_SIDE = 512  # longer side that frames are scaled down to before hashing
MIN_QUALITY = 50  # PDQ's own advice: hashes of quality < 50 are too flat to trust
VIDEO_EXTENSIONS = frozenset(
    {".mp4", ".mov", ".m4v", ".mkv", ".avi", ".webm", ".mxf", ".mpg", ".mpeg", ".ts", ".wmv"}
)
MAX_PIXELS = 100_000_000  # a "pixel bomb" is refused, never decoded (as in forensics)
_WEIGHTS = 1 << np.arange(16, dtype=np.uint32)
cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)  # rejects say why


class UnreadableImage(Exception):
    """A file that is not an image (or video) we can decode: a reject, not a crash."""


@dataclass(frozen=True)
class Pdq:
    hash: str  # 64 hex digits, ThreatExchange order
    quality: int

    @property
    def code(self) -> bytes:
        return bytes.fromhex(self.hash)


@dataclass(frozen=True)
class Frame:
    """One picture of a file: the image itself (frame 0) or a sampled video frame."""

    index: int
    time_s: float | None
    image: np.ndarray  # RGB uint8


def is_video(path: Path) -> bool:
    return path.suffix.lower() in VIDEO_EXTENSIONS


def as_rgb(image: np.ndarray) -> np.ndarray:
    """RGB uint8 from what callers hand us (grey, RGB, RGBA; 16-bit scaled down)."""
    img = np.asarray(image)
    if img.dtype == np.uint16:
        img = (img >> 8).astype(np.uint8)
    elif img.dtype != np.uint8:
        if np.issubdtype(img.dtype, np.floating) and img.size and img.max() <= 1.0:
            img = img * 255.0
        img = np.clip(img, 0, 255).astype(np.uint8)
    if img.ndim == 2:
        return np.repeat(img[:, :, None], 3, 2)
    if img.ndim == 3 and img.shape[2] == 1:
        return np.repeat(img, 3, 2)
    if img.ndim == 3 and img.shape[2] == 4:
        return np.ascontiguousarray(img[:, :, :3])
    if img.ndim == 3 and img.shape[2] == 3:
        return np.ascontiguousarray(img)
    raise InputError(f"not an image array: shape {img.shape}")


def read_image(path: Path) -> np.ndarray:
    """Decode an image file to RGB uint8 (OpenCV first, Pillow for what OpenCV lacks)."""
    _check_size(path)
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as exc:
        raise UnreadableImage(f"unreadable: {exc.strerror or exc}") from None
    try:
        img = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
    except cv2.error:
        img = None
    if img is not None and img.size == 0:
        img = None
    if img is not None:
        if img.ndim == 3 and img.shape[2] in (3, 4):
            img = img[:, :, 2::-1]  # BGR(A) -> RGB, alpha dropped
        return as_rgb(img)
    return _read_with_pillow(path)


def _check_size(path: Path) -> None:
    """Refuse a pixel bomb from its header, before anything is decoded."""
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                w, h = im.size
    except Image.DecompressionBombError:
        raise UnreadableImage("too large: pixel bomb refused") from None
    except Exception:  # noqa: BLE001 - not for Pillow to judge: OpenCV may still read it
        return
    if w * h > MAX_PIXELS:
        raise UnreadableImage(f"too large: {w}x{h} pixels")


def _read_with_pillow(path: Path) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            if im.width * im.height > MAX_PIXELS:
                raise UnreadableImage(f"too large: {im.width}x{im.height} pixels")
            return np.asarray(im.convert("RGB"))
    except Image.DecompressionBombError:
        raise UnreadableImage("too large: more pixels than the decompression-bomb limit") from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise UnreadableImage("not an image or video chainwatch can read") from None


def shrink(image: np.ndarray, side: int) -> tuple[np.ndarray, float]:
    """Scale down so the longer side is at most ``side``; returns (image, scale applied)."""
    h, w = image.shape[:2]
    scale = side / max(h, w)
    if scale >= 1.0:
        return image, 1.0
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), scale


def _hex(bits: np.ndarray) -> str:
    """ThreatExchange's text form: 16 little-endian 16-bit words, the last word first."""
    words = bits.astype(np.uint32).reshape(16, 16) @ _WEIGHTS
    return "".join(f"{int(w):04x}" for w in words[::-1])


def _hash_size(image: np.ndarray) -> np.ndarray:
    """Scaled so the longer side is exactly HASH_SIDE, up or down: PDQ's box filters depend
    on the input size, and a half-size copy hashed as it is lands 30-40 bits away from its
    master on pencil sketches (8 bits when both are brought to 512 px)."""
    img = as_rgb(image)
    h, w = img.shape[:2]
    scale = HASH_SIDE / max(h, w)
    if abs(scale - 1.0) < 1e-3:
        return img
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    method = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return cv2.resize(img, size, interpolation=method)


def pdq(image: np.ndarray) -> Pdq:
    bits, quality = pdqhash.compute(_hash_size(image))
    return Pdq(_hex(bits), int(quality))


def pdq_dihedral(image: np.ndarray) -> list[Pdq]:
    """The hashes of all 8 rotations/mirrors (first: the image as it is)."""
    hashes, quality = pdqhash.compute_dihedral(_hash_size(image))
    return [Pdq(_hex(h), int(quality)) for h in hashes]


def hamming(a: str, b: str) -> int:
    """Bits that differ between two hex hashes (for checks; the index does the searching)."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def read_frames(path: Path, *, every_s: float = 2.0, max_frames: int = 2000) -> Iterator[Frame]:
    """The pictures of a file: one for an image; sampled frames for a video."""
    if is_video(path):
        yield from video_frames(path, every_s=every_s, max_frames=max_frames)
    else:
        yield Frame(0, None, read_image(path))


def video_frames(
    path: Path, *, every_s: float = 2.0, cut: float = 30.0, max_frames: int = 2000
) -> Iterator[Frame]:
    """Frames at each shot cut and at least every ``every_s`` seconds (PyAV, extra ``video``).

    A cut is a mean absolute difference above ``cut`` (0..255) between consecutive 64x36
    grey thumbnails: cheap, and enough to catch the first frame of each shot.
    """
    try:
        import av
    except ImportError:
        raise InputError(
            f"{path}: video needs the video extra (pip install 'chainwatch[video]')"
        ) from None
    try:
        container = av.open(str(path))
    except (av.FFmpegError, OSError) as exc:
        raise UnreadableImage(f"unreadable video: {type(exc).__name__}") from None
    taken = 0
    try:
        if not container.streams.video:
            raise UnreadableImage("no video stream")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        last_t, prev = None, None
        for index, frame in enumerate(container.decode(stream)):
            t = float(frame.time) if frame.time is not None else index / 25.0
            thumb = frame.reformat(width=64, height=36, format="gray").to_ndarray()
            thumb = thumb.astype(np.int16)
            is_cut = prev is not None and float(np.abs(thumb - prev).mean()) > cut
            prev = thumb
            if last_t is None or is_cut or t - last_t >= every_s:
                last_t = t
                width = min(frame.width, HASH_SIDE * 2)
                height = max(2, round(frame.height * width / frame.width))
                rgb = frame.reformat(width=width, height=height, format="rgb24").to_ndarray()
                yield Frame(index, round(t, 3), rgb)
                taken += 1
                if taken >= max_frames:
                    break
    except av.FFmpegError as exc:
        if not taken:
            raise UnreadableImage(f"unreadable video: {type(exc).__name__}") from None
    finally:
        container.close()
    if not taken:
        raise UnreadableImage("no decodable video frame")
