"""Query and review stored findings; record each finding's life in the evidence ledger.

Every finding that is created, and every change of its severity or status, becomes a
``finding`` entry in the ledger in the same transaction, whichever code path made it
(analyzers, scans, marks, list updates, reviews, cases): a ``before_flush`` hook on every
session (``storage.ledger_models``) calls :func:`record_finding_changes`. Refreshes that only
move ``last_seen`` are not recorded.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from chainwatch.errors import InputError
from chainwatch.findings.catalogue import get_rule
from chainwatch.findings.finding import FindingStatus, StoredFinding
from chainwatch.ledger.canonical import canonical_bytes
from chainwatch.storage import findings_store
from chainwatch.storage.models import FindingRow


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


# --------------------------------------------------------------------------- ledger hook


def _evidence_sha256(evidence: Any) -> str:
    try:
        data = canonical_bytes(evidence)
    except TypeError:  # a value JSON columns accept but canonical JSON refuses (NaN...)
        data = json.dumps(evidence, sort_keys=True, default=str).encode()
    return hashlib.sha256(data).hexdigest()


def ledger_subject(row: FindingRow) -> str:
    """``RULE:subject_type:subject_key`` (shortened with a hash past 500 characters)."""
    subject = f"{row.rule_id}:{row.subject_type}:{row.subject_key}"
    if len(subject) > 500:
        subject = subject[:470] + "~" + hashlib.sha256(subject.encode()).hexdigest()[:24]
    return subject


def _finding_payload(row: FindingRow, event_name: str) -> dict[str, Any]:
    return {
        "event": event_name,
        "rule_id": row.rule_id,
        "subject_type": row.subject_type,
        "subject_key": row.subject_key,
        "project": row.project_key,
        "fingerprint": row.fingerprint,
        "severity": row.severity,
        "confidence": row.confidence,
        "status": row.status,
        "summary": row.summary,
        "evidence_sha256": _evidence_sha256(row.evidence),
        "analyzer": row.analyzer,
        "first_seen": row.first_seen,
        "last_seen": row.last_seen,
    }


def _changes(row: FindingRow) -> dict[str, list[Any]]:
    state = inspect(row)
    out = {}
    for name in ("severity", "status"):
        history = state.attrs[name].history
        if history.added and history.deleted and history.added[0] != history.deleted[0]:
            out[name] = [history.deleted[0], history.added[0]]
    return out


def record_finding_changes(session: Session) -> None:
    """Append a ``finding`` ledger entry for each finding created, or whose severity or
    status changed, in the flush about to happen. Called by the ``before_flush`` hook in
    ``storage.ledger_models`` (so no code path that stores findings can skip it)."""
    from chainwatch.service import ledger

    items = []
    for obj in list(session.new):
        if isinstance(obj, FindingRow):
            items.append(("finding", ledger_subject(obj), _finding_payload(obj, "created"), None))
    for obj in list(session.dirty):
        if isinstance(obj, FindingRow) and obj not in session.new:
            changes = _changes(obj)
            if changes:
                payload = {**_finding_payload(obj, "changed"), "changes": changes}
                items.append(("finding", ledger_subject(obj), payload, None))
    if items:
        ledger.append_during_flush(session, items)
