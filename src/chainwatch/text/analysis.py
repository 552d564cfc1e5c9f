"""One pass over a text: languages, orthography, Juche dates and bilingual notes, per line.

Offsets are always into the text given to :func:`analyze_text`, also for line results, so
evidence points at the same characters whichever level reports it.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field, replace
from typing import Any

from chainwatch.text.hangul import script_codes, script_view
from chainwatch.text.juche import JucheDate, find_juche_dates
from chainwatch.text.langid import LanguageShare, chinese_variant, identify_languages
from chainwatch.text.orthography import OrthographyResult, score_orthography

# A line is bilingual Chinese+Korean (FILE-6) when it holds at least this many of each.
MIN_BILINGUAL_CHARS = 2


@dataclass(frozen=True)
class BilingualLine:
    """A note with Han-script Chinese and Hangul Korean (38 North: a note and its translation)."""

    line: int  # 1-based
    start: int
    end: int
    text: str
    hangul: int
    han: int
    chinese: str  # zh-Hans / zh-Hant / zh

    def to_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "start": self.start,
            "end": self.end,
            "text": self.text[:300],
            "hangul": self.hangul,
            "han": self.han,
            "chinese": self.chinese,
        }


@dataclass
class LineAnalysis:
    line: int  # 1-based
    start: int
    end: int
    text: str
    languages: list[LanguageShare]
    orthography: OrthographyResult
    juche_dates: list[JucheDate]
    bilingual: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "languages": [s.to_dict() for s in self.languages],
            "orthography": self.orthography.to_dict(),
            "juche_dates": [d.to_dict() for d in self.juche_dates],
            "bilingual": self.bilingual,
        }


@dataclass
class TextAnalysis:
    languages: list[LanguageShare]
    orthography: OrthographyResult
    juche_dates: list[JucheDate]
    bilingual_lines: list[BilingualLine]
    korean_lines: int  # non-empty lines with Korean in them
    total_lines: int  # non-empty lines
    lines: list[LineAnalysis] = field(default_factory=list)
    line_starts: list[int] = field(default_factory=lambda: [0])

    def line_of(self, offset: int) -> int:
        """1-based line number of a character offset into the analyzed text."""
        return bisect_right(self.line_starts, offset)

    @property
    def korean_share(self) -> float:
        return sum(s.share for s in self.languages if s.lang == "ko")

    def to_dict(self) -> dict[str, Any]:
        return {
            "languages": [s.to_dict() for s in self.languages],
            "korean_share": round(self.korean_share, 4),
            "korean_lines": self.korean_lines,
            "total_lines": self.total_lines,
            "orthography": self.orthography.to_dict(),
            "juche_dates": [d.to_dict() for d in self.juche_dates],
            "bilingual_lines": [b.to_dict() for b in self.bilingual_lines],
            "lines": [ln.to_dict() for ln in self.lines],
        }


_HAN = script_view("han", gap=None)


def _bilingual(line_no: int, start: int, text: str) -> BilingualLine | None:
    codes = script_codes(text)
    hangul, han = codes.count("h"), codes.count("c")
    if "k" in codes or hangul < MIN_BILINGUAL_CHARS or han < MIN_BILINGUAL_CHARS:
        return None
    return BilingualLine(
        line_no, start, start + len(text), text, hangul, han, chinese_variant(text.translate(_HAN))
    )


def _shift(result: OrthographyResult, offset: int) -> OrthographyResult:
    hits = [replace(h, start=h.start + offset, end=h.end + offset) for h in result.hits]
    return replace(result, hits=hits)


def analyze_text(text: str, *, per_line: bool = True) -> TextAnalysis:
    """Analyze a whole text and (``per_line``) each of its non-empty lines."""
    lines: list[LineAnalysis] = []
    bilingual: list[BilingualLine] = []
    korean_lines = total_lines = 0
    pos = 0
    line_starts = []
    for number, raw in enumerate(text.splitlines(keepends=True), start=1):
        start, body = pos, raw.rstrip("\r\n")
        line_starts.append(start)
        pos += len(raw)
        if not body.strip():
            continue
        total_lines += 1
        if "h" in script_codes(body):
            korean_lines += 1
        found = _bilingual(number, start, body)
        if found:
            bilingual.append(found)
        if per_line:
            lines.append(
                LineAnalysis(
                    line=number,
                    start=start,
                    end=start + len(body),
                    text=body,
                    languages=identify_languages(body),
                    orthography=_shift(score_orthography(body), start),
                    juche_dates=[
                        replace(d, start=d.start + start, end=d.end + start)
                        for d in find_juche_dates(body)
                    ],
                    bilingual=found is not None,
                )
            )
    return TextAnalysis(
        languages=identify_languages(text),
        orthography=score_orthography(text),
        juche_dates=find_juche_dates(text),
        bilingual_lines=bilingual,
        korean_lines=korean_lines,
        total_lines=total_lines,
        lines=lines,
        line_starts=line_starts or [0],
    )
