"""Risk use cases: read findings, cases and suppressions, call the pure engine (chainwatch.risk).

What counts: findings whose review status is ``open`` or ``acknowledged``, not covered by a
suppression active at ``now``. Dismissed (reviewed false positive) and resolved (no longer
holds) findings do not count; each result says how many findings a suppression kept out and
how many were left out for their status. A finding in a case closed as ``confirmed`` counts at
confidence 1.0 (with the confirmed floors); one closed as ``accepted_risk`` still counts, with
the approver in its note.

Which findings are a project's: those raised on it, plus project-less ones (sanctions matches,
access findings across projects) whose evidence names the project (``projects`` or
``project``), whose subject is one of the project's registered assets, or whose attributed
party takes part in it (``risk.attribution`` says how a finding is tied to a party).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import yaml
from sqlalchemy.orm import Session

from chainwatch.domain import Engagement, Project
from chainwatch.errors import ConfigError
from chainwatch.findings.finding import FindingStatus, StoredFinding, SubjectType
from chainwatch.risk import (
    PartyDirectory,
    PartyRisk,
    ProjectRisk,
    RiskInput,
    RiskSettings,
    assess_party_chains,
    assess_project_chain,
    attribute,
    observed_time,
)
from chainwatch.service import cases
from chainwatch.settings import Settings
from chainwatch.storage import findings_store
from chainwatch.storage import registry_store as store

COUNTED_STATUSES = (FindingStatus.OPEN, FindingStatus.ACKNOWLEDGED)


def load_risk_settings(settings: Settings) -> RiskSettings:
    """Defaults, overridden by the YAML file named in CHAINWATCH_RISK_CONFIG."""
    if settings.risk_config is None:
        return RiskSettings()
    try:
        raw = yaml.safe_load(settings.risk_config.read_text("utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"CHAINWATCH_RISK_CONFIG: {exc}") from None
    return RiskSettings.from_mapping(raw, str(settings.risk_config))


@dataclass(frozen=True)
class _Item:
    """One stored finding with its risk input and why it does not count (if it does not)."""

    stored: StoredFinding
    input: RiskInput
    excluded: str | None  # None, "suppressed" or "status"

    @property
    def projects(self) -> tuple[str, ...]:
        """Projects the evidence names: ``projects`` (access findings) or ``project``."""
        evidence = self.stored.finding.evidence
        listed = evidence.get("projects")
        named = [p for p in listed if isinstance(p, str)] if isinstance(listed, list) else []
        if isinstance(evidence.get("project"), str):
            named.append(evidence["project"])
        return tuple(named)


@dataclass
class _World:
    """Everything one assessment reads, loaded once."""

    now: datetime
    settings: RiskSettings
    projects: dict[str, Project]
    engagements: list[Engagement]
    names: dict[str, str]
    items: list[_Item]
    members: dict[str, set[str]] = field(default_factory=dict)
    asset_projects: dict[str, str] = field(default_factory=dict)  # asset key -> project
    _scoped: dict[str, list[_Item]] = field(default_factory=dict)  # project -> its items

    def of_project(self, project: str) -> list[_Item]:
        """The project's findings (computed once per project: ``assess_all`` asks often)."""
        if project not in self._scoped:
            self._scoped[project] = [i for i in self.items if self.in_project(i, project)]
        return self._scoped[project]

    def engagements_of(self, project: str) -> list[Engagement]:
        return [e for e in self.engagements if e.project == project]

    def in_project(self, item: _Item, project: str) -> bool:
        f = item.stored.finding
        if f.project is not None:
            return f.project == project
        if project in item.projects:
            return True
        if (
            f.subject_type is SubjectType.ASSET
            and self.asset_projects.get(f.subject_key) == project
        ):
            return True
        return bool(set(item.input.party_keys) & self.members[project])

    def split(self, items: list[_Item]) -> tuple[list[RiskInput], list[int], list[int]]:
        counted = [i.input for i in items if i.excluded is None]
        suppressed = [i.stored.id for i in items if i.excluded == "suppressed"]
        dismissed = [i.stored.id for i in items if i.excluded == "status"]
        return counted, suppressed, dismissed


def _load(session: Session, settings: Settings, now: datetime | None) -> _World:
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    risk_settings = load_risk_settings(settings)
    parties = store.list_parties(session)
    engagements = store.list_engagements(session)
    projects = {p.key: p for p in store.list_projects(session)}
    directory = PartyDirectory(parties, engagements)
    suppressions = cases.active_suppressions(session, now)
    decisions = cases.decisions_by_finding(session)
    items = []
    for s in findings_store.list_findings(session):
        decision = decisions.get(s.id)
        note = None
        if decision is not None and decision.disposition == "accepted_risk":
            note = f"accepted risk in case #{decision.case_id}, approved by {decision.approver}"
        elif decision is not None and decision.disposition == "confirmed":
            note = f"confirmed in case #{decision.case_id} by {decision.closed_by}"
        risk_input = RiskInput(
            finding_id=s.id,
            finding=s.finding,
            observed_at=observed_time(s.finding, s.last_seen),
            parties=attribute(s.finding, directory),
            confirmed=decision is not None and decision.disposition == "confirmed",
            note=note,
        )
        if s.status not in COUNTED_STATUSES:
            excluded = "status"
        elif cases.is_suppressed(s, suppressions, now):
            excluded = "suppressed"
        else:
            excluded = None
        items.append(_Item(s, risk_input, excluded))
    world = _World(
        now=now,
        settings=risk_settings,
        projects=projects,
        engagements=engagements,
        names={p.key: p.name for p in parties},
        items=items,
        asset_projects={a.key: a.project for a in store.list_assets(session)},
    )
    for key, project in projects.items():
        world.members[key] = {project.client} | {
            k for e in world.engagements_of(key) for k in (e.contractor, e.subcontractor)
        }
    return world


def _project_risk(world: _World, key: str) -> ProjectRisk:
    project = world.projects[key]
    counted, suppressed, dismissed = world.split(world.of_project(key))
    return assess_project_chain(
        project,
        world.engagements_of(key),
        counted,
        world.settings,
        world.now,
        names=world.names,
        suppressed=suppressed,
        dismissed=dismissed,
    )


def _party_risk(world: _World, key: str) -> PartyRisk:
    mine = [i for i in world.items if key in i.input.party_keys]
    counted, suppressed, dismissed = world.split(mine)
    per_project = []
    for pkey, project in world.projects.items():
        if key not in world.members[pkey]:
            continue
        scoped, _, _ = world.split(world.of_project(pkey))
        per_project.append((project, world.engagements_of(pkey), scoped))
    return assess_party_chains(
        key,
        counted,
        per_project,
        world.settings,
        world.now,
        name=world.names.get(key),
        suppressed=suppressed,
        dismissed=dismissed,
    )


def assess_project(
    session: Session, settings: Settings, project_key: str, *, now: datetime | None = None
) -> ProjectRisk:
    """A project's level, score and reasons, by tier and by party (unknown project: error)."""
    key = store.get_project(session, project_key).key
    return _project_risk(_load(session, settings, now), key)


def assess_party(
    session: Session, settings: Settings, party_key: str, *, now: datetime | None = None
) -> PartyRisk:
    """A party's own level plus what it inherits from the parties it brought in."""
    key = store.get_party(session, party_key).key
    return _party_risk(_load(session, settings, now), key)


@dataclass(frozen=True)
class RiskOverview:
    """Every project and every party, most at risk first."""

    now: datetime
    projects: tuple[ProjectRisk, ...]
    parties: tuple[PartyRisk, ...]
    unscoped: tuple[int, ...]  # counted findings that belong to no project and no party

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.now.isoformat(),
            "projects": [p.to_dict() for p in self.projects],
            "parties": [p.to_dict() for p in self.parties],
            "unscoped_findings": list(self.unscoped),
        }


def assess_all(
    session: Session, settings: Settings, *, now: datetime | None = None
) -> RiskOverview:
    world = _load(session, settings, now)
    projects = [_project_risk(world, k) for k in world.projects]
    parties = [_party_risk(world, k) for k in world.names]
    projects.sort(key=lambda r: (-r.level.rank, -r.score, r.project))
    parties.sort(key=lambda r: (-r.level.rank, -r.score, r.party))
    unscoped = tuple(
        i.stored.id
        for i in world.items
        if i.excluded is None
        and not i.input.parties
        and not any(world.in_project(i, k) for k in world.projects)
    )
    return RiskOverview(world.now, tuple(projects), tuple(parties), unscoped)


def levels_by_party(overview: RiskOverview) -> Mapping[str, str]:
    """party key -> level word (for reports and the chain view)."""
    return {p.party: p.level.value for p in overview.parties}
