"""Extractors: one function per format family, ``(bytes, ScanLimits) -> Extracted``.

``EXTRACTORS`` maps a sniffed type (``forensics.sniff``) to its extractor. Imports are
lazy so a scan of text files never loads Pillow or pypdf, and a missing optional library
turns into a note on the record, not an import error at start-up. An extractor raises on a
malformed file; the inspector turns that into a reject with the type in the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from chainwatch.forensics.limits import ScanLimits
from chainwatch.forensics.record import Extracted

Extractor = Callable[[bytes, ScanLimits], Extracted]

# type -> (module, function)
_TABLE: dict[str, tuple[str, str]] = {
    **{
        t: ("image", "extract_image") for t in ("jpeg", "png", "tiff", "webp", "gif", "bmp", "heic")
    },
    "pdf": ("pdf", "extract_pdf"),
    "docx": ("office", "extract_office"),
    "xlsx": ("office", "extract_office"),
    "pptx": ("office", "extract_office"),
    "hwp": ("hwp", "extract_hwp"),
    "psd": ("psd", "extract_psd"),
    "mp4": ("video", "extract_mp4"),
    "mov": ("video", "extract_mp4"),
    "matroska": ("video", "extract_av"),
    "avi": ("video", "extract_av"),
    "srt": ("subtitles", "extract_srt"),
    "ass": ("subtitles", "extract_ass"),
    "text": ("plaintext", "extract_text"),
    "csv": ("plaintext", "extract_csv"),
}
EXTRACTED_TYPES = frozenset(_TABLE)


def get_extractor(kind: str) -> Extractor | None:
    """The extractor for a sniffed type, or None (the record keeps size, hash and FILE-1)."""
    entry = _TABLE.get(kind)
    if entry is None:
        return None
    module = import_module(f"chainwatch.forensics.extract.{entry[0]}")
    return getattr(module, entry[1])
