"""Which languages a short note is written in, with each one's share of the letters.

Scripts decide the CJK cases outright: Hangul is Korean, Kana marks Japanese (Han characters
in a line with Kana are Japanese too), Han alone is Chinese, split into simplified and
traditional by the characters only one of the two uses (CC-CEDICT's lists, from the
``zhon`` package). Latin and Cyrillic letters go to ``lingua`` (offline, models in the
wheel), restricted to a few languages so that English is not the only answer for Latin text.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

from chainwatch.text.hangul import SCRIPT_CODES, script_codes, script_view

# Fewer Latin/Cyrillic letters than this are too few for a statistical guess.
MIN_LETTERS_FOR_MODEL = 8


@dataclass(frozen=True)
class LanguageShare:
    lang: str  # ko, ja, zh-Hans, zh-Hant, zh, en, ru, ... or und-Latn / und-Cyrl
    share: float  # fraction of the letters in the text
    confidence: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@cache
def _han_sets() -> tuple[frozenset[str], frozenset[str]]:
    """(simplified-only, traditional-only) characters, derived from CC-CEDICT via zhon."""
    from zhon import cedict

    simplified, traditional = set(cedict.simplified), set(cedict.traditional)
    return frozenset(simplified - traditional), frozenset(traditional - simplified)


def chinese_variant(text: str) -> str:
    """'zh-Hans', 'zh-Hant', or 'zh' when the characters are shared by both forms."""
    simp_only, trad_only = _han_sets()
    simp = sum(1 for c in text if c in simp_only)
    trad = sum(1 for c in text if c in trad_only)
    if simp > trad:
        return "zh-Hans"
    if trad > simp:
        return "zh-Hant"
    return "zh"


@cache
def _detector():
    from lingua import Language, LanguageDetectorBuilder

    languages = [
        Language.ENGLISH,
        Language.RUSSIAN,
        Language.UKRAINIAN,
        Language.FRENCH,
        Language.GERMAN,
        Language.SPANISH,
        Language.ITALIAN,
        Language.PORTUGUESE,
        Language.DUTCH,
        Language.POLISH,
        Language.INDONESIAN,
        Language.VIETNAMESE,
    ]
    # High-accuracy mode: lingua loads each language's 1- to 5-gram models the first time a
    # text could be in it (about 1.3 s for the Latin-script ten, 0.3 s for Russian and
    # Ukrainian, once per process). Low-accuracy mode (trigrams only) loads in 0.1 s but got
    # 93.0 % instead of 96.6 % of short strings right (English 85 % instead of 95 %), and
    # called "Fix the shape of the head in this frame." Portuguese (docs/text.md).
    return LanguageDetectorBuilder.from_languages(*languages).build()


def _alphabetic(letters: str, script: str) -> tuple[str, float]:
    if len(letters.replace(" ", "")) < MIN_LETTERS_FOR_MODEL:
        return ("en", 0.5) if script == "latin" else ("ru", 0.5)
    values = _detector().compute_language_confidence_values(letters)
    if not values:
        return ("und-Latn" if script == "latin" else "und-Cyrl"), 0.0
    top = values[0]
    return top.language.iso_code_639_1.name.lower(), float(top.value)


_LATIN = script_view("latin")
_CYRILLIC = script_view("cyrillic")
_HAN = script_view("han", gap=None)


def identify_languages(text: str) -> list[LanguageShare]:
    """Languages of ``text`` by share of letters, largest first (empty without letters)."""
    codes = script_codes(text)  # one letter per character: h k c y l, or a space
    counts = {script: codes.count(code) for script, code in SCRIPT_CODES.items() if script}
    total = sum(counts.values())
    if not total:
        return []
    shares: Counter[str] = Counter()
    confidence: dict[str, float] = {}
    shares["ko"] += counts["hangul"]
    if counts["kana"]:
        shares["ja"] += counts["kana"] + counts["han"]
    elif counts["han"]:
        shares[chinese_variant(text.translate(_HAN))] += counts["han"]
    for script, view in (("latin", _LATIN), ("cyrillic", _CYRILLIC)):
        if counts[script]:
            # The script's letters, each run of other characters (no script) one space;
            # letters of other scripts are skipped without a gap.
            letters = " ".join(text.translate(view).split())
            lang, conf = _alphabetic(letters, script)
            shares[lang] += counts[script]
            confidence[lang] = min(confidence.get(lang, 1.0), conf)
    return [
        LanguageShare(lang, round(n / total, 4), round(confidence.get(lang, 1.0), 4))
        for lang, n in shares.most_common()
        if n
    ]
