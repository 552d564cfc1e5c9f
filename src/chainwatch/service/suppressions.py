"""Suppressions: known false positives kept out of risk until an expiry, each one recorded.

A suppression matches one finding by fingerprint (the same finding across analyzer re-runs),
or a rule id plus a glob on the finding's subject key (``fnmatch``: ``*``, ``?``, ``[...]``;
case-sensitive). It needs a reason, an owner and a future expiry; it applies from its creation
until ``expires_at`` or its revocation, then stops applying by itself (``is_active``). Nothing is
deleted: a revoked suppression keeps its row with who revoked it and when. Creating and revoking
append ``suppression`` entries to the evidence ledger in the caller's transaction.

The small validators here (``clean_user``, ``clean_text``, ``aware``) are shared with
``service.cases``, whose decisions follow the same rules.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chainwatch.errors import InputError, NotFoundError
from chainwatch.findings.catalogue import get_rule
from chainwatch.findings.finding import Finding, StoredFinding
from chainwatch.service import ledger
from chainwatch.storage.case_models import SuppressionRow
from chainwatch.storage.models import FindingRow

MAX_USER = 200
MAX_TEXT = 20_000


def aware(dt: datetime | None) -> datetime | None:
    """UTC, always: SQLite hands back naive datetimes and drops an offset it is given, so a
    +09:00 expiry is converted here, on the way in, or both databases would disagree."""
    if dt is None:
        return None
    return dt.astimezone(UTC) if dt.tzinfo else dt.replace(tzinfo=UTC)


def resolve_now(now: datetime | None) -> datetime:
    return aware(now) if now is not None else datetime.now(UTC)


def clean_user(value: str | None, what: str) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise InputError(f"{what} is empty")
    if len(text) > MAX_USER:
        raise InputError(f"{what} is longer than {MAX_USER} characters")
    return text


def clean_text(value: str | None, what: str, limit: int = MAX_TEXT) -> str:
    text = (value or "").strip()
    if not text:
        raise InputError(f"{what} is empty")
    if len(text) > limit:
        raise InputError(f"{what} is longer than {limit} characters")
    return text


def record_in_ledger(session: Session, kind: str, subject: str, payload: dict, at: datetime) -> int:
    """One evidence-ledger entry in the caller's transaction; returns its sequence number."""
    return ledger.append(session, kind, subject, payload, at=at)


@dataclass(frozen=True)
class Suppression:
    id: int
    reason: str
    owner: str
    created_by: str
    created_at: datetime
    expires_at: datetime
    fingerprint: str | None = None
    rule_id: str | None = None
    subject_pattern: str | None = None
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    finding_id: int | None = None
    case_id: int | None = None

    def is_active(self, now: datetime) -> bool:
        """Created, not expired, not revoked at ``now``."""
        if self.revoked_at is not None and self.revoked_at <= now:
            return False
        return self.created_at <= now < self.expires_at

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None and self.revoked_at <= now:
            return "revoked"
        if now >= self.expires_at:
            return "expired"
        return "active" if now >= self.created_at else "pending"

    def matches(self, finding: Finding) -> bool:
        if self.fingerprint is not None:
            return finding.fingerprint == self.fingerprint
        return (
            self.rule_id == finding.rule_id
            and self.subject_pattern is not None
            and fnmatch.fnmatchcase(finding.subject_key, self.subject_pattern)
        )

    def describe(self) -> str:
        if self.fingerprint is not None:
            what = f"finding #{self.finding_id}" if self.finding_id else "one finding"
            return f"{what} (fingerprint {self.fingerprint[:12]})"
        return f"{self.rule_id} on {self.subject_pattern}"

    def to_dict(self, now: datetime | None = None) -> dict[str, Any]:
        out = {
            "id": self.id,
            "match": {
                "fingerprint": self.fingerprint,
                "rule_id": self.rule_id,
                "subject_pattern": self.subject_pattern,
            },
            "describes": self.describe(),
            "reason": self.reason,
            "owner": self.owner,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "revoked_by": self.revoked_by,
            "finding_id": self.finding_id,
            "case_id": self.case_id,
        }
        if now is not None:
            out["state"] = self.state(now)
        return out


def suppression_from_row(row: SuppressionRow) -> Suppression:
    return Suppression(
        id=row.id,
        reason=row.reason,
        owner=row.owner,
        created_by=row.created_by,
        created_at=aware(row.created_at),
        expires_at=aware(row.expires_at),
        fingerprint=row.fingerprint,
        rule_id=row.rule_id,
        subject_pattern=row.subject_pattern,
        revoked_at=aware(row.revoked_at),
        revoked_by=row.revoked_by,
        finding_id=row.finding_id,
        case_id=row.case_id,
    )


def _finding_of(item: Finding | StoredFinding) -> Finding:
    return item.finding if isinstance(item, StoredFinding) else item


def suppression_for(
    finding: Finding | StoredFinding, suppressions: Iterable[Suppression], now: datetime
) -> Suppression | None:
    """The first suppression active at ``now`` that matches ``finding``, else None."""
    f = _finding_of(finding)
    for s in suppressions:
        if s.is_active(now) and s.matches(f):
            return s
    return None


def is_suppressed(
    finding: Finding | StoredFinding, suppressions: Iterable[Suppression], now: datetime
) -> bool:
    """Whether an active suppression covers ``finding`` at ``now`` (expired ones never do)."""
    return suppression_for(finding, suppressions, now) is not None


def list_suppressions(
    session: Session, *, active_only: bool = True, now: datetime | None = None
) -> list[Suppression]:
    now = resolve_now(now)
    rows = session.scalars(select(SuppressionRow).order_by(SuppressionRow.id)).all()
    found = [suppression_from_row(r) for r in rows]
    return [s for s in found if s.is_active(now)] if active_only else found


def active_suppressions(session: Session, now: datetime | None = None) -> list[Suppression]:
    return list_suppressions(session, active_only=True, now=now)


def exact_pattern(text: str) -> str:
    """A pattern that matches exactly ``text`` (``*``, ``?``, ``[`` taken literally)."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


def suppress(
    session: Session,
    *,
    reason: str,
    owner: str,
    expires_at: datetime,
    actor: str,
    finding_id: int | None = None,
    rule: str | None = None,
    subject: str | None = None,
    case_id: int | None = None,
    now: datetime | None = None,
) -> Suppression:
    """Suppress one finding (``finding_id``: by its fingerprint) or a rule on subjects matching
    a glob (``rule`` + ``subject``). Reason, owner and a future expiry are required."""
    now = resolve_now(now)
    actor = clean_user(actor, "the acting user")
    owner = clean_user(owner, "the suppression's owner")
    reason = clean_text(reason, "the suppression's reason")
    expires_at = aware(expires_at)
    if expires_at is None:
        raise InputError("a suppression needs an expiry date")
    if expires_at <= now:
        raise InputError(f"expiry {expires_at.isoformat()} is not in the future")
    by_finding = finding_id is not None
    by_rule = rule is not None or subject is not None
    if by_finding == by_rule:
        raise InputError(
            "suppress either one finding (--finding) or a rule on a subject (--rule and --subject)"
        )
    fingerprint = rule_id = pattern = None
    if by_finding:
        row = session.get(FindingRow, finding_id)
        if row is None:
            raise NotFoundError(f"no finding #{finding_id}")
        fingerprint = row.fingerprint
    else:
        if not rule or not subject or not subject.strip():
            raise InputError("a rule suppression needs both --rule and --subject")
        rule_id = get_rule(rule.strip().upper()).id
        pattern = clean_text(subject, "the subject pattern", 500)
    row = SuppressionRow(
        fingerprint=fingerprint,
        rule_id=rule_id,
        subject_pattern=pattern,
        reason=reason,
        owner=owner,
        created_by=actor,
        created_at=now,
        expires_at=expires_at,
        finding_id=finding_id,
        case_id=case_id,
    )
    session.add(row)
    session.flush()
    made = suppression_from_row(row)
    record_in_ledger(
        session,
        "suppression",
        f"suppression:{row.id}",
        {"action": "created", "actor": actor, **made.to_dict()},
        now,
    )
    return made


def revoke_suppression(
    session: Session,
    suppression_id: int,
    *,
    actor: str,
    reason: str | None = None,
    now: datetime | None = None,
) -> Suppression:
    """End a suppression before its expiry; the row stays, with who revoked it and when."""
    now = resolve_now(now)
    actor = clean_user(actor, "the acting user")
    row = session.get(SuppressionRow, suppression_id)
    if row is None:
        raise NotFoundError(f"no suppression #{suppression_id}")
    if row.revoked_at is not None:
        raise InputError(f"suppression #{suppression_id} was already revoked")
    row.revoked_at = now
    row.revoked_by = actor
    session.flush()
    made = suppression_from_row(row)
    record_in_ledger(
        session,
        "suppression",
        f"suppression:{row.id}",
        {"action": "revoked", "actor": actor, "reason": reason, **made.to_dict()},
        now,
    )
    return made
