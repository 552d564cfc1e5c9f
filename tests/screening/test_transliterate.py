"""Romanization: the Latin forms the lists actually use for Korean, Chinese and Russian names."""

from __future__ import annotations

from chainwatch.screening import normalize, romanizations, script_of
from chainwatch.screening.transliterate import (
    MAX_VARIANTS,
    korean_respellings,
    romanization_list,
    wade_giles,
)


def comparable(forms: set[str]) -> set[str]:
    return {" ".join(normalize(f).texts) for f in forms}


def test_script_of() -> None:
    assert script_of("김명철") == "Hang"
    assert script_of("重庆宁色动漫开发有限公司") == "Hani"
    assert script_of("Дмитрий") == "Cyrl"
    assert script_of("KIM, Myong Chol") == "Latn"
    assert script_of("محمد") == "Arab"
    assert script_of("12-34") == "Zyyy"


def test_latin_is_returned_unchanged() -> None:
    assert romanizations("SEK Studio") == {"SEK Studio"}


def test_kim_myong_chol_in_dprk_and_ofac_spelling() -> None:
    forms = romanizations("김명철")
    assert "KIM MYONG CHOL" in forms  # DPRK/EU style
    assert "KIM MYO'NG-CH'O'L" in forms  # OFAC McCune-Reischauer with apostrophes
    assert "kim myong chol" in comparable(forms)
    assert romanization_list("김명철")[0] == "KIM MYONG CHOL"


def test_joson_choson() -> None:
    assert {"joson", "choson", "joseon", "korea"} <= comparable(romanizations("조선"))


def test_north_korean_initial_r_is_kept() -> None:
    assert romanization_list("리")[0] == "RI"
    assert "RODONG" in romanizations("로동")
    assert "RYONBONG" in " ".join(romanizations("조선련봉총회사"))


def test_surname_conventions() -> None:
    expected = {
        "김": {"KIM"},
        "리": {"RI", "YI", "LEE"},
        "이": {"RI", "YI", "LEE"},
        "박": {"PAK", "PARK"},
        "최": {"CHOE", "CHOI"},
        "정": {"JONG", "JUNG", "CHONG"},
        "한": {"HAN"},
    }
    for hangul, spellings in expected.items():
        assert spellings <= romanizations(hangul), hangul
    assert "PARK JI SEONG" in romanizations("박지성")
    assert "LEE MIN HO" in romanizations("이민호")


def test_given_name_voicing_follows_mr() -> None:
    assert "chon chi bu" in comparable(romanizations("전지부"))  # EU: CHON Chi-bu
    assert "pak jae gyong" in comparable(romanizations("박재경"))  # EU: PAK Jae-gyong


def test_dprk_organisation_words_are_also_given_in_english() -> None:
    forms = romanizations("조선련봉총회사")
    assert "KOREA RYONBONG GENERAL CORPORATION" in forms
    assert "JOSON RYONBONG CHONGHOESA" in forms
    assert "KOREA PAEKHO TRADING COMPANY" in romanizations("조선백호무역회사")


def test_han_pinyin_joined_and_spaced_and_wade_giles() -> None:
    forms = romanizations("沈阳")
    assert {"SHENYANG", "SHEN YANG", "SHEN-YANG"} <= forms
    forms = romanizations("重庆")
    assert "CHONGQING" in forms and "CH'UNG-CH'ING" in forms
    assert "chung ching" in comparable(forms)
    assert "XI JINPING" in romanizations("习近平")
    assert "HSI CHIN-P'ING" in romanizations("习近平")


def test_han_company_segments_trade_words() -> None:
    forms = romanizations("重庆宁色动漫开发有限公司")
    assert "CHONGQING NINGSE ANIMATION DEVELOPMENT CO LTD" in forms
    assert "CHONGQING NINGSE DONGMAN KAIFA YOUXIANGONGSI" in forms
    assert "SHANGHAI MOXING CULTURAL MEDIA CO LTD" in romanizations("上海墨星文化传媒有限公司")


def test_wade_giles_conversion() -> None:
    cases = {
        "chong": "ch'ung",
        "qing": "ch'ing",
        "xi": "hsi",
        "jin": "chin",
        "ping": "p'ing",
        "zhi": "chih",
        "si": "ssu",
        "guo": "kuo",
        "duo": "to",
        "xu": "hsu",
        "ren": "jen",
        "yan": "yen",
        "shen": "shen",
        "yang": "yang",
        "hai": "hai",
        "cong": "ts'ung",
    }
    for pinyin, wg in cases.items():
        assert wade_giles(pinyin) == wg, pinyin


def test_cyrillic_variants() -> None:
    assert "DMITRY MEDVEDEV" in romanizations("Дмитрий Медведев")
    assert "DMITRIY MEDVEDEV" in romanizations("Дмитрий Медведев")
    assert "ALEKSANDR PETROV" in romanizations("Александр Петров")
    assert "KINOATIS" in " ".join(romanizations("ООО Киноатис"))


def test_variants_are_bounded() -> None:
    long_hangul = "조선민주주의인민공화국 국가해사감독국 평양 련봉 총회사 무역 회사 " * 5
    assert 0 < len(romanizations(long_hangul)) <= MAX_VARIANTS
    assert 0 < len(romanizations("重庆宁色动漫开发有限公司" * 10)) <= MAX_VARIANTS
    assert len(romanizations("김명철 박지성 이민호 최경성 정은지")) <= MAX_VARIANTS


def test_south_korean_latin_spelling_is_respelled_for_the_lists() -> None:
    assert korean_respellings("Gim Myeong-cheol") == ["KIM MYONG CHOL"]
    assert "JOSON PAEKHO MUYOK HOESA" in korean_respellings("Joseon Baekho Muyeok Hoesa")
    assert korean_respellings("George Bush") == []
    assert korean_respellings("Kim Jong Un") == []  # already in the lists' spelling
