"""CHAIN-3: a vendor that has not disclosed, in a verified declaration, all its subcontractors.

Who must declare: every party with an active engagement on the project (as subcontractor or
as contractor) other than the project's client. A studio that asks only some vendors can
still read the finding per party; the default is "everyone in the chain", because the tier
that stays silent is the one CHAIN-3 exists for (reference/dprk-signals.md §1.6).

For each such party the newest *verified* declaration (as of the evaluation day or before)
is judged; one finding per party and project carries every reason that applies:

- ``missing`` (confidence 0.7): no declaration at all;
- ``unverified`` (0.7): declarations exist, but none verifies now with a key the studio
  trusts for that party (a revoked key vouches for nothing; an altered record fails);
- ``omits`` (0.9): the registry shows an engagement of this party as contractor, active
  now and begun on or before the declaration's as-of day, to a subcontractor the
  declaration does not list. Engagements found from evidence (status ``undeclared``: an
  invoice, a log, a returned file) are exactly how observed subcontracting enters the
  registry, so they count like any other;
- ``stale`` (0.5): the declaration is older than ``MAX_AGE_DAYS`` (90: one quarter, the
  rhythm of vendor subcontractor statements; a caller may pass another), or the party's
  engagements on the project changed after its as-of day (a start or authorization date, or
  a registry edit after the engagement was first recorded).

Signatures are re-verified here from the stored envelope on every run, so a declaration
row edited in the database stops counting. Pure: records in, findings out; ``on`` is given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from chainwatch.domain import Engagement, EngagementStatus, Party, Project
from chainwatch.errors import InputError
from chainwatch.findings.finding import Finding, SubjectType
from chainwatch.provenance.declaration import Declaration, declaration_from_statement
from chainwatch.provenance.dsse import Envelope, verify
from chainwatch.provenance.statement import statement_of
from chainwatch.registry.chain import evaluation_date

ANALYZER = "declarations"
MAX_AGE_DAYS = 90
CONFIDENCE = {"omits": 0.9, "missing": 0.7, "unverified": 0.7, "stale": 0.5}


@dataclass(frozen=True)
class TrustedKey:
    party: str
    keyid: str
    public_key: Ed25519PublicKey
    added_at: datetime
    revoked_at: datetime | None = None

    def is_trusted(self, at: datetime) -> bool:
        return self.revoked_at is None or self.revoked_at > at


@dataclass(frozen=True)
class StoredDeclaration:
    id: int
    envelope: Envelope
    sha256: str  # of the envelope file as imported
    imported_at: datetime
    project: str | None = None  # as recorded at import: names a row whose envelope no
    party: str | None = None  # longer parses, so it counts as unverified, not missing


@dataclass(frozen=True)
class Judged:
    stored: StoredDeclaration
    declaration: Declaration | None
    keyids: tuple[str, ...]  # trusted keys of the declarant that verify it now

    @property
    def project(self) -> str | None:
        return self.declaration.project if self.declaration else self.stored.project

    @property
    def party(self) -> str | None:
        return self.declaration.party if self.declaration else self.stored.party

    @property
    def as_of(self) -> date:
        return self.declaration.as_of if self.declaration else date.min


def judge(stored: StoredDeclaration, keys: Sequence[TrustedKey], at: datetime) -> Judged:
    """Re-verify one stored declaration against its declarant's keys trusted at ``at``."""
    try:
        decl = declaration_from_statement(statement_of(stored.envelope))
    except InputError:
        return Judged(stored, None, ())
    own = {k.keyid: k.public_key for k in keys if k.party == decl.party and k.is_trusted(at)}
    result = verify(stored.envelope, own)
    return Judged(stored, decl, result.valid_keyids if result.ok else ())


def chain3_findings(
    project: Project,
    engagements: Iterable[Engagement],
    parties: Mapping[str, Party],
    declarations: Iterable[StoredDeclaration],
    keys: Sequence[TrustedKey],
    now: datetime,
    *,
    engagement_changes: Mapping[str, datetime] | None = None,
    max_age_days: int = MAX_AGE_DAYS,
) -> list[Finding]:
    """CHAIN-3 for one project (see the module docstring for the rules)."""
    on = evaluation_date(now)  # the UTC day, as CHAIN-2 judges engagements
    assert on is not None
    changes = engagement_changes or {}
    active = [
        e
        for e in engagements
        if e.project == project.key and e.is_active(on) and e.status is not EngagementStatus.REFUSED
    ]
    required: dict[str, list[str]] = {}
    for e in active:
        for party in (e.subcontractor, e.contractor):
            if party != project.client:
                required.setdefault(party, []).append(e.key)
    judged = [judge(d, keys, now) for d in declarations]
    judged = [j for j in judged if j.project == project.key]

    def label(key: str) -> str:
        p = parties.get(key)
        return p.name if p else key

    out: list[Finding] = []
    for party, because in sorted(required.items()):
        mine = [j for j in judged if j.party == party and j.as_of <= on]
        verified = [j for j in mine if j.keyids and j.declaration is not None]
        reasons: list[dict[str, Any]] = []
        newest: Judged | None = None
        if not mine:
            reasons.append({"kind": "missing", "text": "no declaration of its subcontractors"})
        elif not verified:
            reasons.append(
                {
                    "kind": "unverified",
                    "text": f"{len(mine)} declaration(s), none signed with a key trusted for "
                    "this party",
                    "declarations": [j.stored.id for j in mine],
                }
            )
        else:
            newest = max(verified, key=lambda j: (j.declaration.as_of, j.declaration.declared_at))
            reasons += _judge_newest(
                newest.declaration, party, active, changes, on, max_age_days, label
            )
        if not reasons:
            continue
        kinds = [r["kind"] for r in reasons]
        confidence = max(CONFIDENCE[k] for k in kinds)
        summary = f"{label(party)} on {project.title}: " + "; ".join(r["text"] for r in reasons)
        evidence: dict[str, Any] = {
            "party": party,
            "project": project.key,
            "reasons": reasons,
            "required_by_engagements": because,
            "max_age_days": max_age_days,
            "evaluated_on": on.isoformat(),
            "declaration": None,
        }
        if newest is not None and newest.declaration is not None:
            d = newest.declaration
            evidence["declaration"] = {
                "id": newest.stored.id,
                "sha256": newest.stored.sha256,
                "as_of": d.as_of.isoformat(),
                "declared_at": d.declared_at.isoformat(),
                "subcontractors": sorted(d.subcontractor_keys),
                "verified_keyids": list(newest.keyids),
            }
        out.append(
            Finding.of(
                "CHAIN-3",
                subject_type=SubjectType.PARTY,
                subject_key=party,
                project=project.key,
                summary=summary,
                confidence=confidence,
                analyzer=ANALYZER,
                dedupe=party,
                evidence=evidence,
            )
        )
    return out


def _judge_newest(
    decl: Declaration,
    party: str,
    active: Sequence[Engagement],
    changes: Mapping[str, datetime],
    on: date,
    max_age_days: int,
    label,
) -> list[dict[str, Any]]:
    reasons: list[dict[str, Any]] = []
    declared = decl.subcontractor_keys
    omitted = [
        e
        for e in active
        if e.contractor == party
        and e.subcontractor not in declared
        and (e.start is None or e.start <= decl.as_of)
    ]
    if omitted:
        names = ", ".join(f"{label(e.subcontractor)} ({e.key})" for e in omitted)
        reasons.append(
            {
                "kind": "omits",
                "text": f"its declaration as of {decl.as_of} omits {names}",
                "omitted": [
                    {"party": e.subcontractor, "engagement": e.key, "status": e.status.value}
                    for e in omitted
                ],
            }
        )
    age = (on - decl.as_of).days
    if age > max_age_days:
        reasons.append(
            {
                "kind": "stale",
                "text": f"its declaration is {age} days old (over {max_age_days})",
                "age_days": age,
            }
        )
    else:
        latest = _latest_change(party, active, changes, on)
        if latest is not None and latest[0] > decl.as_of:
            reasons.append(
                {
                    "kind": "stale",
                    "text": f"engagement {latest[1]} changed on {latest[0]}, after its "
                    f"declaration as of {decl.as_of}",
                    "changed_on": latest[0].isoformat(),
                    "engagement": latest[1],
                }
            )
    return reasons


def _latest_change(
    party: str, active: Sequence[Engagement], changes: Mapping[str, datetime], on: date
) -> tuple[date, str] | None:
    seen: list[tuple[date, str]] = []
    for e in active:
        if party not in (e.contractor, e.subcontractor):
            continue
        for d in (e.start, e.authorized_on, changes[e.key].date() if e.key in changes else None):
            if d is not None and d <= on:
                seen.append((d, e.key))
    return max(seen) if seen else None
