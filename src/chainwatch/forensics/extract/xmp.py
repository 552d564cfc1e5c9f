"""XMP packets (images, PDF, PSD): every property as (name, value), then sorted into what
the detectors read: dates, creator tools, font names and descriptive text.

XMP is RDF/XML; properties appear as attributes or as elements (``rdf:Alt``/``rdf:Seq`` lists
of ``rdf:li``). We flatten both without caring about the schema, so a writer's unusual
layout still yields its values. Parsed with defusedxml: no entity expansion, no DTD fetch.
"""

from __future__ import annotations

import re

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from chainwatch.forensics.record import Extracted

_PACKET = re.compile(rb"<x:xmpmeta.*?</x:xmpmeta>|<rdf:RDF.*?</rdf:RDF>", re.S)
_TEXT_PROPS = {"description", "title", "subject", "Headline", "Caption", "Instructions"}
_SOFTWARE_PROPS = {"CreatorTool", "Producer", "Software", "Application"}
_FONT_PROPS = {"fontName", "fontFamily", "fontFace"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def xmp_properties(packet: bytes | str) -> list[tuple[str, str]]:
    """Flat (local name, value) pairs; an unparsable packet yields nothing."""
    raw = packet.encode("utf-8", "replace") if isinstance(packet, str) else packet
    m = _PACKET.search(raw)
    if m is None:
        return []
    try:
        root = ElementTree.fromstring(m.group(0))
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        return []
    out: list[tuple[str, str]] = []
    parents: dict[int, str] = {}
    for el in root.iter():
        name = _local(el.tag)
        for attr, value in el.attrib.items():
            if not attr.startswith("{http://www.w3.org/1999/02/22-rdf-syntax-ns#"):
                out.append((_local(attr), value))
        for child in el:
            parents[id(child)] = (
                name if name not in ("Alt", "Seq", "Bag", "li") else (parents.get(id(el), name))
            )
        text = (el.text or "").strip()
        if text and len(el) == 0:
            key = parents.get(id(el), name) if name == "li" else name
            out.append((key, text))
    return out


def add_xmp(ex: Extracted, packet: bytes | str, where: str = "XMP") -> None:
    props = xmp_properties(packet)
    if not props:
        return
    meta: dict[str, str] = {}
    for name, value in props:
        meta.setdefault(name, value[:500])
        field = f"{where} {name}"
        if "Date" in name or name in ("when", "ModifyDate", "CreateDate"):
            ex.timestamps.append((field, value))
        if name in _SOFTWARE_PROPS or name == "softwareAgent":
            ex.software.append((field, value))
        if name in _FONT_PROPS:
            ex.fonts.append((field, value))
        if name in _TEXT_PROPS:
            ex.add_text(value, field)
    ex.metadata[where.lower()] = meta
