"""Hangul arithmetic and script classes: the small facts every detector here shares.

Unicode composes a Hangul syllable as ``0xAC00 + (initial * 21 + medial) * 28 + final``, so
the rules can ask "does this syllable end in ㄹ" or "is its vowel ㅣ" without a table.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

S_BASE, S_END = 0xAC00, 0xD7A3
N_MEDIAL, N_FINAL = 21, 28

INITIALS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
MEDIALS = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
FINALS = " ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"

# An eojeol (space-delimited Korean word with its particles) as a run of syllables.
EOJEOL = re.compile(r"[\uac00-\ud7a3]+")


def is_syllable(ch: str) -> bool:
    return S_BASE <= ord(ch) <= S_END


@cache  # 11,172 syllables at most; the orthography rules split each one many times
def split_syllable(ch: str) -> tuple[str, str, str]:
    """(initial, medial, final) jamo of one syllable; final is '' when there is none."""
    code = ord(ch) - S_BASE
    initial, rest = divmod(code, N_MEDIAL * N_FINAL)
    medial, final = divmod(rest, N_FINAL)
    return INITIALS[initial], MEDIALS[medial], FINALS[final].strip()


def join_syllable(initial: str, medial: str, final: str = "") -> str:
    code = (INITIALS.index(initial) * N_MEDIAL + MEDIALS.index(medial)) * N_FINAL
    return chr(S_BASE + code + (FINALS.index(final) if final else 0))


def final_of(ch: str) -> str:
    return split_syllable(ch)[2] if is_syllable(ch) else ""


# Script classes used for language identification.
def _script_of(ch: str) -> str | None:
    """'hangul', 'kana', 'han', 'cyrillic', 'latin' or None (digits, punctuation, space)."""
    o = ord(ch)
    if S_BASE <= o <= S_END or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F:
        return "hangul"
    if 0x3040 <= o <= 0x30FF or 0x31F0 <= o <= 0x31FF or 0xFF66 <= o <= 0xFF9D:
        return "kana"
    if (
        0x4E00 <= o <= 0x9FFF
        or 0x3400 <= o <= 0x4DBF
        or 0xF900 <= o <= 0xFAFF
        or 0x20000 <= o <= 0x3134F
    ):
        return "han"
    if 0x0400 <= o <= 0x04FF:
        return "cyrillic"
    if ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN"):
        return "latin"
    return None


class _ScriptTable(dict):
    """``str.translate`` table: character -> one-letter script code, filled on first sight.

    Translating a text with it classifies every character in C instead of a Python call
    per character (the text analyzers' hottest loop); the table only ever holds characters
    already seen, so it stays small.
    """

    def __init__(self, view: dict[str | None, str | None] | None = None):
        super().__init__()
        self.view = view  # script -> replacement (None deletes); absent: keep the character

    def __missing__(self, code: int) -> str | None:
        ch = chr(code)
        script = _script_of(ch)
        value = SCRIPT_CODES[script] if self.view is None else self.view.get(script, ch)
        self[code] = value
        return value


# One letter per script class, for ``script_codes``.
SCRIPT_CODES = {"hangul": "h", "kana": "k", "han": "c", "cyrillic": "y", "latin": "l", None: " "}
_CODE_TABLE = _ScriptTable()
_SCRIPT_BY_CODE = {v: k for k, v in SCRIPT_CODES.items()}


def script_of(ch: str) -> str | None:
    """'hangul', 'kana', 'han', 'cyrillic', 'latin' or None (digits, punctuation, space)."""
    return _SCRIPT_BY_CODE[ch.translate(_CODE_TABLE)]


def script_codes(text: str) -> str:
    """``text`` with each character replaced by its script's letter (``SCRIPT_CODES``)."""
    return text.translate(_CODE_TABLE)


def script_view(keep: str, gap: str | None = " ") -> _ScriptTable:
    """A translate table that keeps the characters of script ``keep``, turns characters of
    no script (spaces, digits, punctuation) into ``gap`` (None: deleted) and deletes every
    other script."""
    others = {k: None for k in SCRIPT_CODES if k not in (keep, None)}
    return _ScriptTable({**others, None: gap})
