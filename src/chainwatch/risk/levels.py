"""The five risk levels, in order, and how a score maps onto them.

Levels are ordered (``Level.CLEAR < Level.CRITICAL``) so a floor is ``max(level, floor)`` and a
step down the chain is ``level.lowered(1)``. The score thresholds live in ``RiskSettings``.
"""

from __future__ import annotations

from enum import StrEnum


class Level(StrEnum):
    """A StrEnum (prints and serialises as its word) compared by rank, not alphabetically."""

    CLEAR = "clear"
    WATCH = "watch"
    ELEVATED = "elevated"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _ORDER.index(self)

    def __lt__(self, other: object) -> bool:
        return self.rank < other.rank if isinstance(other, Level) else NotImplemented

    def __le__(self, other: object) -> bool:
        return self.rank <= other.rank if isinstance(other, Level) else NotImplemented

    def __gt__(self, other: object) -> bool:
        return self.rank > other.rank if isinstance(other, Level) else NotImplemented

    def __ge__(self, other: object) -> bool:
        return self.rank >= other.rank if isinstance(other, Level) else NotImplemented

    def __hash__(self) -> int:
        return str.__hash__(self)

    def lowered(self, steps: int) -> Level:
        """This level ``steps`` steps down, never below clear."""
        return _ORDER[max(0, self.rank - steps)]

    @classmethod
    def parse(cls, value: str) -> Level:
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            raise ValueError(
                f"unknown risk level {value!r}; one of {', '.join(lv.value for lv in _ORDER)}"
            ) from None


_ORDER: tuple[Level, ...] = (
    Level.CLEAR,
    Level.WATCH,
    Level.ELEVATED,
    Level.HIGH,
    Level.CRITICAL,
)
LEVELS = _ORDER


def level_for_score(score: float, thresholds: dict[Level, float]) -> Level:
    """The highest level whose threshold ``score`` reaches (clear when none)."""
    level = Level.CLEAR
    for candidate in _ORDER[1:]:
        if score >= thresholds[candidate]:
            level = candidate
    return level
