"""From findings to a score, a level and its reasons: the risk engine's arithmetic.

For one set of findings (a party's, a tier's, a project's), with the numbers of
``RiskSettings`` (docs/risk.md has them with their defaults):

1. **Each finding** is worth ``severity_points[severity] × confidence × recency``, where
   ``recency = 0.5 ** (age_days / half_life_days)`` and the age runs from when the finding was
   *observed* (the end of its evidence window for access findings, else when an analyzer last
   raised it) to ``now``. A finding a case *confirmed* counts at confidence 1.0.
2. **Within a family** (rule-id prefix: SCR, CHAIN, NET, FILE, LANG, MARK, CAT...), findings are
   sorted by worth and the n-th counts ``family_decay ** (n-1)`` of its worth: the same log or
   the same file repeating itself adds little.
3. **Across families**, family sums add up, and each family beyond the first that reaches
   ``corroboration_min_points`` adds ``corroboration_bonus`` of the total (up to
   ``corroboration_max_families``): independent witnesses agreeing count more than one repeating.
4. **Level**: the highest threshold the score reaches, raised to the highest **floor** of any
   counted finding (``floors`` for findings at >= ``floor_min_confidence``; ``confirmed_floors``
   for confirmed ones). Floors ignore recency: a sanctions match does not age out.

Every result lists its top reasons, each a finding with its id, rule, summary and evidence, and
what it added. Pure: inputs and ``now`` in, an ``Assessment`` out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from chainwatch.findings.finding import Finding
from chainwatch.risk.attribution import Attribution
from chainwatch.risk.levels import Level, level_for_score
from chainwatch.risk.settings import RiskSettings, family_of

_DAY_S = 86_400.0


@dataclass(frozen=True)
class RiskInput:
    """One stored finding as the risk engine sees it."""

    finding_id: int
    finding: Finding
    observed_at: datetime
    parties: tuple[Attribution, ...] = ()
    confirmed: bool = False  # a case closed with disposition "confirmed" holds it
    note: str | None = None  # e.g. "accepted risk in case #3, approved by dana"

    @property
    def family(self) -> str:
        return family_of(self.finding.rule_id)

    @cached_property
    def party_keys(self) -> tuple[str, ...]:
        return tuple(a.party for a in self.parties)


@dataclass(frozen=True)
class Reason:
    """One finding's part in a level, with the evidence a reader needs to check it."""

    input: RiskInput
    points: float  # severity points x confidence x recency
    counted: float  # what it added to the score: points after the family's decay
    recency: float
    age_days: float
    floor: Level | None  # the floor this finding imposes, if any
    inherited_from: str | None = None  # a party below in the chain that carries it
    path: tuple[str, ...] = ()  # engagement keys from the assessed party down to it
    project: str | None = None  # the project whose chain the inheritance runs through

    @property
    def confidence(self) -> float:
        return 1.0 if self.input.confirmed else self.input.finding.confidence

    def to_dict(self) -> dict[str, Any]:
        f = self.input.finding
        out: dict[str, Any] = {
            "finding_id": self.input.finding_id,
            "rule_id": f.rule_id,
            "family": self.input.family,
            "severity": f.severity.value,
            "confidence": round(self.confidence, 4),
            "confirmed": self.input.confirmed,
            "summary": f.summary,
            "subject": {"type": f.subject_type.value, "key": f.subject_key},
            "project": f.project,
            "parties": [a.to_dict() for a in self.input.parties],
            "observed_at": self.input.observed_at.isoformat(),
            "age_days": round(self.age_days, 1),
            "recency": round(self.recency, 4),
            "points": round(self.points, 2),
            "counted": round(self.counted, 2),
            "floor": self.floor.value if self.floor else None,
            "note": self.input.note,
            "inherited": self.inherited_from is not None,
            "evidence": dict(f.evidence),
        }
        if self.inherited_from is not None:
            out["inherited_from"] = self.inherited_from
            out["path"] = list(self.path)
            out["via_project"] = self.project
        return out


@dataclass(frozen=True)
class Assessment:
    """A score and level with everything that produced them."""

    score: float
    level: Level
    score_level: Level
    floor: Level | None
    floor_reason: Reason | None
    families: dict[str, float]
    corroborating: tuple[str, ...]  # families that count towards the corroboration bonus
    multiplier: float
    reasons: tuple[Reason, ...]  # every counted finding, strongest first
    top_reasons: int = 5
    inherited_score: float = 0.0  # part of ``score`` that flows up from parties below

    @property
    def counted(self) -> int:
        return len(self.reasons)

    def explanation(self) -> str:
        """One line a compliance lead can read: why this level."""
        if not self.reasons:
            return "clear: no counted findings"
        bits = [f"score {self.score:g}"]
        if self.families:
            fam = ", ".join(f"{k} {v:g}" for k, v in self.families.items())
            bits.append(f"families {fam}")
        if self.multiplier > 1:
            bits.append(
                f"x{self.multiplier:g} for {len(self.corroborating)} corroborating families"
            )
        if self.inherited_score:
            bits.append(f"{self.inherited_score:g} inherited from parties below")
        why = "; ".join(bits)
        if self.floor is not None and self.floor >= self.score_level and self.floor_reason:
            r = self.floor_reason
            src = f" (via {r.inherited_from})" if r.inherited_from else ""
            return (
                f"{self.level.value}: floor from {r.input.finding.rule_id} "
                f"(finding #{r.input.finding_id}){src}; {why}"
            )
        return f"{self.level.value}: {why}"

    def to_dict(self) -> dict[str, Any]:
        shown = self.reasons[: self.top_reasons]
        return {
            "level": self.level.value,
            "score": self.score,
            "score_level": self.score_level.value,
            "floor": self.floor.value if self.floor else None,
            "floor_finding": self.floor_reason.input.finding_id if self.floor_reason else None,
            "families": dict(self.families),
            "corroborating_families": list(self.corroborating),
            "multiplier": self.multiplier,
            "inherited_score": self.inherited_score,
            "explanation": self.explanation(),
            "counted_findings": self.counted,
            "reasons": [r.to_dict() for r in shown],
            "more_reasons": max(0, self.counted - len(shown)),
        }


def observed_time(finding: Finding, last_seen: datetime) -> datetime:
    """When the behaviour behind a finding happened, as far as its evidence says.

    Access findings carry ``evidence.window.end`` (the last event); others have only the time
    an analyzer last raised them (``last_seen``), which for standing facts (a list match, an
    unauthorized engagement) is the last time they were checked and still held.
    """
    window = finding.evidence.get("window")
    if isinstance(window, Mapping) and isinstance(window.get("end"), str):
        try:
            end = datetime.fromisoformat(window["end"].replace("Z", "+00:00"))
        except ValueError:
            end = None
        if end is not None:
            return end if end.tzinfo else end.replace(tzinfo=UTC)
    return last_seen


def reason_for(item: RiskInput, settings: RiskSettings, now: datetime) -> Reason:
    """Step 1: what one finding is worth at ``now``, and the floor it sets."""
    age_days = max(0.0, (now - item.observed_at).total_seconds() / _DAY_S)
    recency = 0.5 ** (age_days / settings.half_life_days)
    confidence = 1.0 if item.confirmed else item.finding.confidence
    points = settings.points(item.finding.severity) * confidence * recency
    floor = None
    if item.confirmed or confidence >= settings.floor_min_confidence:
        floor = settings.floor_for(item.finding.rule_id, confirmed=item.confirmed)
    return Reason(item, points, points, recency, age_days, floor)


def combine(reasons: Iterable[Reason], settings: RiskSettings) -> Assessment:
    """Steps 2-4 over reasons already weighed (own or inherited): families, bonus, floors."""
    by_family: dict[str, list[Reason]] = defaultdict(list)
    for r in reasons:
        by_family[r.input.family].append(r)
    counted: list[Reason] = []
    families: dict[str, float] = {}
    for family, members in by_family.items():
        members.sort(key=lambda r: (-r.points, r.input.finding_id))
        total = 0.0
        for n, r in enumerate(members):
            share = r.points * settings.family_decay**n
            total += share
            counted.append(replace(r, counted=share))
        families[family] = total
    ranked = sorted(families.items(), key=lambda kv: (-kv[1], kv[0]))
    corroborating = tuple(k for k, v in ranked if v >= settings.corroboration_min_points and v > 0)[
        : settings.corroboration_max_families
    ]
    multiplier = 1.0 + settings.corroboration_bonus * max(0, len(corroborating) - 1)
    score = round(sum(families.values()) * multiplier, 2)
    score_level = level_for_score(score, settings.level_thresholds())
    floor_reason = None
    for r in counted:
        if r.floor is not None and (floor_reason is None or r.floor > floor_reason.floor):
            floor_reason = r
    floor = floor_reason.floor if floor_reason else None
    level = max(score_level, floor) if floor is not None else score_level
    counted.sort(key=lambda r: (-(r.floor.rank if r.floor else -1), -r.counted, r.input.finding_id))
    return Assessment(
        score=score,
        level=level,
        score_level=score_level,
        floor=floor,
        floor_reason=floor_reason,
        families={k: round(v, 2) for k, v in ranked},
        corroborating=corroborating,
        multiplier=round(multiplier, 4),
        reasons=tuple(counted),
        top_reasons=settings.top_reasons,
    )


def assess(inputs: Iterable[RiskInput], settings: RiskSettings, now: datetime) -> Assessment:
    """The level of one set of findings (each counted once, whatever it is attributed to)."""
    seen: set[int] = set()
    reasons = []
    for item in inputs:
        if item.finding_id in seen:
            continue
        seen.add(item.finding_id)
        reasons.append(reason_for(item, settings, now))
    return combine(reasons, settings)


@dataclass(frozen=True)
class Inheritance:
    """Risk a party carries for a party below it in a project's chain."""

    party: str  # the party below that carries the findings
    project: str
    path: tuple[str, ...]  # engagement keys from the assessed party down to ``party``
    own: Assessment  # that party's own assessment on the project

    @property
    def hops(self) -> int:
        return len(self.path)

    def to_dict(self) -> dict[str, Any]:
        return {
            "party": self.party,
            "project": self.project,
            "path": list(self.path),
            "hops": self.hops,
            "level": self.own.level.value,
            "score": self.own.score,
        }


def inherit(
    own: Assessment,
    below: Iterable[Inheritance],
    settings: RiskSettings,
) -> tuple[Assessment, list[Reason]]:
    """A party's level with what it inherits from the parties it brought into a chain.

    Each party below passes up its own score times ``inherit_factor ** hops`` and its floor
    lowered by ``inherited_floor_drop`` levels per hop. Inherited reasons are listed as such
    (``inherited_from``, ``path``). The score is the party's own score plus the inherited
    scores: a party's own families and bonus are computed on its own findings only, so one
    finding is never counted twice inside one party's score.
    """
    inherited_reasons: list[Reason] = []
    score = own.score
    inherited_score = 0.0
    floor, floor_reason = own.floor, own.floor_reason
    for inh in below:
        factor = settings.inherit_factor**inh.hops
        score += inh.own.score * factor
        inherited_score += inh.own.score * factor
        # the score flows up whole; as reasons, each party below passes up its top ones and
        # any that set a floor (reasons are already sorted floors first, then by weight)
        passed = [
            r
            for n, r in enumerate(inh.own.reasons)
            if n < settings.top_reasons or r.floor is not None
        ]
        for r in passed:
            lowered = r.floor.lowered(settings.inherited_floor_drop * inh.hops) if r.floor else None
            if lowered is Level.CLEAR:
                lowered = None
            moved = replace(
                r,
                points=r.points * factor,
                counted=r.counted * factor * inh.own.multiplier,
                floor=lowered,
                inherited_from=inh.party,
                path=inh.path,
                project=inh.project,
            )
            inherited_reasons.append(moved)
            if lowered is not None and (floor is None or lowered > floor):
                floor, floor_reason = lowered, moved
    score = round(score, 2)
    score_level = level_for_score(score, settings.level_thresholds())
    level = max(score_level, floor) if floor is not None else score_level
    reasons = sorted(
        (*own.reasons, *inherited_reasons),
        key=lambda r: (-(r.floor.rank if r.floor else -1), -r.counted, r.input.finding_id),
    )
    combined = replace(
        own,
        score=score,
        level=level,
        score_level=score_level,
        floor=floor,
        floor_reason=floor_reason,
        reasons=tuple(reasons),
        inherited_score=round(inherited_score, 2),
    )
    return combined, inherited_reasons


__all__ = [
    "Assessment",
    "Inheritance",
    "Reason",
    "RiskInput",
    "assess",
    "combine",
    "inherit",
    "observed_time",
    "reason_for",
]
