"""What a scan says about one file: the record an investigator reads, and its parts.

``FileRecord`` is plain data (JSON-ready): path (``archive.zip!inner/path`` inside archives),
size, sha256, detected type, metadata, a text excerpt, languages, findings and notes (what was
skipped and why, e.g. OCR unavailable). ``Extracted`` is what one extractor hands the
detectors; it is never stored as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chainwatch.findings.finding import Finding

ARCHIVE_SEP = "!"


@dataclass
class Extracted:
    """An extractor's output. Detectors read ``timestamps`` (field → raw string), ``fonts``
    (field → font names) and ``software`` (field → application/producer strings) so that
    each finding can say which field it came from."""

    metadata: dict[str, Any] = field(default_factory=dict)
    text: str = ""  # document text, comments, subtitles, layer text, OCR
    text_sources: list[str] = field(default_factory=list)  # where the text came from
    timestamps: list[tuple[str, str]] = field(default_factory=list)
    fonts: list[tuple[str, str]] = field(default_factory=list)
    software: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    decoded: Any = None  # chainwatch.text DecodedText for byte-decoded plain text

    def add_text(self, text: str, source: str) -> None:
        if text and text.strip():
            self.text = f"{self.text}\n{text}" if self.text else text
            if source not in self.text_sources:
                self.text_sources.append(source)


@dataclass
class FileRecord:
    path: str
    size: int
    sha256: str
    type: str
    metadata: dict[str, Any] = field(default_factory=dict)
    text_excerpt: str = ""
    text_chars: int = 0
    text_sources: list[str] = field(default_factory=list)
    languages: list[dict[str, Any]] = field(default_factory=list)
    offsets_seen: dict[str, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "size": self.size,
            "sha256": self.sha256,
            "type": self.type,
            "metadata": self.metadata,
            "text_excerpt": self.text_excerpt,
            "text_chars": self.text_chars,
            "text_sources": self.text_sources,
            "languages": self.languages,
            "offsets_seen": self.offsets_seen,
            "findings": [f.to_dict() for f in self.findings],
            "notes": self.notes,
        }
