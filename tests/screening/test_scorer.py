"""Scoring as a compliance analyst would check it: real hits score high, look-alikes do not,
and every score says why."""

from __future__ import annotations

import json

import pytest

from chainwatch.domain import (
    EntityKind,
    Identifier,
    ListEntry,
    Name,
    NameKind,
    Party,
    PartyKind,
)
from chainwatch.screening import DEFAULT_THRESHOLD, MatchQuery, compare

T = DEFAULT_THRESHOLD

NINGS = ListEntry(
    "ofac_sdn",
    "34023",
    EntityKind.COMPANY,
    (
        Name("NINGS CARTOON STUDIO"),
        Name("CHONGQING CITY NINGSE ANIMATION DEVELOPMENT CO., LTD.", NameKind.ALIAS),
        Name("CHONGQING NINGSE CARTOON & ANIMATION DEVELOPMENT CO., LTD.", NameKind.ALIAS),
    ),
    identifiers=(Identifier("Unified Social Credit Code (USCC)", "91500118582829838H"),),
)
KIM = ListEntry(
    "ofac_sdn",
    "40205",
    EntityKind.PERSON,
    (Name("KIM, Myong Chol"), Name("KIM, Myo'ng-Ch'o'l", NameKind.ALIAS)),
    birth_dates=("1972-05-12",),
    nationalities=("kp",),
)


def test_kim_myong_chol_from_hangul() -> None:
    r = compare("김명철", "KIM, Myong Chol")
    assert r.decision and r.score >= 0.95
    assert "3/3 parts aligned" in r.explanation[0].text
    assert compare("김명철", KIM).decision


def test_joson_choson() -> None:
    assert compare("조선", "JOSON").decision
    assert compare("조선", "CHOSON").decision


def test_ryonbong_across_scripts() -> None:
    r = compare("Korea Ryonbong General Corporation", "조선련봉총회사")
    assert r.decision
    assert "ryonbong" in r.explanation[0].text


def test_ningse_in_han_matches_ofac_alias() -> None:
    r = compare("重庆宁色动漫开发有限公司", NINGS)
    assert r.decision
    assert r.matched_name_b and "NINGSE" in r.matched_name_b


def test_city_and_generic_words_alone_do_not_match() -> None:
    other = "重庆星光动漫开发有限公司"  # another Chongqing animation company
    r = compare(other, "CHONGQING NINGSE CARTOON & ANIMATION DEVELOPMENT CO., LTD.")
    assert not r.decision and r.score < T
    assert "chongqing=chongqing" in r.explanation[0].text
    assert not compare("Chongqing Xingguang Animation Development Co Ltd", NINGS).decision


def test_sek_studio_spellings() -> None:
    assert compare("SEK Studio", "S.E.K. STUDIO").score == 1.0


def test_generic_words_do_not_carry_a_match() -> None:
    r = compare("Hanbit Animation Studio", "Hansol Animation Studio")
    assert not r.decision
    assert (
        compare("Pixel Animation Studio Ltd", "APRIL 26 CHILDREN'S ANIMATION FILM STUDIO").score < T
    )
    assert compare("Studio Ghibli", "SEK STUDIO").score < T


def test_order_does_not_matter() -> None:
    assert (
        compare("Myong Chol KIM", "KIM, Myong Chol").score
        == compare("KIM, Myong Chol", "KIM, Myong Chol").score
    )


def test_south_korean_spelling_of_a_listed_name() -> None:
    assert compare("Gim Myeong-cheol", "KIM, Myong Chol").decision
    assert compare("Joseon Baekho Muyeok Hoesa", "JOSON PAEKHO MUYOK HOESA").decision


def test_identifier_flips_a_weak_name_match() -> None:
    weak = MatchQuery(("Ningse Studio Chongqing Branch",), EntityKind.COMPANY)
    assert not compare(weak, NINGS).decision
    with_id = MatchQuery(
        weak.names,
        EntityKind.COMPANY,
        identifiers=(Identifier("uscc", "9150 0118 5828 2983 8H"),),
    )
    r = compare(with_id, NINGS)
    assert r.decision and r.score == 1.0
    ids = [x for x in r.explanation if x.code == "identifier"]
    assert ids and "uscc 91500118582829838H equal" in ids[0].text
    assert ids[0].contribution > 0


def test_passport_equal_is_strong_but_not_conclusive_for_persons() -> None:
    entry = ListEntry(
        "x",
        "1",
        EntityKind.PERSON,
        (Name("KIM, Tong Chol"),),
        identifiers=(Identifier("passport", "472336944"),),
    )
    q = MatchQuery(
        ("Tong-chol Kim",), EntityKind.PERSON, identifiers=(Identifier("passport", "472336944"),)
    )
    r = compare(q, entry)
    assert r.decision
    other = MatchQuery(
        ("Pierre Martin",), EntityKind.PERSON, identifiers=(Identifier("passport", "472336944"),)
    )
    assert 0.9 <= compare(other, entry).score < 1.0


def test_person_company_mismatch_is_penalised() -> None:
    same_kind = compare(MatchQuery(("KIM, Myong Chol",), EntityKind.PERSON), KIM)
    other_kind = compare(MatchQuery(("KIM, Myong Chol",), EntityKind.COMPANY), KIM)
    assert other_kind.score <= same_kind.score - 0.25
    assert any(r.code == "kind" for r in other_kind.explanation)
    any_kind = compare(MatchQuery(("KIM, Myong Chol",), EntityKind.ANY), KIM)
    assert not any(r.code == "kind" for r in any_kind.explanation)


def test_birth_dates_qualify_persons_only() -> None:
    base = compare(MatchQuery(("Kim Myong Chol",), EntityKind.PERSON), KIM).score
    exact = compare(
        MatchQuery(("Kim Myong Chol",), EntityKind.PERSON, birth_dates=("1972-05-12",)), KIM
    )
    year = compare(MatchQuery(("Kim Myong Chol",), EntityKind.PERSON, birth_dates=("1972",)), KIM)
    other = compare(
        MatchQuery(("Kim Myong Chol",), EntityKind.PERSON, birth_dates=("1985-01-01",)), KIM
    )
    assert exact.score >= year.score >= base - 1e-9  # both capped at 1.0
    assert any("birth date 1972-05-12 equal" in r.text for r in exact.explanation)
    assert any("birth year 1972 equal" in r.text for r in year.explanation)
    assert other.score < base and any(r.code == "dob_year_conflict" for r in other.explanation)
    weak = compare(
        MatchQuery(("Kim Myong Chun",), EntityKind.PERSON, birth_dates=("1972-05-12",)), KIM
    )
    weaker = compare(MatchQuery(("Kim Myong Chun",), EntityKind.PERSON), KIM)
    assert weak.score > weaker.score


def test_country_qualifier_needs_both_sides() -> None:
    q = MatchQuery(("Kim Myong Chun",), EntityKind.PERSON, countries=("kp",))
    assert any(r.code == "country" and r.contribution > 0 for r in compare(q, KIM).explanation)
    q = MatchQuery(("Kim Myong Chun",), EntityKind.PERSON, countries=("fr",))
    assert any(r.code == "country" and r.contribution < 0 for r in compare(q, KIM).explanation)
    q = MatchQuery(("Kim Myong Chun",), EntityKind.PERSON)
    assert not any(r.code == "country" for r in compare(q, KIM).explanation)


def test_weak_alias_counts_less() -> None:
    entry = ListEntry(
        "x",
        "1",
        EntityKind.COMPANY,
        (Name("KOREA PAEKHO TRADING CORPORATION"), Name("KPTC", NameKind.WEAK_ALIAS)),
    )
    r = compare("KPTC", entry)
    assert r.score < 1.0 and "weak alias" in r.explanation[0].text


def test_party_is_accepted() -> None:
    party = Party(
        "ningse",
        PartyKind.COMPANY,
        (Name("重庆宁色动漫开发有限公司"),),
        country="cn",
        identifiers=(Identifier("uscc", "91500118582829838H"),),
    )
    r = compare(party, NINGS)
    assert r.decision and r.score == 1.0


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("김명철", "KIM, Myong Chol"),
        ("", "SEK STUDIO"),
        ("SEK", "SEK"),
        ("a", "b"),
        ("Hanbit Animation Studio", "Hansol Animation Studio"),
        ("李明", "Li Ming"),
        ("조선4.26아동영화촬영소", "APRIL 26 CHILDREN'S ANIMATION FILM STUDIO"),
    ],
)
def test_score_bounds_and_explanation(a: str, b: str) -> None:
    for q in (
        a,
        MatchQuery((a,), EntityKind.PERSON, birth_dates=("1972-05-12",), countries=("kp",)),
    ):
        r = compare(q, KIM if b.startswith("KIM") else b)
        assert 0.0 <= r.score <= 1.0
        assert r.explanation and all(x.text for x in r.explanation)
        assert r.decision == (r.score >= T)
        json.dumps(r.to_dict())


def test_threshold_is_configurable() -> None:
    r = compare("Hanbit Animation", "Hanbin Animation", threshold=0.99)
    assert not r.decision
    assert compare("Hanbit Animation", "Hanbin Animation", threshold=0.5).decision
