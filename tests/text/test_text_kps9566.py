"""FILE-4: the fast KPS 9566 codec and the KPS-vs-EUC-KR decision; decode_text in general."""

from __future__ import annotations

import codecs

import pytest

from chainwatch.errors import InputError
from chainwatch.text import decode_kps9566, decode_text, detect_kps9566, encode_kps9566

NOTE = "로동신문 김일성 머리모양을 수정하시오. 선을 깨끗하게 그려주세요."


def test_codec_round_trips_and_matches_the_reference_package():
    import kps9566  # noqa: F401 - registers the package's own (slow) codec

    data = encode_kps9566(NOTE)
    assert data == NOTE.encode("kps9566")
    assert data.startswith(bytes.fromhex("b5e1b4b4bba6b7cd"))  # 로동신문, reference §4.2
    assert decode_kps9566(data) == NOTE
    assert codecs.decode(data[:8], "kps9566") == decode_kps9566(data[:8])


def test_kps_bytes_are_decided_as_kps9566():
    d = detect_kps9566(encode_kps9566(NOTE))
    assert d.kps9566 and d.encoding == "kps9566"
    assert d.text == NOTE
    assert d.scores["kps9566"] > d.scores["cp949"] + 1


def test_euc_kr_bytes_are_decided_as_cp949_not_kps():
    d = detect_kps9566(NOTE.encode("euc-kr"))
    assert not d.kps9566 and d.encoding == "cp949"
    assert d.text == NOTE


def test_too_few_syllables_is_not_a_decision():
    d = detect_kps9566(encode_kps9566("수정"))
    assert not d.kps9566 and d.encoding == "undecided"


def test_decode_text_says_kps9566_and_gives_both_scores():
    d = decode_text(encode_kps9566(NOTE))
    assert (d.encoding, d.kps9566, d.text) == ("kps9566", True, NOTE)
    assert set(d.scores) == {"kps9566", "cp949"}
    e = decode_text(NOTE.encode("euc-kr"))
    assert (e.encoding, e.kps9566, e.text) == ("cp949", False, NOTE)


@pytest.mark.parametrize(
    ("text", "encoding", "expected"),
    [
        (NOTE, "utf-8", "utf-8"),
        (NOTE, "utf-8-sig", "utf-8-sig"),
        (NOTE, "utf-16", "utf-16"),
        ("请修改第12帧人物头部的形状，线条要干净。眼睛的位置不对。", "gb18030", "gb18030"),
        ("頭の形を直してください。線をきれいにしてください。", "shift_jis", None),
        ("請修改這一幀裡頭部的形狀。", "big5", "big5"),  # not Shift-JIS half-width garbage
        ("Исправьте форму головы в этом кадре.", "cp1251", "cp1251"),
    ],
)
def test_decode_text_reads_other_encodings(text, encoding, expected):
    d = decode_text(text.encode(encoding))
    assert d.text == text
    assert not d.kps9566
    if expected:
        assert d.encoding == expected


def test_binary_bytes_are_an_input_error():
    with pytest.raises(InputError, match="cannot decode"):
        decode_text(bytes(range(256)) * 4)
