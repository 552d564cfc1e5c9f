"""Language identification of short notes: scripts decide CJK, lingua the alphabets."""

from __future__ import annotations

import pytest

from chainwatch.text import identify_languages
from chainwatch.text.langid import chinese_variant


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("머리 모양을 수정하시오.", "ko"),
        ("頭の形を直してください。", "ja"),
        ("请修改这一帧里头部的形状。", "zh-Hans"),
        ("請修改這一幀裡頭部的形狀。", "zh-Hant"),
        ("Исправьте форму головы в этом кадре.", "ru"),
        ("Fix the shape of the head in this frame.", "en"),
    ],
)
def test_the_main_language_of_a_note(text, lang):
    shares = identify_languages(text)
    assert shares[0].lang == lang
    assert shares[0].share == pytest.approx(1.0)


def test_a_bilingual_note_has_both_languages_with_shares():
    shares = {s.lang: s.share for s in identify_languages("请修改头部形状 머리모양을 수정하시오")}
    assert set(shares) == {"ko", "zh-Hans"}
    assert shares["ko"] > shares["zh-Hans"] > 0
    assert sum(shares.values()) == pytest.approx(1.0, abs=0.001)


def test_han_characters_with_kana_are_japanese_not_chinese():
    assert [s.lang for s in identify_languages("修正してください")] == ["ja"]


def test_no_letters_no_languages():
    assert identify_languages("12 / 34 -- !!") == []


def test_characters_both_forms_share_stay_undetermined():
    assert chinese_variant("人口") == "zh"
    assert chinese_variant("头发") == "zh-Hans"
    assert chinese_variant("頭髮") == "zh-Hant"
