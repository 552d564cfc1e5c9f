"""Reading and writing frames with their bit depth intact (8/16-bit PNG and TIFF, JPEG).

OpenCV keeps 16-bit samples that Pillow would narrow; arrays here are RGB(A) or grayscale,
never BGR, so callers need not know which library read the file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import cv2
import numpy as np

from chainwatch.errors import InputError

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff"})
JPEG_QUALITY = 95


def load_image(path: Path | str) -> np.ndarray:
    """uint8/uint16 array, (H, W) or (H, W, 3|4) in RGB(A) order; InputError if unreadable."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    try:
        data = np.fromfile(p, dtype=np.uint8)
    except OSError as exc:
        raise InputError(f"{p}: cannot read ({exc.strerror})") from None
    img = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
    if img is None:
        raise InputError(f"{p}: not an image OpenCV can read (PNG, JPEG, TIFF)")
    if img.dtype not in (np.uint8, np.uint16):
        raise InputError(f"{p}: {img.dtype} samples are not supported (8 or 16-bit only)")
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[:, :, 0]
    if img.ndim == 3:
        code = cv2.COLOR_BGRA2RGBA if img.shape[2] == 4 else cv2.COLOR_BGR2RGB
        img = cv2.cvtColor(img, code)
    return img


def encode_image(img: np.ndarray, suffix: str) -> bytes:
    """The file bytes of ``img`` in the format ``suffix`` names (JPEG at quality 95)."""
    suffix = suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        raise InputError(f"cannot write {suffix or 'files without a suffix'}: PNG, JPEG or TIFF")
    out = img
    if img.ndim == 3:
        code = cv2.COLOR_RGBA2BGRA if img.shape[2] == 4 else cv2.COLOR_RGB2BGR
        out = cv2.cvtColor(img, code)
    params: list[int] = []
    if suffix in (".jpg", ".jpeg"):
        if out.dtype != np.uint8:
            out = (out.astype(np.float32) / 257.0 + 0.5).astype(np.uint8)
        if out.ndim == 3 and out.shape[2] == 4:
            out = out[:, :, :3]
        params = [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]
    ok, buf = cv2.imencode(suffix, out, params)
    if not ok:
        raise InputError(f"OpenCV could not encode a {suffix} file")
    return buf.tobytes()


def save_image(img: np.ndarray, path: Path | str) -> bytes:
    """Write atomically (temp file + rename); returns the bytes written (for their hash)."""
    target = Path(path)
    data = encode_image(img, target.suffix)
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(f"{target}: cannot write there ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return data


_BT601 = np.array([[0.299, 0.587, 0.114]], np.float32)


def luminance(img: np.ndarray) -> np.ndarray:
    """float32 luma (BT.601 weights) in 8-bit units whatever the depth: marks live here."""
    x = img.astype(np.float32)
    if img.dtype == np.uint16:
        x /= 257.0
    if x.ndim == 2:
        return x
    if x.shape[2] == 3:  # one OpenCV pass instead of five full-size NumPy temporaries
        return cv2.transform(x, _BT601)
    return 0.299 * x[:, :, 0] + 0.587 * x[:, :, 1] + 0.114 * x[:, :, 2]
