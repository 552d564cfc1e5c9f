"""Name normalization for screening: the comparable form of one Latin-script name.

A name becomes a ``NormName``: lower-case ASCII tokens (NFKD with combining marks dropped),
each tagged with a class that sets how much it weighs in the scorer. The classes follow the
symbol categories of nomenklatura logic-v2 (reference §1.2: ORG_CLASS, INITIAL, NUMERIC,
LOCATION, stopwords at reduced weight) and the reference's conclusion (§6.4) that in this
domain the generic words (STUDIO, ANIMATION, CARTOON, TRADING, CO LTD...) must weigh little,
or "Pixel Animation Studio Ltd" scores 82 against SEK STUDIO's alias.

Nothing is deleted: a legal form is kept as a LEGAL token (canonical spelling, so "CO., LTD."
and "LIMITED" compare equal) and the scorer gives it a low weight, so "LTD" against nothing
costs almost nothing while "LTD" against "LTD" still agrees. Tokens are a multiset: order is
the scorer's business (it aligns parts without regard to order, §1.5 "reversed Putin").

Apostrophes vanish instead of splitting, so OFAC's McCune-Reischauer breves ("Myo'ng-Ch'o'l",
§6.1) reduce to plain MR ("myong chol"); hyphens split, so MYONG-CHOL equals MYONG CHOL and the
scorer re-joins adjacent parts for MYONGCHOL. Dotted acronyms ("S.E.K.") are closed up.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# token classes
NORMAL = "normal"
GENERIC = "generic"
LEGAL = "legal"
LOCATION = "location"
STOP = "stop"
INITIAL = "initial"
NUMERIC = "numeric"

#: How much a token of each class weighs in the scorer's weighted average.
WEIGHTS: dict[str, float] = {
    NORMAL: 1.0,
    NUMERIC: 1.0,
    LOCATION: 0.5,
    INITIAL: 0.5,
    GENERIC: 0.25,
    STOP: 0.15,
    LEGAL: 0.1,
}

# single tokens that are legal forms -> canonical spelling
_LEGAL_TOKENS: dict[str, str] = {
    "ltd": "ltd",
    "limited": "ltd",
    "ltda": "ltd",
    "co": "co",
    "corp": "corp",
    "corporation": "corp",
    "inc": "inc",
    "incorporated": "inc",
    "llc": "llc",
    "llp": "llp",
    "lp": "lp",
    "plc": "plc",
    "gmbh": "gmbh",
    "ag": "ag",
    "kg": "kg",
    "sa": "sa",
    "sarl": "sarl",
    "sas": "sas",
    "srl": "srl",
    "spa": "spa",
    "bv": "bv",
    "nv": "nv",
    "pte": "pte",
    "pvt": "pvt",
    "pty": "pty",
    "jsc": "jsc",
    "ojsc": "jsc",
    "cjsc": "jsc",
    "pjsc": "jsc",
    "oao": "jsc",
    "zao": "jsc",
    "pao": "jsc",
    "ao": "jsc",
    "ooo": "llc",
    "tov": "llc",
    "kk": "kk",
    "bhd": "bhd",
    "sdn": "sdn",
    "tbk": "tbk",
    "fze": "fze",
    "fzco": "fze",
    "fzc": "fze",
    "fzllc": "fze",
    "wll": "wll",
    "est": "est",
    "establishment": "est",
    "cc": "cc",
    "ab": "ab",
    "oy": "oy",
    "sro": "sro",
    "kft": "kft",
    "spzoo": "llc",
    "eood": "llc",
    "ood": "llc",
    "doo": "llc",
    "sprl": "sprl",
    "cia": "co",
    "cie": "co",
    "compagnie": "co",
    "sociedad": "co",
    "company": "co",
    "companies": "co",
    "hoesa": "co",
    "gongsi": "co",
    "youxiangongsi": "ltd",
    "jusikhoesa": "ltd",
    # original-script legal forms (§6.1: EU lists carry Hangul; Chinese registrations use Han)
    "有限公司": "ltd",
    "有限责任公司": "ltd",
    "股份有限公司": "ltd",
    "公司": "co",
    "株式会社": "kk",
    "주식회사": "ltd",
    "(주)": "ltd",
    "㈜": "ltd",
    "유한회사": "ltd",
    "회사": "co",
    "总公司": "corp",
    "총회사": "corp",
}

# multi-token legal forms, matched longest first -> canonical spelling
_LEGAL_PHRASES: dict[tuple[str, ...], str] = {
    ("co", "ltd"): "ltd",
    ("co", "limited"): "ltd",
    ("company", "limited"): "ltd",
    ("pte", "ltd"): "ltd",
    ("pvt", "ltd"): "ltd",
    ("private", "limited"): "ltd",
    ("pty", "ltd"): "ltd",
    ("sdn", "bhd"): "bhd",
    ("s", "a"): "sa",
    ("s", "a", "r", "l"): "sarl",
    ("l", "l", "c"): "llc",
    ("limited", "liability", "company"): "llc",
    ("limited", "liability", "partnership"): "llp",
    ("joint", "stock", "company"): "jsc",
    ("public", "joint", "stock", "company"): "jsc",
    ("closed", "joint", "stock", "company"): "jsc",
    ("open", "joint", "stock", "company"): "jsc",
    ("sp", "z", "o", "o"): "llc",
    ("s", "r", "o"): "sro",
    ("d", "o", "o"): "llc",
    ("fz", "llc"): "fze",
    ("fz", "co"): "fze",
    ("co", "inc"): "inc",
    ("gmbh", "co", "kg"): "gmbh",
    ("youxian", "gongsi"): "ltd",
    ("jusik", "hoesa"): "ltd",
    ("kabushiki", "kaisha"): "kk",
}
_MAX_PHRASE = max(len(p) for p in _LEGAL_PHRASES)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Words that describe a trade, not a party: they must not carry a match (§6.4, §1.5 #211).
GENERIC_WORDS: frozenset[str] = _words(
    """
    animation animations animated studio studios film films filmo cartoon cartoons trading trade
    traders group groups international intl development developments
    technology technologies tech cultural culture media holding holdings general import export
    imports exports industrial industry industries enterprise enterprises investment investments
    service services production productions design designs art arts fine creative digital
    network networks software information science scientific education educational management
    consulting consultancy commercial business global bureau department office center centre
    association foundation bank trust capital partners partner logistics shipping engineering
    construction electronics systems solutions products product manufacturing factory works
    entertainment pictures picture graphics visual effects vfx games game interactive motion
    children childrens kids youth joint venture overseas project projects foreign economic
    exchange cooperation federation committee ministry agency institute academy university
    dongman donghua kaifa wenhua chuanmei keji maoyi jituan guoji sheji muyok hapyong
    """
)

#: Place words: they tell something, but a shared city must not carry a match (§7 item 4).
LOCATION_WORDS: frozenset[str] = _words(
    """
    korea korean dprk joson choson chosun china chinese prc hong kong hongkong macau macao
    taiwan japan russia russian singapore united states america american usa uk britain
    pyongyang beijing shanghai tianjin chongqing shenyang dalian dandong yanji hunchun changchun
    harbin qingdao guangzhou shenzhen hangzhou nanjing suzhou wuhan chengdu xian xiamen fuzhou
    quanzhou yancheng nanan fujian liaoning jilin shandong jiangsu zhejiang guangdong hebei
    henan hubei hunan sichuan yunnan guangxi anhui jiangxi shanxi shaanxi heilongjiang neimenggu
    inner mongolia xinjiang tibet hainan gansu qinghai ningxia guizhou city province district
    county seoul busan incheon vladivostok moscow dubai namibia africa asia pacific europe east
    west north south northern southern eastern western
    """
)

STOPWORDS: frozenset[str] = _words(
    """
    the of and for de du des la le el y und et
    """
)

_APOSTROPHES = "'’‘`´ʼʻ′ʿʾ"
_APOS_RE = re.compile(f"[{_APOSTROPHES}]")
_ACRONYM_RE = re.compile(r"\b(?:[^\W\d_]\.){2,}(?=\s|$|[^\w])")
_SPLIT_RE = re.compile(r"[\W_]+")
_KO_LEGAL_PAREN = re.compile(r"\(주\)|㈜")


@dataclass(frozen=True, slots=True)
class NormName:
    """One name in comparable form. ``texts``/``kinds``/``weights`` are parallel tuples.

    ``key`` is the order-free identity (equal keys are a literal match); ``distinct`` the
    distinctive parts joined in order (no legal forms, generic or stop words); ``strong`` how
    many parts weigh at least 0.5. All three are computed once, since the scorer reads them
    for every pair.
    """

    original: str
    texts: tuple[str, ...]
    kinds: tuple[str, ...]
    weights: tuple[float, ...]
    key: tuple[str, ...] = ()
    distinct: str = ""
    strong: int = 0

    def __len__(self) -> int:
        return len(self.texts)


_LOW_KINDS = frozenset({GENERIC, LEGAL, STOP})


def fold(text: str) -> str:
    """Casefold and strip diacritics (NFKD, combining marks dropped); ``&`` becomes ``and``."""
    text = unicodedata.normalize("NFKC", text)  # full-width forms, ligatures
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    out = "".join(c for c in decomposed if not unicodedata.combining(c))
    # NFKD would also split Hangul syllables into jamo: recompose what is not Latin.
    out = unicodedata.normalize("NFC", out)
    return out.replace("&", " and ").replace("ß", "ss").replace("æ", "ae").replace("ø", "o")


def tokenize(text: str) -> list[str]:
    """Folded tokens: apostrophes dropped, dotted acronyms closed up, other punctuation splits."""
    text = _APOS_RE.sub("", fold(text))
    text = _KO_LEGAL_PAREN.sub(" 주식회사 ", text)
    text = _ACRONYM_RE.sub(lambda m: m.group(0).replace(".", ""), text)
    return [t for t in _SPLIT_RE.split(text) if t]


def classify(token: str) -> str:
    if token in _LEGAL_TOKENS:
        return LEGAL
    if token.isdigit():
        return NUMERIC
    if token in GENERIC_WORDS:
        return GENERIC
    if token in LOCATION_WORDS:
        return LOCATION
    if token in STOPWORDS:
        return STOP
    if len(token) == 1 and token.isalpha() and token.isascii():
        return INITIAL
    return NORMAL


def _collapse_legal(tokens: list[str]) -> list[tuple[str, str]]:
    """(text, kind) pairs with multi-token legal forms merged into one canonical LEGAL token."""
    out: list[tuple[str, str]] = []
    i = 0
    n = len(tokens)
    while i < n:
        for size in range(min(_MAX_PHRASE, n - i), 1, -1):
            canon = _LEGAL_PHRASES.get(tuple(tokens[i : i + size]))
            # a bare "s a" inside a person name is not a legal form; only at the end
            if canon is not None and (i > 0 or size == n):
                out.append((canon, LEGAL))
                i += size
                break
        else:
            tok = tokens[i]
            kind = classify(tok)
            out.append((_LEGAL_TOKENS[tok] if kind == LEGAL else tok, kind))
            i += 1
    return out


@lru_cache(maxsize=65536)
def normalize(text: str) -> NormName:
    """The comparable form of one name (cached: lists repeat names and queries repeat)."""
    pairs = _collapse_legal(tokenize(text))
    if pairs and all(k == LEGAL for _, k in pairs):
        # a name made only of legal words ("CO LTD") is what it is: weigh it normally
        pairs = [(t, NORMAL) for t, _ in pairs]
    texts = tuple(t for t, _ in pairs)
    kinds = tuple(k for _, k in pairs)
    weights = tuple(WEIGHTS[k] for k in kinds)
    distinct = "".join(t for t, k in pairs if k not in _LOW_KINDS)
    strong = sum(w >= 0.5 for w in weights)
    return NormName(text, texts, kinds, weights, tuple(sorted(texts)), distinct, strong)


def normalize_identifier(value: str) -> str:
    """Identifiers compare exactly after dropping spaces, dashes, dots and case."""
    return re.sub(r"[^0-9A-Za-z]", "", unicodedata.normalize("NFKC", value)).upper()


def comparable(text: str) -> str:
    """Space-joined tokens: the literal comparable form shown in explanations."""
    return " ".join(normalize(text).texts)
