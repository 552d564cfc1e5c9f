"""Latin forms of Hangul, Han and Cyrillic names, as the sanctions lists write them.

The lists romanize the same Korean name in several systems (reference §6.1): OFAC writes
McCune-Reischauer with apostrophes for breves and aspirates ("KIM, Myo'ng-Ch'o'l"), the
DPRK's own and the EU's spellings drop them and write ``j`` for ㅈ ("Joson", "Kim Jong Un")
and keep word-initial ㄹ ("Ri", "Ryonbong"), while South Korea uses Revised Romanization
("Joseon", "Gim", "Yi") and conventional surnames (Lee, Park, Choi). rigour only produces an
RR-like form and leaves Han untouched (§6.3), so a Hangul or Chinese vendor name would only
match by fuzzy luck; following §7 item 2 we generate the plausible forms ourselves:

- Hangul: DPRK/EU style, OFAC MR style and RR, syllables spaced for person names (surname
  spelled by convention) and joined per word for organisation names, with common DPRK
  organisation words also given in English (조선 KOREA, 총회사 GENERAL CORPORATION...);
- Han: pinyin (pypinyin, phrase-aware: 重庆 CHONGQING, not Unidecode's "Zhong Qing", §6.2)
  joined per word and spaced, and Wade-Giles from a pinyin conversion table (重庆 CH'UNG-CH'ING);
  trade words also in English (有限公司 CO LTD, 动漫 ANIMATION), because OFAC lists the Chinese
  fronts of SEK Studio by their English names (§5.1);
- Cyrillic: ICAO 9303, BGN/PCGN and the usual English spellings (Dmitry, Alexander);
- any other script: ICU ``Any-Latin`` (PyICU comes with followthemoney via normality).

The number of forms is bounded (``MAX_VARIANTS``): whole-text systems, not a product of per
token choices. Hanja (Korean names in Han characters, 金正恩) are read as Mandarin only: there
is no permissively licensed Hanja reading table among our dependencies (documented limitation).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

MAX_VARIANTS = 8

# --- tables (compact strings, parsed once at import) -----------------------------------------
# Jamo order: initials ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ;
# medials ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ;
# finals (none)ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ. "-" is the empty string.


def _cols(s: str) -> tuple[str, ...]:
    return tuple("" if x == "-" else x for x in s.split())


RR_INITIAL = _cols("g kk n d tt r m b pp s ss - j jj ch k t p h")
MR_INITIAL = _cols("k kk n t tt r m p pp s ss - ch tch ch' k' t' p' h")
MR_VOICED = _cols("g kk n d tt r m b pp s ss - j tch ch' k' t' p' h")
RR_MEDIAL = _cols("a ae ya yae eo e yeo ye o wa wae oe yo u wo we wi yu eu ui i")
MR_MEDIAL = _cols("a ae ya yae o' e yo' ye o wa wae oe yo u wo' we wi yu u' u'i i")
FINAL_SOUND = _cols("- k k k n n n t l k m l l l p l m p p t t ng t t k t p t")


def _pairs(s: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item in s.split():
        key, _, val = item.partition(":")
        out[key] = [v.replace("_", " ") for v in val.split(",") if v]
    return out


def _arrows(s: str) -> dict[str, str]:
    return dict(p.split(">", 1) for p in s.split())


# Surname spellings: first = DPRK/OFAC convention, last = usual South Korean spelling (§6.1).
KO_SURNAMES = _pairs(
    """김:KIM 이:RI,YI,LEE 리:RI,LI,YI,LEE 박:PAK,BAK,PARK 최:CHOE,CHOI
    정:JONG,CHONG,JEONG,JUNG 강:KANG 조:JO,CHO 윤:YUN,YOON 장:JANG,CHANG 임:IM,LIM
    림:RIM,LIM,IM 한:HAN 오:O,OH 서:SO,SEO,SUH 신:SIN,SHIN 권:KWON,GWON 황:HWANG 안:AN,AHN
    송:SONG 류:RYU,YU,YOO 유:YU,RYU,YOO 홍:HONG 전:JON,CHON,JEON,JUN 고:KO 문:MUN,MOON
    양:YANG 량:RYANG,YANG 손:SON 배:PAE,BAE 백:PAEK,BAEK,PAIK 허:HO,HEO,HUH 남:NAM 심:SIM,SHIM
    노:NO,NOH,ROH 로:RO,NO,ROH 하:HA 곽:KWAK 성:SONG,SUNG 차:CHA 주:JU,CHU,JOO 우:U,WOO
    구:KU,KOO 나:NA,RA 라:RA,NA 민:MIN 진:JIN,CHIN 지:JI,CHI 엄:OM,EOM,UM 채:CHAE 원:WON
    천:CHON,CHEON,CHUN 방:PANG,BANG 공:KONG 현:HYON,HYUN 함:HAM 변:PYON,BYUN 렴:RYOM,YOM
    염:YOM,YEOM 려:RYO,YO 여:YO,YEO 추:CHU 도:TO,DO 소:SO 석:SOK,SEOK 선:SON,SUN 설:SOL,SEOL
    마:MA 길:KIL,GIL 련:RYON,YON 연:YON,YEON 위:WI,WEE 표:PYO 명:MYONG,MYUNG 기:KI 반:PAN,BAN
    왕:WANG 금:KUM,KEUM 옥:OK 륙:RYUK,YUK 육:YUK 인:IN 맹:MAENG 제:JE,CHE 모:MO 탁:TAK
    국:KUK 은:UN,EUN 편:PYON 룡:RYONG,YONG 용:YONG 경:KYONG,KYUNG 봉:PONG,BONG 태:THAE,TAE
    계:KYE 남궁:NAMGUNG 황보:HWANGBO 제갈:JEGAL 선우:SONU,SUNWOO 독고:TOKKO,DOKGO 사공:SAGONG"""
)

# Organisation words: English as the lists translate them; ":" alone = segmentation only.
_KO_GLOSS = _pairs(
    """조선:KOREA 총회사:GENERAL_CORPORATION 회사:COMPANY 무역:TRADING 총국:GENERAL_BUREAU
    은행:BANK 기업소:ENTERPRISE 합영:JOINT_VENTURE 합작:JOINT_VENTURE 공사:CORPORATION
    상사:TRADING_COMPANY 국제:INTERNATIONAL 개발:DEVELOPMENT 기술:TECHNOLOGY 주식회사:CO_LTD
    유한회사:LTD 애니메이션:ANIMATION 스튜디오:STUDIO 영화:FILM 촬영소:STUDIO 아동:CHILDRENS
    미술:ART 창작사:ART_STUDIO 원자력:NUCLEAR 연구:RESEARCH
    과학:SCIENTIFIC 인민:PEOPLES 건설:CONSTRUCTION 해운:SHIPPING 광업:MINING 수출입:IMPORT_EXPORT
    상업:COMMERCIAL 공업:INDUSTRIAL 그룹:GROUP 평양: 대외:FOREIGN 경제:ECONOMIC 교류:EXCHANGE
    협회:ASSOCIATION 위원회:COMMITTEE 연구소:INSTITUTE 대학:UNIVERSITY 투자:INVESTMENT
    센터:CENTER 해외:OVERSEAS 사업:PROJECT"""
)
KO_GLOSSARY: dict[str, str | None] = {k: (v[0] if v else None) for k, v in _KO_GLOSS.items()}
KO_LONGEST = max(map(len, KO_GLOSSARY))

_ZH_GLOSS = _pairs(
    """有限公司:CO_LTD 有限责任公司:CO_LTD 股份有限公司:CO_LTD 公司:COMPANY 总公司:CORPORATION
    集团:GROUP 动漫:ANIMATION 动画:ANIMATION 卡通:CARTOON 开发:DEVELOPMENT 发展:DEVELOPMENT
    文化:CULTURAL 传媒:MEDIA 传播:MEDIA 科技:TECHNOLOGY 技术:TECHNOLOGY 贸易:TRADING
    商贸:TRADING 进出口:IMPORT_AND_EXPORT 国际:INTERNATIONAL 控股:HOLDINGS 设计:DESIGN
    工作室:STUDIO 影视:FILM 电影:FILM 制作:PRODUCTION 网络:NETWORK 信息:INFORMATION
    软件:SOFTWARE 数码:DIGITAL 数字:DIGITAL 实业:INDUSTRIAL 投资:INVESTMENT 艺术:ART
    工程:ENGINEERING 服务:SERVICES 咨询:CONSULTING 管理:MANAGEMENT 株式会社:CO_LTD
    香港:HONG_KONG 澳门:MACAU 朝鲜:KOREA 平壤:PYONGYANG 市:CITY 省:PROVINCE 区:DISTRICT
    北京: 上海: 天津: 重庆: 沈阳: 大连: 丹东: 延吉: 珲春: 长春: 哈尔滨: 青岛: 广州: 深圳:
    杭州: 南京: 苏州: 武汉: 成都: 西安: 厦门: 福州: 泉州: 盐城: 南安: 福建: 辽宁: 吉林:
    山东: 江苏: 浙江: 广东: 河北: 河南: 湖北: 湖南: 四川: 云南: 徐汇: 浦东: 黄浦:"""
)
ZH_GLOSSARY: dict[str, str | None] = {k: (v[0] if v else None) for k, v in _ZH_GLOSS.items()}
ZH_LONGEST = max(map(len, ZH_GLOSSARY))
ZH_COMPOUND_SURNAMES = frozenset(
    ["欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "司徒"]
)

# pinyin → Wade-Giles: initials (longest first), finals, and whole syllables that differ
WG_INITIALS = tuple(
    _arrows("zh>ch ch>ch' sh>sh b>p p>p' d>t t>t' g>k k>k' z>ts c>ts' j>ch q>ch' x>hs r>j").items()
)
WG_FINALS = _arrows("ong>ung iong>iung ian>ien ie>ieh üe>üeh ue>üeh üan>üan")
WG_WHOLE = _arrows(
    """you>yu yan>yen ye>yeh yi>i yu>yü yue>yüeh yuan>yüan yun>yün yong>yung e>o
    er>erh zi>tzu ci>tz'u si>ssu zhi>chih chi>ch'ih shi>shih ri>jih gui>kuei kui>k'uei"""
)

# Cyrillic: ICAO 9303 base, then BGN/PCGN and the usual English spellings (Dmitry, Alexander)
CYRILLIC_BASE = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґў",
        _cols(
            "a b v g d e e zh z i i k l m n o p r s t u f kh ts ch sh shch ie y - e iu ia"
            " i i ie g u"
        ),
        strict=True,
    )
)
CYRILLIC_VOWELS = "аеёиоуыэюяіїє"
_BGN = dict(zip("ёйъюяєї", _cols("ye y - yu ya ye yi"), strict=True))
_POPULAR = dict(zip("ёйъюяєїх", _cols("yo y - yu ya ye yi kh"), strict=True))
CYRILLIC_SYSTEMS: tuple[tuple[str, dict[str, str]], ...] = (
    ("icao", {}),
    ("bgn", _BGN),
    ("popular", _POPULAR),
)


# --- scripts -------------------------------------------------------------------------------


def _char_script(c: str) -> str | None:
    o = ord(c)
    if o < 0x80:
        return "Latn" if c.isalpha() else None
    if 0xAC00 <= o <= 0xD7A3 or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F:
        return "Hang"
    if 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or o >= 0x20000:
        return "Hani" if c.isalpha() else None
    if 0x3040 <= o <= 0x30FF:
        return "Kana"
    if 0x0400 <= o <= 0x052F:
        return "Cyrl"
    if not c.isalpha():
        return None
    if o <= 0x024F or 0x1E00 <= o <= 0x1EFF:
        return "Latn"
    name = unicodedata.name(c, "")
    for code, word in (("Arab", "ARABIC"), ("Hebr", "HEBREW"), ("Grek", "GREEK"), ("Thai", "THAI")):
        if name.startswith(word):
            return code
    return "Zyyy"


def script_of(text: str) -> str:
    """ISO 15924 code of the script most letters of ``text`` are in; ``Zyyy`` if no letters."""
    counts: dict[str, int] = {}
    for c in text:
        s = _char_script(c)
        if s:
            counts[s] = counts.get(s, 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else "Zyyy"


def _runs(text: str) -> list[tuple[str | None, str]]:
    """Split into runs of one script; digits, spaces and punctuation join the current run."""
    runs: list[tuple[str | None, str]] = []
    for c in text:
        s = _char_script(c)
        if runs and (s is None or s == runs[-1][0] or runs[-1][0] is None):
            prev = runs[-1][0] if s is None else s
            runs[-1] = (prev, runs[-1][1] + c)
        else:
            runs.append((s, c))
    return runs


# --- Hangul --------------------------------------------------------------------------------

_SYSTEMS = ("dprk", "mr", "rr")  # DPRK/EU plain, OFAC MR with apostrophes, South Korean RR


def _jamo(syl: str) -> tuple[int, int, int] | None:
    o = ord(syl) - 0xAC00
    if not 0 <= o <= 11171:
        return None
    return o // 588, (o % 588) // 28, o % 28


def _syllable(ini: int, med: int, fin: int, system: str, prev_fin: int | None) -> str:
    """One syllable; ``prev_fin`` None means word-initial (no voicing, DPRK keeps ㄹ)."""
    voiced = prev_fin is not None and FINAL_SOUND[prev_fin] in ("", "n", "l", "m", "ng")
    if system == "rr":
        onset = RR_INITIAL[ini]
        if prev_fin is None and ini in (2, 5) and RR_MEDIAL[med][0] in "iy":  # 리 → i, 녀 → yeo
            onset = ""
        elif prev_fin is None and ini == 5:  # 로 → no
            onset = "n"
        vowel = RR_MEDIAL[med]
    else:
        table = MR_VOICED if voiced else MR_INITIAL
        onset = table[ini]
        if system == "dprk":
            onset = onset.replace("'", "").replace("tch", "jj")
            if ini == 12:  # ㅈ is always j in DPRK/EU spellings: Joson, Jong
                onset = "j"
        vowel = MR_MEDIAL[med] if system == "mr" else MR_MEDIAL[med].replace("'", "")
        if ini == 5 and prev_fin == 8:  # ㄹㄹ is ll
            onset = "l"
        elif ini == 5 and system == "mr" and prev_fin not in (None, 0, 4):  # 정류 chongnyu
            onset = "n"
    coda = FINAL_SOUND[fin]
    return onset + vowel + coda


def _hangul_word(word: str, system: str) -> str:
    out: list[str] = []
    prev: int | None = None
    for ch in word:
        j = _jamo(ch)
        if j is None:
            out.append(ch)
            prev = None
            continue
        out.append(_syllable(*j, system, prev))
        prev = j[2]
    return "".join(out)


def _segment(word: str, glossary: dict[str, str | None], longest: int) -> list[str]:
    """Greedy longest-match segmentation on known words; unknown stretches stay together."""
    segs: list[str] = []
    unknown = ""
    i = 0
    while i < len(word):
        for size in range(min(longest, len(word) - i), 0, -1):
            if word[i : i + size] in glossary:
                if unknown:
                    segs.append(unknown)
                    unknown = ""
                segs.append(word[i : i + size])
                i += size
                break
        else:
            unknown += word[i]
            i += 1
    if unknown:
        segs.append(unknown)
    return segs


def _hangul_person(surname: str, given: str) -> list[str]:
    """Surname by convention; the given name as one word (voicing inside it: 지부 Chi-bu,
    재경 Jae-gyong) split per syllable, and with each syllable read alone (Kim Jong Un)."""
    spellings = KO_SURNAMES[surname]
    forms: list[str] = []
    for system in _SYSTEMS:
        sur = spellings[0] if system == "dprk" else _hangul_word(surname, system).upper()
        word = _hangul_word(given, system)
        alone = [_hangul_word(s, system) for s in given]
        voiced = _split_like(word, alone)
        sep = "-" if system == "mr" else " "
        forms.append(f"{sur} {sep.join(voiced)}")
        if system == "rr" and spellings[-1] != sur:  # conventional South Korean surname
            forms.append(f"{spellings[-1]} {sep.join(voiced)}")
        if alone != voiced and system != "rr":
            forms.append(f"{sur} {' '.join(alone)}")
    dprk_given = " ".join(_hangul_word(s, "dprk") for s in given)
    forms.extend(f"{s} {dprk_given}" for s in spellings[1:])
    return forms


def _split_like(word: str, syllables: list[str]) -> list[str]:
    """Cut a romanized word at the syllable boundaries of its per-syllable romanization."""
    out: list[str] = []
    pos = 0
    for syl in syllables[:-1]:
        out.append(word[pos : pos + len(syl)])
        pos += len(syl)
    out.append(word[pos:])
    return out if all(out) else syllables


def _hangul_run(text: str) -> list[str]:
    words = text.split()
    compact = "".join(words)
    segments = [_segment(w, KO_GLOSSARY, KO_LONGEST) for w in words]
    glossed = any(seg in KO_GLOSSARY for segs in segments for seg in segs)
    person: list[str] = []
    if 2 <= len(compact) <= 4 and len(words) <= 2 and not glossed:
        if len(words) == 2 and words[0] in KO_SURNAMES:
            person = _hangul_person(words[0], words[1])
        else:
            for size in (2, 1):
                if compact[:size] in KO_SURNAMES and len(compact) > size:
                    person = _hangul_person(compact[:size], compact[size:])
                    break
    forms: list[str] = list(KO_SURNAMES.get(compact, ())) if len(words) == 1 else []
    for english in (False, True) if glossed else (False,):
        for system in _SYSTEMS:
            parts: list[str] = []
            for segs in segments:
                for seg in segs:
                    gloss = KO_GLOSSARY.get(seg)
                    parts.append(gloss if english and gloss else _hangul_word(seg, system))
            forms.append(" ".join(parts))
    return person[:6] + forms[:1] if person else forms


# --- Han -----------------------------------------------------------------------------------


def wade_giles(syllable: str) -> str:
    """Toneless pinyin syllable → Wade-Giles with apostrophes (ü written u)."""
    s = syllable.lower().replace("v", "ü")
    if s in WG_WHOLE:
        return WG_WHOLE[s]
    for py_i, wg_i in WG_INITIALS:
        if s.startswith(py_i) and len(s) > len(py_i):
            ini, fin = wg_i, s[len(py_i) :]
            break
    else:
        ini, fin = "", s
    if ini.startswith(("ch", "hs")) and syllable[0] in "jqx" and fin[0] == "u":
        fin = "ü" + fin[1:]
    if fin == "i" and syllable[:2] in ("zh", "ch", "sh") or fin == "i" and syllable[0] == "r":
        fin = "ih"
    elif fin == "i" and syllable[0] in "zcs":
        ini, fin = {"z": "tz", "c": "tz'", "s": "ss"}[syllable[0]], "u"
    elif (
        fin == "e"
        and syllable[0] in "gkh"
        or fin == "uo"
        and syllable[0] not in "gkh"
        and syllable[:2] != "sh"
    ):
        fin = "o"
    else:
        fin = WG_FINALS.get(fin, fin)
    return (ini + fin).replace("ü", "u")


def _han_run(text: str) -> list[str]:
    chars = [c for c in text if _char_script(c) == "Hani"]
    if not chars:
        return [text]
    han = "".join(chars)
    syllables = lazy_pinyin(han, style=Style.NORMAL, errors="ignore")
    if len(syllables) != len(han):
        syllables = [lazy_pinyin(c)[0] for c in han]
    segs = _segment(han, ZH_GLOSSARY, ZH_LONGEST)
    if (
        len(segs) == 1 and 2 <= len(han) <= 4 and han not in ZH_GLOSSARY
    ):  # a person: surname (1 or 2 chars) + given name
        size = 2 if han[:2] in ZH_COMPOUND_SURNAMES and len(han) > 2 else 1
        segs = [han[:size], han[size:]]
    pos = 0
    py_words: list[list[str]] = []
    for seg in segs:
        py_words.append(syllables[pos : pos + len(seg)])
        pos += len(seg)
    joined = [("".join(w)) for w in py_words]
    wg = ["-".join(wade_giles(s) for s in w) for w in py_words]
    english = [ZH_GLOSSARY.get(seg) or joined[i] for i, seg in enumerate(segs)]
    english_wg = [ZH_GLOSSARY.get(seg) or wg[i].replace("-", "") for i, seg in enumerate(segs)]
    return [
        " ".join(english),
        " ".join(joined),
        " ".join(" ".join(w) for w in py_words),
        " ".join(wg),
        " ".join(english_wg),
    ]


# --- Cyrillic and the rest -----------------------------------------------------------------


def _cyrillic_run(text: str) -> list[str]:
    forms = []
    low = text.lower()
    for name, table in CYRILLIC_SYSTEMS:
        s = low
        if name == "popular":  # Дмитрий → Dmitry, Александр → Alexandr
            s = re.sub(r"[иы]й\b", "y", s).replace("кс", "x")
        out: list[str] = []
        for i, c in enumerate(s):
            if name == "bgn" and c == "е" and (i == 0 or s[i - 1] in CYRILLIC_VOWELS + " ь ъ"):
                out.append("ye")
            else:
                out.append(table.get(c, CYRILLIC_BASE.get(c, c)))
        forms.append("".join(out))
    return forms


@lru_cache(maxsize=1)
def _icu_any_latin():  # pragma: no cover - depends on the ICU build
    try:
        import icu

        return icu.Transliterator.createInstance("Any-Latin; Latin-ASCII")
    except Exception:
        return None


def _other_run(text: str) -> list[str]:
    tr = _icu_any_latin()
    return [tr.transliterate(text)] if tr is not None else [text]


# --- public --------------------------------------------------------------------------------


@lru_cache(maxsize=32768)
def _romanize(text: str) -> tuple[str, ...]:
    runs = _runs(text)
    if all(s in (None, "Latn") for s, _ in runs):
        return (text,)
    per_run: list[list[str]] = []
    for script, chunk in runs:
        if script == "Hang":
            per_run.append(_hangul_run(chunk.strip()))
        elif script == "Hani":
            per_run.append(_han_run(chunk.strip()))
        elif script == "Cyrl":
            per_run.append(_cyrillic_run(chunk.strip()))
        elif script in (None, "Latn"):
            per_run.append([chunk.strip()])
        else:
            per_run.append(_other_run(chunk.strip()))
    width = max(len(r) for r in per_run)
    forms: list[str] = []
    for k in range(width):  # zip the runs' systems; never a cartesian product
        form = " ".join(r[k % len(r)] for r in per_run if r[k % len(r)]).upper()
        if form and form not in forms:
            forms.append(form)
    return tuple(forms[:MAX_VARIANTS])


def romanizations(text: str) -> set[str]:
    """All plausible Latin forms of ``text`` (upper case, at most ``MAX_VARIANTS``).

    Latin text comes back unchanged (as the only form); non-Latin text does not include itself
    (the index and scorer keep the original script separately, for same-script comparison).
    """
    return set(_romanize(text.strip()))


def romanization_list(text: str) -> list[str]:
    """Like ``romanizations`` but in order of preference (the DPRK/pinyin form first)."""
    return list(_romanize(text.strip()))


# --- Latin Korean names in South Korean spelling ---------------------------------------------

_RR_SYLLABLE = re.compile(
    r"(kk|tt|pp|ss|jj|ch|g|n|d|r|m|b|s|j|k|t|p|h|l)?"
    r"(yae|yeo|wae|ae|ya|eo|ye|wa|oe|yo|wo|we|wi|yu|eu|ui|oo|ee|a|e|o|u|i)"
    r"(ng|k|n|t|l|m|p)?"
)
_SK_SURNAMES = _arrows(
    """gim>kim bak>pak park>pak lee>ri yi>ri rhee>ri choi>choe jeong>jong jung>jong
    gang>kang yoon>yun lim>rim seo>so suh>so shin>sin gwon>kwon ahn>an yoo>ryu jeon>jon
    go>ko moon>mun bae>pae baek>paek paik>paek heo>ho huh>ho shim>sim noh>ro roh>ro koo>ku
    gu>ku oh>o woo>u joo>ju byun>pyon hyun>hyon"""
)
_VOWELS_MR = (("yeo", "yo"), ("eo", "o"), ("eu", "u"), ("oo", "u"), ("ee", "i"))
_INITIAL_MR = {"g": "k", "d": "t", "b": "p"}


def _rr_syllables(token: str) -> list[tuple[str, str, str]] | None:
    out: list[tuple[str, str, str]] = []
    pos = 0
    while pos < len(token):
        m = _RR_SYLLABLE.match(token, pos)
        if m is None or m.end() == pos:
            return None
        out.append((m.group(1) or "", m.group(2), m.group(3) or ""))
        pos = m.end()
    return out


@lru_cache(maxsize=32768)
def _respell(text: str) -> tuple[str, ...]:
    tokens = re.findall(r"[a-z]+", text.casefold().replace("'", "").replace("’", ""))
    if not tokens or len(tokens) > 6:
        return ()
    parsed = [[] if t in _SK_SURNAMES else _rr_syllables(t) for t in tokens]
    if any(p is None for p in parsed):
        return ()
    marked = any("eo" in t or "eu" in t for t in tokens) or any(
        t in _SK_SURNAMES for t in (tokens[0], tokens[-1])
    )
    if not marked:
        return ()
    forms: list[str] = []
    for j_as in ("j", "ch"):
        words: list[str] = []
        for tok, syls in zip(tokens, parsed, strict=True):
            if tok in _SK_SURNAMES and tok in (tokens[0], tokens[-1]):
                words.append(_SK_SURNAMES[tok])
                continue
            parts = []
            for k, (ini, vow, fin) in enumerate(syls or ()):
                for src, dst in _VOWELS_MR:
                    vow = vow.replace(src, dst)
                if k == 0:
                    ini = "ch" if ini == "j" and j_as == "ch" else _INITIAL_MR.get(ini, ini)
                parts.append(ini + vow + fin)
            words.append("".join(parts))
        form = " ".join(words).upper()
        if form not in forms and form != " ".join(tokens).upper():
            forms.append(form)
    return tuple(forms)


def korean_respellings(text: str) -> list[str]:
    """MR/DPRK re-spellings of a Latin name written in South Korean RR (§6.1, §7 item 2).

    "Gim Myeong-cheol" is the RR spelling of 김명철, which OFAC writes "KIM, Myo'ng-Ch'o'l":
    re-spelling the same Hangul letters (ㄱ g/k, ㅓ eo/o, ㅈ j/ch) is transliteration, not sound
    likeness. Only names whose every token parses as RR syllables and that show an RR mark
    (eo, eu, or a South Korean surname spelling) are re-spelled; others give nothing.
    """
    return list(_respell(text))
