"""The one place file forensics calls the text analyzers (``chainwatch.text``).

Extracted text (document body, comments, subtitles, PSD text layers, note files, OCR) goes
through ``analyze_text`` and ``text_findings`` here and nowhere else, so FILE-3 (Juche
dates), FILE-4 (KPS 9566), FILE-6 (Korean / bilingual notes) and LANG-1 (North Korean
orthography) are raised for files exactly as for pasted notes. Bytes of plain-text files are
decoded by ``decode_text``, which decides KPS 9566 against EUC-KR/CP949 statistically.

When ``chainwatch.text`` cannot be imported the scan still runs: bytes are decoded as UTF-8,
UTF-16 or CP949, no text finding is raised, and each record says so in its notes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chainwatch.findings.finding import Finding, SubjectType

TEXT_UNAVAILABLE = "text analyzers unavailable (chainwatch.text): no FILE-3/4/6 or LANG-1"


@dataclass
class TextVerdict:
    languages: list[dict[str, Any]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _text_api():
    try:
        from chainwatch.text import analyze_text, decode_text, text_findings
    except ImportError:
        return None
    return analyze_text, decode_text, text_findings


def head_bytes(data: bytes, limit: int) -> bytes:
    """The first ``limit`` bytes, cut before a multi-byte character that the cut would split
    (a split UTF-8 or EUC sequence would make the whole text look undecodable)."""
    if len(data) <= limit:
        return data
    head = data[:limit]
    trim = 0
    while trim < 3 and head[len(head) - 1 - trim] >= 0x80:
        trim += 1
    return head[: len(head) - trim] if trim else head


def decode_bytes(data: bytes) -> tuple[str, Any, str]:
    """(text, decoded-or-None, encoding name) for the bytes of a text file."""
    api = _text_api()
    if api is not None:
        decoded = api[1](data)
        return decoded.text, decoded, decoded.encoding
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace"), None, "utf-16"
    for enc in ("utf-8-sig", "cp949"):
        try:
            return data.decode(enc), None, enc
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), None, "latin-1"


def text_verdict(
    text: str,
    *,
    subject_key: str,
    project: str | None,
    analyzer: str,
    korean_vendor_engaged: bool | None,
    decoded: Any = None,
) -> TextVerdict:
    """Languages and text findings for one file's extracted text."""
    if not text.strip() and decoded is None:
        return TextVerdict()
    api = _text_api()
    if api is None:
        return TextVerdict(notes=[TEXT_UNAVAILABLE])
    analyze_text, _, text_findings = api
    analysis = analyze_text(text, per_line=True)
    findings = text_findings(
        analysis,
        subject_type=SubjectType.FILE,
        subject_key=subject_key,
        project=project,
        analyzer=analyzer,
        korean_vendor_engaged=korean_vendor_engaged,
        decoded=decoded,
    )
    languages = [
        {"lang": share.lang, "share": round(float(share.share), 3)}
        for share in getattr(analysis, "languages", [])
    ]
    return TextVerdict(languages=languages, findings=list(findings))


def warm_text_analyzers() -> None:
    """Build the text analyzers' lazy caches now (see ``forensics.preload``): the lexicon
    (read from its on-disk cache), the KPS 9566 and Chinese character tables, and lingua's
    Latin-script models, which nearly every delivery needs (metadata and notes in English).
    The Cyrillic models (0.3 s) are left to load in a worker when a file needs them."""
    api = _text_api()
    if api is None:
        return
    sample = "Please fix the head shape. 머리 모양을 고쳐주십시오. 请修改头部形状。"
    api[0](sample, per_line=True)
    api[1](sample.encode("utf-8"))
