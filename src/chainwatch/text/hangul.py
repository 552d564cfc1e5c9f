"""Hangul arithmetic and script classes: the small facts every detector here shares.

Unicode composes a Hangul syllable as ``0xAC00 + (initial * 21 + medial) * 28 + final``, so
the rules can ask "does this syllable end in ㄹ" or "is its vowel ㅣ" without a table.
"""

from __future__ import annotations

import re
import unicodedata

S_BASE, S_END = 0xAC00, 0xD7A3
N_MEDIAL, N_FINAL = 21, 28

INITIALS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
MEDIALS = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
FINALS = " ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"

# An eojeol (space-delimited Korean word with its particles) as a run of syllables.
EOJEOL = re.compile(r"[\uac00-\ud7a3]+")


def is_syllable(ch: str) -> bool:
    return S_BASE <= ord(ch) <= S_END


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
def script_of(ch: str) -> str | None:
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
