"""Public matching API: ``compare`` two things, ``screen`` one against an index.

Anything name-bearing can be compared: a bare name, a ``ListEntry``, a registry ``Party`` or a
``MatchQuery``; all are turned into the scorer's ``Prepared`` form first. ``screen`` is pure:
it takes an already built ``ScreeningIndex`` (loading lists from storage is somebody else's
job), fetches candidates (index.py) and scores them (scorer.py), like yente's ``/match``
(reference §1.3) but in process.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chainwatch.domain import EntityKind, ListEntry, Party, PartyKind
from chainwatch.screening.index import ScreeningIndex
from chainwatch.screening.scorer import (
    DEFAULT_THRESHOLD,
    MatchQuery,
    MatchResult,
    Prepared,
    prepare_entry,
    prepare_query,
    score,
)

Comparable = str | ListEntry | Party | MatchQuery

_PARTY_KIND = {PartyKind.COMPANY: EntityKind.COMPANY, PartyKind.PERSON: EntityKind.PERSON}


@dataclass(frozen=True)
class Match:
    """One screening hit: the list entry and why it scored as it did."""

    entry: ListEntry
    result: MatchResult

    @property
    def score(self) -> float:
        return self.result.score

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.entry.source,
            "entry_id": self.entry.entry_id,
            "name": self.entry.name,
            "kind": str(self.entry.kind),
            **self.result.to_dict(),
        }


_KIND_ALIASES = {
    "person": EntityKind.PERSON,
    "company": EntityKind.COMPANY,
    "organization": EntityKind.COMPANY,
    "legalentity": EntityKind.COMPANY,
    "publicbody": EntityKind.COMPANY,
    "vessel": EntityKind.VESSEL,
    "airplane": EntityKind.AIRCRAFT,
    "aircraft": EntityKind.AIRCRAFT,
    "any": EntityKind.ANY,
    "thing": EntityKind.ANY,
}


def entity_kind(kind: EntityKind | PartyKind | str) -> EntityKind:
    """Accept our kinds, registry party kinds and FollowTheMoney schema names."""
    if isinstance(kind, EntityKind):
        return kind
    return _KIND_ALIASES.get(str(kind).casefold(), EntityKind.ANY)


def as_query(thing: Comparable, kind: EntityKind | PartyKind | str = EntityKind.ANY) -> MatchQuery:
    """A ``MatchQuery`` for a name, party or query (``kind`` applies when it has none)."""
    kind = entity_kind(kind)
    if isinstance(thing, MatchQuery):
        if thing.kind is EntityKind.ANY and kind is not EntityKind.ANY:
            return MatchQuery(
                thing.names, kind, thing.identifiers, thing.birth_dates, thing.countries
            )
        return thing
    if isinstance(thing, str):
        return MatchQuery((thing,), kind)
    if isinstance(thing, Party):
        return MatchQuery(
            tuple(n.value for n in thing.names) or (thing.key,),
            _PARTY_KIND.get(thing.kind, kind),
            thing.identifiers,
            (),
            (thing.country,) if thing.country else (),
        )
    if isinstance(thing, ListEntry):
        return MatchQuery(
            tuple(n.value for n in thing.names),
            thing.kind,
            thing.identifiers,
            thing.birth_dates,
            tuple(thing.countries) + tuple(thing.nationalities),
        )
    raise TypeError(f"cannot compare {type(thing).__name__}")


def prepare(thing: Comparable | Prepared, kind: EntityKind | str = EntityKind.ANY) -> Prepared:
    if isinstance(thing, Prepared):
        return thing
    if isinstance(thing, ListEntry):
        return prepare_entry(thing)
    return prepare_query(as_query(thing, kind))


def compare(
    a: Comparable, b: Comparable, kind: EntityKind | str = "Any", *, threshold: float | None = None
) -> MatchResult:
    """Score ``a`` (the query, e.g. a vendor) against ``b`` (e.g. a list entry)."""
    t = DEFAULT_THRESHOLD if threshold is None else threshold
    return score(prepare(a, kind), prepare(b, kind), t)


def screen(
    query: Comparable,
    index: ScreeningIndex,
    *,
    limit: int = 10,
    threshold: float | None = None,
    kind: EntityKind | str = "Any",
    min_score: float = 0.0,
) -> list[Match]:
    """The ``limit`` best-scoring entries of ``index`` for ``query``, best first.

    Every returned ``Match`` carries its decision at ``threshold`` (default
    ``DEFAULT_THRESHOLD``); entries scoring below ``min_score`` are left out.
    """
    t = DEFAULT_THRESHOLD if threshold is None else threshold
    prepared = prepare(query, kind)
    pool = index.candidate_ids(prepared, limit=max(3 * limit, 30), min_keep=limit)
    matches = []
    for e, _ in pool:
        result = score(prepared, index.prepared[e], t)
        if result.score >= min_score:
            matches.append(Match(index.entries[e], result))
    matches.sort(key=lambda m: (-m.result.score, m.entry.source, m.entry.entry_id))
    return matches[:limit]
