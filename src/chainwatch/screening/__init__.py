"""Sanctions screening: official lists, cross-script matching, ownership, re-screening.

Matching API (see compare.py): ``compare(a, b)`` scores two names, parties, list entries or
``MatchQuery`` objects with an explanation; ``screen(query, index)`` ranks the entries of a
``ScreeningIndex`` built from ``ListEntry`` objects.
"""

from chainwatch.screening.compare import Match, as_query, compare, screen
from chainwatch.screening.index import ScreeningIndex
from chainwatch.screening.normalize import NormName, normalize
from chainwatch.screening.scorer import DEFAULT_THRESHOLD, MatchQuery, MatchResult, Reason
from chainwatch.screening.transliterate import romanizations, script_of

__all__ = [
    "DEFAULT_THRESHOLD",
    "Match",
    "MatchQuery",
    "MatchResult",
    "NormName",
    "Reason",
    "ScreeningIndex",
    "as_query",
    "compare",
    "normalize",
    "romanizations",
    "screen",
    "script_of",
]
