"""text_findings: what the file-forensics engine gets for a note, with JSON evidence."""

from __future__ import annotations

import json

from chainwatch.findings.finding import SubjectType
from chainwatch.text import YANBIAN_CAVEAT, analyze_text, decode_text, encode_kps9566, text_findings

NK_NOTE = "로동자들이 력사를 공부하였다. 일이 잘 되였다. 어디로 갈가?"
MANY_RULES = (
    "로동자들이 력사를 공부하였다. 일이 잘 되였다. 어디로 갈가? "
    "할수 있는것이였다. 책상우에 놓으시오. 《로동신문》을 보시였다."
)


def findings(text: str, **kw):
    kw.setdefault("decoded", None)
    return text_findings(
        analyze_text(text),
        subject_type=SubjectType.FILE,
        subject_key="sc12/notes.txt",
        project="lanternfall-s1",
        analyzer="forensics",
        **kw,
    )


def by_rule(fs, rule):
    return [f for f in fs if f.rule_id == rule]


def test_nk_orthography_raises_lang1_m_with_spans_and_the_caveat():
    [f] = by_rule(findings(NK_NOTE), "LANG-1")
    assert f.severity.value == "M"
    assert f.evidence["verdict"] == "nk_norm"
    assert f.evidence["caveat"] == YANBIAN_CAVEAT
    assert {"O1", "O2", "O3"} <= set(f.evidence["nk_rule_counts"])
    for hit in f.evidence["hits"]:
        assert NK_NOTE[hit["start"] : hit["end"]] == hit["text"]
    assert f.evidence["lexicon"].startswith("nkhandic")
    assert f.project == "lanternfall-s1" and f.subject_key == "sc12/notes.txt"
    json.dumps(f.to_dict(), ensure_ascii=False)


def test_many_independent_rules_raise_lang1_h():
    [f] = by_rule(findings(MANY_RULES), "LANG-1")
    assert f.severity.value == "H"
    assert len(f.evidence["nk_rule_counts"]) >= 3


def test_sk_or_neutral_korean_raises_no_lang1():
    assert by_rule(findings("노동자들이 역사를 공부했다. 어디로 갈까?"), "LANG-1") == []
    assert by_rule(findings("머리모양을 수정하시오"), "LANG-1") == []


def test_file4_only_when_the_bytes_were_kps9566():
    note = "머리모양을 수정하시오. 선을 깨끗하게 그려주세요."
    kps = decode_text(encode_kps9566(note))
    [f] = by_rule(findings(kps.text, decoded=kps), "FILE-4")
    assert f.evidence["encoding"] == "kps9566"
    assert f.evidence["scores"]["kps9566"] > f.evidence["scores"]["cp949"]
    euc = decode_text(note.encode("euc-kr"))
    assert by_rule(findings(euc.text, decoded=euc), "FILE-4") == []


def test_bilingual_chinese_korean_note_raises_file6():
    text = "第12镜头\n请修改头部形状 / 머리모양을 수정하시오\nOK"
    [f] = by_rule(findings(text), "FILE-6")
    assert f.evidence["kind"] == "bilingual_chinese_korean"
    [line] = f.evidence["lines"]
    assert line["line"] == 2 and line["chinese"] == "zh-Hans"
    assert text[line["start"] : line["end"]] == "请修改头部形状 / 머리모양을 수정하시오"


def test_korean_notes_raise_file6_only_when_no_korean_vendor_is_engaged():
    text = "머리모양을 수정하시오\n선을 깨끗하게"
    assert by_rule(findings(text), "FILE-6") == []  # unknown: no claim
    assert by_rule(findings(text, korean_vendor_engaged=True), "FILE-6") == []
    [f] = by_rule(findings(text, korean_vendor_engaged=False), "FILE-6")
    assert f.evidence["kind"] == "korean_annotations"
    assert f.evidence["korean_lines"] == 2


def test_findings_have_stable_fingerprints_across_reruns():
    a = [f.fingerprint for f in findings(MANY_RULES)]
    b = [f.fingerprint for f in findings(MANY_RULES + " 더 쓴 글")]
    assert a == b


def test_per_line_results_carry_offsets_into_the_whole_text():
    text = "Fix the head\n일이 잘 되였다."
    analysis = analyze_text(text)
    assert [ln.line for ln in analysis.lines] == [1, 2]
    [hit] = analysis.lines[1].orthography.hits
    assert text[hit.start : hit.end] == "되였"
    assert analyze_text(text, per_line=False).lines == []
    json.dumps(analysis.to_dict(), ensure_ascii=False, allow_nan=False)


def test_crlf_lines_and_empty_text():
    text = "OK\r\n\r\n일이 잘 되였다.\r\n"
    analysis = analyze_text(text)
    assert [ln.line for ln in analysis.lines] == [1, 3]
    [hit] = analysis.lines[1].orthography.hits
    assert text[hit.start : hit.end] == "되였"
    assert analysis.line_of(hit.start) == 3
    empty = analyze_text("")
    assert empty.lines == [] and empty.languages == []
    assert empty.orthography.verdict == "not_korean"
