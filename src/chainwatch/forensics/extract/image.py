"""Images (JPEG, PNG, TIFF, WebP, GIF, BMP, HEIC where Pillow reads it): EXIF with the
OffsetTime* tags, XMP, IPTC, ICC profile description, PNG text chunks.

Only headers are read: ``Image.open`` parses metadata without decoding pixels, and the
pixel-count check runs first, so a 100,000 × 100,000 PNG header is a reject ("decompression
bomb"), not 40 GB of RAM. EXIF dates are joined with their OffsetTime* so FILE-2 sees
``2016:03:01 10:00:00+08:30`` with the field it came from.
"""

from __future__ import annotations

import io
import warnings

from PIL import ExifTags, Image, IptcImagePlugin

from chainwatch.forensics.extract.xmp import add_xmp
from chainwatch.forensics.limits import ScanLimits
from chainwatch.forensics.record import Extracted

_EXIF_IFD = 0x8769
_DATES = {  # date tag -> its offset tag (EXIF 2.31)
    0x0132: 0x9010,  # DateTime -> OffsetTime
    0x9003: 0x9011,  # DateTimeOriginal -> OffsetTimeOriginal
    0x9004: 0x9012,  # DateTimeDigitized -> OffsetTimeDigitized
}
_SOFTWARE = {0x0131: "Software", 0x013B: "Artist", 0x010F: "Make", 0x0110: "Model"}
_TEXT = {0x010E: "ImageDescription", 0x9286: "UserComment"}
_XP = {0x9C9B: "XPTitle", 0x9C9C: "XPComment", 0x9C9F: "XPSubject", 0x9C9E: "XPKeywords"}
_IPTC = {
    (2, 5): "ObjectName",
    (2, 25): "Keywords",
    (2, 55): "DateCreated",
    (2, 60): "TimeCreated",
    (2, 65): "OriginatingProgram",
    (2, 80): "By-line",
    (2, 105): "Headline",
    (2, 116): "CopyrightNotice",
    (2, 120): "Caption",
}


class DecompressionBomb(Exception):
    """Pixel count over the scan's limit; the file becomes a reject."""


def _value(v: object) -> str:
    if isinstance(v, bytes):
        if v.startswith((b"ASCII\x00\x00\x00", b"UNICODE\x00")):  # EXIF UserComment
            body = v[8:]
            return (
                body.decode("utf-16-le", "replace")
                if v[:7] == b"UNICODE"
                else body.decode("ascii", "replace")
            ).strip("\x00 ")
        return v.decode("utf-8", "replace").strip("\x00 ")
    return str(v).strip("\x00 ")


def open_image(data: bytes, limits: ScanLimits) -> Image.Image:
    """Open without decoding pixels; over-limit pixel counts raise DecompressionBomb."""
    Image.MAX_IMAGE_PIXELS = limits.max_image_pixels
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise DecompressionBomb(str(exc)) from None
    w, h = img.size
    if w * h > limits.max_image_pixels:
        raise DecompressionBomb(f"{w}x{h} pixels exceeds {limits.max_image_pixels}")
    return img


def extract_image(data: bytes, limits: ScanLimits) -> Extracted:
    ex = Extracted()
    img = open_image(data, limits)
    ex.metadata.update({"format": img.format, "width": img.width, "height": img.height})
    ex.metadata["mode"] = img.mode
    _exif(img, ex)
    xmp = img.info.get("xmp") or img.info.get("XML:com.adobe.xmp")
    if xmp is None and img.format == "TIFF":
        xmp = getattr(img, "tag_v2", {}).get(700)
    if xmp:
        add_xmp(ex, xmp)
    _iptc(img, ex)
    icc = img.info.get("icc_profile")
    if icc:
        ex.metadata["icc_description"] = _icc_description(icc)
    for key, value in img.info.items():  # PNG tEXt/iTXt/zTXt chunks
        if img.format == "PNG" and isinstance(value, str) and key not in ("XML:com.adobe.xmp",):
            ex.metadata.setdefault("png_text", {})[key] = value[:500]
            if key in ("Creation Time", "creation_time", "date:create", "date:modify"):
                ex.timestamps.append((f"PNG {key}", value))
            elif key == "Software":
                ex.software.append(("PNG Software", value))
            else:
                ex.add_text(value, f"PNG {key}")
    return ex


def _exif(img: Image.Image, ex: Extracted) -> None:
    exif = img.getexif()
    if not exif:
        return
    tags = dict(exif)
    try:
        tags.update(exif.get_ifd(_EXIF_IFD))
    except (KeyError, ValueError, TypeError, OSError):
        ex.notes.append("EXIF sub-IFD unreadable")
    out: dict[str, str] = {}
    for tag, value in tags.items():
        if tag in (_EXIF_IFD, 0x8825, 0x927C, 0x02BC):  # pointers, MakerNote, XMP
            continue
        name = ExifTags.TAGS.get(tag, f"0x{tag:04x}")
        if tag in _XP and isinstance(value, bytes | tuple):
            raw = bytes(value)
            text = raw.decode("utf-16-le", "replace").strip("\x00 ")
            out[_XP[tag]] = text[:500]
            ex.add_text(text, f"EXIF {_XP[tag]}")
            continue
        text = _value(value)
        if len(text) > 500 or not text:
            continue
        out[name] = text
        if tag in _SOFTWARE:
            ex.software.append((f"EXIF {name}", text))
        if tag in _TEXT:
            ex.add_text(text, f"EXIF {name}")
    for date_tag, offset_tag in _DATES.items():
        if date_tag in tags:
            offset = _value(tags.get(offset_tag, ""))
            name = ExifTags.TAGS.get(date_tag, str(date_tag))
            ex.timestamps.append((f"EXIF {name}", f"{_value(tags[date_tag])}{offset}"))
    ex.metadata["exif"] = out


def _iptc(img: Image.Image, ex: Extracted) -> None:
    try:
        info = IptcImagePlugin.getiptcinfo(img)
    except (SyntaxError, ValueError, OSError, IndexError, TypeError):
        ex.notes.append("IPTC unreadable")
        return
    if not info:
        return
    out: dict[str, str] = {}
    for key, value in info.items():
        name = _IPTC.get(key, f"{key[0]}:{key[1]}")
        items = value if isinstance(value, list) else [value]
        text = "; ".join(_value(v) for v in items)[:500]
        out[name] = text
        if name == "OriginatingProgram":
            ex.software.append(("IPTC OriginatingProgram", text))
        elif name in ("Caption", "Headline", "ObjectName", "Keywords"):
            ex.add_text(text, f"IPTC {name}")
    if "DateCreated" in out and "TimeCreated" in out:
        d, t = out["DateCreated"], out["TimeCreated"]  # CCYYMMDD, HHMMSS±HHMM
        if len(d) == 8 and len(t) >= 6:
            stamp = f"{d[:4]}-{d[4:6]}-{d[6:]}T{t[:2]}:{t[2:4]}:{t[4:6]}{t[6:]}"
            ex.timestamps.append(("IPTC DateCreated+TimeCreated", stamp))
    ex.metadata["iptc"] = out


def _icc_description(icc: bytes) -> str:
    try:
        from PIL import ImageCms

        return ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc))).strip()
    except Exception:  # noqa: BLE001 - a bad profile is a note, not a reject
        return "(unreadable ICC profile)"
