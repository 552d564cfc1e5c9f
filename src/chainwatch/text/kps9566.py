"""FILE-4: a fast KPS 9566 codec, and the statistical test "KPS 9566 or EUC-KR/CP949?".

The PyPI ``kps9566`` package (MIT, REO2248) holds the mapping but decodes by a linear search
per character. We build byte -> character and character -> byte dicts from its mapping once
per process. Cross-decoding never fails (each encoding turns the other's bytes into
plausible-looking Hangul), so the decision scores both readings with syllable frequencies
derived from the NK-HanDic lexicon and needs a margin and enough syllables.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from chainwatch.errors import ConfigError
from chainwatch.text.hangul import is_syllable
from chainwatch.text.lexicon import load_lexicon

# Mean log-probability per syllable that one reading must beat the other by, and the
# fewest Hangul syllables for a decision (bench/lang_eval.py measures both).
MARGIN = 1.0
MIN_SYLLABLES = 4
# Score of a character that is neither ASCII nor a Hangul syllable (Hanja, symbols, PUA):
# Korean prose has few, a wrong reading many.
OTHER_LOGP = -12.0


@dataclass(frozen=True)
class _Tables:
    decode: dict[bytes, str]
    encode: dict[str, bytes]


@cache
def _tables() -> _Tables:
    try:
        from kps9566.kps9566_mapping import kps9566_mapping
        from kps9566.replace_map import replace_map
    except ImportError:  # pragma: no cover - a dependency of the package
        raise ConfigError("the kps9566 package is not installed (pip install kps9566)") from None
    decode = {seq: ch for ch, seq in kps9566_mapping.items()}
    encode = {**{ch: seq for ch, seq in replace_map.items()}, **kps9566_mapping}
    return _Tables(decode=decode, encode=encode)


def decode_kps9566(data: bytes, errors: str = "strict") -> str:
    """Decode KPS 9566 bytes (ASCII + double-byte); ``errors='replace'`` gives U+FFFD."""
    table = _tables().decode
    out: list[str] = []
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        if b < 0x80:
            out.append(chr(b))
            i += 1
            continue
        ch = table.get(data[i : i + 2])
        if ch is None:
            if errors != "replace":
                raise UnicodeDecodeError("kps9566", data, i, i + 2, "not in KPS 9566")
            out.append("\ufffd")
            i += 1
            continue
        out.append(ch)
        i += 2
    return "".join(out)


def encode_kps9566(text: str, errors: str = "strict") -> bytes:
    """Encode text as KPS 9566 (what DPRK software such as Changdeok writes)."""
    table = _tables().encode
    out = bytearray()
    for pos, ch in enumerate(text):
        if ord(ch) < 0x80:
            out.append(ord(ch))
        elif (seq := table.get(ch)) is not None:
            out += seq
        elif errors == "replace":
            out += b"?"
        else:
            raise UnicodeEncodeError("kps9566", text, pos, pos + 1, "not in KPS 9566")
    return bytes(out)


def korean_score(text: str) -> tuple[float, int]:
    """Mean log-probability per non-ASCII character of a reading, and its Hangul count.

    Hangul syllables score by their frequency in the NK-HanDic lexicon; other non-ASCII
    characters (Hanja, symbols, replacement characters) score ``OTHER_LOGP``.
    """
    lex = load_lexicon()
    total, count, syllables = 0.0, 0, 0
    for ch in text:
        if ord(ch) < 0x80 or ch.isspace():
            continue
        count += 1
        if is_syllable(ch):
            syllables += 1
            total += lex.syllable_score(ch)
        else:
            total += OTHER_LOGP
    return (total / count if count else 0.0), syllables


@dataclass(frozen=True)
class KpsDecision:
    kps9566: bool  # decided: the bytes are KPS 9566
    encoding: str  # "kps9566", "cp949" or "undecided"
    text: str  # the better reading (the CP949 one when undecided and it decodes)
    scores: dict[str, float]  # mean log-probability of each reading
    syllables: int
    clear_winner: str | None = None  # the reading that wins by the margin, however short


def _read(data: bytes, encoding: str) -> str | None:
    try:
        if encoding == "kps9566":
            return decode_kps9566(data)
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def detect_kps9566(data: bytes) -> KpsDecision:
    """Read the bytes as KPS 9566 and as CP949 (a superset of EUC-KR); keep the Korean one.

    Decided only when one reading beats the other by ``MARGIN`` with at least
    ``MIN_SYLLABLES`` Hangul syllables; a reading that fails to decode loses outright.
    """
    readings = {enc: _read(data, enc) for enc in ("kps9566", "cp949")}
    scores: dict[str, float] = {}
    syllables: dict[str, int] = {}
    for enc, text in readings.items():
        if text is not None:
            scores[enc], syllables[enc] = korean_score(text)
    if not scores:
        return KpsDecision(False, "undecided", "", {}, 0)
    best = max(scores, key=lambda e: scores[e])
    n = syllables[best]
    other = [s for e, s in scores.items() if e != best]
    margin_ok = not other or scores[best] - other[0] >= MARGIN
    decided = margin_ok and n >= MIN_SYLLABLES
    text = readings[best] or ""
    return KpsDecision(
        kps9566=decided and best == "kps9566",
        encoding=best if decided else "undecided",
        text=text,
        scores={e: round(s, 4) for e, s in scores.items()},
        syllables=n,
        clear_winner=best if margin_ok and n > 0 else None,
    )
