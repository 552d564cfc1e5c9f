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
from chainwatch.rejects import RAW_LIMIT, Reject, reasons_histogram

__all__ = ["ListLoader", "LoadReport", "Reject"]


@dataclass
class LoadReport:
    source: str
    entries: int = 0
    rejects: list[Reject] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def reject(self, file: str | Path, line: int | None, reason: str, raw: str = "") -> None:
        self.rejects.append(Reject(str(file), line, reason, raw[:RAW_LIMIT]))

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "entries": self.entries,
            "rejects": len(self.rejects),
            "reject_reasons": reasons_histogram(self.rejects),
            "warnings": self.warnings,
        }


class ListLoader(Protocol):
    """A list format. ``files`` names what it expects in a snapshot directory."""

    kind: str  # the --source value: ofac_sdn, ofac_cons, ofac_advanced, un, eu, uk, ...
    title: str

    def read(self, paths: Sequence[Path], report: LoadReport) -> Iterator[ListEntry]:
        """Stream entries from the given files; memory stays bounded by one entry."""
        ...
