"""Query and review stored findings."""

from __future__ import annotations

from collections import Counter

from sqlalchemy.orm import Session

from chainwatch.errors import InputError
from chainwatch.findings.catalogue import get_rule
from chainwatch.findings.finding import FindingStatus, StoredFinding
from chainwatch.storage import findings_store


def list_findings(
    session: Session,
    *,
    project: str | None = None,
    rule: str | None = None,
    status: str | None = None,
    subject: str | None = None,
) -> list[StoredFinding]:
    """Findings, most severe first; unknown rule ids and statuses are user errors."""
    if rule is not None:
        rule = get_rule(rule.upper()).id
    return findings_store.list_findings(
        session,
        project=project,
        rule=rule,
        status=parse_status(status) if status else None,
        subject_key=subject,
    )


def findings_per_subject(session: Session, project: str) -> dict[str, int]:
    return dict(Counter(s.finding.subject_key for s in list_findings(session, project=project)))


def parse_status(value: str) -> FindingStatus:
    try:
        return FindingStatus(value.lower())
    except ValueError:
        choices = ", ".join(s.value for s in FindingStatus)
        raise InputError(f"unknown finding status {value!r}; choose from {choices}") from None


def get_finding(session: Session, finding_id: int) -> StoredFinding:
    return findings_store.get_finding(session, finding_id)


def set_status(session: Session, finding_id: int, status: str) -> StoredFinding:
    return findings_store.set_finding_status(session, finding_id, parse_status(status))
