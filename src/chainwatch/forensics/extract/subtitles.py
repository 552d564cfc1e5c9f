"""Subtitles: SRT (text only) and ASS/SSA (text, plus the fonts named by ``Style:`` lines and
``\\fn`` override tags). Dialogue is where translated retake notes and Korean subtitles show
up, so the text goes to the language detectors; timing lines and override tags do not."""

from __future__ import annotations

import re

from chainwatch.forensics.limits import ScanLimits
from chainwatch.forensics.notes import decode_bytes, head_bytes
from chainwatch.forensics.record import Extracted

_SRT_TIMING = re.compile(r"^\d{1,2}:\d\d:\d\d[,.]\d{1,3}\s*-->")
_OVERRIDE = re.compile(r"\{[^}]*\}")
_FN = re.compile(r"\\fn([^\\}]+)")


def extract_srt(data: bytes, limits: ScanLimits) -> Extracted:
    ex = Extracted()
    text, decoded, encoding = decode_bytes(head_bytes(data, limits.max_text_chars * 4))
    ex.metadata["encoding"] = encoding
    ex.decoded = decoded
    lines = []
    cues = 0
    for line in text.splitlines():
        s = line.strip()
        if not s or s.isdigit():
            continue
        if _SRT_TIMING.match(s):
            cues += 1
            continue
        lines.append(_OVERRIDE.sub("", re.sub(r"</?[ibu]>", "", s)))
    ex.metadata["cues"] = cues
    ex.add_text("\n".join(lines), "SRT cues")
    return ex


def extract_ass(data: bytes, limits: ScanLimits) -> Extracted:
    ex = Extracted()
    text, decoded, encoding = decode_bytes(head_bytes(data, limits.max_text_chars * 4))
    ex.metadata["encoding"] = encoding
    ex.decoded = decoded
    section = ""
    style_format: list[str] = []
    event_format: list[str] = []
    styles: dict[str, str] = {}
    script: dict[str, str] = {}
    dialogue: list[str] = []
    fonts: set[tuple[str, str]] = set()
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("[") and s.endswith("]"):
            section = s.lower()
            continue
        key, sep, value = s.partition(":")
        if not sep:
            continue
        key, value = key.strip().lower(), value.strip()
        if section == "[script info]" and key in ("title", "original script", "scripttype"):
            script[key] = value[:200]
        elif key == "format" and section.startswith("[v4"):
            style_format = [f.strip().lower() for f in value.split(",")]
        elif key == "format" and section == "[events]":
            event_format = [f.strip().lower() for f in value.split(",")]
        elif key == "style":
            parts = [p.strip() for p in value.split(",")]
            at = style_format.index("fontname") if "fontname" in style_format else 1
            if len(parts) > at:
                styles[parts[0]] = parts[at]
                fonts.add(("ASS Style", parts[at]))
        elif key in ("dialogue", "comment"):
            n = len(event_format) or 10
            parts = value.split(",", n - 1)
            body = parts[-1] if len(parts) == n else value
            fonts |= {("ASS \\fn override", f.strip()) for f in _FN.findall(body)}
            dialogue.append(_OVERRIDE.sub("", body).replace("\\N", "\n").replace("\\n", "\n"))
    ex.metadata.update({"script_info": script, "styles": styles, "events": len(dialogue)})
    ex.fonts += sorted(fonts)
    ex.add_text("\n".join(dialogue), "ASS dialogue")
    return ex
