"""OCR of text in images (optional): tesseract with Korean and simplified Chinese data.

Debian packages: ``tesseract-ocr tesseract-ocr-kor tesseract-ocr-chi-sim``. Called as a
subprocess (image bytes on stdin, text on stdout), so there is no Python dependency and a
hung tesseract is killed by its timeout. Page segmentation mode 11 ("sparse text") because
notes on a sketch are scattered words, not a page: mode 3 dropped a whole Korean line in
our test image. When tesseract or a language pack is missing, OCR
is skipped and the record says why (``ocr_status``); nothing fails.
"""

from __future__ import annotations

import shutil
import subprocess
from functools import cache

WANTED_LANGS = ("kor", "chi_sim", "eng")
OCR_TIMEOUT_S = 30.0
MIN_PIXELS = 32 * 32  # icons and thumbnails carry no readable notes


@cache
def ocr_languages() -> tuple[str, ...]:
    """The wanted languages tesseract has here; empty when tesseract is absent."""
    exe = shutil.which("tesseract")
    if exe is None:
        return ()
    try:
        out = subprocess.run(
            [exe, "--list-langs"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return ()
    have = set(out.stdout.split())
    return tuple(lang for lang in WANTED_LANGS if lang in have)


def ocr_status() -> str:
    langs = ocr_languages()
    if not langs:
        return "OCR skipped: tesseract not installed (apt-get install tesseract-ocr " + (
            "tesseract-ocr-kor tesseract-ocr-chi-sim)"
        )
    missing = [lang for lang in WANTED_LANGS if lang not in langs]
    if missing:
        return f"OCR with {'+'.join(langs)}; missing language data: {', '.join(missing)}"
    return f"OCR with {'+'.join(langs)}"


def ocr_image(data: bytes, timeout_s: float = OCR_TIMEOUT_S) -> str:
    """Text tesseract reads in the image; raises RuntimeError when it fails or times out."""
    langs = ocr_languages()
    if not langs:
        raise RuntimeError(ocr_status())
    try:
        out = subprocess.run(
            ["tesseract", "stdin", "stdout", "-l", "+".join(langs), "--psm", "11"],
            input=data,
            capture_output=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"OCR timed out after {timeout_s:g}s") from None
    if out.returncode != 0:
        raise RuntimeError(f"OCR failed: {out.stderr.decode('utf-8', 'replace').strip()[:200]}")
    return out.stdout.decode("utf-8", "replace").strip()
