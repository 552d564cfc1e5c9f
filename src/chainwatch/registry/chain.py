"""A project's chain as a graph: tiers derived from engagements, authorization, CHAIN-2.

The client is tier 0; whoever it engages is tier 1; whoever they engage is tier 2, and so
on (the shortest path wins when a party is reached twice). Tiers are never typed in.

A party is *authorized* on a project at a time when it is the client, or when an engagement
with status ``authorized``, active at that time, links it to an authorized contractor. This
is what CHAIN-1 (access forensics) asks through ``is_authorized``; CHAIN-2 is raised here for
every engagement that breaks it. Pure: records in, findings out; the caller passes ``on``.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from chainwatch.domain import Engagement, EngagementStatus, Party, Project
from chainwatch.findings.finding import Finding, SubjectType

ANALYZER = "chain"


def evaluation_date(at: datetime | date | None) -> date | None:
    """The UTC calendar day a time falls on: engagements run by days, judged in UTC."""
    if isinstance(at, datetime):
        return (at.astimezone(UTC) if at.tzinfo else at).date()
    return at


@dataclass(frozen=True)
class AuthorizationDecision:
    """Why a party is or is not authorized; truthy when it is."""

    authorized: bool
    project: str
    party: str | None
    reason: str
    path: tuple[str, ...] = ()  # engagement keys from the client down to the party

    def __bool__(self) -> bool:
        return self.authorized

    def to_dict(self) -> dict[str, Any]:
        return {
            "authorized": self.authorized,
            "project": self.project,
            "party": self.party,
            "reason": self.reason,
            "path": list(self.path),
        }


@dataclass(frozen=True)
class ChainNode:
    """One appearance of a party in the chain tree (a party may appear under two contractors)."""

    party: str
    tier: int
    engagement: Engagement | None  # None for the client
    children: tuple[ChainNode, ...]
    authorized: bool  # authorized on the date the tree was built for


class ChainGraph:
    def __init__(self, project: Project, engagements: Iterable[Engagement]):
        self.project = project
        self.engagements = tuple(e for e in engagements if e.project == project.key)
        self._below: dict[str, list[Engagement]] = defaultdict(list)
        for e in self.engagements:
            self._below[e.contractor].append(e)

    def tiers(self) -> dict[str, int]:
        """Shortest engagement distance of each party from the client (client = 0)."""
        tiers = {self.project.client: 0}
        queue = deque([self.project.client])
        while queue:
            party = queue.popleft()
            for e in self._below.get(party, ()):
                if e.subcontractor not in tiers:
                    tiers[e.subcontractor] = tiers[party] + 1
                    queue.append(e.subcontractor)
        return tiers

    def detached(self) -> tuple[Engagement, ...]:
        """Engagements whose contractor cannot be reached from the client at all."""
        tiers = self.tiers()
        return tuple(e for e in self.engagements if e.contractor not in tiers)

    def authorized_paths(self, on: date | None) -> dict[str, tuple[str, ...]]:
        """Every party authorized at ``on`` with the engagement path that authorizes it."""
        paths: dict[str, tuple[str, ...]] = {self.project.client: ()}
        queue = deque([self.project.client])
        while queue:
            party = queue.popleft()
            for e in self._below.get(party, ()):
                if (
                    e.status is EngagementStatus.AUTHORIZED
                    and e.is_active(on)
                    and e.subcontractor not in paths
                ):
                    paths[e.subcontractor] = (*paths[party], e.key)
                    queue.append(e.subcontractor)
        return paths

    def authorization(self, party: str, on: date | None) -> AuthorizationDecision:
        key = self.project.key
        paths = self.authorized_paths(on)
        if party == self.project.client:
            return AuthorizationDecision(True, key, party, "the project's client")
        if party in paths:
            return AuthorizationDecision(
                True,
                key,
                party,
                f"authorized through {len(paths[party])} engagement(s)",
                paths[party],
            )
        links = [e for e in self.engagements if e.subcontractor == party]
        if not links:
            reason = "no engagement on this project"
        else:
            bits = []
            for e in links:
                if e.status is not EngagementStatus.AUTHORIZED:
                    bits.append(f"{e.key} is {e.status.value}")
                elif not e.is_active(on):
                    bits.append(f"{e.key} is not active on {on}")
                else:
                    bits.append(f"{e.key}: contractor {e.contractor} is not authorized")
            reason = "; ".join(bits)
        return AuthorizationDecision(False, key, party, reason)

    def tree(self, on: date | None) -> ChainNode:
        """The chain as a tree from the client; cycles are cut at the first repeat."""
        tiers = self.tiers()
        paths = self.authorized_paths(on)

        def link_ok(via: Engagement | None) -> bool:
            if via is None:  # the client
                return True
            return (
                via.status is EngagementStatus.AUTHORIZED
                and via.is_active(on)
                and via.contractor in paths
            )

        def build(party: str, via: Engagement | None, depth: int, seen: frozenset[str]):
            kids = tuple(
                build(e.subcontractor, e, depth + 1, seen | {e.subcontractor})
                for e in self._below.get(party, ())
                if e.subcontractor not in seen
            )
            return ChainNode(party, tiers.get(party, depth), via, kids, link_ok(via))

        client = self.project.client
        return build(client, None, 0, frozenset({client}))


def chain2_findings(
    project: Project,
    engagements: Iterable[Engagement],
    parties: Mapping[str, Party],
    on: date,
) -> list[Finding]:
    """CHAIN-2: a tier nobody authorized, or an engagement under an unauthorized contractor.

    Raised once per offending engagement, on its subcontractor:
    - ``undeclared``: the link was found, not declared (confidence 0.9);
    - ``pending`` and already started on ``on``: work began before approval (0.6);
    - any status, when the contractor itself has no authorized path at ``on`` (0.8): the
      client's approval of a lower tier means nothing if the tier above is not approved.
    ``refused`` alone raises nothing: it records a decision, not work (if work happens
    anyway, its engagement is ``undeclared`` or the access logs raise CHAIN-1). Engagements
    that are not active on ``on`` (ended, or not yet begun) raise nothing either.
    """
    graph = ChainGraph(project, engagements)
    tiers = graph.tiers()
    paths = graph.authorized_paths(on)
    out: list[Finding] = []

    def label(key: str) -> str:
        p = parties.get(key)
        return p.name if p else key

    for e in graph.engagements:
        if not e.is_active(on) and not (
            e.status is EngagementStatus.PENDING and e.start is not None and e.start > on
        ):
            continue  # ended, or not begun: nothing happens under it on this date
        reasons: list[str] = []
        confidence = 0.0
        if e.status is EngagementStatus.UNDECLARED:
            reasons.append("the engagement was never declared to the client")
            confidence = 0.9
        elif e.status is EngagementStatus.PENDING and e.start is not None and e.start <= on:
            reasons.append(f"work started {e.start} while approval is still pending")
            confidence = max(confidence, 0.6)
        if e.contractor != project.client and e.contractor not in paths:
            reasons.append(f"its contractor {label(e.contractor)} is itself not authorized")
            confidence = max(confidence, 0.8)
        if not reasons:
            continue
        tier = tiers.get(e.subcontractor)
        scope = f" for {e.scope}" if e.scope else ""
        summary = (
            f"{label(e.contractor)} re-subcontracted {label(e.subcontractor)}{scope} on "
            f"{project.title} without authorization"
            + (f" (tier {tier})" if tier is not None else " (detached from the client)")
        )
        out.append(
            Finding.of(
                "CHAIN-2",
                subject_type=SubjectType.PARTY,
                subject_key=e.subcontractor,
                project=project.key,
                summary=summary,
                confidence=confidence,
                analyzer=ANALYZER,
                dedupe=e.key,
                evidence={
                    "engagement": e.key,
                    "contractor": e.contractor,
                    "subcontractor": e.subcontractor,
                    "status": e.status.value,
                    "scope": e.scope,
                    "tier": tier,
                    "reasons": reasons,
                    "contractor_authorized_path": list(paths.get(e.contractor, ())),
                    "evaluated_on": on.isoformat(),
                    "notes": e.notes,
                },
            )
        )
    return out
