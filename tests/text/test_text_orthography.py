"""LANG-1: NK-norm spelling is found with its spans; SK text and neutral notes are not NK."""

from __future__ import annotations

import pytest

from chainwatch.text import YANBIAN_CAVEAT, score_orthography
from chainwatch.text.lexicon import apply_initial_sound_rule, classify_pair, load_lexicon

NK_NOTES = [
    ("로동자들이 력사를 공부하였다.", {"O1"}),
    ("일이 잘 되였다.", {"O2"}),
    ("어디로 갈가?", {"O3"}),
    ("어찌 두려워할소냐.", {"O3"}),
    ("나무잎이 떨어졌다.", {"O4"}),
    ("할수 있는것이였다.", {"O7", "O2"}),
    ("그럴수 없다.", {"O7"}),
    ("책상우에 놓으시오.", {"O10"}),
    ("콤퓨터 페지를 열었다.", {"LOAN"}),
    ("《로동신문》을 읽었다.", {"O8", "O1"}),
]
SK_NOTES = [
    "노동자들이 역사를 공부했다.",
    "일이 잘 되었다.",
    "어디로 갈까?",
    "나뭇잎이 떨어졌다.",
    "할 수 있는 것이었다.",
    "책상 위에 놓으세요.",
    "“노동신문”을 읽었다.",
]


@pytest.mark.parametrize(("text", "rules"), NK_NOTES)
def test_nk_spelling_is_nk_norm_with_the_rule_that_fired(text, rules):
    r = score_orthography(text)
    assert r.verdict == "nk_norm"
    assert rules <= set(r.nk_rules)
    assert r.score is not None and r.score > 0.5
    assert r.caveat == YANBIAN_CAVEAT


@pytest.mark.parametrize("text", SK_NOTES)
def test_sk_spelling_is_sk_norm_and_never_nk(text):
    r = score_orthography(text)
    assert r.verdict == "sk_norm", r.hits
    assert not r.nk_rules
    assert r.score is not None and r.score < 0.5
    assert r.caveat is None


def test_hits_point_at_the_characters_that_matched():
    text = "그 녀자는 일이 잘 되였다고 말하였다. 방우에 《책》을 놓을가? 할수 있다. 위에서 “보라”"
    r = score_orthography(text)
    for hit in r.hits:
        assert text[hit.start : hit.end] == hit.text
    assert ("O1", "녀자") in {(h.rule, h.text) for h in r.hits}
    assert ("O2", "되였") in {(h.rule, h.text) for h in r.hits}


@pytest.mark.parametrize(
    "text",
    [
        "머리모양을 수정하시오",  # a retake note in both norms
        "색을 바꾸세요",
        "12번 컷",
    ],
)
def test_a_neutral_short_note_is_insufficient_evidence_not_south_korean(text):
    r = score_orthography(text)
    assert r.verdict == "insufficient_evidence"
    assert r.score is None
    assert r.hits == []


@pytest.mark.parametrize(
    "text",
    [
        "로고를 크게 그리시오.",  # 로고 'logo' (SK and NK), not NK 로고 勞苦
        "로마에 갔다.",  # Rome
        "물가가 올랐다.",  # 물가 'prices', not -ㄹ가
        "그런 경우에는 다시 그리시오.",  # 경우 'case', not 우 for 위
        "그것은 소리였다.",  # noun + contracted 이었다 is standard SK
        "장비 대여 비용",  # 대여 'rental', not -여
        "이유식을 먹었다.",  # 이유식 is a longer ordinary word
    ],
)
def test_homographs_that_both_norms_spell_alike_do_not_fire(text):
    assert score_orthography(text).nk_rules == []


def test_not_korean_text_has_no_verdict():
    r = score_orthography("Fix the head in frame 12")
    assert r.verdict == "not_korean"
    assert r.score is None


def test_initial_sound_rule_and_pair_classes():
    assert apply_initial_sound_rule("로") == "노"
    assert apply_initial_sound_rule("력") == "역"
    assert apply_initial_sound_rule("녀") == "여"
    assert apply_initial_sound_rule("가") == "가"
    assert classify_pair("로동", "노동", "勞動") == "O1"
    assert classify_pair("나무잎", "나뭇잎", None) == "O4"
    assert classify_pair("일군", "일꾼", None) == "O5"
    assert classify_pair("날자", "날짜", None) == "O6"
    assert classify_pair("로동", "노동", None) != "O1"  # 두음법칙 is for Sino-Korean words


def test_the_lexicon_comes_from_nkhandic_and_says_its_version():
    lex = load_lexicon()
    assert lex.version.startswith("nkhandic ")
    assert lex.entries > 200_000
    assert lex.nk_variants["로동"].sk == "노동"
    assert lex.sk_variants["역사"].nk == "력사"
    assert "로고" not in lex.nk_variants  # 'logo' in both norms
