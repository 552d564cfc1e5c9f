"""FILE-3: Juche calendar dates, 주체113(2024)년, checked by arithmetic.

Juche 1 = 1912 (Kim Il Sung's birth year), so a genuine date satisfies N + 1911 = YYYY. A
pair that fails the check is reported but raises nothing; a bare 주체N년 with no Gregorian
year is reported with lower confidence.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

JUCHE_OFFSET = 1911
# reference/dprk-signals.md §4.5, verbatim.
JUCHE_DATE = re.compile(r"주체\s?(\d{2,3})\s?(?:\((\d{4})\))?\s?년?")


@dataclass(frozen=True)
class JucheDate:
    text: str
    start: int
    end: int
    juche_year: int
    gregorian: int | None  # the year in parentheses, if written
    implied_gregorian: int  # juche_year + 1911
    consistent: bool | None  # None when no Gregorian year was written
    has_year_suffix: bool  # ends in 년

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def find_juche_dates(text: str) -> list[JucheDate]:
    dates = []
    for m in JUCHE_DATE.finditer(text):
        juche = int(m.group(1))
        gregorian = int(m.group(2)) if m.group(2) else None
        implied = juche + JUCHE_OFFSET
        matched = m.group(0).rstrip()
        dates.append(
            JucheDate(
                text=matched,
                start=m.start(),
                end=m.start() + len(matched),
                juche_year=juche,
                gregorian=gregorian,
                implied_gregorian=implied,
                consistent=None if gregorian is None else gregorian == implied,
                has_year_suffix=matched.endswith("년"),
            )
        )
    return dates
