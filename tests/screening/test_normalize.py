"""Normalization as an analyst expects it: spelling noise goes, meaning stays."""

from __future__ import annotations

from chainwatch.screening import compare, normalize
from chainwatch.screening.normalize import (
    GENERIC,
    INITIAL,
    LEGAL,
    LOCATION,
    WEIGHTS,
    fold,
    normalize_identifier,
    tokenize,
)


def kinds(text: str) -> dict[str, str]:
    n = normalize(text)
    return dict(zip(n.texts, n.kinds, strict=True))


def test_casefold_and_diacritics_are_dropped() -> None:
    assert fold("Société Générale") == "societe generale"
    assert normalize("Chosŏn Paekho").texts == ("choson", "paekho")
    assert normalize("ＳＥＫ　Ｓｔｕｄｉｏ").texts == ("sek", "studio")  # full-width


def test_punctuation_splits_but_apostrophes_vanish() -> None:
    # OFAC's McCune-Reischauer apostrophes reduce to plain MR, hyphens split the given name
    assert normalize("KIM, Myo'ng-Ch'o'l").texts == ("kim", "myong", "chol")
    assert tokenize("CHONGQING NINGSE CARTOON & ANIMATION") == [
        "chongqing",
        "ningse",
        "cartoon",
        "and",
        "animation",
    ]


def test_dotted_acronym_is_closed_up() -> None:
    assert normalize("S.E.K. STUDIO").texts == ("sek", "studio")
    assert normalize("SEK Studio").key == normalize("S.E.K. STUDIO").key


def test_legal_forms_are_recognised_and_canonical() -> None:
    for text in ("FUNSAGA PTE LTD.", "FUNSAGA CO., LTD.", "FUNSAGA LIMITED", "Funsaga Co Ltd"):
        n = normalize(text)
        assert n.texts == ("funsaga", "ltd"), text
        assert n.kinds[-1] == LEGAL
    assert kinds("KINOATIS OOO")["llc"] == LEGAL
    assert kinds("(주)한빛")["ltd"] == LEGAL
    assert kinds("重庆 有限公司")["ltd"] == LEGAL
    assert WEIGHTS[LEGAL] < WEIGHTS[GENERIC] < WEIGHTS[LOCATION] < 1.0


def test_legal_form_against_nothing_is_not_a_difference() -> None:
    assert compare("Funsaga Pte Ltd", "FUNSAGA").score >= 0.9
    assert compare("Everlasting Empire", "EVERLASTING EMPIRE LIMITED").score >= 0.95


def test_generic_and_location_words_weigh_little() -> None:
    k = kinds("Korea Hanbit Animation Studio Trading")
    assert k["animation"] == k["studio"] == k["trading"] == GENERIC
    assert k["korea"] == LOCATION
    assert k["hanbit"] == "normal"


def test_name_parts_are_a_multiset() -> None:
    assert normalize("Myong Chol KIM").key == normalize("KIM, Myong Chol").key
    assert compare("Myong Chol KIM", "KIM, Myong Chol").score == 1.0


def test_korean_given_name_hyphenation_is_equivalent() -> None:
    for a in ("KIM MYONG-CHOL", "KIM MYONG CHOL", "KIM MYONGCHOL", "Kim Myongchol"):
        assert compare(a, "KIM, Myong Chol").score >= 0.95, a
        assert compare("KIM, Myo'ng-Ch'o'l", a).score >= 0.95, a


def test_initials_align_with_full_names() -> None:
    assert kinds("J. R. Smith")["j"] == INITIAL
    assert compare("J. R. Smith", "John Robert Smith").score >= 0.8
    assert compare("J. R. Smith", "Peter Smith").score < 0.8


def test_identifiers_compare_without_spaces_dashes_or_case() -> None:
    assert normalize_identifier(" 9150-0118 5828 29838h ") == "91500118582829838H"
