"""Findings from a text analysis: FILE-3, FILE-4, FILE-6 and LANG-1.

Pure: an analysis in, findings out. The caller (file forensics, the CLI) says what the text
belongs to (``subject_type``/``subject_key``) and whether a Korean-language vendor is engaged
on the project; ``None`` means unknown, and then Korean notes alone raise nothing.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from chainwatch.findings.catalogue import Severity
from chainwatch.findings.finding import Finding, SubjectType
from chainwatch.text.analysis import TextAnalysis
from chainwatch.text.decode import DecodedText
from chainwatch.text.lexicon import load_lexicon

MAX_EVIDENCE_ITEMS = 50
# LANG-1 is H only with many independent hits: this many distinct NK rules, this many NK
# hits in all and at least this score; otherwise the catalogue's M.
H_MIN_RULES, H_MIN_HITS, H_MIN_SCORE = 3, 5, 0.9


def _clip(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def text_findings(
    analysis: TextAnalysis,
    *,
    subject_type: SubjectType,
    subject_key: str,
    project: str | None,
    analyzer: str,
    korean_vendor_engaged: bool | None = None,
    decoded: DecodedText | None = None,
) -> list[Finding]:
    """The findings one analyzed text supports, each with the spans that support it."""
    common: dict[str, Any] = {
        "subject_type": SubjectType(subject_type),
        "subject_key": subject_key,
        "project": project,
        "analyzer": analyzer,
    }
    out: list[Finding] = []
    out += _file3(analysis, subject_key, common)
    if decoded is not None and decoded.kps9566:
        out.append(_file4(decoded, subject_key, common))
    out += _file6(analysis, subject_key, korean_vendor_engaged, common)
    out += _lang1(analysis, subject_key, common)
    return out


def _file3(analysis: TextAnalysis, key: str, common: dict[str, Any]) -> list[Finding]:
    checked = [d for d in analysis.juche_dates if d.consistent]
    bare = [d for d in analysis.juche_dates if d.consistent is None and d.has_year_suffix]
    dates = checked or bare
    if not dates:
        return []
    first = dates[0]
    if checked:
        how = f"{first.juche_year} + 1911 = {first.gregorian}"
    else:
        how = f"no Gregorian year to check; Juche {first.juche_year} = {first.implied_gregorian}"
    more = f" and {len(dates) - 1} more" if len(dates) > 1 else ""
    return [
        Finding.of(
            "FILE-3",
            summary=f"Juche date {first.text} ({how}){more} in {key}",
            evidence={
                "dates": [
                    {**d.to_dict(), "line": analysis.line_of(d.start)}
                    for d in dates[:MAX_EVIDENCE_ITEMS]
                ],
                "arithmetic_checked": bool(checked),
                "inconsistent_dates": [
                    d.text for d in analysis.juche_dates if d.consistent is False
                ][:MAX_EVIDENCE_ITEMS],
            },
            confidence=0.9 if checked else 0.6,
            dedupe="juche-date",
            **common,
        )
    ]


def _file4(decoded: DecodedText, key: str, common: dict[str, Any]) -> Finding:
    scores = decoded.scores
    margin = scores.get("kps9566", 0.0) - scores.get("cp949", scores.get("kps9566", 0.0))
    return Finding.of(
        "FILE-4",
        summary=(
            f"{key} is encoded in KPS 9566 (reads as Korean as KPS 9566, "
            f"not as EUC-KR/CP949; margin {margin:.1f} per character)"
        ),
        evidence={
            **decoded.to_dict(),
            "margin": round(margin, 4),
            "score_meaning": "mean log-probability per non-ASCII character of each reading "
            "under NK-HanDic syllable frequencies; higher reads more like Korean",
        },
        confidence=0.95 if margin >= 3.0 else 0.8,
        dedupe="kps9566",
        **common,
    )


def _file6(
    analysis: TextAnalysis, key: str, vendor: bool | None, common: dict[str, Any]
) -> list[Finding]:
    out = []
    if analysis.bilingual_lines:
        lines = analysis.bilingual_lines
        out.append(
            Finding.of(
                "FILE-6",
                summary=(
                    f"{len(lines)} bilingual Chinese+Korean note line(s) in {key}, e.g. "
                    f"line {lines[0].line}: {_clip(lines[0].text, 80)}"
                ).replace("\n", " "),
                evidence={
                    "kind": "bilingual_chinese_korean",
                    "lines": [b.to_dict() for b in lines[:MAX_EVIDENCE_ITEMS]],
                    "korean_vendor_engaged": vendor,
                },
                confidence=0.5 if vendor else 0.7,
                dedupe="bilingual-notes",
                **common,
            )
        )
    if vendor is False and analysis.korean_lines:
        korean = [ln for ln in analysis.lines if any(s.lang == "ko" for s in ln.languages)]
        out.append(
            Finding.of(
                "FILE-6",
                summary=(
                    f"Korean annotations in {key} ({analysis.korean_lines} of "
                    f"{analysis.total_lines} lines) but no Korean-language vendor is engaged"
                ),
                evidence={
                    "kind": "korean_annotations",
                    "korean_lines": analysis.korean_lines,
                    "total_lines": analysis.total_lines,
                    "korean_share": round(analysis.korean_share, 4),
                    "examples": [
                        {"line": ln.line, "start": ln.start, "end": ln.end, "text": _clip(ln.text)}
                        for ln in korean[:10]
                    ],
                    "korean_vendor_engaged": False,
                },
                confidence=round(min(0.8, 0.4 + 0.1 * analysis.korean_lines), 2),
                dedupe="korean-notes",
                **common,
            )
        )
    return out


def _lang1(analysis: TextAnalysis, key: str, common: dict[str, Any]) -> list[Finding]:
    ortho = analysis.orthography
    if ortho.verdict != "nk_norm" or ortho.score is None:
        return []
    nk_hits = [h for h in ortho.hits if h.side == "nk"]
    rules = Counter(h.rule for h in nk_hits)
    strong = len(rules) >= H_MIN_RULES and len(nk_hits) >= H_MIN_HITS and ortho.score >= H_MIN_SCORE
    examples = ", ".join(dict.fromkeys(h.text for h in nk_hits))
    return [
        Finding.of(
            "LANG-1",
            summary=(
                f"Korean in {key} follows North Korean orthography "
                f"({', '.join(sorted(rules))}: {_clip(examples, 60)}; score {ortho.score:.2f})"
            ),
            evidence={
                "verdict": ortho.verdict,
                "score": round(ortho.score, 4),
                "nk_rule_counts": dict(sorted(rules.items())),
                "sk_rule_counts": dict(
                    sorted(Counter(h.rule for h in ortho.hits if h.side == "sk").items())
                ),
                "hits": [
                    {
                        "rule": h.rule,
                        "side": h.side,
                        "text": h.text,
                        "start": h.start,
                        "end": h.end,
                        "line": analysis.line_of(h.start),
                    }
                    for h in ortho.hits[:MAX_EVIDENCE_ITEMS]
                ],
                "caveat": ortho.caveat,
                "lexicon": load_lexicon().version,
            },
            confidence=round(ortho.score, 4),
            severity=Severity.H if strong else None,
            dedupe="nk-orthography",
            **common,
        )
    ]
