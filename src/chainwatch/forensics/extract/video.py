"""Video containers: creation time and metadata tags.

MP4/MOV are read by a small box walker here (no dependency): ``mvhd`` creation and
modification times (seconds since 1904, UTC by the standard), ``udta`` atoms (``©day``,
``©too`` = encoder, ``©nam``, ``©cmt``) and Apple ``meta`` keys such as
``com.apple.quicktime.creationdate``, which carries the camera's local offset (FILE-2).
Other containers (Matroska, AVI) go through PyAV when the ``video`` extra is installed;
without it they get only a note. FFmpeg normalises ``creation_time`` to UTC, so a
Matroska file's original offset is lost (FILE-2 cannot see it there). PyAV's PyPI wheels
bundle FFmpeg built with GPL encoders (x264/x265), which is why it is an optional extra and
not a dependency.
"""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta

from chainwatch.forensics.limits import ScanLimits
from chainwatch.forensics.record import Extracted

_EPOCH_1904 = datetime(1904, 1, 1, tzinfo=UTC)
_CONTAINERS = {b"moov", b"udta", b"trak", b"mdia", b"meta", b"ilst"}
_UDTA_TEXT = {b"\xa9day": "date", b"\xa9too": "encoder", b"\xa9nam": "title", b"\xa9cmt": "comment"}
_UDTA_TEXT |= {b"\xa9swr": "software", b"\xa9des": "description", b"\xa9mak": "make"}
MAX_BOXES = 10_000


def _boxes(data: bytes, start: int, end: int):
    pos, seen = start, 0
    while pos + 8 <= end and seen < MAX_BOXES:
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        header = 8
        if size == 1 and pos + 16 <= end:
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            return
        yield kind, pos + header, pos + size
        pos += size
        seen += 1


def _mvhd(data: bytes, start: int, ex: Extracted) -> None:
    version = data[start]
    if version == 1:
        created, modified = struct.unpack(">QQ", data[start + 4 : start + 20])
    else:
        created, modified = struct.unpack(">II", data[start + 4 : start + 12])
    for name, secs in (("creation_time", created), ("modification_time", modified)):
        if secs:
            stamp = (_EPOCH_1904 + timedelta(seconds=secs)).isoformat()
            ex.metadata[name] = stamp
            ex.timestamps.append((f"mvhd {name}", stamp))


def _udta_text(data: bytes, start: int, end: int) -> str:
    body = data[start:end]
    if body[4:8] == b"data":  # iTunes-style: [size][data][type][locale] value
        return body[16:].decode("utf-8", "replace")
    if len(body) >= 4:  # QuickTime: [len:2][lang:2] value
        n = struct.unpack(">H", body[:2])[0]
        return body[4 : 4 + n].decode("utf-8", "replace")
    return ""


def _walk(data: bytes, start: int, end: int, ex: Extracted, keys: list[str], depth: int) -> None:
    if depth > 8:
        return
    for kind, s, e in _boxes(data, start, end):
        if kind == b"mvhd":
            _mvhd(data, s, ex)
        elif kind in _UDTA_TEXT:
            value = _udta_text(data, s, e).strip("\x00 ")
            name = _UDTA_TEXT[kind]
            ex.metadata.setdefault("tags", {})[name] = value[:500]
            if name == "date":
                ex.timestamps.append(("udta ©day", value))
            elif name in ("encoder", "software", "make"):
                ex.software.append((f"udta {name}", value))
            else:
                ex.add_text(value, f"udta {name}")
        elif kind == b"keys":
            count = struct.unpack(">I", data[s + 4 : s + 8])[0]
            pos = s + 8
            for _ in range(min(count, 1000)):
                size = struct.unpack(">I", data[pos : pos + 4])[0]
                keys.append(data[pos + 8 : pos + size].decode("utf-8", "replace"))
                pos += max(size, 8)
        elif kind == b"meta":
            # ISO meta is a full box (4 bytes version/flags); QuickTime meta is not.
            inner = s + 4 if data[s + 4 : s + 8] in (b"hdlr", b"keys", b"ilst") else s
            _walk(data, inner, e, ex, keys, depth + 1)
        elif kind == b"ilst":
            _ilst(data, s, e, ex, keys)
        elif kind in _CONTAINERS:
            _walk(data, s, e, ex, keys, depth + 1)


def _ilst(data: bytes, start: int, end: int, ex: Extracted, keys: list[str]) -> None:
    for kind, s, e in _boxes(data, start, end):
        index = int.from_bytes(kind, "big")
        if kind in _UDTA_TEXT or not 1 <= index <= len(keys):
            continue
        for dkind, ds, de in _boxes(data, s, e):
            if dkind == b"data":
                value = data[ds + 8 : de].decode("utf-8", "replace").strip("\x00 ")
                key = keys[index - 1]
                ex.metadata.setdefault("tags", {})[key] = value[:500]
                if "date" in key.lower():
                    ex.timestamps.append((key, value))
                elif "software" in key.lower():
                    ex.software.append((key, value))


def extract_mp4(data: bytes, limits: ScanLimits) -> Extracted:
    ex = Extracted()
    brands = data[8:12].decode("latin-1") if data[4:8] == b"ftyp" else ""
    ex.metadata["brand"] = brands.strip()
    _walk(data, 0, len(data), ex, [], 0)
    return ex


def extract_av(data: bytes, limits: ScanLimits) -> Extracted:
    """Any container FFmpeg reads, through PyAV (the optional ``video`` extra)."""
    ex = Extracted()
    try:
        import av
    except ImportError:
        ex.notes.append("video container not parsed: install the 'video' extra (PyAV)")
        return ex
    import io

    with av.open(io.BytesIO(data), mode="r", metadata_errors="replace") as container:
        tags = {str(k): str(v)[:500] for k, v in container.metadata.items()}
        ex.metadata.update({"format": container.format.name, "tags": tags})
        ex.metadata["duration_s"] = (container.duration or 0) / 1_000_000
        ex.metadata["streams"] = [
            {"type": s.type, "codec": s.codec_context.name if s.codec_context else None}
            for s in container.streams
        ]
        for key, value in tags.items():
            low = key.lower()  # Matroska writes ENCODER, MP4 encoder
            if "date" in low or low == "creation_time":
                ex.timestamps.append((f"container {key}", value))
            elif low in ("encoder", "software", "encoded_by"):
                ex.software.append((f"container {key}", value))
            elif low in ("title", "comment", "description"):
                ex.add_text(value, f"container {key}")
    return ex
