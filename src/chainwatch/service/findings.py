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
    """Findings, most severe first; unknown rule ids, statuses and projects are user errors.

    With ``project``, the project's own findings and those about its parties (see
    ``findings_for_project``)."""
    if rule is not None:
        rule = get_rule(rule.upper()).id
    wanted = parse_status(status) if status else None
    if project is not None:
        return [
            s
            for s in findings_for_project(session, project)
            if (rule is None or s.finding.rule_id == rule)
            and (wanted is None or s.status is wanted)
            and (subject is None or s.finding.subject_key == subject)
        ]
    return findings_store.list_findings(session, rule=rule, status=wanted, subject_key=subject)


def findings_for_project(session: Session, project: str) -> list[StoredFinding]:
    """The project's own findings plus project-less findings (sanctions hits) about any
    party that takes part in it: a listed subcontractor belongs on its project's chain."""
    from chainwatch.storage import registry_store as store

    proj = store.get_project(session, project)
    members = {proj.client} | {
        k for e in store.list_engagements(session, project) for k in (e.contractor, e.subcontractor)
    }
    return [
        s
        for s in findings_store.list_findings(session)
        if s.finding.project == project
        or (s.finding.project is None and s.finding.subject_key in members)
    ]


def findings_per_subject(session: Session, project: str) -> dict[str, int]:
    return dict(Counter(s.finding.subject_key for s in findings_for_project(session, project)))


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
