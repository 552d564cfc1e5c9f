"""Findings in the database: upsert by fingerprint, query by project, rule, subject, status.

Re-running an analyzer refreshes ``last_seen``, severity, confidence, summary and evidence of
a finding it raised before and keeps its id, ``first_seen`` and review status, so a dismissed
false positive stays dismissed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from chainwatch.errors import NotFoundError
from chainwatch.findings.catalogue import Severity
from chainwatch.findings.finding import Finding, FindingStatus, StoredFinding, SubjectType
from chainwatch.storage.models import FindingRow


def _aware(dt: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def stored_from_row(row: FindingRow) -> StoredFinding:
    finding = Finding(
        rule_id=row.rule_id,
        subject_type=SubjectType(row.subject_type),
        subject_key=row.subject_key,
        summary=row.summary,
        evidence=row.evidence,
        confidence=row.confidence,
        severity=Severity(row.severity),
        source=row.source,
        analyzer=row.analyzer,
        project=row.project_key,
        dedupe=row.dedupe,
    )
    return StoredFinding(
        id=row.id,
        finding=finding,
        status=FindingStatus(row.status),
        first_seen=_aware(row.first_seen),
        last_seen=_aware(row.last_seen),
    )


def record_findings(session: Session, findings: Iterable[Finding], now: datetime) -> dict[str, int]:
    """Store findings; returns how many were new and how many refreshed."""
    counts = {"new": 0, "refreshed": 0}
    for f in findings:
        row = session.scalar(select(FindingRow).where(FindingRow.fingerprint == f.fingerprint))
        if row is None:
            row = FindingRow(
                fingerprint=f.fingerprint,
                status=FindingStatus.OPEN.value,
                first_seen=now,
                rule_id=f.rule_id,
                subject_type=f.subject_type.value,
                subject_key=f.subject_key,
                project_key=f.project,
                analyzer=f.analyzer,
                dedupe=f.dedupe,
            )
            session.add(row)
            counts["new"] += 1
        else:
            counts["refreshed"] += 1
            if row.status == FindingStatus.RESOLVED.value:  # it came back: look again
                row.status = FindingStatus.OPEN.value
        row.severity = f.severity.value
        row.confidence = f.confidence
        row.summary = f.summary
        row.evidence = dict(f.evidence)
        row.source = f.source
        row.last_seen = now
    session.flush()
    return counts


def resolve_missing(session: Session, analyzer: str, raised: Iterable[str]) -> int:
    """After a full run of ``analyzer``, mark its open or acknowledged findings that it did not
    raise again as resolved (the engagement was authorized, the entry delisted...). Dismissed
    findings keep their review; a resolved finding that is raised again reopens."""
    keep = set(raised)
    rows = session.scalars(
        select(FindingRow).where(
            FindingRow.analyzer == analyzer,
            FindingRow.rule_id != "SCR-6",  # an event (a list changed), not a standing state
            FindingRow.status.in_([FindingStatus.OPEN.value, FindingStatus.ACKNOWLEDGED.value]),
        )
    ).all()
    closed = 0
    for row in rows:
        if row.fingerprint not in keep:
            row.status = FindingStatus.RESOLVED.value  # last_seen stays: when it last held
            closed += 1
    session.flush()
    return closed


def list_findings(
    session: Session,
    *,
    project: str | None = None,
    rule: str | None = None,
    status: FindingStatus | None = None,
    subject_key: str | None = None,
) -> list[StoredFinding]:
    q = select(FindingRow)
    if project is not None:
        q = q.where(FindingRow.project_key == project)
    if rule is not None:
        q = q.where(FindingRow.rule_id == rule)
    if status is not None:
        q = q.where(FindingRow.status == status.value)
    if subject_key is not None:
        q = q.where(FindingRow.subject_key == subject_key)
    rows = session.scalars(q.order_by(FindingRow.id)).all()
    found = [stored_from_row(r) for r in rows]
    found.sort(key=lambda s: (-s.finding.severity.rank, -s.finding.confidence, s.id))
    return found


def get_finding(session: Session, finding_id: int) -> StoredFinding:
    row = session.get(FindingRow, finding_id)
    if row is None:
        raise NotFoundError(f"no finding #{finding_id}")
    return stored_from_row(row)


def set_finding_status(session: Session, finding_id: int, status: FindingStatus) -> StoredFinding:
    row = session.get(FindingRow, finding_id)
    if row is None:
        raise NotFoundError(f"no finding #{finding_id}")
    row.status = status.value
    session.flush()
    return stored_from_row(row)
