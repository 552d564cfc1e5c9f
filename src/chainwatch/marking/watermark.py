"""The mark: a keyed, smooth ±1 noise field added to luminance where the art has texture.

Why this shape: detection is informed (we hold the master), so the mark needs no payload and
no self-synchronisation; all its energy goes into one keyed pattern per issued copy. The
pattern is a coarse grid of ±1 values (one per ``grid`` × ``grid`` pixels, the grid sized
from the frame so that it survives downscaling to a quarter) interpolated linearly to full
size: energy in the low/mid band, where JPEG, resizing and blur leave it. The bits come from
SHAKE-256 of the issue's HMAC key, so a pattern never depends on a library's RNG stream.

It is added equally to R, G and B (so luminance moves, hue stays), scaled by a texture mask
(local contrast of the master): strong along line art, pencil strokes and paper grain, faint
in flat fills, and exactly zero there with ``keep_flat`` so bucket fill and colour keys keep
working at vendors. The strength is a target PSNR: every frame gets the same distortion.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import asdict, dataclass
from functools import lru_cache

import cv2
import numpy as np

from chainwatch.marking.images import luminance

METHOD = "cw-ss-luma-v1"
DEFAULT_PSNR_DB = 48.0
FLAT_FLOOR = 0.15  # mask value in flat fills (0 with keep_flat)
TEXTURE_SIGMA = 1.5
TEXTURE_FULL = 8.0  # local std (8-bit levels) at which the mask reaches 1


@dataclass(frozen=True)
class EmbedParams:
    """What detection needs to rebuild a copy's pattern, stored with its distribution."""

    method: str
    grid: int
    psnr_target_db: float
    keep_flat: bool
    amplitude: float  # alpha: levels (8-bit units) per unit of mask x pattern

    def to_dict(self) -> dict:
        return asdict(self)


def grid_for(shape: tuple[int, ...]) -> int:
    """Pattern cell size in pixels: ~1/270 of the short side, 2..8 (4 at 1080p)."""
    return int(min(8, max(2, round(min(shape[0], shape[1]) / 270))))


def grid_shape(shape: tuple[int, ...], grid: int) -> tuple[int, int]:
    return (math.ceil(shape[0] / grid) + 1, math.ceil(shape[1] / grid) + 1)


def key_bits(key: bytes, gshape: tuple[int, int]) -> np.ndarray:
    """The ±1 grid of one key (float32), from SHAKE-256 so it is the same on every machine."""
    n = gshape[0] * gshape[1]
    raw = hashlib.shake_256(key + f"|grid|{gshape[0]}x{gshape[1]}".encode()).digest((n + 7) // 8)
    bits = np.unpackbits(np.frombuffer(raw, dtype=np.uint8))[:n]
    return (bits.astype(np.float32) * 2.0 - 1.0).reshape(gshape)


@lru_cache(maxsize=16)
def interp_matrix(size: int, grid: int) -> np.ndarray:
    """(size, cells) linear interpolation from grid nodes (every ``grid`` px) to pixels."""
    cells = math.ceil(size / grid) + 1
    pos = np.arange(size, dtype=np.float64) / grid
    lo = np.floor(pos).astype(int)
    frac = pos - lo
    m = np.zeros((size, cells), dtype=np.float32)
    m[np.arange(size), lo] = 1.0 - frac
    m[np.arange(size), lo + 1] = frac
    return m


@lru_cache(maxsize=16)
def _interp_index(size: int, grid: int) -> tuple[np.ndarray, np.ndarray]:
    """Left node and weight of the right node per pixel (the rows of ``interp_matrix``)."""
    pos = np.arange(size, dtype=np.float64) / grid
    lo = np.floor(pos).astype(np.intp)
    return lo, (pos - lo).astype(np.float32)


def pattern(key: bytes, shape: tuple[int, ...], grid: int) -> np.ndarray:
    """The full-size pattern of ``key`` for a frame of ``shape`` (float32, about unit scale).

    Equal to ``interp_matrix(H) @ g @ interp_matrix(W).T``, computed with two gathers."""
    ly, fy = _interp_index(shape[0], grid)
    lx, fx = _interp_index(shape[1], grid)
    g = key_bits(key, grid_shape(shape, grid))
    rows = g[ly] * (1.0 - fy)[:, None] + g[ly + 1] * fy[:, None]
    return rows[:, lx] * (1.0 - fx) + rows[:, lx + 1] * fx


def flat_pixels(img: np.ndarray) -> np.ndarray:
    """Pixels whose 3x3 neighbourhood is one exact colour: the fills bucket tools select."""
    kernel = np.ones((3, 3), np.uint8)
    chans = [img] if img.ndim == 2 else [img[:, :, c] for c in range(min(3, img.shape[2]))]
    flat = np.ones(img.shape[:2], dtype=bool)
    for ch in chans:
        flat &= cv2.dilate(ch, kernel) == cv2.erode(ch, kernel)
    return flat


def texture_mask(lum: np.ndarray, floor: float = FLAT_FLOOR) -> np.ndarray:
    """Where a change hides: local contrast of luminance, mapped to [floor, 1]."""
    mu = cv2.GaussianBlur(lum, (0, 0), TEXTURE_SIGMA)
    var = cv2.GaussianBlur(lum * lum, (0, 0), TEXTURE_SIGMA) - mu * mu
    t = np.sqrt(np.maximum(var, 0.0)) / TEXTURE_FULL
    np.clip(t, 0.0, 1.0, out=t)
    return floor + (1.0 - floor) * t


def _apply(img: np.ndarray, delta: np.ndarray) -> np.ndarray:
    scale = 257.0 if img.dtype == np.uint16 else 1.0
    top = 65535 if img.dtype == np.uint16 else 255
    d = delta * scale
    x = img.astype(np.float32)
    if img.ndim == 3:
        x[:, :, :3] += d[:, :, None]
    else:
        x += d
    np.rint(x, out=x)
    np.clip(x, 0, top, out=x)
    out = x.astype(img.dtype)
    if img.ndim == 3 and img.shape[2] == 4:
        out[:, :, 3] = img[:, :, 3]  # alpha is never touched
    return out


def embed_mark(
    img: np.ndarray,
    key: bytes,
    *,
    psnr_db: float = DEFAULT_PSNR_DB,
    keep_flat: bool = False,
) -> tuple[np.ndarray, EmbedParams]:
    """``img`` with the mark of ``key`` added at about ``psnr_db`` (same dtype and shape)."""
    lum = luminance(img)
    grid = grid_for(img.shape)
    mask = texture_mask(lum, 0.0 if keep_flat else FLAT_FLOOR)
    if keep_flat:
        mask[flat_pixels(img)] = 0.0
    shaped = mask * pattern(key, img.shape, grid)
    rms = float(np.sqrt(np.mean(shaped * shaped)))
    target = 255.0 * 10 ** (-psnr_db / 20)
    alpha = target / rms if rms > 0 else 0.0
    # Samples are integers, so each changes by round(delta) (less where it clips): the realised
    # PSNR is a step function of alpha, found on the delta alone (secant steps, then bisection
    # once bracketed), keeping the strongest alpha that still meets the target.
    scale = 257.0 if img.dtype == np.uint16 else 1.0
    lo, hi = 0.0, math.inf
    for _ in range(10):
        got = _delta_psnr(alpha * shaped, scale)
        if got >= psnr_db:
            lo = alpha
            if got - psnr_db < 0.1:
                break
        else:
            hi = alpha
        if lo and math.isfinite(hi):
            alpha = math.sqrt(lo * hi)
        else:
            step = (min(got, psnr_db + 20) - psnr_db - 0.05) / 20 * 1.5
            alpha *= 10**step if math.isfinite(got) else 2
    alpha = lo
    flat = flat_pixels(img) if keep_flat else None

    def marked(a: float) -> np.ndarray:
        out = _apply(img, a * shaped)
        if flat is not None:  # belt and braces: flat fills are byte-identical
            out[flat] = img[flat]
        return out

    out = marked(alpha)
    # The search above works on the rounded delta; the image itself (channels, clipping) can
    # land a little lower. Never issue a copy more than 0.5 dB under the target.
    for _ in range(8):
        if alpha == 0 or psnr(img, out) >= psnr_db - 0.5:
            break
        alpha *= 0.9
        out = marked(alpha)
    return out, EmbedParams(METHOD, grid, psnr_db, keep_flat, round(alpha, 4))


def _delta_psnr(delta: np.ndarray, scale: float) -> float:
    """PSNR (8-bit units) of adding ``delta`` to integer samples, clipping ignored."""
    q = np.rint(delta * scale)
    mse = float(np.mean(q * q)) / (scale * scale)
    return math.inf if mse == 0 else 10 * math.log10(255.0 * 255.0 / mse)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR in dB over all samples (alpha excluded), peak = the dtype's maximum."""
    top = 65535.0 if a.dtype == np.uint16 else 255.0
    x, y = a, b
    if a.ndim == 3 and a.shape[2] == 4:
        x, y = a[:, :, :3], b[:, :, :3]
    mse = float(np.mean((x.astype(np.float64) - y.astype(np.float64)) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(top * top / mse)


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM of the luminance (Gaussian window σ=1.5, Wang et al. 2004 constants)."""
    x, y = luminance(a).astype(np.float64), luminance(b).astype(np.float64)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def blur(z):
        return cv2.GaussianBlur(z, (11, 11), 1.5)

    mx, my = blur(x), blur(y)
    sxx = blur(x * x) - mx * mx
    syy = blur(y * y) - my * my
    sxy = blur(x * y) - mx * my
    num = (2 * mx * my + c1) * (2 * sxy + c2)
    den = (mx * mx + my * my + c1) * (sxx + syy + c2)
    return float(np.mean(num / den))
