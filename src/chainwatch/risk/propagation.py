"""Risk along a project's chain: which tier carries it, and who brought it in.

- A **project's** level is ``assess`` over the project's findings, each counted once, whether
  it is about a party, several parties, or none (the *unattributed* bucket: an unknown address
  in the logs, a file in a dump).
- **by_tier** groups the same findings by the tier of the parties they are attributed to
  (tiers from ``ChainGraph.tiers``: client 0, its vendors 1...). Parties the findings name that
  have no tier on the project are *outside_chain*. ``carried_by`` is the heaviest bucket of
  parties (highest level, then score); the unattributed bucket only when no party has any.
- **Inheritance**: a party is answerable for the parties it brought in. Each contractor gets,
  as *inherited* reasons, the findings of every party below it on the project (following
  engagements of any status but ``refused``; shortest path), weighed by ``inherit_factor`` per
  hop, with floors lowered per hop (``inherit``). Inherited reasons raise the contractor's own
  level; they never add to the project score, which already holds those findings once. Each
  finding is inherited once (through the nearest party below that holds it, and not at all when
  the contractor holds it itself). The client inherits nothing: its exposure is the project's
  level.

Pure: registry records, risk inputs and ``now`` in; results out.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chainwatch.domain import Engagement, EngagementStatus, Project
from chainwatch.registry.chain import ChainGraph
from chainwatch.risk.aggregate import Assessment, Inheritance, RiskInput, assess, inherit
from chainwatch.risk.levels import Level
from chainwatch.risk.settings import RiskSettings

UNATTRIBUTED = "unattributed"
OUTSIDE_CHAIN = "outside_chain"


def parties_below(party: str, engagements: Iterable[Engagement]) -> dict[str, tuple[str, ...]]:
    """Every party ``party`` brought into the chain, directly or through others, with the
    shortest engagement path down to it. Refused engagements carried no work, so no risk."""
    below: dict[str, list[Engagement]] = {}
    for e in engagements:
        if e.status is not EngagementStatus.REFUSED:
            below.setdefault(e.contractor, []).append(e)
    paths: dict[str, tuple[str, ...]] = {party: ()}
    queue = deque([party])
    while queue:
        current = queue.popleft()
        for e in sorted(below.get(current, ()), key=lambda e: e.key):
            if e.subcontractor not in paths:
                paths[e.subcontractor] = (*paths[current], e.key)
                queue.append(e.subcontractor)
    del paths[party]
    return paths


def _inherit_once(
    own_ids: set[int],
    below: Sequence[tuple[str, str, tuple[str, ...], Sequence[RiskInput]]],
    settings: RiskSettings,
    now: datetime,
    cache: Mapping[str, Assessment] | None = None,
) -> list[Inheritance]:
    """Inheritances from ``below`` (party, project, path, its findings), nearest first, with
    each finding passed up once: a finding the assessed party holds itself, or that a nearer
    party below already passed up, is not inherited again (one access finding may name a
    vendor and its subcontractor both)."""
    seen = set(own_ids)
    out: list[Inheritance] = []
    for q, project, path, items in sorted(below, key=lambda b: (len(b[2]), b[0])):
        fresh = [i for i in items if i.finding_id not in seen]
        if not fresh:
            continue
        seen.update(i.finding_id for i in fresh)
        if cache is not None and q in cache and len(fresh) == len(items):
            theirs = cache[q]  # nothing removed: the party's own assessment as computed
        else:
            theirs = assess(fresh, settings, now)
        if theirs.counted:
            out.append(Inheritance(q, project, path, theirs))
    return out


def _rank(a: Assessment) -> tuple[int, float]:
    return (a.level.rank, a.score)


@dataclass(frozen=True)
class PartyOnProject:
    """One party's risk on one project: its own findings and what it inherits from below."""

    party: str
    name: str
    tier: int | None
    own: Assessment
    combined: Assessment
    inherited: tuple[Inheritance, ...]

    @property
    def level(self) -> Level:
        return self.combined.level

    def to_dict(self) -> dict[str, Any]:
        return {
            "party": self.party,
            "name": self.name,
            "tier": self.tier,
            "level": self.combined.level.value,
            "score": self.combined.score,
            "own_level": self.own.level.value,
            "own_score": self.own.score,
            "explanation": self.combined.explanation(),
            "inherited_from": [i.to_dict() for i in self.inherited],
            "reasons": [r.to_dict() for r in self.combined.reasons[: self.combined.top_reasons]],
            "more_reasons": max(0, self.combined.counted - self.combined.top_reasons),
        }


@dataclass(frozen=True)
class TierRisk:
    tier: int | str  # a tier number, "outside_chain" or "unattributed"
    parties: tuple[str, ...]
    assessment: Assessment

    def to_dict(self) -> dict[str, Any]:
        return {"tier": self.tier, "parties": list(self.parties), **self.assessment.to_dict()}


@dataclass(frozen=True)
class ProjectRisk:
    project: str
    title: str
    assessment: Assessment
    by_tier: tuple[TierRisk, ...]
    by_party: dict[str, PartyOnProject]
    carried_by: TierRisk | None
    now: datetime
    suppressed: tuple[int, ...] = ()  # finding ids a suppression kept out
    dismissed: tuple[int, ...] = ()  # finding ids left out as dismissed or resolved

    @property
    def level(self) -> Level:
        return self.assessment.level

    @property
    def score(self) -> float:
        return self.assessment.score

    @property
    def reasons(self):
        return self.assessment.reasons

    def to_dict(self) -> dict[str, Any]:
        carrier = None
        if self.carried_by is not None:
            top = [
                p
                for p in sorted(
                    self.carried_by.parties,
                    key=lambda k: _rank(self.by_party[k].own) if k in self.by_party else (0, 0),
                    reverse=True,
                )
            ]
            carrier = {
                "tier": self.carried_by.tier,
                "level": self.carried_by.assessment.level.value,
                "score": self.carried_by.assessment.score,
                "party": top[0] if top else None,
            }
        return {
            "project": self.project,
            "title": self.title,
            "as_of": self.now.isoformat(),
            **self.assessment.to_dict(),
            "carried_by": carrier,
            "by_tier": [t.to_dict() for t in self.by_tier],
            "by_party": [p.to_dict() for p in _ordered_parties(self.by_party.values())],
            "suppressed": len(self.suppressed),
            "suppressed_findings": list(self.suppressed),
            "not_counted_status": len(self.dismissed),
        }


def _ordered_parties(parties: Iterable[PartyOnProject]) -> list[PartyOnProject]:
    return sorted(parties, key=lambda p: (-p.level.rank, -p.combined.score, p.party))


def _tier_sort(t: TierRisk) -> tuple[int, int]:
    if isinstance(t.tier, int):
        return (0, t.tier)
    return (1, 0) if t.tier == OUTSIDE_CHAIN else (2, 0)


def assess_project_chain(
    project: Project,
    engagements: Sequence[Engagement],
    inputs: Sequence[RiskInput],
    settings: RiskSettings,
    now: datetime,
    *,
    names: Mapping[str, str] | None = None,
    suppressed: Iterable[int] = (),
    dismissed: Iterable[int] = (),
) -> ProjectRisk:
    """A project's level, its tiers and its parties (``inputs`` = the project's findings)."""
    names = names or {}
    engagements = [e for e in engagements if e.project == project.key]
    tiers = ChainGraph(project, engagements).tiers()
    members = set(tiers) | {k for e in engagements for k in (e.contractor, e.subcontractor)}
    by_party_inputs: dict[str, list[RiskInput]] = {}
    for i in inputs:
        for k in i.party_keys:
            by_party_inputs.setdefault(k, []).append(i)
    own = {
        p: assess(by_party_inputs.get(p, ()), settings, now)
        for p in sorted(members | set(by_party_inputs))
    }
    by_party: dict[str, PartyOnProject] = {}
    for p, mine in own.items():
        inherited: list[Inheritance] = []
        if p != project.client:
            below = [
                (q, project.key, path, by_party_inputs.get(q, []))
                for q, path in parties_below(p, engagements).items()
            ]
            mine_ids = {i.finding_id for i in by_party_inputs.get(p, ())}
            inherited = _inherit_once(mine_ids, below, settings, now, own)
        combined, _ = inherit(mine, inherited, settings)
        by_party[p] = PartyOnProject(
            p, names.get(p, p), tiers.get(p), mine, combined, tuple(inherited)
        )
    buckets: dict[int | str, list[str]] = {}
    for p in by_party:
        buckets.setdefault(tiers.get(p, OUTSIDE_CHAIN), []).append(p)
    by_tier: list[TierRisk] = []
    for tier, parties in buckets.items():
        chosen = [i for p in parties for i in by_party_inputs.get(p, ())]  # assess dedupes
        by_tier.append(TierRisk(tier, tuple(sorted(parties)), assess(chosen, settings, now)))
    loose = [i for i in inputs if not i.parties]
    by_tier.append(TierRisk(UNATTRIBUTED, (), assess(loose, settings, now)))
    by_tier.sort(key=_tier_sort)
    # The chain carries the risk where a party does; unattributed findings only when no
    # party's findings count at all.
    carriers = [t for t in by_tier if t.assessment.counted and t.tier != UNATTRIBUTED]
    carriers = carriers or [t for t in by_tier if t.assessment.counted]
    carried_by = max(carriers, key=lambda t: _rank(t.assessment)) if carriers else None
    return ProjectRisk(
        project=project.key,
        title=project.title,
        assessment=assess(inputs, settings, now),
        by_tier=tuple(by_tier),
        by_party=by_party,
        carried_by=carried_by,
        now=now,
        suppressed=tuple(sorted(set(suppressed))),
        dismissed=tuple(sorted(set(dismissed))),
    )


@dataclass(frozen=True)
class PartyRisk:
    """A party's risk over every project: its own findings plus what it inherits from the
    parties it brought into each chain (the nearest path once per party below)."""

    party: str
    name: str
    own: Assessment
    combined: Assessment
    inherited: tuple[Inheritance, ...]
    tiers: dict[str, int | None]  # project -> the party's tier on it
    now: datetime
    suppressed: tuple[int, ...] = ()
    dismissed: tuple[int, ...] = ()

    @property
    def level(self) -> Level:
        return self.combined.level

    @property
    def score(self) -> float:
        return self.combined.score

    @property
    def reasons(self):
        return self.combined.reasons

    def to_dict(self) -> dict[str, Any]:
        return {
            "party": self.party,
            "name": self.name,
            "as_of": self.now.isoformat(),
            **self.combined.to_dict(),
            "own_level": self.own.level.value,
            "own_score": self.own.score,
            "inherited_from": [i.to_dict() for i in self.inherited],
            "tiers": dict(self.tiers),
            "suppressed": len(self.suppressed),
            "suppressed_findings": list(self.suppressed),
            "not_counted_status": len(self.dismissed),
        }


def assess_party_chains(
    party: str,
    own_inputs: Sequence[RiskInput],
    projects: Sequence[tuple[Project, Sequence[Engagement], Sequence[RiskInput]]],
    settings: RiskSettings,
    now: datetime,
    *,
    name: str | None = None,
    suppressed: Iterable[int] = (),
    dismissed: Iterable[int] = (),
) -> PartyRisk:
    """``own_inputs``: every finding attributed to ``party``; ``projects``: each project with
    its engagements and its findings (as for ``assess_project_chain``)."""
    own = assess(own_inputs, settings, now)
    nearest: dict[str, tuple[str, str, tuple[str, ...], list[RiskInput]]] = {}
    tiers: dict[str, int | None] = {}
    for project, engagements, inputs in projects:
        engagements = [e for e in engagements if e.project == project.key]
        involved = project.client == party or any(
            party in (e.contractor, e.subcontractor) for e in engagements
        )
        if not involved:
            continue
        tiers[project.key] = ChainGraph(project, engagements).tiers().get(party)
        if project.client == party:
            continue
        for q, path in parties_below(party, engagements).items():
            theirs = [i for i in inputs if q in i.party_keys]
            held = nearest.get(q)
            if theirs and (held is None or (len(path), project.key) < (len(held[2]), held[1])):
                nearest[q] = (q, project.key, path, theirs)
    mine_ids = {i.finding_id for i in own_inputs}
    inherited = tuple(_inherit_once(mine_ids, list(nearest.values()), settings, now))
    combined, _ = inherit(own, inherited, settings)
    return PartyRisk(
        party=party,
        name=name or party,
        own=own,
        combined=combined,
        inherited=inherited,
        tiers=tiers,
        now=now,
        suppressed=tuple(sorted(set(suppressed))),
        dismissed=tuple(sorted(set(dismissed))),
    )
