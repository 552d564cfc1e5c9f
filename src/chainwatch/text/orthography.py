"""LANG-1: does Korean text follow North Korean or South Korean spelling norms?

Each rule of reference/dprk-signals.md §5.1-5.2 looks for the spelling one norm requires and
the other forbids, on both sides: ``nk`` hits (로동, 되였다, 할가, 《》) and ``sk`` hits (노동,
되었다, 할까, “ ”). Word lists come from NK-HanDic (see ``lexicon.py``); homographs that both
norms spell alike (로고 'logo', 물가 'prices', 경우 'case') are excluded through the same
dictionary. Hit counts feed a logistic model fitted on a tuning split of the Korean
Unification Parallel Corpus (``bench/lang_eval.py`` writes ``orthography_model.json``), so the
score reads as a probability that the text is written to NK norms.

Nothing fired means ``insufficient_evidence``, never "South Korean". An ``nk_norm`` verdict
always carries the Yanbian caveat: Korean written in China follows the same norms.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from chainwatch.text.hangul import EOJEOL, is_syllable, split_syllable
from chainwatch.text.lexicon import Lexicon, load_lexicon

YANBIAN_CAVEAT = (
    "Korean written in China (Yanbian, Joseonjok translators) follows norms close to the "
    "DPRK's, so NK-norm spelling is not proof of DPRK labour: it may show an ethnic-Korean "
    "translator at a Chinese vendor. Quoted DPRK text (news, research) also fires. Combine "
    "with other signals."
)

RULES = {
    "O1": "no initial-sound rule (로동/노동, 력사/역사)",
    "O2": "-여 after ㅣ ㅐ ㅔ ㅚ ㅟ ㅢ (되였다/되었다)",
    "O3": "-ㄹ가 for -ㄹ까 (할가/할까)",
    "O4": "no 사이시옷 (나무잎/나뭇잎)",
    "O5": "-군 for -꾼 (일군/일꾼)",
    "O6": "other spellings (날자/날짜, 빛갈/빛깔)",
    "O7": "bound nouns joined (할수 있다/할 수 있다)",
    "O8": "《 》 quotation marks (《 》/“ ”)",
    "O9": "habitual -군 하다 (하군 했다/하곤 했다)",
    "O10": "우 for 위 (우에/위에)",
    "LOAN": "loanword spelling (콤퓨터, 뜨락또르, 페지)",
}
# The SK side has no LOAN (NK-HanDic gives no SK spelling) and no O6 (its SK spellings are
# mostly words NK writes the same way, see lexicon.py).
FEATURES = [
    f"{side}:{rule}"
    for side in ("nk", "sk")
    for rule in RULES
    if side == "nk" or rule not in ("LOAN", "O6")
]

_O2_VOWELS = set("ㅣㅐㅔㅚㅟㅢ")
_ALL_SYLLABLES = [chr(c) for c in range(0xAC00, 0xD7A4)]
_RIEUL_FINAL = "".join(c for c in _ALL_SYLLABLES if split_syllable(c)[2] == "ㄹ")
_N_OR_L_FINAL = "".join(c for c in _ALL_SYLLABLES if split_syllable(c)[2] in ("ㄴ", "ㄹ"))
# SK writes the bound nouns 수 / 것 apart from the adnominal before them.
_SK_SPACED = re.compile(rf"[{_RIEUL_FINAL}]\s+(수)\s*(?:있|없|밖)|[{_N_OR_L_FINAL}]\s+(것)")
_SK_GON = re.compile(r"[\uac00-\ud7a3](곤)\s?(?:하|했|한|해|합)")
_QUOTES = {"《": ("》", "nk"), "〈": ("〉", "nk"), "“": ("”", "sk"), "‘": ("’", "sk")}
_PARTICLES_AFTER_UP = ("에서", "에는", "에도", "에", "의", "으로", "로")


@dataclass(frozen=True)
class RuleHit:
    rule: str  # O1 ... O10, LOAN
    side: str  # "nk": the NK norm's spelling; "sk": the spelling NK norms forbid
    text: str
    start: int
    end: int

    @property
    def feature(self) -> str:
        return f"{self.side}:{self.rule}"


@dataclass
class OrthographyResult:
    verdict: str  # nk_norm / sk_norm / insufficient_evidence / not_korean
    score: float | None  # P(NK norm) from the fitted model; None when no rule fired
    hangul_syllables: int
    hits: list[RuleHit] = field(default_factory=list)
    caveat: str | None = None

    @property
    def nk_rules(self) -> list[str]:
        return sorted({h.rule for h in self.hits if h.side == "nk"})

    @property
    def sk_rules(self) -> list[str]:
        return sorted({h.rule for h in self.hits if h.side == "sk"})

    def counts(self) -> Counter[str]:
        return Counter(h.feature for h in self.hits)

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "score": None if self.score is None else round(self.score, 4),
            "hangul_syllables": self.hangul_syllables,
            "nk_rules": self.nk_rules,
            "sk_rules": self.sk_rules,
            "hits": [asdict(h) for h in self.hits],
            "caveat": self.caveat,
        }


def _ends_in_noun(word: str, end: int, lex: Lexicon, start: int = 0) -> bool:
    """Is ``word[j:end]`` a common noun for some j >= start (물가, 대여, 장군, 경우)?"""
    return any(word[j:end] in lex.plain_nouns for j in range(start, end - 1))


def _lexicon_hits(word: str, offset: int, lex: Lexicon) -> list[RuleHit]:
    """NK or SK dictionary spellings at the start of an eojeol (longest match wins)."""
    for k in range(min(len(word), 10), 1, -1):
        head = word[:k]
        variant, side = lex.nk_variants.get(head), "nk"
        if variant is None:
            variant, side = lex.sk_variants.get(head), "sk"
        if variant is None:
            continue
        # A longer ordinary word at the same place (이유식, 로체스터) is not this word.
        if any(word[:m] in lex.known_words for m in range(k + 1, len(word) + 1)):
            return []
        # A rare short NK word (리어 俚語) must stand alone or before particles to count.
        if side == "nk" and not variant.common and k < 3 and not _particles(word[k:], lex):
            return []
        return [RuleHit(variant.rule, side, head, offset, offset + k)]
    return []


def _particles(rest: str, lex: Lexicon) -> bool:
    """Is ``rest`` empty, one particle or two (에서는)?"""
    return (
        not rest
        or rest in lex.particles
        or any(rest[:j] in lex.particles and rest[j:] in lex.particles for j in range(1, len(rest)))
    )


def _verb_before_yeot(word: str, i: int, lex: Lexicon) -> bool:
    """Is syllable ``i`` (before 였) the end of a verb stem, not a noun + contracted 이었?

    SK contracts noun + 이었다 to 였다 after a vowel (소리였다, 아이였다), so 였 only shows
    the NK norm after a verb (되였다), honorific 시 (하시였다) or copula 이 after a consonant
    (것이였다).
    """
    ch = word[i]
    if ch == "이":
        return i > 0 and split_syllable(word[i - 1])[2] != "" and word[i - 1] != "이"
    if ch == "되" or (ch == "시" and i > 0):
        return word[: i + 1] not in lex.plain_nouns  # 도시였다 is 'was a city'
    return not any(word[j : i + 1] in lex.plain_nouns for j in range(i + 1))


_AFTER_YEO = set("서야도주보놓버있졌라오나지가")  # 되여서, 되여야, 피여나다, 쉬여가다


def _ending_hits(word: str, offset: int, lex: Lexicon, following: str = "") -> list[RuleHit]:
    """Ending and spacing rules inside one eojeol; ``following`` starts the next eojeol."""
    hits: list[RuleHit] = []
    n = len(word)
    for i, ch in enumerate(word):
        initial, medial, final = split_syllable(ch)
        nxt = word[i + 1] if i + 1 < n else ""
        after = word[i + 2] if i + 2 < n else ""
        # O2: 되였다, 하시였다, 것이였다 (NK) vs 되었다, 것이었다 (SK).
        if not final and medial in _O2_VOWELS and nxt:
            if (
                nxt == "였"
                and _verb_before_yeot(word, i, lex)
                or (
                    nxt == "여"
                    and ch not in "이시"  # vocative 조국이여, 님이시여 is standard in both
                    and (after == "" or after in _AFTER_YEO)  # not 귀여운 (귀엽다)
                    and not _ends_in_noun(word, i + 2, lex)  # 대여, 기여, 참여
                )
            ):
                hits.append(RuleHit("O2", "nk", word[i : i + 2], offset + i, offset + i + 2))
            elif nxt in "었어" and ch not in "시기지" and (nxt == "었" or ch != "이"):
                # not 이어/지어 (잇다, 짓다: ㅅ-irregular in both norms), 시어머니, 기어(gear)
                if ch == "이" and (i == 0 or split_syllable(word[i - 1])[2] == ""):
                    continue
                if not _ends_in_noun(word, i + 2, lex):
                    hits.append(RuleHit("O2", "sk", word[i : i + 2], offset + i, offset + i + 2))
        # O3: 할가, 않을가 (NK) vs 할까 (SK), at the end of the eojeol or before 요.
        if final == "ㄹ" and nxt in ("가", "까") and after in ("", "요"):
            if nxt == "까":
                hits.append(RuleHit("O3", "sk", word[i : i + 2], offset + i, offset + i + 2))
            elif not _ends_in_noun(word, i + 2, lex):  # 물가, 길가, 일가
                hits.append(RuleHit("O3", "nk", word[i : i + 2], offset + i, offset + i + 2))
        if final == "ㄹ" and word[i + 1 : i + 3] in ("소냐", "쏘냐"):  # 할소냐 / 할쏘냐
            side = "nk" if nxt == "소" else "sk"
            hits.append(RuleHit("O3", side, word[i : i + 3], offset + i, offset + i + 3))
        # O7: 할수 있다, 하는것이 (NK) - the bound noun glued to the adnominal before it.
        if i > 0:
            prev_final = split_syllable(word[i - 1])[2]
            then = nxt or following  # 할수있다 or 할수 있다
            glued = (ch == "수" and prev_final == "ㄹ" and then in ("있", "없", "밖")) or (
                ch == "것" and prev_final in ("ㄴ", "ㄹ")
            )
            if glued and not _ends_in_noun(word, i + 1, lex) and word[: i + 1] not in lex.words:
                hits.append(
                    RuleHit("O7", "nk", word[i - 1 : i + 1], offset + i - 1, offset + i + 1)
                )
        # O9: 하군 했다 (NK habitual -군 하다) vs 하곤 했다 (SK).
        habitual = ch == "군" and i > 0 and nxt in ("하", "했", "한", "해", "합")
        if habitual and not _ends_in_noun(word, i + 1, lex):  # 장군, 해군
            hits.append(RuleHit("O9", "nk", word[i - 1 : i + 2], offset + i - 1, offset + i + 2))
    # O10: 방우에, 우에서 (NK 우 'top') vs 위에 (SK).
    for particle in _PARTICLES_AFTER_UP:
        if n > len(particle) and word.endswith(particle):
            stem = word[: -len(particle)]
            last, head = stem[-1], stem[:-1]
            if last in "우위" and (
                head == "" or (stem not in lex.plain_words and head in lex.plain_nouns)
            ):
                side = "nk" if last == "우" else "sk"
                at = len(stem) - 1
                hits.append(RuleHit("O10", side, word[at:], offset + at, offset + n))
            break
    return hits


def _quote_hits(text: str) -> list[RuleHit]:
    """O8: 《 》 and 〈 〉 around Korean (NK) vs “ ” and ‘ ’ around Korean (SK)."""
    hits = []
    for opener, (closer, side) in _QUOTES.items():
        for m in re.finditer(
            re.escape(opener) + r"([^" + re.escape(closer) + r"\n]{1,200})" + re.escape(closer),
            text,
        ):
            if any(is_syllable(c) for c in m.group(1)):
                hits.append(RuleHit("O8", side, m.group(0), m.start(), m.end()))
    return hits


@lru_cache(maxsize=1 << 16)
def _word_hits(word: str, following: str) -> tuple[tuple[str, str, str, int, int], ...]:
    """The dictionary and ending hits of one eojeol (offsets from its start), remembered:
    a document's lines are scored alone and again as the whole text, and common words recur."""
    lex = load_lexicon()
    found = _lexicon_hits(word, 0, lex) + _ending_hits(word, 0, lex, following)
    return tuple((h.rule, h.side, h.text, h.start, h.end) for h in found)


def find_hits(text: str) -> list[RuleHit]:
    """Every NK-norm and SK-norm spelling in the text, with offsets into ``text``."""
    lex = load_lexicon()
    hits: list[RuleHit] = []
    words = list(EOJEOL.finditer(text))
    for k, m in enumerate(words):
        word, offset = m.group(), m.start()
        following = ""
        if k + 1 < len(words) and not text[m.end() : words[k + 1].start()].strip():
            following = words[k + 1].group()[0]
        for rule, side, hit, start, end in _word_hits(word, following):
            hits.append(RuleHit(rule, side, hit, offset + start, offset + end))
    for m in _SK_SPACED.finditer(text):
        g = 1 if m.group(1) else 2
        hits.append(RuleHit("O7", "sk", m.group(0), m.start(), m.end(g)))
    for m in _SK_GON.finditer(text):
        if text[m.start() : m.end(1)] in lex.plain_nouns:  # 피곤해 is 'tired'
            continue
        hits.append(RuleHit("O9", "sk", m.group(0), m.start(), m.end()))
    hits += _quote_hits(text)
    return sorted(hits, key=lambda h: (h.start, h.rule))


def features(hits: list[RuleHit]) -> list[float]:
    """log(1 + count) per side:rule, in ``FEATURES`` order: the model's input."""
    counts = Counter(h.feature for h in hits)
    return [math.log1p(counts.get(name, 0)) for name in FEATURES]


@cache
def load_model() -> dict[str, Any]:
    """Coefficients fitted by bench/lang_eval.py on the tuning split (never the held-out)."""
    path = resources.files("chainwatch.text") / "orthography_model.json"
    return json.loads(path.read_text("utf-8"))


def nk_probability(hits: list[RuleHit], model: dict[str, Any] | None = None) -> float:
    model = model or load_model()
    weights = model["weights"]
    z = model["intercept"] + sum(
        weights.get(name, 0.0) * x for name, x in zip(FEATURES, features(hits), strict=True)
    )
    return 1.0 / (1.0 + math.exp(-z))


_SYLLABLE_RUNS = re.compile(r"[\uac00-\ud7a3]+")


def score_orthography(text: str, model: dict[str, Any] | None = None) -> OrthographyResult:
    """Verdict, calibrated score and evidence for one text (a note, a line, a document)."""
    syllables = len(text) - len(_SYLLABLE_RUNS.sub("", text))
    if syllables == 0:
        return OrthographyResult("not_korean", None, 0)
    hits = find_hits(text)
    if not hits:  # the model's base rate says nothing about this text
        return OrthographyResult("insufficient_evidence", None, syllables)
    score = nk_probability(hits, model)
    has_nk = any(h.side == "nk" for h in hits)
    has_sk = any(h.side == "sk" for h in hits)
    if has_nk and score >= 0.5:
        verdict = "nk_norm"
    elif has_sk and score < 0.5:
        verdict = "sk_norm"
    else:
        verdict = "insufficient_evidence"
    caveat = YANBIAN_CAVEAT if verdict == "nk_norm" else None
    return OrthographyResult(verdict, score, syllables, hits, caveat)
