"""Bytes to text for notes of unknown origin, deciding KPS 9566 on the way (FILE-4).

Order: a byte-order mark; strict UTF-8; then the Korean test (KPS 9566 vs CP949, which
``charset-normalizer`` does not know about); then ``charset-normalizer`` for everything
else (GB18030, Big5, Shift-JIS, single-byte code pages).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from typing import Any

from chainwatch.errors import InputError
from chainwatch.text.hangul import script_of
from chainwatch.text.kps9566 import detect_kps9566

# A reading whose mean log-probability per non-ASCII character is below this is not Korean
# (Korean prose scores about -5.5 to -6.5; a cross-decoding about -11; Chinese read as
# CP949 about -10).
KOREAN_FLOOR = -8.5

_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str
    kps9566: bool  # decided as KPS 9566 (the FILE-4 signal)
    scores: dict[str, float] = field(default_factory=dict)  # per candidate reading
    method: str = ""  # bom / utf-8 / korean-test / charset-normalizer

    def to_dict(self) -> dict[str, Any]:
        return {
            "encoding": self.encoding,
            "kps9566": self.kps9566,
            "scores": dict(self.scores),
            "method": self.method,
            "chars": len(self.text),
        }


def _penalty(encoding: str, text: str) -> float:
    """Re-rank charset-normalizer's near-ties for short notes.

    Japanese text without any full-width Kana, or with half-width Katakana, is a misreading
    (Big5 Chinese read as Shift-JIS gives ｽﾐｭﾗｧ), and a Mac or 2004 variant of a code page is
    rarer than the code page itself.
    """
    penalty = 0.0
    if any(k in encoding for k in ("shift_jis", "cp932", "euc_jp", "iso2022_jp")):
        half_width = any("\uff61" <= c <= "\uff9f" for c in text)
        kana = any(script_of(c) == "kana" and not "\uff61" <= c <= "\uff9f" for c in text)
        if half_width or not kana:
            penalty += 1.0
    if encoding.startswith("mac_") or encoding.endswith("_2004"):
        penalty += 0.01
    return penalty


def _pick(matches: list) -> Any:
    if not matches:
        return None
    ranked = sorted(
        enumerate(matches),
        key=lambda im: (
            im[1].chaos + _penalty(im[1].encoding, str(im[1])),
            -im[1].coherence,
            im[0],
        ),
    )
    return ranked[0][1]


def decode_text(data: bytes) -> DecodedText:
    """Pick the encoding of arbitrary text bytes and say whether KPS 9566 was decided."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return DecodedText(data.decode(encoding), encoding, False, method="bom")
            except UnicodeDecodeError:
                break
    try:
        return DecodedText(data.decode("utf-8"), "utf-8", False, method="utf-8")
    except UnicodeDecodeError:
        pass
    korean = detect_kps9566(data)
    if korean.encoding != "undecided" and korean.scores[korean.encoding] >= KOREAN_FLOOR:
        return DecodedText(
            korean.text, korean.encoding, korean.kps9566, korean.scores, "korean-test"
        )
    if korean.clear_winner and korean.scores[korean.clear_winner] >= KOREAN_FLOOR:
        # Korean, but too few syllables to call FILE-4: keep the better reading, no signal.
        return DecodedText(
            korean.text, korean.clear_winner, False, korean.scores, "korean-test (too short)"
        )
    from charset_normalizer import from_bytes

    best = _pick(list(from_bytes(data)))
    if best is None:
        raise InputError("cannot decode the text: no encoding reads it (binary file?)")
    return DecodedText(str(best), best.encoding, False, korean.scores, "charset-normalizer")
