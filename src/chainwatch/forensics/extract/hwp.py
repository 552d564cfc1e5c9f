"""HWP (Hangul Word Processor 5, an OLE compound file): summary information and preview text.

The ``\\x05HwpSummaryInformation`` stream is a standard OLE property set (title, author,
dates, and the writing application); ``PrvText`` holds a UTF-16 preview of the first page,
enough for the language and orthography detectors. Body text is compressed records and is
not parsed. olefile (BSD) reads the container; a broken one raises and becomes a reject.
The property set is parsed here (MS-OLEPS): olefile 0.47's ``getproperties`` misreads the
length of VT_LPWSTR strings, the type HWP writes.
"""

from __future__ import annotations

import io
import struct
from datetime import UTC, datetime, timedelta

import olefile

from chainwatch.forensics.limits import ScanLimits
from chainwatch.forensics.record import Extracted

_SUMMARY = "\x05HwpSummaryInformation"
_PROPS = {  # OLE SummaryInformation property ids
    2: "title",
    3: "subject",
    4: "author",
    5: "keywords",
    6: "comments",
    8: "last_author",
    9: "revision",
    11: "last_printed",
    12: "created",
    13: "last_saved",
    18: "application",
    20: "date_string",  # HWP writes its own date string here
}


def extract_hwp(data: bytes, limits: ScanLimits) -> Extracted:
    ex = Extracted()
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        streams = ["/".join(s) for s in ole.listdir()]
        ex.metadata["streams"] = streams[:50]
        if ole.exists(_SUMMARY):
            if ole.get_size(_SUMMARY) > limits.max_member_bytes:
                raise ValueError("summary stream over the member limit")
            props = read_property_set(ole.openstream(_SUMMARY).read())
            summary: dict[str, str] = {}
            for pid, value in props.items():
                name = _PROPS.get(pid, f"prop{pid}")
                text = value.isoformat() if isinstance(value, datetime) else _text(value)
                summary[name] = text[:500]
                if name == "application":
                    ex.software.append(("HWP summary application", text))
                elif name in ("title", "subject", "keywords", "comments", "date_string"):
                    ex.add_text(text, f"HWP summary {name}")
                    if name == "date_string":
                        ex.timestamps.append(("HWP summary date_string", text))
            ex.metadata["summary"] = summary
        if ole.exists("PrvText"):
            size = ole.get_size("PrvText")
            if size <= limits.max_member_bytes:
                raw = ole.openstream("PrvText").read()
                ex.add_text(raw.decode("utf-16-le", "replace").strip("\x00"), "HWP PrvText")
    return ex


_FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)


def read_property_set(raw: bytes, max_props: int = 256) -> dict[int, object]:
    """Property id -> value for the first section: strings (VT_LPSTR, VT_LPWSTR), FILETIMEs
    (aware UTC datetimes) and integers. Other types are skipped; bad offsets raise."""
    (section_at,) = struct.unpack_from("<I", raw, 44)
    _, count = struct.unpack_from("<II", raw, section_at)
    out: dict[int, object] = {}
    for i in range(min(count, max_props)):
        pid, rel = struct.unpack_from("<II", raw, section_at + 8 + 8 * i)
        at = section_at + rel
        (vtype,) = struct.unpack_from("<I", raw, at)
        if vtype == 0x1F:  # VT_LPWSTR: length in characters, null included
            (n,) = struct.unpack_from("<I", raw, at + 4)
            out[pid] = raw[at + 8 : at + 8 + 2 * n].decode("utf-16-le", "replace").rstrip("\x00")
        elif vtype == 0x1E:  # VT_LPSTR: length in bytes, in the set's code page
            (n,) = struct.unpack_from("<I", raw, at + 4)
            out[pid] = raw[at + 8 : at + 8 + n]
        elif vtype == 0x40:  # VT_FILETIME: 100 ns ticks since 1601
            (ticks,) = struct.unpack_from("<Q", raw, at + 4)
            if ticks:
                out[pid] = _FILETIME_EPOCH + timedelta(microseconds=ticks // 10)
        elif vtype in (0x02, 0x03):
            out[pid] = struct.unpack_from("<h" if vtype == 0x02 else "<i", raw, at + 4)[0]
    return out


def _text(value: object) -> str:
    if isinstance(value, bytes):
        for enc in ("utf-8", "cp949"):
            try:
                return value.decode(enc).strip("\x00 ")
            except UnicodeDecodeError:
                continue
        return value.decode("latin-1").strip("\x00 ")
    return str(value).strip("\x00 ")
