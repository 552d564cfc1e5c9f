"""Content sniffing: what a file is, from its bytes, never from its name alone.

A renamed file (``notes.jpg`` that is a DOCX) is typed by its magic bytes; the name only
breaks ties between text formats (``.csv`` vs plain text). ZIP containers are told apart by
their member names (OOXML parts), OLE files by their streams (HWP vs legacy Office).
"""

from __future__ import annotations

import io
import re
import zipfile

_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\xff\xd8\xff", "jpeg"),
    (0, b"\x89PNG\r\n\x1a\n", "png"),
    (0, b"II*\x00", "tiff"),
    (0, b"MM\x00*", "tiff"),
    (0, b"GIF87a", "gif"),
    (0, b"GIF89a", "gif"),
    (0, b"BM", "bmp"),
    (0, b"8BPS", "psd"),
    (0, b"%PDF-", "pdf"),
    (0, b"PK\x03\x04", "zip"),
    (0, b"PK\x05\x06", "zip"),  # empty zip
    (0, b"7z\xbc\xaf\x27\x1c", "7z"),
    (0, b"\x1f\x8b", "gzip"),
    (0, b"\x28\xb5\x2f\xfd", "zstd"),
    (0, b"BZh", "bzip2"),
    (0, b"\xfd7zXZ\x00", "xz"),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (0, b"\x1a\x45\xdf\xa3", "matroska"),
    (0, b"Rar!\x1a\x07", "rar"),
    (257, b"ustar", "tar"),
)
_SRT = re.compile(r"^\s*\d+\s*\r?\n\d{1,2}:\d\d:\d\d[,.]\d{1,3}\s*-->", re.M)
_ASS = re.compile(r"^\ufeff?\s*\[Script Info\]", re.I)
_TEXT_EXT = {".txt", ".md", ".log", ".srt", ".ass", ".ssa", ".csv", ".tsv", ".json", ".xml"}


def sniff_type(data: bytes, name: str = "") -> str:
    """The detected type of ``data``: a short lower-case name (``jpeg``, ``docx``, ``text``…),
    ``empty`` for no bytes and ``unknown`` for binary we cannot name."""
    if not data:
        return "empty"
    for offset, magic, kind in _MAGIC:
        if data[offset : offset + len(magic)] == magic:
            if kind == "zip":
                return _zip_kind(data)
            if kind == "ole":
                return _ole_kind(data)
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:4] == b"RIFF" and data[8:12] == b"AVI ":
        return "avi"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        return "mov" if brand == b"qt  " else ("heic" if brand in (b"heic", b"heix") else "mp4")
    if data[4:8] in (b"moov", b"mdat", b"wide", b"free") and len(data) > 8:
        return "mov"
    if data[:4] == b"HWP " or data[:17] == b"HWP Document File":
        return "hwp"
    return _text_kind(data, name)


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist()[:5000])
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "zip"
    if "[Content_Types].xml" in names:
        for part, kind in (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx")):
            if any(n.startswith(part) for n in names):
                return kind
    if "mimetype" in names and any(n == "content.xml" for n in names):
        return "odf"
    return "zip"


def _ole_kind(data: bytes) -> str:
    # The HWP 5 stream names are UTF-16 in the OLE directory; a cheap byte search avoids
    # parsing here (extract/hwp.py parses properly and rejects a broken file).
    if "FileHeader".encode("utf-16-le") in data and "BodyText".encode("utf-16-le") in data:
        return "hwp"
    return "ole"


def _text_kind(data: bytes, name: str) -> str:
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _text_subtype(head.decode("utf-16", "replace"), name)
    if b"\x00" in head:
        return "unknown"
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    if controls > len(head) // 100:
        return "unknown"
    return _text_subtype(head.decode("utf-8", "replace"), name)


def _text_subtype(head: str, name: str) -> str:
    if _ASS.search(head[:200]):
        return "ass"
    if _SRT.search(head[:500]):
        return "srt"
    ext = name.lower().rsplit(".", 1)[-1] if "." in name else ""
    if ext in ("csv", "tsv"):
        return "csv"
    return "text"
