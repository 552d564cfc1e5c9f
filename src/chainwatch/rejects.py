"""A rejected input record: where it was, why, and what it said. Shared by every reader
(list loaders, log parsers, file scanners), so bad input is reported the same way everywhere:
counted, kept with its reason, never silently dropped."""

from __future__ import annotations

from dataclasses import dataclass

RAW_LIMIT = 300


@dataclass(frozen=True)
class Reject:
    file: str
    line: int | None
    reason: str
    raw: str = ""  # the offending text, truncated to RAW_LIMIT characters

    def to_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "reason": self.reason, "raw": self.raw}


def reasons_histogram(rejects: list[Reject]) -> dict[str, int]:
    """Counts by reason category (the text before the first colon)."""
    out: dict[str, int] = {}
    for r in rejects:
        key = r.reason.split(":")[0]
        out[key] = out.get(key, 0) + 1
    return out
