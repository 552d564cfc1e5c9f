"""FILE-3: Juche dates, and the N + 1911 = YYYY check."""

from __future__ import annotations

from chainwatch.findings.finding import SubjectType
from chainwatch.text import analyze_text, find_juche_dates, text_findings


def _findings(text: str):
    return text_findings(
        analyze_text(text),
        subject_type=SubjectType.FILE,
        subject_key="n.txt",
        project="p",
        analyzer="text",
    )


def test_a_consistent_juche_date_is_found_with_its_span():
    text = "작성: 주체113(2024)년 5월 3일"
    [d] = find_juche_dates(text)
    assert (d.juche_year, d.gregorian, d.consistent) == (113, 2024, True)
    assert text[d.start : d.end] == "주체113(2024)년"


def test_wrong_arithmetic_is_reported_as_inconsistent_and_raises_nothing():
    [d] = find_juche_dates("주체112(2024)년")
    assert d.consistent is False and d.implied_gregorian == 2023
    assert [f.rule_id for f in _findings("주체112(2024)년")] == []


def test_spaces_and_a_bare_juche_year_are_accepted():
    [d] = find_juche_dates("주체 100 (2011) 년")
    assert d.consistent is True
    [bare] = find_juche_dates("주체108년")
    assert bare.consistent is None and bare.implied_gregorian == 2019


def test_file3_finding_says_what_matched_and_where():
    text = "메모\n주체113(2024)년 5월"
    [f] = [f for f in _findings(text) if f.rule_id == "FILE-3"]
    assert f.severity.value == "H"
    [date] = f.evidence["dates"]
    assert date["text"] == "주체113(2024)년" and date["line"] == 2
    assert text[date["start"] : date["end"]] == date["text"]
    assert f.confidence > 0.8


def test_a_bare_juche_year_raises_file3_with_lower_confidence():
    [f] = [f for f in _findings("주체108년 계획") if f.rule_id == "FILE-3"]
    assert f.evidence["arithmetic_checked"] is False
    assert f.confidence < 0.8
