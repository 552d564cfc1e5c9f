"""Cases and suppressions: the human decisions about findings, each one in the ledger.

A **case** is opened on findings, assigned, commented, given attachments, and closed with a
disposition:

- ``confirmed``: the findings are true; they become ``acknowledged`` and the risk engine counts
  them at confidence 1.0 with its ``confirmed_floors`` (a confirmed sanctions match is critical);
- ``false_positive``: they become ``dismissed`` (re-running analyzers keeps that) and stop
  counting; ``suppress=True`` also suppresses the same rule on the same subject until an expiry,
  so the next raise of it (another project, another window) stays quiet too;
- ``accepted_risk``: they become ``acknowledged`` and keep counting, labelled with the
  approver, who must be named and must be someone other than the person closing.

Reopening restores each finding's review status from before the close (unless an analyzer or a
reviewer changed it since) and revokes the suppressions the close created.

Suppressions live in ``service.suppressions``; their functions are re-exported here, so
``cases.suppress(...)`` and ``cases.is_suppressed(...)`` read as the CLI's ``case suppress``.

Every decision (open, assign, comment, attach, close, reopen, suppress, revoke) appends to the
evidence ledger in the caller's transaction (``service.ledger.append``): kinds ``case`` (open,
assign, comment, attach), ``decision`` (close, reopen) and ``suppression``. Nothing is deleted.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chainwatch.errors import InputError, NotFoundError
from chainwatch.findings.finding import FindingStatus, StoredFinding
from chainwatch.service.suppressions import (
    Suppression,
    active_suppressions,
    aware,
    clean_text,
    clean_user,
    exact_pattern,
    is_suppressed,
    list_suppressions,
    record_in_ledger,
    resolve_now,
    revoke_suppression,
    suppress,
    suppression_for,
    suppression_from_row,
)
from chainwatch.settings import Settings
from chainwatch.storage import findings_store
from chainwatch.storage.case_models import (
    CaseAttachmentRow,
    CaseCommentRow,
    CaseEventRow,
    CaseFindingRow,
    CaseRow,
    SuppressionRow,
)
from chainwatch.storage.models import FindingRow

DISPOSITIONS = ("confirmed", "false_positive", "accepted_risk")
STATUSES = ("open", "closed")
# What a close does to its findings' review status.
_STATUS_AFTER = {
    "confirmed": FindingStatus.ACKNOWLEDGED,
    "false_positive": FindingStatus.DISMISSED,
    "accepted_risk": FindingStatus.ACKNOWLEDGED,
}
MAX_TITLE = 500
ATTACHMENTS_DIR = "attachments"


@dataclass(frozen=True)
class CaseSummary:
    id: int
    title: str
    project: str | None
    status: str
    assignee: str | None
    disposition: str | None
    approver: str | None
    close_reason: str | None
    opened_by: str
    opened_at: datetime
    closed_by: str | None
    closed_at: datetime | None
    finding_ids: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "project": self.project,
            "status": self.status,
            "assignee": self.assignee,
            "disposition": self.disposition,
            "approver": self.approver,
            "close_reason": self.close_reason,
            "opened_by": self.opened_by,
            "opened_at": self.opened_at.isoformat(),
            "closed_by": self.closed_by,
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
            "finding_ids": list(self.finding_ids),
        }


@dataclass(frozen=True)
class CaseView:
    """One case with everything an auditor asks for: findings, comments, files, history."""

    case: CaseSummary
    findings: tuple[StoredFinding, ...]
    comments: tuple[dict[str, Any], ...] = ()
    attachments: tuple[dict[str, Any], ...] = ()
    history: tuple[dict[str, Any], ...] = ()
    suppressions: tuple[Suppression, ...] = field(default=())

    @property
    def id(self) -> int:
        return self.case.id

    @property
    def status(self) -> str:
        return self.case.status

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.case.to_dict(),
            "findings": [
                {
                    "id": s.id,
                    "rule_id": s.finding.rule_id,
                    "severity": s.finding.severity.value,
                    "confidence": s.finding.confidence,
                    "subject": {
                        "type": s.finding.subject_type.value,
                        "key": s.finding.subject_key,
                    },
                    "project": s.finding.project,
                    "summary": s.finding.summary,
                    "status": s.status.value,
                    "fingerprint": s.finding.fingerprint,
                }
                for s in self.findings
            ],
            "comments": list(self.comments),
            "attachments": list(self.attachments),
            "history": list(self.history),
            "suppressions": [s.to_dict() for s in self.suppressions],
        }


def _case_row(session: Session, case_id: int) -> CaseRow:
    row = session.get(CaseRow, case_id)
    if row is None:
        raise NotFoundError(f"no case #{case_id}")
    return row


def _finding_ids(session: Session, case_id: int) -> tuple[int, ...]:
    return tuple(
        session.scalars(
            select(CaseFindingRow.finding_id)
            .where(CaseFindingRow.case_id == case_id)
            .order_by(CaseFindingRow.id)
        ).all()
    )


def _summary(session: Session, row: CaseRow) -> CaseSummary:
    return CaseSummary(
        id=row.id,
        title=row.title,
        project=row.project,
        status=row.status,
        assignee=row.assignee,
        disposition=row.disposition,
        approver=row.approver,
        close_reason=row.close_reason,
        opened_by=row.opened_by,
        opened_at=aware(row.opened_at),
        closed_by=row.closed_by,
        closed_at=aware(row.closed_at),
        finding_ids=_finding_ids(session, row.id),
    )


def _record(
    session: Session,
    case: CaseRow,
    *,
    actor: str,
    action: str,
    details: dict[str, Any],
    now: datetime,
    kind: str = "case",
) -> CaseEventRow:
    """One history step, and its ledger entry in the same transaction."""
    event = CaseEventRow(case_id=case.id, at=now, actor=actor, action=action, details=details)
    session.add(event)
    session.flush()
    event.ledger_seq = record_in_ledger(
        session,
        kind,
        f"case:{case.id}",
        {"case": case.id, "event": event.id, "action": action, "actor": actor, **details},
        now,
    )
    session.flush()
    return event


def _open_guard(case: CaseRow, doing: str) -> None:
    if case.status != "open":
        raise InputError(f"case #{case.id} is closed; reopen it before you {doing}")


def open_case(
    session: Session,
    title: str,
    finding_ids: Sequence[int],
    *,
    project: str | None = None,
    assignee: str | None = None,
    actor: str,
    now: datetime | None = None,
) -> CaseView:
    """Open a case on findings. Without ``project``, the findings' project when they share one."""
    now = resolve_now(now)
    actor = clean_user(actor, "the acting user")
    title = " ".join(clean_text(title, "the case title", MAX_TITLE).split())
    ids = list(dict.fromkeys(int(i) for i in finding_ids))
    if not ids:
        raise InputError("a case needs at least one finding (--finding ID)")
    found = [findings_store.get_finding(session, i) for i in ids]
    if project is not None:
        from chainwatch.storage import registry_store

        project = registry_store.get_project(session, project).key
    else:
        projects = {s.finding.project for s in found} - {None}
        project = projects.pop() if len(projects) == 1 else None
    assignee = clean_user(assignee, "the assignee") if assignee is not None else None
    case = CaseRow(
        title=title,
        project=project,
        status="open",
        assignee=assignee,
        opened_by=actor,
        opened_at=now,
    )
    session.add(case)
    session.flush()
    for s in found:
        session.add(CaseFindingRow(case_id=case.id, finding_id=s.id, added_by=actor, added_at=now))
    session.flush()
    _record(
        session,
        case,
        actor=actor,
        action="opened",
        details={
            "title": title,
            "project": project,
            "assignee": assignee,
            "findings": [
                {"id": s.id, "rule_id": s.finding.rule_id, "fingerprint": s.finding.fingerprint}
                for s in found
            ],
        },
        now=now,
    )
    return get_case(session, case.id)


def assign(
    session: Session, case_id: int, assignee: str, *, actor: str, now: datetime | None = None
) -> CaseView:
    now = resolve_now(now)
    actor = clean_user(actor, "the acting user")
    assignee = clean_user(assignee, "the assignee")
    case = _case_row(session, case_id)
    _open_guard(case, "assign it")
    before, case.assignee = case.assignee, assignee
    _record(
        session,
        case,
        actor=actor,
        action="assigned",
        details={"from": before, "to": assignee},
        now=now,
    )
    return get_case(session, case_id)


def comment(
    session: Session, case_id: int, text: str, *, actor: str, now: datetime | None = None
) -> CaseView:
    """Add a comment (allowed on closed cases too: notes after a decision are still notes)."""
    now = resolve_now(now)
    actor = clean_user(actor, "the acting user")
    text = clean_text(text, "the comment")
    case = _case_row(session, case_id)
    row = CaseCommentRow(case_id=case.id, author=actor, at=now, text=text)
    session.add(row)
    session.flush()
    _record(
        session,
        case,
        actor=actor,
        action="commented",
        details={"comment": row.id, "text": text},
        now=now,
    )
    return get_case(session, case_id)


def _store_copy(source: Path, folder: Path) -> tuple[str, int, Path]:
    """Copy ``source`` into ``folder/<sha256>`` while hashing it; the source is only read.

    The copy is written to a temporary name and renamed once its hash is known, so a
    half-written file never sits under a hash name; an existing copy with the same name and
    the same bytes is kept (attachments are stored once per content).
    """
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".incoming-")
    tmp = Path(tmp_name)
    try:
        with source.open("rb") as src, os.fdopen(fd, "wb") as dst:
            for block in iter(lambda: src.read(1 << 20), b""):
                digest.update(block)
                dst.write(block)
                size += len(block)
        sha = digest.hexdigest()
        target = folder / sha
        if target.is_file():
            from chainwatch.hashing import sha256_file

            if sha256_file(target) == sha:
                tmp.unlink()
                return sha, size, target
            target.chmod(0o600)  # a damaged copy: replace it with the good bytes
        os.chmod(tmp, 0o444)
        os.replace(tmp, target)
        return sha, size, target
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def attach(
    session: Session,
    settings: Settings,
    case_id: int,
    path: Path,
    *,
    actor: str,
    now: datetime | None = None,
) -> CaseView:
    """Attach a copy of a file: stored as ``<home>/attachments/<sha256>`` (read-only), with its
    original name, size and hash recorded in the case and in the ledger."""
    now = resolve_now(now)
    actor = clean_user(actor, "the acting user")
    case = _case_row(session, case_id)
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path} is a folder; attach files one at a time")
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        sha, size, stored = _store_copy(path, settings.home / ATTACHMENTS_DIR)
    except OSError as exc:
        raise InputError(f"{path}: cannot copy ({exc.strerror or exc})") from None
    relative = stored.relative_to(settings.home).as_posix()
    row = CaseAttachmentRow(
        case_id=case.id,
        original_name=path.name[:500],
        stored_path=relative,
        sha256=sha,
        size=size,
        added_by=actor,
        added_at=now,
    )
    session.add(row)
    session.flush()
    _record(
        session,
        case,
        actor=actor,
        action="attached",
        details={
            "attachment": row.id,
            "name": row.original_name,
            "sha256": sha,
            "size": size,
            "stored_path": relative,
        },
        now=now,
    )
    return get_case(session, case_id)


def close(
    session: Session,
    case_id: int,
    disposition: str,
    *,
    actor: str,
    approver: str | None = None,
    reason: str | None = None,
    suppress_findings: bool = False,
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> CaseView:
    """Close with a disposition (see the module docstring for what each does)."""
    now = resolve_now(now)
    actor = clean_user(actor, "the acting user")
    case = _case_row(session, case_id)
    if case.status != "open":
        raise InputError(f"case #{case_id} is already closed ({case.disposition})")
    disposition = (disposition or "").strip().lower().replace("-", "_")
    if disposition not in DISPOSITIONS:
        raise InputError(
            f"unknown disposition {disposition!r}; choose from {', '.join(DISPOSITIONS)}"
        )
    approver = clean_user(approver, "the approver") if approver is not None else None
    if disposition == "accepted_risk":
        if approver is None:
            raise InputError("closing as accepted_risk needs an approver (--approver)")
        if approver == actor:
            raise InputError("the approver of an accepted risk must be someone else than you")
    reason = clean_text(reason, "the reason") if reason is not None else None
    if suppress_findings:
        if disposition != "false_positive":
            raise InputError("--suppress goes with --disposition false_positive only")
        if reason is None:
            raise InputError("a suppression needs a reason (--reason)")
        if expires_at is None:
            raise InputError("a suppression needs an expiry (--expires DATE)")
        if aware(expires_at) <= now:
            raise InputError(f"expiry {aware(expires_at).isoformat()} is not in the future")
    links = session.scalars(
        select(CaseFindingRow).where(CaseFindingRow.case_id == case.id).order_by(CaseFindingRow.id)
    ).all()
    after = _STATUS_AFTER[disposition]
    changes = []
    for link in links:
        finding = session.get(FindingRow, link.finding_id)
        link.status_before = finding.status
        finding.status = after.value
        changes.append({"id": finding.id, "from": link.status_before, "to": after.value})
    case.status = "closed"
    case.disposition = disposition
    case.approver = approver
    case.close_reason = reason
    case.closed_by = actor
    case.closed_at = now
    session.flush()
    made: list[Suppression] = []
    if suppress_findings:
        seen: set[tuple[str, str]] = set()
        for link in links:
            finding = session.get(FindingRow, link.finding_id)
            key = (finding.rule_id, finding.subject_key)
            if key in seen:
                continue
            seen.add(key)
            made.append(
                suppress(
                    session,
                    reason=reason,
                    owner=actor,
                    expires_at=expires_at,
                    actor=actor,
                    rule=finding.rule_id,
                    subject=exact_pattern(finding.subject_key),
                    case_id=case.id,
                    now=now,
                )
            )
    _record(
        session,
        case,
        actor=actor,
        action="closed",
        details={
            "disposition": disposition,
            "approver": approver,
            "reason": reason,
            "findings": changes,
            "suppressions": [s.id for s in made],
        },
        now=now,
        kind="decision",
    )
    return get_case(session, case_id)


def reopen(
    session: Session,
    case_id: int,
    *,
    actor: str,
    reason: str | None = None,
    now: datetime | None = None,
) -> CaseView:
    """Withdraw a close: findings get their earlier review status back (when nobody changed
    it since), the suppressions the close made are revoked, the disposition is cleared."""
    now = resolve_now(now)
    actor = clean_user(actor, "the acting user")
    case = _case_row(session, case_id)
    if case.status != "closed":
        raise InputError(f"case #{case_id} is open; only a closed case can be reopened")
    set_by_close = _STATUS_AFTER[case.disposition].value if case.disposition else None
    changes = []
    for link in session.scalars(
        select(CaseFindingRow).where(CaseFindingRow.case_id == case.id).order_by(CaseFindingRow.id)
    ):
        finding = session.get(FindingRow, link.finding_id)
        if link.status_before and finding.status == set_by_close:
            changes.append({"id": finding.id, "from": finding.status, "to": link.status_before})
            finding.status = link.status_before
        link.status_before = None
    revoked = []
    for row in session.scalars(
        select(SuppressionRow).where(
            SuppressionRow.case_id == case.id, SuppressionRow.revoked_at.is_(None)
        )
    ).all():
        revoke_suppression(
            session, row.id, actor=actor, reason=f"case #{case.id} reopened", now=now
        )
        revoked.append(row.id)
    previous = {
        "disposition": case.disposition,
        "approver": case.approver,
        "closed_by": case.closed_by,
        "closed_at": aware(case.closed_at).isoformat() if case.closed_at else None,
    }
    case.status = "open"
    case.disposition = case.approver = case.close_reason = None
    case.closed_by = None
    case.closed_at = None
    session.flush()
    _record(
        session,
        case,
        actor=actor,
        action="reopened",
        details={
            "reason": reason,
            "previous": previous,
            "findings": changes,
            "revoked_suppressions": revoked,
        },
        now=now,
        kind="decision",
    )
    return get_case(session, case_id)


def get_case(session: Session, case_id: int) -> CaseView:
    case = _case_row(session, case_id)
    summary = _summary(session, case)
    findings = tuple(findings_store.get_finding(session, i) for i in summary.finding_ids)
    comments = tuple(
        {"id": c.id, "author": c.author, "at": aware(c.at).isoformat(), "text": c.text}
        for c in session.scalars(
            select(CaseCommentRow)
            .where(CaseCommentRow.case_id == case_id)
            .order_by(CaseCommentRow.id)
        )
    )
    attachments = tuple(
        {
            "id": a.id,
            "name": a.original_name,
            "stored_path": a.stored_path,
            "sha256": a.sha256,
            "size": a.size,
            "added_by": a.added_by,
            "added_at": aware(a.added_at).isoformat(),
        }
        for a in session.scalars(
            select(CaseAttachmentRow)
            .where(CaseAttachmentRow.case_id == case_id)
            .order_by(CaseAttachmentRow.id)
        )
    )
    history = tuple(
        {
            "id": e.id,
            "at": aware(e.at).isoformat(),
            "actor": e.actor,
            "action": e.action,
            "details": e.details,
            "ledger_seq": e.ledger_seq,
        }
        for e in session.scalars(
            select(CaseEventRow).where(CaseEventRow.case_id == case_id).order_by(CaseEventRow.id)
        )
    )
    suppressions = tuple(
        suppression_from_row(r)
        for r in session.scalars(
            select(SuppressionRow)
            .where(SuppressionRow.case_id == case_id)
            .order_by(SuppressionRow.id)
        )
    )
    return CaseView(summary, findings, comments, attachments, history, suppressions)


def list_cases(
    session: Session,
    *,
    status: str | None = None,
    project: str | None = None,
    assignee: str | None = None,
) -> list[CaseSummary]:
    """Cases, newest first; an unknown status is a user error."""
    q = select(CaseRow)
    if status is not None:
        wanted = status.strip().lower()
        if wanted not in STATUSES:
            raise InputError(f"unknown case status {status!r}; choose from {', '.join(STATUSES)}")
        q = q.where(CaseRow.status == wanted)
    if project is not None:
        q = q.where(CaseRow.project == project)
    if assignee is not None:
        q = q.where(CaseRow.assignee == assignee)
    return [_summary(session, r) for r in session.scalars(q.order_by(CaseRow.id.desc()))]


@dataclass(frozen=True)
class Decision:
    """A closed case's disposition as the risk engine reads it, per finding."""

    case_id: int
    disposition: str
    approver: str | None
    closed_by: str | None


def decisions_by_finding(session: Session) -> dict[int, Decision]:
    """For each finding in a closed case, the newest closed case's disposition."""
    rows = session.execute(
        select(CaseFindingRow.finding_id, CaseRow)
        .join(CaseRow, CaseRow.id == CaseFindingRow.case_id)
        .where(CaseRow.status == "closed")
        .order_by(CaseRow.closed_at, CaseRow.id)
    ).all()
    return {
        finding_id: Decision(case.id, case.disposition, case.approver, case.closed_by)
        for finding_id, case in rows
    }


__all__ = [
    "DISPOSITIONS",
    "CaseSummary",
    "CaseView",
    "Decision",
    "Suppression",
    "active_suppressions",
    "assign",
    "attach",
    "close",
    "comment",
    "decisions_by_finding",
    "get_case",
    "is_suppressed",
    "list_cases",
    "list_suppressions",
    "open_case",
    "reopen",
    "revoke_suppression",
    "suppress",
    "suppression_for",
]
