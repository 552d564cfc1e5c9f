"""What every list loader shares: the load report with counted rejects, and the registry.

A loader never crashes on a bad row and never drops one silently: it records a ``Reject``
(file, line, reason) in the ``LoadReport`` and goes on. Orphans (an alias or address whose
entry is not in the main file, as happens when OFAC's files are of different dates) are
rejects with reason ``orphan``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from chainwatch.domain import ListEntry


@dataclass(frozen=True)
class Reject:
    file: str
    line: int | None
    reason: str
    raw: str = ""  # the offending text, truncated to 300 characters

    def to_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "reason": self.reason, "raw": self.raw}


@dataclass
class LoadReport:
    source: str
    entries: int = 0
    rejects: list[Reject] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def reject(self, file: str | Path, line: int | None, reason: str, raw: str = "") -> None:
        self.rejects.append(Reject(str(file), line, reason, raw[:300]))

    def to_dict(self) -> dict[str, object]:
        reasons: dict[str, int] = {}
        for r in self.rejects:
            key = r.reason.split(":")[0]
            reasons[key] = reasons.get(key, 0) + 1
        return {
            "source": self.source,
            "entries": self.entries,
            "rejects": len(self.rejects),
            "reject_reasons": reasons,
            "warnings": self.warnings,
        }


class ListLoader(Protocol):
    """A list format. ``files`` names what it expects in a snapshot directory."""

    kind: str  # the --source value: ofac_sdn, ofac_cons, ofac_advanced, un, eu, uk, ...
    title: str

    def read(self, paths: Sequence[Path], report: LoadReport) -> Iterator[ListEntry]:
        """Stream entries from the given files; memory stays bounded by one entry."""
        ...
