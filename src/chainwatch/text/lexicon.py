"""The NK-HanDic lexicon, read straight from the ``nkhandic`` package without MeCab.

NK-HanDic (BSD-3-Clause, Yoshinori Sugai) ships as a compiled MeCab dictionary whose feature
block is plain CSV: field 6 is the surface form, field 7 the Hanja, field 11 the flag
``&북한어`` and field 12 a gloss such as ``‘노동’의 북한어.`` that names the South Korean
spelling. Reading that block gives every NK/SK spelling pair the dictionary knows, so the
orthography rules use a word list derived from data (no hand-typed tables) and no MeCab.

Deriving the lexicon from the block takes about 1.3 s, so the result is kept on disk after
the first build (``lexicon-<key>.json`` in the user cache dir, see :func:`load_lexicon`) and
read back in about 0.1 s by every later process; within a process it is built or read once.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
import math
import os
import re
import struct
import tempfile
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path

from chainwatch.errors import ConfigError
from chainwatch.text import hangul
from chainwatch.text.hangul import is_syllable, join_syllable, split_syllable

NK_FLAG = "&북한어"
_GLOSS = re.compile(r"^‘([\uac00-\ud7a3]+)’의 북한어\.?$")
_YOTIZED = set("ㅑㅒㅕㅖㅛㅠㅣ")  # vowels before which ㄹ/ㄴ drop (두음법칙)


@dataclass(frozen=True)
class Variant:
    """One North Korean spelling with the South Korean spelling NK-HanDic gives for it."""

    nk: str
    sk: str  # "" for a loanword whose SK spelling the dictionary does not give
    rule: str  # O1 initial-sound rule, O4 사이시옷, O5 -군/-꾼, O6 other spelling, LOAN
    hanja: str | None
    common: bool  # the SK spelling is a graded (basic-vocabulary) word with the same Hanja


@dataclass(frozen=True)
class Lexicon:
    version: str
    entries: int
    nk_variants: dict[str, Variant]  # NK spelling -> variant
    sk_variants: dict[str, Variant]  # SK spelling -> variant (the NK text would not use it)
    words: frozenset[str]  # every surface form the dictionary knows (either norm)
    plain_words: frozenset[str]  # surfaces with an unflagged, non-proper entry (either norm)
    plain_nouns: frozenset[str]  # the same, common nouns only (물가, 경우, 대여...)
    known_words: frozenset[str]  # surfaces with any unflagged entry, names included (로마)
    particles: frozenset[str]  # case and auxiliary particles (이, 를, 에서, 에게...)
    syllable_logp: dict[str, float]  # log-probability of each syllable in the lexicon
    unseen_logp: float

    def syllable_score(self, ch: str) -> float:
        return self.syllable_logp.get(ch, self.unseen_logp)


def apply_initial_sound_rule(syllable: str) -> str:
    """The South Korean spelling of a word-initial Sino-Korean syllable (리 -> 이, 로 -> 노)."""
    initial, medial, final = split_syllable(syllable)
    if initial == "ㄹ":
        return join_syllable("ㅇ" if medial in _YOTIZED else "ㄴ", medial, final)
    if initial == "ㄴ" and medial in _YOTIZED:
        return join_syllable("ㅇ", medial, final)
    return syllable


def _differs_by_one_jamo(a: str, b: str) -> bool:
    ja, jb = split_syllable(a), split_syllable(b)
    return sum(x != y for x, y in zip(ja, jb, strict=True)) == 1


def classify_pair(nk: str, sk: str, hanja: str | None) -> str | None:
    """Which orthography rule separates an NK spelling from its SK spelling, if one does."""
    if len(nk) != len(sk) or len(nk) < 2 or nk == sk:
        return None
    if not all(is_syllable(c) for c in nk + sk):
        return None
    diff = [i for i, (a, b) in enumerate(zip(nk, sk, strict=True)) if a != b]
    if diff == [0] and hanja and apply_initial_sound_rule(nk[0]) == sk[0]:
        return "O1"
    if len(diff) != 1:
        return None
    i = diff[0]
    ni, nm, nf = split_syllable(nk[i])
    si, sm, sf = split_syllable(sk[i])
    if i < len(nk) - 1 and sf == "ㅅ" and nf == "" and (ni, nm) == (si, sm):
        return "O4"
    if i == len(nk) - 1 and nk[i] == "군" and sk[i] == "꾼":
        return "O5"
    if _differs_by_one_jamo(nk[i], sk[i]):
        return "O6"
    return None


def _dicdir() -> Path:
    spec = importlib.util.find_spec("nkhandic")  # no import: the package imports MeCab
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError("the nkhandic package is not installed (pip install nkhandic)")
    return Path(list(spec.submodule_search_locations)[0]) / "dicdir"


def _feature_lines(sys_dic: Path) -> list[str]:
    """The CSV feature strings of a compiled MeCab dictionary (header: 10 uint32 + charset)."""
    data = sys_dic.read_bytes()
    _magic, _ver, _typ, _lex, _l, _r, dsize, tsize, fsize, _d = struct.unpack("<10I", data[:40])
    start = 72 + dsize + tsize
    return data[start : start + fsize].decode("utf-8").split("\0")


_GRADE = {"A": 0, "B": 1, "C": 2}
_FOREIGN = re.compile(r"^[A-Za-z\u0400-\u04ff][A-Za-z\u0400-\u04ff .'-]+$")


@dataclass(frozen=True)
class _Entry:
    hanja: str | None
    flagged: bool
    grade: int  # 0 = most basic (A) ... 3 = ungraded
    proper: bool
    noun: bool
    person: bool  # a given name or surname (a homograph that proves nothing)


def _same_hanja(a: str | None, b: str | None) -> bool:
    """Equal Hanja spellings; NFC folds the reading-specific compatibility ideographs (女/女)."""
    return (a and unicodedata.normalize("NFC", a)) == (b and unicodedata.normalize("NFC", b))


def _has_other_use(entries: list[_Entry]) -> bool:
    return any(not e.flagged and not e.person for e in entries)


def _top_plain(entries: list[_Entry]) -> _Entry | None:
    """The most basic unflagged, non-proper-noun entry for a spelling, if any."""
    plain = [e for e in entries if not e.flagged and not e.proper]
    return min(plain, key=lambda e: e.grade) if plain else None


def build_lexicon() -> Lexicon:
    """Read NK-HanDic and derive the spelling pairs and syllable frequencies (no cache)."""
    dicdir = _dicdir()
    lines = _feature_lines(dicdir / "sys.dic")
    words: set[str] = set()
    entries: dict[str, list[_Entry]] = {}
    pairs: list[tuple[str, str, str | None]] = []
    loans: list[str] = []
    particles: set[str] = set()
    for row in csv.reader(lines):
        if len(row) < 11:
            continue
        surface = row[6]
        words.add(surface)
        flagged = len(row) > 11 and row[11] == NK_FLAG
        hanja = None if row[7] == "*" else row[7]
        entries.setdefault(surface, []).append(
            _Entry(
                hanja,
                flagged,
                _GRADE.get(row[9], 3),
                row[10] == "NNP",
                row[10] == "NNG",
                row[10] == "NNP" and row[2] in ("名", "姓"),
            )
        )
        if row[10].startswith("J") and all(is_syllable(c) for c in surface):
            particles.add(surface)
        if not flagged or row[0] != "Noun":
            continue
        if len(row) > 12 and (m := _GLOSS.match(row[12])):
            pairs.append((surface, m.group(1), hanja))
        elif hanja is None and _FOREIGN.match(row[8]) and len(surface) >= 2:
            loans.append(surface)  # e.g. 콤퓨터 (computer), 페지 (page), 뜨락또르 (traktor)
    nk_variants: dict[str, Variant] = {}
    sk_variants: dict[str, Variant] = {}
    for nk, sk, hanja in pairs:
        rule = classify_pair(nk, sk, hanja)
        # A spelling both norms use for another word (로고 'logo', 로마 'Rome' beside NK 로고
        # 勞苦, 로마 路馬) proves nothing; a person called 리유 does not count as such a word.
        if rule is None or _has_other_use(entries[nk]):
            continue
        # The SK spelling counts when its most basic meaning is this same word in the
        # basic vocabulary (노동 勞動), not a rare or different word (유대 紐帶, 연기 演技).
        top = _top_plain(entries.get(sk, []))
        common = top is not None and top.grade < 3 and _same_hanja(top.hanja, hanja)
        variant = Variant(nk=nk, sk=sk, rule=rule, hanja=hanja, common=common)
        if nk not in nk_variants or (common and not nk_variants[nk].common):
            nk_variants[nk] = variant
        # O6 pairs are mostly rare NK variants of words NK also spells the SK way (마지막).
        if common and rule != "O6" and not any(e.proper for e in entries[sk]):
            sk_variants.setdefault(sk, variant)
    for word in loans:
        if word not in nk_variants and not _has_other_use(entries[word]):
            nk_variants[word] = Variant(nk=word, sk="", rule="LOAN", hanja=None, common=False)
    # Syllable frequency over the distinct spellings: a common syllable is in many words.
    syllables = Counter({c: n for c, n in Counter("".join(words)).items() if is_syllable(c)})
    total = sum(syllables.values()) + len(syllables) + 1
    logp = {s: math.log((n + 1) / total) for s, n in syllables.items()}
    version_file = dicdir / "version"
    dic_version = version_file.read_text("utf-8").strip() if version_file.exists() else "?"
    return Lexicon(
        version=f"nkhandic {metadata.version('nkhandic')} (dictionary {dic_version})",
        entries=len(lines),
        nk_variants=nk_variants,
        sk_variants=sk_variants,
        words=frozenset(words),
        plain_words=frozenset(w for w, es in entries.items() if _top_plain(es) is not None),
        known_words=frozenset(w for w, es in entries.items() if _has_other_use(es)),
        particles=frozenset(particles),
        plain_nouns=frozenset(
            w for w, es in entries.items() if any(e.noun and not e.flagged for e in es)
        ),
        syllable_logp=logp,
        unseen_logp=math.log(1 / total),
    )


# --- The on-disk cache -------------------------------------------------------------------
#
# Where: the user cache dir (platformdirs: ~/.cache/chainwatch on Linux, $XDG_CACHE_HOME
# honoured), not $CHAINWATCH_HOME: the lexicon depends only on the installed nkhandic and on
# this code, not on a registry, so every data dir (each test, each demo run) shares one copy.
# Key: the nkhandic version, sys.dic's size and mtime, and a hash of the code that derives
# the lexicon (this module and hangul.py): any change makes a new file name, so a stale
# cache is never read. Written to a temporary file and renamed, so a reader never sees half
# a file; anything unreadable, corrupt or of another format is rebuilt, never raised.

CACHE_FORMAT = 1


def cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("chainwatch", appauthor=False))


def cache_key() -> str:
    """Changes whenever the dictionary or the code that derives the lexicon changes."""
    sys_dic = _dicdir() / "sys.dic"
    st = sys_dic.stat()
    digest = hashlib.sha256()
    digest.update(f"{CACHE_FORMAT}|{metadata.version('nkhandic')}|{st.st_size}|".encode())
    digest.update(f"{st.st_mtime_ns}|".encode())
    for module_file in (__file__, hangul.__file__):
        digest.update(Path(module_file).read_bytes())
    return digest.hexdigest()[:24]


def _variant_row(v: Variant) -> list:
    return [v.nk, v.sk, v.rule, v.hanja, v.common]


def _variant(row: list) -> Variant:
    nk, sk, rule, hanja, common = row
    if not (isinstance(nk, str) and isinstance(sk, str) and isinstance(rule, str)):
        raise ValueError("bad variant")
    if not (hanja is None or isinstance(hanja, str)) or not isinstance(common, bool):
        raise ValueError("bad variant")
    return Variant(nk=nk, sk=sk, rule=rule, hanja=hanja, common=common)


_WORD_SETS = ("words", "plain_words", "plain_nouns", "known_words", "particles")


def lexicon_to_json(lex: Lexicon, key: str) -> str:
    """A compact JSON form: each word set as one newline-joined string (fast to read back)."""
    data = {
        "format": CACHE_FORMAT,
        "key": key,
        "version": lex.version,
        "entries": lex.entries,
        **{name: "\n".join(sorted(getattr(lex, name))) for name in _WORD_SETS},
        "nk_variants": [_variant_row(v) for v in lex.nk_variants.values()],
        "sk_variants": [[sk, *_variant_row(v)] for sk, v in lex.sk_variants.items()],
        "syllable_logp": lex.syllable_logp,
        "unseen_logp": lex.unseen_logp,
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def lexicon_from_json(text: str, key: str) -> Lexicon:
    """The lexicon :func:`lexicon_to_json` wrote; ``ValueError`` for anything else."""
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT or data.get("key") != key:
        raise ValueError("another format or key")
    sets = {
        name: frozenset(data[name].split("\n")) if data[name] else frozenset()
        for name in _WORD_SETS
    }
    nk_variants = {}
    for row in data["nk_variants"]:
        variant = _variant(row)
        nk_variants[variant.nk] = variant
    sk_variants = {row[0]: _variant(row[1:]) for row in data["sk_variants"]}
    logp = data["syllable_logp"]
    if not isinstance(logp, dict) or not all(isinstance(v, float) for v in logp.values()):
        raise ValueError("bad syllable table")
    unseen = data["unseen_logp"]
    if not isinstance(unseen, float) or not isinstance(data["entries"], int):
        raise ValueError("bad numbers")
    return Lexicon(
        version=str(data["version"]),
        entries=data["entries"],
        nk_variants=nk_variants,
        sk_variants=sk_variants,
        syllable_logp=logp,
        unseen_logp=unseen,
        **sets,
    )


def cached_lexicon(directory: Path | None = None) -> Lexicon:
    """The lexicon from ``directory`` (default :func:`cache_dir`), built and saved there first
    when the file is missing, stale or unreadable. A cache that cannot be written (read-only
    home) only costs the build: the lexicon is still returned."""
    directory = cache_dir() if directory is None else directory
    key = cache_key()
    path = directory / f"lexicon-{key}.json"
    try:
        return lexicon_from_json(path.read_text("utf-8"), key)
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        pass  # missing, corrupt or from another format: build it again
    lex = build_lexicon()
    try:
        _write_atomically(path, lexicon_to_json(lex, key))
        for stale in directory.glob("lexicon-*.json"):
            if stale != path:
                stale.unlink(missing_ok=True)
    except OSError:
        pass
    return lex


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".lexicon-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@cache
def load_lexicon() -> Lexicon:
    """NK-HanDic's spelling pairs and syllable frequencies, once per process: read from the
    on-disk cache (:func:`cached_lexicon`), built from the dictionary when there is none."""
    return cached_lexicon()
