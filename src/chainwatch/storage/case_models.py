"""Tables of cases, their findings, comments, attachments and history, and suppressions.

A case is the record of a human decision about findings (see ``chainwatch.service.cases``).
Nothing here is ever deleted by the service: a closed case is reopened, a suppression is
revoked (``revoked_at``), so the history an auditor reads is the history that happened.
Attachments are copies stored under the data dir by content hash; the row keeps the
original name and the hash. Times are UTC.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from chainwatch.storage.models import KEY, Base

USER = String(200)


class CaseRow(Base):
    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_status_project", "status", "project"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    project: Mapped[str | None] = mapped_column(KEY)
    status: Mapped[str] = mapped_column(String(20))  # open | closed
    assignee: Mapped[str | None] = mapped_column(USER)
    disposition: Mapped[str | None] = mapped_column(String(20))  # when closed
    approver: Mapped[str | None] = mapped_column(USER)  # required for accepted_risk
    close_reason: Mapped[str | None] = mapped_column(Text)
    opened_by: Mapped[str] = mapped_column(USER)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(USER)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CaseFindingRow(Base):
    """A finding a case is about; ``status_before`` is the finding's review status before the
    case was closed (restored when it is reopened)."""

    __tablename__ = "case_findings"
    __table_args__ = (UniqueConstraint("case_id", "finding_id", name="uq_case_findings_pair"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"), index=True)
    added_by: Mapped[str] = mapped_column(USER)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status_before: Mapped[str | None] = mapped_column(String(20))


class CaseCommentRow(Base):
    __tablename__ = "case_comments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(USER)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    text: Mapped[str] = mapped_column(Text)


class CaseAttachmentRow(Base):
    """A file attached to a case: a copy at ``stored_path`` (relative to the data dir)."""

    __tablename__ = "case_attachments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    original_name: Mapped[str] = mapped_column(String(500))
    stored_path: Mapped[str] = mapped_column(String(2000))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    added_by: Mapped[str] = mapped_column(USER)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CaseEventRow(Base):
    """One step of a case's history: opened, assigned, commented, attached, closed, reopened."""

    __tablename__ = "case_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(USER)
    action: Mapped[str] = mapped_column(String(20))
    details: Mapped[dict] = mapped_column(JSON)
    ledger_seq: Mapped[int | None] = mapped_column(BigInteger)  # its evidence-ledger entry


class SuppressionRow(Base):
    """Keeps matching findings out of risk until ``expires_at`` (or until revoked).

    Matches by ``fingerprint`` (one finding, across re-runs) or by ``rule_id`` plus a glob
    ``subject_pattern`` on the finding's subject key (e.g. NET-2 on ``*@studio.example``).
    """

    __tablename__ = "suppressions"
    __table_args__ = (Index("ix_suppressions_rule_id", "rule_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str | None] = mapped_column(String(64), index=True)
    rule_id: Mapped[str | None] = mapped_column(String(20))
    subject_pattern: Mapped[str | None] = mapped_column(String(500))
    reason: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(USER)
    created_by: Mapped[str] = mapped_column(USER)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[str | None] = mapped_column(USER)
    finding_id: Mapped[int | None] = mapped_column(
        ForeignKey("findings.id", ondelete="SET NULL")
    )  # the finding it was made from, if any
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
