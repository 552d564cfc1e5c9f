"""cases, comments, attachments, suppressions

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 14:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

USER = sa.String(length=200)


def _case_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["case_id"], ["cases.id"], name=op.f(f"fk_{table}_case_id_cases"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("project", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("assignee", USER, nullable=True),
        sa.Column("disposition", sa.String(length=20), nullable=True),
        sa.Column("approver", USER, nullable=True),
        sa.Column("close_reason", sa.Text(), nullable=True),
        sa.Column("opened_by", USER, nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", USER, nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
    )
    op.create_index("ix_cases_status_project", "cases", ["status", "project"])
    op.create_table(
        "case_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("added_by", USER, nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_before", sa.String(length=20), nullable=True),
        _case_fk("case_findings"),
        sa.ForeignKeyConstraint(
            ["finding_id"], ["findings.id"], name=op.f("fk_case_findings_finding_id_findings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_findings")),
        sa.UniqueConstraint("case_id", "finding_id", name="uq_case_findings_pair"),
    )
    op.create_index(op.f("ix_case_findings_case_id"), "case_findings", ["case_id"])
    op.create_index(op.f("ix_case_findings_finding_id"), "case_findings", ["finding_id"])
    op.create_table(
        "case_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("author", USER, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _case_fk("case_comments"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_comments")),
    )
    op.create_index(op.f("ix_case_comments_case_id"), "case_comments", ["case_id"])
    op.create_table(
        "case_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("original_name", sa.String(length=500), nullable=False),
        sa.Column("stored_path", sa.String(length=2000), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("added_by", USER, nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        _case_fk("case_attachments"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_attachments")),
    )
    op.create_index(op.f("ix_case_attachments_case_id"), "case_attachments", ["case_id"])
    op.create_index(op.f("ix_case_attachments_sha256"), "case_attachments", ["sha256"])
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", USER, nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("ledger_seq", sa.BigInteger(), nullable=True),
        _case_fk("case_events"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
    )
    op.create_index(op.f("ix_case_events_case_id"), "case_events", ["case_id"])
    op.create_table(
        "suppressions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=True),
        sa.Column("rule_id", sa.String(length=20), nullable=True),
        sa.Column("subject_pattern", sa.String(length=500), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("owner", USER, nullable=False),
        sa.Column("created_by", USER, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", USER, nullable=True),
        sa.Column("finding_id", sa.Integer(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["findings.id"],
            name=op.f("fk_suppressions_finding_id_findings"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_suppressions_case_id_cases"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppressions")),
    )
    op.create_index(op.f("ix_suppressions_fingerprint"), "suppressions", ["fingerprint"])
    op.create_index("ix_suppressions_rule_id", "suppressions", ["rule_id"])


def downgrade() -> None:
    op.drop_table("suppressions")
    op.drop_table("case_events")
    op.drop_table("case_attachments")
    op.drop_table("case_comments")
    op.drop_table("case_findings")
    op.drop_table("cases")
