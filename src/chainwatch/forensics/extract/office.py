"""Office Open XML (DOCX, XLSX, PPTX): core and app properties, fonts, comments and text.

Members are read in memory from the ZIP with the same size caps as archives (a DOCX is a
zip, so it can be a zip bomb too), parsed with defusedxml. Fonts come from
``word/fontTable.xml``, the themes (``a:latin``/``a:ea``/``a:cs``/``a:font`` typefaces) and
run properties (``w:rFonts``); the application from ``docProps/app.xml``. A missing part is
normal; a part that is not XML is a note; a file that is not a ZIP is a reject.
"""

from __future__ import annotations

import io
import re
import zipfile

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from chainwatch.forensics.limits import ScanLimits
from chainwatch.forensics.record import Extracted

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_TEXT_PARTS = re.compile(
    r"word/(document|footnotes|endnotes|header\d*|footer\d*)\.xml|xl/sharedStrings\.xml|"
    r"ppt/slides/slide\d+\.xml|ppt/notesSlides/notesSlide\d+\.xml|xl/worksheets/sheet\d+\.xml"
)
_COMMENT_PARTS = re.compile(
    r"word/comments\w*\.xml|xl/comments\d*\.xml|xl/threadedComments/.*\.xml|"
    r"ppt/comments/.*\.xml|ppt/commentAuthors\.xml"
)
_FONT_PARTS = re.compile(r"word/fontTable\.xml|(word|xl|ppt)/theme/theme\d*\.xml|word/styles\.xml")
_TEXT_TAGS = {"t", "instrText"}  # w:t, a:t, x:t
_FONT_ATTRS = {"typeface", "ascii", "hAnsi", "eastAsia", "cs"}
_FONT_TAGS = {"latin", "ea", "cs", "font", "rFonts", "sym"}
_DATE_PROPS = {"created", "modified", "lastPrinted"}
_PEOPLE_PROPS = {"creator", "lastModifiedBy"}


class OfficeTooBig(Exception):
    """A part of the document exceeds the member limits: treated like a zip bomb."""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _read(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: ScanLimits) -> bytes:
    if info.file_size > limits.max_member_bytes:
        raise OfficeTooBig(f"{info.filename} is {info.file_size} bytes uncompressed")
    if (
        info.compress_size
        and info.file_size / info.compress_size > limits.max_ratio
        and (info.file_size > 1024 * 1024)
    ):
        raise OfficeTooBig(f"{info.filename} compression ratio over {limits.max_ratio:g}")
    with zf.open(info) as f:
        data = f.read(limits.max_member_bytes + 1)
    if len(data) > limits.max_member_bytes:
        raise OfficeTooBig(f"{info.filename} inflates past its declared size")
    return data


def _parse(data: bytes, part: str, ex: Extracted):
    try:
        return ElementTree.fromstring(data)
    except (ElementTree.ParseError, DefusedXmlException, ValueError) as exc:
        ex.notes.append(f"{part}: not XML ({exc.__class__.__name__})")
        return None


def extract_office(data: bytes, limits: ScanLimits) -> Extracted:
    ex = Extracted()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = zf.infolist()
        total = sum(i.file_size for i in infos)
        if total > limits.max_archive_total_bytes:
            raise OfficeTooBig(f"{total} bytes uncompressed in all parts")
        fonts: dict[str, str] = {}
        for info in infos:
            name = info.filename
            if name in ("docProps/core.xml", "docProps/app.xml"):
                root = _parse(_read(zf, info, limits), name, ex)
                if root is not None:
                    _properties(root, name, ex)
            elif _FONT_PARTS.fullmatch(name):
                root = _parse(_read(zf, info, limits), name, ex)
                if root is not None:
                    _fonts(root, name, fonts)
            elif _COMMENT_PARTS.fullmatch(name):
                root = _parse(_read(zf, info, limits), name, ex)
                if root is not None:
                    _comments(root, name, ex)
            elif _TEXT_PARTS.fullmatch(name) and len(ex.text) < limits.max_text_chars:
                root = _parse(_read(zf, info, limits), name, ex)
                if root is not None:
                    ex.add_text(_text(root), name)
                    if name == "word/document.xml":
                        _fonts(root, name, fonts)
        ex.fonts += [(part, font) for font, part in sorted(fonts.items())]
        ex.metadata["fonts"] = sorted(fonts)[:100]
        ex.metadata["parts"] = len(infos)
    return ex


def _properties(root, part: str, ex: Extracted) -> None:
    props: dict[str, str] = {}
    for el in root:
        name = _local(el.tag)
        value = (el.text or "").strip()
        if not value:
            continue
        props[name] = value[:500]
        field = f"{part} {name}"
        if name in _DATE_PROPS:
            ex.timestamps.append((field, value))
        elif name in ("Application", "AppVersion", "Template"):
            ex.software.append((field, value))
        elif name in ("title", "subject", "description", "keywords"):
            ex.add_text(value, field)
    key = "core" if part.endswith("core.xml") else "app"
    ex.metadata[key] = props


def _fonts(root, part: str, fonts: dict[str, str]) -> None:
    for el in root.iter():
        tag = _local(el.tag)
        if tag == "font" and f"{_W}name" in el.attrib:
            fonts.setdefault(el.attrib[f"{_W}name"], part)
            continue
        if tag not in _FONT_TAGS:
            continue
        for attr, value in el.attrib.items():
            # "+mj-lt" and the like are theme references, not font names
            if _local(attr) in _FONT_ATTRS and value and not value.startswith("+"):
                fonts.setdefault(value, part)


def _text(root) -> str:
    parts: list[str] = []
    for el in root.iter():
        tag = _local(el.tag)
        if tag in _TEXT_TAGS and el.text:
            parts.append(el.text)
        elif tag in ("p", "br", "si", "row") and parts and parts[-1] != "\n":
            parts.append("\n")
        elif tag == "v" and el.text and not el.text.replace(".", "").isdigit():
            parts.append(el.text)
    return "".join(parts).strip()


def _comments(root, part: str, ex: Extracted) -> None:
    comments = []
    for el in root.iter():
        if _local(el.tag) == "comment" or _local(el.tag) == "threadedComment":
            attrs = {_local(k): v for k, v in el.attrib.items()}
            text = _text(el)
            comments.append({"author": attrs.get("author", ""), "date": attrs.get("date", "")})
            if attrs.get("date") or attrs.get("dT"):
                ex.timestamps.append((f"{part} comment date", attrs.get("date") or attrs["dT"]))
            ex.add_text(text, f"{part} comment")
    if comments:
        ex.metadata.setdefault("comments", []).extend(comments[:100])
