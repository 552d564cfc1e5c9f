"""FILE-2: timestamps written with the +08:30 offset while Pyongyang used it.

Pyongyang Time was UTC+8:30 from 2015-08-15 00:00 to 2018-05-04 23:30 local, and no other
IANA zone used +08:30 in 2010–2025 (dprk-signals.md §4.4). Extractors hand over every
timestamp they see as (field, raw string); this module reads ISO 8601 / XMP / EXIF-style
(``2016:03:01 10:00:00+08:30``), PDF (``D:20160301100000+08'30'``) and RFC 2822
(``+0830``) forms, counts every offset seen (the record reports them all), and raises one
finding per file listing each +08:30 timestamp in the window with its field. A +08:30 stamp
outside the window is reported as an offset seen but raises nothing (only a clock set by hand
or stale tz data writes it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from chainwatch.findings.finding import Finding, SubjectType
from chainwatch.forensics.detect.summary import one_line

WINDOW = (date(2015, 8, 15), date(2018, 5, 4))
PYONGYANG_OFFSET = "+08:30"

_ISO = re.compile(
    r"(?<!\d)(\d{4})[-:](\d{2})[-:](\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:[.,]\d+)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})(?!\d)"
)
_PDF = re.compile(r"D:(\d{4})(\d{2})(\d{2})(\d{2})?(\d{2})?(\d{2})?(Z|[+-]\d{2}'?\d{2}'?)?")
_RFC2822 = re.compile(
    r"(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) "
    r"(\d{2}):(\d{2})(?::(\d{2}))? ([+-]\d{4})"
)
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@dataclass(frozen=True)
class Stamp:
    field: str
    raw: str
    local_date: date | None
    offset: str | None  # "+08:30", "Z" → "+00:00", None when the stamp has no offset


def _norm_offset(raw: str) -> str:
    if raw in ("Z", "z"):
        return "+00:00"
    digits = raw[1:].replace(":", "").replace("'", "")
    return f"{raw[0]}{digits[:2]}:{digits[2:4] or '00'}"


def _day(y: str, m: str, d: str) -> date | None:
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        return None


def parse_stamps(field: str, raw: str, limit: int = 200) -> list[Stamp]:
    """Every offset-bearing timestamp in ``raw`` (a metadata value or a text)."""
    out: list[Stamp] = []
    for m in _ISO.finditer(raw):
        out.append(Stamp(field, m.group(0), _day(*m.group(1, 2, 3)), _norm_offset(m.group(7))))
        if len(out) >= limit:
            return out
    for m in _PDF.finditer(raw):
        off = _norm_offset(m.group(7)) if m.group(7) else None
        out.append(Stamp(field, m.group(0), _day(*m.group(1, 2, 3)), off))
    for m in _RFC2822.finditer(raw):
        month = f"{_MONTHS.index(m.group(2)) + 1:02d}"
        out.append(
            Stamp(field, m.group(0), _day(m.group(3), month, m.group(1)), _norm_offset(m.group(7)))
        )
    return out[:limit]


def offsets_seen(stamps: list[Stamp]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for s in stamps:
        key = s.offset or "(none)"
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def is_pyongyang_window(stamp: Stamp) -> bool:
    return (
        stamp.offset == PYONGYANG_OFFSET
        and stamp.local_date is not None
        and WINDOW[0] <= stamp.local_date <= WINDOW[1]
    )


def pyongyang_time_findings(
    stamps: list[Stamp],
    *,
    subject_key: str,
    sha256: str,
    project: str | None,
    analyzer: str,
) -> list[Finding]:
    hits = [s for s in stamps if is_pyongyang_window(s)]
    if not hits:
        return []
    fields = sorted({s.field for s in hits})
    return [
        Finding.of(
            "FILE-2",
            subject_type=SubjectType.FILE,
            subject_key=subject_key,
            summary=one_line(
                f"{len(hits)} timestamp(s) at +08:30 (Pyongyang Time 2015-2018) in "
                f"{', '.join(fields)}: {hits[0].raw[:40]}"
            ),
            evidence={
                "path": subject_key,
                "sha256": sha256,
                "timestamps": [
                    {"field": s.field, "value": s.raw, "date": s.local_date.isoformat()}
                    for s in hits[:50]
                ],
                "window": [WINDOW[0].isoformat(), WINDOW[1].isoformat()],
                "offsets_seen": offsets_seen(stamps),
            },
            confidence=0.85,
            analyzer=analyzer,
            project=project,
            dedupe=sha256,
        )
    ]
