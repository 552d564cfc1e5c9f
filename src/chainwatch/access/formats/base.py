"""What every log format shares: the parse report, the format protocol, record ids.

A parser reads a text stream and yields one ``dict`` per event with the keys of
``EVENT_SCHEMA`` (missing keys are null). A record it cannot read becomes a ``Reject`` in the
``ParseReport`` (file, line, reason, raw text) and parsing goes on: never a crash, never a
silent drop. ``sniff`` decides from the first few kilobytes whether a file is in this format.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, TextIO

from chainwatch.rejects import RAW_LIMIT, Reject, reasons_histogram


@dataclass
class ParseReport:
    file: str
    format: str = ""
    events: int = 0
    rejects: list[Reject] = field(default_factory=list)
    replaced_bytes: int = 0  # bytes that were not UTF-8 (block readers; streams count their own)
    parse_cpu_s: float | None = None  # block readers: CPU time spent in the workers
    warnings: list[str] = field(default_factory=list)

    def reject(self, line: int | None, reason: str, raw: str = "") -> None:
        self.rejects.append(Reject(self.file, line, reason, raw[:RAW_LIMIT]))

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "format": self.format,
            "events": self.events,
            "rejects": len(self.rejects),
            "reject_reasons": reasons_histogram(self.rejects),
            "warnings": self.warnings,
            **({"parse_cpu_s": round(self.parse_cpu_s, 3)} if self.parse_cpu_s else {}),
        }


class LogFormat(Protocol):
    name: str  # the --format value: s3, cloudfront, nginx, m365, gdrive, ...
    title: str

    def sniff(self, head: str) -> bool:
        """True when ``head`` (the first few KB of text) looks like this format."""
        ...

    def parse(
        self, stream: TextIO, source_id: str, report: ParseReport
    ) -> Iterator[dict[str, Any]]:
        """Events as dicts with EVENT_SCHEMA keys, including source_line and record_id."""
        ...


def record_id_prefix(source_id: str) -> str:
    """The part of every record id that names the source: 16 hex digits and a colon."""
    return hashlib.blake2b(source_id.encode(), digest_size=8).hexdigest() + ":"


def record_id(source_id: str, line: int) -> str:
    """Stable id of a raw record: the source's prefix and the record's line (or number).

    The same file re-ingested yields the same ids; the line stays readable, and columnar
    parsers build the ids with one string kernel instead of a hash per record.
    """
    return f"{record_id_prefix(source_id)}{line}"
