"""Photoshop PSD/PSB: layer names, text layers (their text and fonts), XMP.

Layer names are where artists write notes ("수정 sc12", "修改"), so they go to the text
detectors with the text layers. Fonts come from each type layer's engine data (``FontSet``).
psd-tools (MIT) parses the structure with its own parse limits; pixels are never decoded.
"""

from __future__ import annotations

import io

from psd_tools import PSDImage

from chainwatch.forensics.extract.xmp import add_xmp
from chainwatch.forensics.limits import ScanLimits
from chainwatch.forensics.record import Extracted

_XMP_RESOURCE = 1060
MAX_LAYERS = 5000


def extract_psd(data: bytes, limits: ScanLimits) -> Extracted:
    ex = Extracted()
    psd = PSDImage.open(io.BytesIO(data))
    ex.metadata.update(
        {"width": psd.width, "height": psd.height, "color_mode": str(psd.color_mode)}
    )
    names: list[str] = []
    fonts: set[str] = set()
    for i, layer in enumerate(psd.descendants()):
        if i >= MAX_LAYERS:
            ex.notes.append(f"only the first {MAX_LAYERS} layers read")
            break
        names.append(layer.name)
        if layer.kind == "type":
            try:
                ex.add_text(layer.text or "", "PSD text layer")
                fonts |= _layer_fonts(layer)
            except Exception:  # noqa: BLE001 - a broken type layer is a note
                ex.notes.append(f"text layer {layer.name[:40]!r} unreadable")
    ex.metadata["layers"] = names[:200]
    ex.metadata["layer_count"] = len(names)
    ex.add_text("\n".join(n for n in names if n), "PSD layer names")
    ex.fonts += [("PSD text layer font", f) for f in sorted(fonts)]
    ex.metadata["fonts"] = sorted(fonts)
    resources = psd.image_resources
    if _XMP_RESOURCE in resources:
        add_xmp(ex, resources.get_data(_XMP_RESOURCE))
    return ex


def _layer_fonts(layer) -> set[str]:
    out: set[str] = set()
    rd = layer.resource_dict
    for font in rd.get("FontSet", []) if rd else []:
        name = font.get("Name")
        if name is not None:
            out.add(str(getattr(name, "value", name)).strip("\x00'\" "))
    return out
