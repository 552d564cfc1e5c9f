"""Small real-format files with known artifacts, built in memory.

Tests, the benchmark corpus and the demo case use these to make files the detectors must
find (an EXIF +08:30 date, a Red Star trailer, a DPRK font in a DOCX font table, an ASS
style) and files they must refuse (a zip bomb, a traversal member, a pixel bomb). Every
builder returns bytes; nothing here is read by a scan.
"""

from __future__ import annotations

import io
import struct
import zipfile
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from chainwatch.forensics.detect.redstar import append_marks

_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def jpeg(
    *,
    date: str | None = None,
    offset: str | None = None,
    software: str | None = None,
    description: str | None = None,
    size: tuple[int, int] = (64, 48),
    color: str = "white",
    redstar: list[str] | None = None,
    fmt: str = "JPEG",
) -> bytes:
    """An image (JPEG by default; PNG/TIFF/WEBP via ``fmt``) with EXIF DateTimeOriginal
    ``date`` ("2016:03:01 10:00:00") and OffsetTimeOriginal ``offset`` ("+08:30")."""
    from PIL import Image

    img = Image.new("RGB", size, color)
    exif = img.getexif()
    ifd = exif.get_ifd(0x8769)
    if date:
        ifd[0x9003] = date
        ifd[0x9004] = date
    if offset:
        ifd[0x9011] = offset
        ifd[0x9012] = offset
    if software:
        exif[0x0131] = software
    if description:
        exif[0x010E] = description
    buf = io.BytesIO()
    img.save(buf, fmt, exif=exif.tobytes())
    data = buf.getvalue()
    return append_marks(data, redstar) if redstar else data


def png_pixel_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A PNG whose header claims ``width`` × ``height`` pixels and holds almost no data."""
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def pdf(
    *,
    creation_date: str | None = None,
    producer: str | None = None,
    title: str | None = None,
    text: str | None = None,
    font: str = "Helvetica",
) -> bytes:
    """A one-page PDF; ``creation_date`` in PDF form (``D:20160301100000+08'30'``); ``font``
    becomes the page's /BaseFont and ``text`` (ASCII) its content stream."""
    from pypdf import PdfWriter
    from pypdf.generic import (
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
    )

    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    font_dict = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/" + font.replace(" ", "")),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font_dict})}
    )
    if text:
        stream = DecodedStreamObject()
        safe = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        stream.set_data(f"BT /F1 12 Tf 10 100 Td ({safe}) Tj ET".encode("latin-1", "replace"))
        page[NameObject("/Contents")] = writer._add_object(stream)
    meta = {}
    if creation_date:
        meta["/CreationDate"] = creation_date
    if producer:
        meta["/Producer"] = producer
    if title:
        meta["/Title"] = title
    if meta:
        writer.add_metadata(meta)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def docx(
    *,
    paragraphs: list[str] = (),
    fonts: list[str] = ("Calibri",),
    application: str = "Microsoft Office Word",
    created: str = "2024-01-10T09:00:00Z",
    comments: list[str] = (),
    comment_date: str = "2024-09-01T10:00:00Z",
) -> bytes:
    """A minimal DOCX written with zipfile: document, fontTable, comments, core and app."""
    body = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{escape(p)}</w:t></w:r></w:p>' for p in paragraphs
    )
    parts = {
        "[Content_Types].xml": (
            f'<?xml version="1.0"?><Types xmlns="{_CT}">'
            '<Default Extension="xml" ContentType="application/xml"/></Types>'
        ),
        "word/document.xml": f'<w:document xmlns:w="{_W}"><w:body>{body}</w:body></w:document>',
        "word/fontTable.xml": f'<w:fonts xmlns:w="{_W}">'
        + "".join(f'<w:font w:name="{escape(f)}"/>' for f in fonts)
        + "</w:fonts>",
        "docProps/core.xml": (
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
            'metadata/core-properties" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<dc:creator>artist</dc:creator><dcterms:created>{created}</dcterms:created>"
            "</cp:coreProperties>"
        ),
        "docProps/app.xml": (
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
            f'extended-properties"><Application>{escape(application)}</Application>'
            "</Properties>"
        ),
    }
    if comments:
        parts["word/comments.xml"] = (
            f'<w:comments xmlns:w="{_W}">'
            + "".join(
                f'<w:comment w:id="{i}" w:author="reviewer" w:date="{comment_date}">'
                f"<w:p><w:r><w:t>{escape(c)}</w:t></w:r></w:p></w:comment>"
                for i, c in enumerate(comments)
            )
            + "</w:comments>"
        )
    return zip_of(parts)


def xlsx(*, rows: list[str] = (), application: str = "Microsoft Excel") -> bytes:
    """A minimal XLSX: shared strings hold ``rows`` (one cell each)."""
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    strings = "".join(f"<si><t>{escape(r)}</t></si>" for r in rows)
    return zip_of(
        {
            "[Content_Types].xml": f'<?xml version="1.0"?><Types xmlns="{_CT}"/>',
            "xl/workbook.xml": f'<workbook xmlns="{ns}"/>',
            "xl/sharedStrings.xml": f'<sst xmlns="{ns}">{strings}</sst>',
            "docProps/app.xml": (
                '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
                f'extended-properties"><Application>{escape(application)}</Application>'
                "</Properties>"
            ),
        }
    )


def ass(*, font: str = "Arial", lines: list[str] = ("Hello",)) -> str:
    """An ASS subtitle file whose Default style uses ``font``."""
    events = "".join(
        f"Dialogue: 0,0:00:0{i}.00,0:00:0{i + 1}.00,Default,,0,0,0,,{line}\n"
        for i, line in enumerate(lines)
    )
    return (
        "[Script Info]\nTitle: retakes\nScriptType: v4.00+\n\n[V4+ Styles]\n"
        "Format: Name, Fontname, Fontsize, PrimaryColour\n"
        f"Style: Default,{font},20,&H00FFFFFF\n\n[Events]\n"
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n" + events
    )


def srt(lines: list[str]) -> str:
    return "".join(
        f"{i + 1}\n00:00:0{i},000 --> 00:00:0{i + 1},000\n{line}\n\n"
        for i, line in enumerate(lines)
    )


def mp4(*, created: datetime | None = None, day: str | None = None, encoder: str = "") -> bytes:
    """A tiny MP4 (ftyp + moov/mvhd + udta ©day/©too), enough for the metadata reader."""

    def box(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", 8 + len(body)) + kind + body

    secs = 0
    if created is not None:
        secs = int((created - datetime(1904, 1, 1, tzinfo=UTC)).total_seconds())
    mvhd = box(b"mvhd", b"\x00\x00\x00\x00" + struct.pack(">IIII", secs, secs, 1000, 0) + bytes(80))
    udta = b""
    for kind, value in ((b"\xa9day", day), (b"\xa9too", encoder)):
        if value:
            raw = value.encode("utf-8")
            udta += box(kind, struct.pack(">HH", len(raw), 0) + raw)
    moov = box(b"moov", mvhd + (box(b"udta", udta) if udta else b""))
    return box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41") + moov + box(b"mdat", bytes(64))


def psd(layer_names: list[str]) -> bytes:
    """A PSD with one pixel layer per name (psd-tools writes it)."""
    from PIL import Image
    from psd_tools import PSDImage
    from psd_tools.api.layers import PixelLayer

    doc = PSDImage.new("RGB", (16, 16))
    for name in layer_names:
        layer = PixelLayer.frompil(Image.new("RGB", (16, 16), "red"), doc, "layer")
        doc.append(layer)
        layer.name = name  # set after creation: stored as a Unicode name
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def zip_of(members: dict[str, bytes | str], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A ZIP holding ``members`` exactly as named (``../evil`` included)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, content in members.items():
            zf.writestr(name, content.encode("utf-8") if isinstance(content, str) else content)
    return buf.getvalue()


def zip_bomb(uncompressed: int = 300 * 1024 * 1024) -> bytes:
    """One member of ``uncompressed`` zero bytes (deflates about 1000:1)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("zeros.bin", "w") as f:
        chunk = bytes(1024 * 1024)
        for _ in range(uncompressed // len(chunk)):
            f.write(chunk)
    return buf.getvalue()


def nested_zip(depth: int, inner: bytes = b"deep note") -> bytes:
    """``depth`` zips, each inside the next; the innermost holds ``note.txt``."""
    data = zip_of({"note.txt": inner})
    for i in range(depth - 1):
        data = zip_of({f"level{i + 2}.zip": data})
    return data


_HWP_FMTID = bytes.fromhex("60b6a29f6110d411b4c6006097c09d8c")  # 9FA2B660-1061-11D4-…
_SECTOR = 512
_ENDOFCHAIN, _FATSECT, _FREESECT, _NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF, 0xFFFFFFFF


def _property_set(props: dict[int, str | datetime]) -> bytes:
    """An OLE property set stream (MS-OLEPS) with one section of strings and FILETIMEs."""
    values = b""
    offsets = []
    header_len = 8 + 8 * len(props)
    for pid, value in props.items():
        offsets.append((pid, header_len + len(values)))
        if isinstance(value, datetime):
            ticks = int((value - datetime(1601, 1, 1, tzinfo=UTC)).total_seconds() * 10_000_000)
            values += struct.pack("<IQ", 0x40, ticks)
        else:
            raw = value.encode("utf-16-le") + b"\x00\x00"
            raw += b"\x00" * (-len(raw) % 4)
            values += struct.pack("<II", 0x1F, len(value) + 1) + raw
    body = b"".join(struct.pack("<II", pid, off) for pid, off in offsets) + values
    section = struct.pack("<II", 8 + len(body), len(props)) + body
    head = struct.pack("<HHI", 0xFFFE, 0, 0x00020006) + bytes(16) + struct.pack("<I", 1)
    return head + _HWP_FMTID + struct.pack("<I", 48) + section


def _cfb(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE compound file (v3, 512-byte sectors) holding ``streams`` at the root.
    Every stream is padded to the 4096-byte mini-stream cutoff so all live in the FAT."""
    streams = {k: v + bytes(max(0, 4096 - len(v))) for k, v in streams.items()}
    n_dir_sectors = (len(streams) + 1 + 3) // 4
    fat: list[int] = [_FATSECT]
    fat += [*range(2, 1 + n_dir_sectors), _ENDOFCHAIN]
    starts, body = [], b""
    for data in streams.values():
        count = -(-len(data) // _SECTOR)
        first = len(fat)
        starts.append(first)
        fat += [*range(first + 1, first + count), _ENDOFCHAIN]
        body += data + bytes(count * _SECTOR - len(data))
    if len(fat) > _SECTOR // 4:
        raise ValueError("sample too large for one FAT sector")
    fat_sector = b"".join(struct.pack("<I", x) for x in fat)
    fat_sector += b"\xff" * (_SECTOR - len(fat_sector))

    def entry(name: str, kind: int, right: int, child: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\x00\x00"
        return (
            raw.ljust(64, b"\x00")
            + struct.pack("<HBB", len(raw), kind, 1)
            + struct.pack("<III", _NOSTREAM, right, child)
            + bytes(16 + 4 + 16)
            + struct.pack("<IQ", start, size)
        )

    names = list(streams)
    dirs = entry("Root Entry", 5, _NOSTREAM, 1, _ENDOFCHAIN, 0)
    for i, name in enumerate(names):
        right = i + 2 if i + 1 < len(names) else _NOSTREAM
        dirs += entry(name, 2, right, _NOSTREAM, starts[i], len(streams[name]))
    dirs += bytes(n_dir_sectors * _SECTOR - len(dirs))
    header = (
        bytes.fromhex("d0cf11e0a1b11ae1")
        + bytes(16)
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, _ENDOFCHAIN, 0, _ENDOFCHAIN, 0)
        + struct.pack("<I", 0)
        + b"\xff" * (109 * 4 - 4)
    )
    return header + fat_sector + dirs + body


def hwp(
    *,
    preview: str = "",
    application: str = "Hwp 2018 10.0.0.1234",
    title: str = "",
    created: datetime | None = None,
) -> bytes:
    """An HWP 5 file as far as the extractor reads it: FileHeader, the HWP summary property
    set (title, application, creation time) and the PrvText preview (UTF-16)."""
    props: dict[int, str | datetime] = {18: application}
    if title:
        props[2] = title
    if created is not None:
        props[12] = created
    return _cfb(
        {
            "FileHeader": b"HWP Document File".ljust(256, b"\x00"),
            "\x05HwpSummaryInformation": _property_set(props),
            "PrvText": preview.encode("utf-16-le"),
            "BodyText": b"",
        }
    )
