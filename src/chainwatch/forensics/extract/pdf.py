"""PDF: the info dictionary, the XMP packet, font names from /BaseFont, and page text.

Read with pypdf in non-strict mode. A truncated or hostile file raises, and the caller turns
that into a reject ("malformed pdf: …"). Pages and text are capped (``MAX_PAGES``, the
scan's ``max_text_chars``) so a 10,000-page PDF costs seconds, not minutes; the record notes
when a cap was hit. Dates stay raw (``D:20160301100000+08'30'``) for FILE-2.
"""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject

from chainwatch.forensics.extract.xmp import add_xmp
from chainwatch.forensics.limits import ScanLimits
from chainwatch.forensics.record import Extracted

MAX_PAGES = 200
_SOFTWARE_KEYS = ("/Producer", "/Creator")
_DATE_KEYS = ("/CreationDate", "/ModDate")

logging.getLogger("pypdf").setLevel(logging.ERROR)  # malformed input is reported, not logged


def _resolve(obj):
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def extract_pdf(data: bytes, limits: ScanLimits) -> Extracted:
    ex = Extracted()
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        try:
            reader.decrypt("")
        except Exception:  # noqa: BLE001 - any failure: we cannot read inside
            ex.notes.append("encrypted PDF: only the trailer was read")
            return ex
    info = reader.trailer.get("/Info")
    info = _resolve(info) if info is not None else None
    meta: dict[str, str] = {}
    if isinstance(info, DictionaryObject):
        for key, value in info.items():
            text = str(_resolve(value))[:500]
            meta[key.lstrip("/")] = text
            if key in _DATE_KEYS:
                ex.timestamps.append((f"PDF {key.lstrip('/')}", text))
            elif key in _SOFTWARE_KEYS:
                ex.software.append((f"PDF {key.lstrip('/')}", text))
            elif key in ("/Title", "/Subject", "/Keywords"):
                ex.add_text(text, f"PDF {key.lstrip('/')}")
    ex.metadata["info"] = meta
    root = _resolve(reader.trailer.get("/Root"))
    if isinstance(root, DictionaryObject) and "/Metadata" in root:
        try:
            add_xmp(ex, _resolve(root["/Metadata"]).get_data())
        except Exception:  # noqa: BLE001 - a broken XMP stream is a note
            ex.notes.append("XMP stream unreadable")
    pages = len(reader.pages)
    ex.metadata["pages"] = pages
    if pages > MAX_PAGES:
        ex.notes.append(f"only the first {MAX_PAGES} of {pages} pages read")
    fonts: set[str] = set()
    chars = 0
    for page in reader.pages[:MAX_PAGES]:
        fonts |= _page_fonts(page)
        if chars < limits.max_text_chars:
            text = page.extract_text() or ""
            chars += len(text)
            ex.add_text(text, "PDF page text")
    ex.fonts += [("PDF /BaseFont", f) for f in sorted(fonts)]
    ex.metadata["fonts"] = sorted(fonts)[:100]
    return ex


def _page_fonts(page) -> set[str]:
    out: set[str] = set()
    res = _resolve(page.get("/Resources"))
    if not isinstance(res, DictionaryObject):
        return out
    fonts = _resolve(res.get("/Font"))
    if not isinstance(fonts, DictionaryObject):
        return out
    for ref in fonts.values():
        font = _resolve(ref)
        if isinstance(font, DictionaryObject) and "/BaseFont" in font:
            out.add(str(_resolve(font["/BaseFont"])).lstrip("/"))
            for desc in _resolve(font.get("/DescendantFonts")) or []:
                d = _resolve(desc)
                if isinstance(d, DictionaryObject) and "/BaseFont" in d:
                    out.add(str(_resolve(d["/BaseFont"])).lstrip("/"))
    return out
